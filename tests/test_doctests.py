"""The examples in the docstrings of every package module run and hold."""

from __future__ import annotations

import doctest
import importlib

import pytest

from tests.conftest import REPO

MODULES = sorted(
    ".".join(path.relative_to(REPO).with_suffix("").parts)
    for package in ("eventlogs", "mining", "opportunity", "app")
    for path in (REPO / package).rglob("*.py")
    if path.name != "__init__.py"
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_public_verbs_have_examples() -> None:
    attempted = sum(doctest.testmod(importlib.import_module(n)).attempted for n in MODULES)
    assert attempted >= 30
