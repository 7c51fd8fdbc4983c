"""The numbered migrations of both backends: ``sqlite/NNNN_name.sql`` and ``postgres/NNNN_name.sql``.

The two folders are twins: the same numbers and names, each in its own dialect (SQLite triggers there,
PL/pgSQL functions here). A new table or column is one migration in each folder.
"""

from __future__ import annotations

import re
from importlib import resources

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def migrations(dialect: str = "sqlite") -> list[tuple[int, str, str]]:
    """The numbered migrations shipped for `dialect` ("sqlite" or "postgres"), as (number, name, sql)."""
    if dialect not in ("sqlite", "postgres"):
        raise ValueError(f"unknown dialect {dialect!r}")
    found = []
    for item in (resources.files(__package__) / dialect).iterdir():
        match = _MIGRATION_NAME.match(item.name)
        if match:
            found.append((int(match.group(1)), item.name, item.read_text(encoding="utf-8")))
    found.sort()
    numbers = [n for n, _, _ in found]
    if numbers != list(range(1, len(found) + 1)):
        raise RuntimeError(f"{dialect} migrations must be numbered 1..N without gaps, found {numbers}")
    return found
