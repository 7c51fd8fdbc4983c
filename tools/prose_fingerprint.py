"""Fingerprint a text we may not copy, so tests can prove our own prose does not copy it.

    python tools/prose_fingerprint.py REVIEW.txt > tests/bot/data/seed_review_8grams.txt

Writes one line per distinct run of 8 consecutive words of the text (NFKC, case-folded, the same
word rule as the tests use), as the first 16 hex digits of its SHA-256. The runs cannot be read
back from the hashes, so the fingerprint can live in the repository where the text itself may not.
The path is always given explicitly: nothing here reads a file outside the repository by itself.
"""

from __future__ import annotations

import hashlib
import re
import sys
import unicodedata
from pathlib import Path

RUN = 8


def words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).casefold().replace("\u2019", "'")
    return re.findall(r"[\w']+", text)


def run_hash(run: tuple[str, ...]) -> str:
    return hashlib.sha256(" ".join(run).encode("utf-8")).hexdigest()[:16]


def fingerprint(text: str, n: int = RUN) -> set[str]:
    w = words(text)
    return {run_hash(tuple(w[i : i + n])) for i in range(len(w) - n + 1)}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    text = Path(argv[0]).read_text(encoding="utf-8")
    print(f"# {RUN}-word runs of a text we may not copy ({len(words(text))} words), SHA-256[:16] each")
    for digest in sorted(fingerprint(text)):
        print(digest)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
