"""The one user-facing error type, and the store's own failures."""

from __future__ import annotations


class UserError(Exception):
    """An expected failure with a short, kind message for the member (shown ephemerally)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class StoreUnavailable(Exception):
    """The database cannot be used right now (locked, read-only, full, corrupt, closed)."""


class SchemaTooNew(Exception):
    """The database was written by a newer dramabot than this one; refuse to touch it."""
