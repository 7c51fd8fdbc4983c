"""Options for the whole test tree (registered here so `pytest --long` works from the repository root)."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--long", action="store_true", default=False, help="reliability tests with the full counts (tests/reliability)"
    )
