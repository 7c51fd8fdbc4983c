"""The shared catalogue: its file format, safe links, edits, curators' rights and regions."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources


@cache
def schema() -> dict:
    """The catalogue format's JSON schema (schema.json beside this file): the one source of its rules."""
    return json.loads(resources.files(__name__).joinpath("schema.json").read_text(encoding="utf-8"))
