"""conformance/ is laid out like reference/: one family, one name, three places.

A family is one module of the spec (``conformance.cases.family``): its spec in reference/, its
cases in ``conformance/cases/<family>.py``, its checks in ``conformance/test_<family>.py``, which
holds only ``test_*`` functions and checks only the family's own features.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import reference
from conformance.cases import family

ROOT = Path(__file__).resolve().parents[1]
CONFORMANCE = ROOT / "conformance"
FAMILIES = sorted({family(f) for f in reference.FEATURES})
TEST_MODULES = sorted(p.stem.removeprefix("test_") for p in CONFORMANCE.glob("test_*.py"))
CASE_MODULES = sorted(p.stem for p in (CONFORMANCE / "cases").glob("*.py") if p.stem != "__init__")


@pytest.mark.parametrize("name", FAMILIES)
def test_family_has_cases_and_checks(name):
    missing = [str(p.relative_to(ROOT)) for p in (CONFORMANCE / "cases" / f"{name}.py", CONFORMANCE / f"test_{name}.py")
               if not p.exists()]
    assert not missing, f"family {name} (reference/) has no {' or '.join(missing)}"


def test_every_module_is_a_family():
    """No check module or case module named for an aspect (values, shapes...) instead of a family."""
    strays = [f"conformance/test_{m}.py" for m in TEST_MODULES if m not in FAMILIES]
    strays += [f"conformance/cases/{m}.py" for m in CASE_MODULES if m not in FAMILIES]
    assert not strays, f"not named for a family of reference/ ({', '.join(FAMILIES)}): {strays}"


@pytest.mark.parametrize("name", TEST_MODULES)
def test_check_module_holds_only_checks(name):
    """Helpers, tables and strategies live in the library and in cases/, so a check module reads as its checks."""
    path = CONFORMANCE / f"test_{name}.py"
    tree = ast.parse(path.read_text())
    others = []
    for i, node in enumerate(tree.body):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if i == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the module docstring
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            continue
        others.append(f"line {node.lineno}: {ast.unparse(node).splitlines()[0][:80]}")
    assert not others, f"conformance/test_{name}.py defines more than test_* functions:\n" + "\n".join(others)


def _features(fn) -> set[str]:
    """The ``feature`` values a check is parametrized with."""
    found = set()
    for mark in getattr(fn, "pytestmark", []):
        if mark.name != "parametrize":
            continue
        names, values = mark.args[0], mark.args[1]
        names = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
        if "feature" not in names:
            continue
        i = names.index("feature")
        for v in values:
            v = v.values if hasattr(v, "values") else v
            found.add(v if len(names) == 1 and not isinstance(v, tuple) else v[i])
    return found


@pytest.mark.parametrize("name", TEST_MODULES)
def test_checks_stay_in_their_family(name):
    module = importlib.import_module(f"conformance.test_{name}")
    foreign = sorted({f"{fn}: {f} ({family(f)})" for fn in dir(module) if fn.startswith("test_")
                      for f in _features(getattr(module, fn)) if family(f) != name})
    assert not foreign, f"conformance/test_{name}.py checks features of other families: {foreign}"
