"""Imports flow eventlogs -> mining -> opportunity -> app, never back (an AST walk)."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ORDER = ["eventlogs", "mining", "opportunity", "app"]


def _imported_packages(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_no_backward_imports() -> None:
    violations = []
    for rank, package in enumerate(ORDER):
        higher = set(ORDER[rank + 1 :])
        for path in sorted((REPO / package).rglob("*.py")):
            bad = _imported_packages(path) & higher
            if bad:
                violations.append(f"{path.relative_to(REPO)} imports {sorted(bad)}")
    assert violations == []


def _calls_duckdb_connect(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "connect"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "duckdb"
        ):
            return True
    return False


def test_only_the_engine_opens_connections() -> None:
    offenders = [
        str(path.relative_to(REPO))
        for package in ORDER
        for path in (REPO / package).rglob("*.py")
        if _calls_duckdb_connect(path) and path.name != "engine.py"
    ]
    assert offenders == []


def test_pm4py_only_in_mining() -> None:
    offenders = [
        str(path.relative_to(REPO))
        for package in ("eventlogs", "opportunity", "app")
        for path in (REPO / package).rglob("*.py")
        if "pm4py" in _imported_packages(path)
    ]
    assert offenders == []
