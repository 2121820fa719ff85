"""Loads the keras-conformance plugin (conformance/plugin.py, whose docstring says why from here).

It acts only in a run given ``--adapter``: ``pytest conformance/ --adapter=NAME``; ``pytest tests/``
runs the project's own tests without it."""

pytest_plugins = ["conformance.plugin"]
