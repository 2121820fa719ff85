"""The project's layering, checked on the imports of every .py file (read with ``ast``, so an import
inside a function counts too; a relative import is made absolute first):

- reference/ (the spec) imports nothing of the project but itself;
- adapters/ imports nothing of conformance/, reports/ or tests/;
- reports/ imports nothing of conformance/;
- no file imports a check module, ``conformance.test_*``: what checks share is a library module.

Each violation is reported as ``path:line: imports X``.
"""

from __future__ import annotations

import ast
import functools
import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _python_files() -> list[Path]:
    """Every .py file of the project, relative to its root (hidden directories, such as .git, a virtual
    environment or .tox, left out)."""
    found = []
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found += [Path(folder, f).relative_to(ROOT) for f in files if f.endswith(".py")]
    return sorted(found)


# The project's top-level packages: its directories that hold Python files.
PACKAGES = frozenset(p.parts[0] for p in _python_files() if len(p.parts) > 1)


@dataclass(frozen=True)
class Import:
    path: Path
    line: int
    module: str  # absolute
    names: tuple[str, ...]  # of ``from module import names``; () for ``import module``

    @property
    def package(self) -> str:
        return self.module.split(".")[0]

    def violation(self, what: str) -> str:
        return f"{self.path}:{self.line}: imports {what}"


def imports(path: Path, source: str | None = None) -> list[Import]:
    """The imports of the file at ``path`` (relative to the root), or of ``source`` as if it were there."""
    tree = ast.parse((ROOT / path).read_text() if source is None else source, filename=str(path))
    package = path.parts[:-1]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [Import(path, node.lineno, alias.name, ()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = list(package[:len(package) - node.level + 1]) if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            out.append(Import(path, node.lineno, module, tuple(alias.name for alias in node.names)))
    return sorted(out, key=lambda i: i.line)


@functools.cache
def _all_imports(under: str | None = None) -> list[Import]:
    return [i for p in _python_files() if under is None or p.parts[0] == under for i in imports(p)]


def _forbidden(under: str, packages) -> list[str]:
    return [i.violation(i.module) for i in _all_imports(under) if i.package in packages]


def test_the_rules_name_packages_of_the_project():
    assert {"adapters", "conformance", "reference", "reports", "tests"} <= PACKAGES


def test_imports_are_made_absolute():
    source = "import c.d\nfrom . import a\ndef f():\n    from ..check import b, e\n"
    found = [(i.line, i.module, i.names) for i in imports(Path("conformance/cases/x.py"), source)]
    assert found == [(1, "c.d", ()), (2, "conformance.cases", ("a",)), (4, "conformance.check", ("b", "e"))]


def test_reference_imports_nothing_of_the_project():
    found = _forbidden("reference", PACKAGES - {"reference"})
    assert not found, "\n".join(found)


def test_adapters_import_nothing_of_the_checks_reports_or_tests():
    found = _forbidden("adapters", {"conformance", "reports", "tests"})
    assert not found, "\n".join(found)


def test_reports_import_nothing_of_the_checks():
    found = _forbidden("reports", {"conformance"})
    assert not found, "\n".join(found)


def test_no_file_imports_a_check_module():
    found = []
    for i in _all_imports():
        # ``from conformance import test_x`` imports the module conformance.test_x.
        modules = [f"{i.module}.{n}" for n in i.names] if i.module == "conformance" else [i.module]
        found += [i.violation(m) for m in modules if m.startswith("conformance.test_")]
    assert not found, "\n".join(found)
