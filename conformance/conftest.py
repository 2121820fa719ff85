"""Makes the keras-conformance plugin active for ``pytest conformance/``."""

from conformance.plugin import (  # noqa: F401
    adapter,
    pytest_addoption,
    pytest_collection_finish,
    pytest_configure,
    pytest_report_header,
    pytest_runtest_call,
    pytest_runtest_logreport,
    pytest_runtest_makereport,
    pytest_runtest_setup,
    pytest_sessionfinish,
    pytest_terminal_summary,
    spec,
)
