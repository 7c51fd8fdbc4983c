"""The sample files of docs/import/, and the one way their zips are built from their folders (a test
checks the committed zips match: rebuild them with `python -m tests.bot.history.samples`)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SAMPLES = ROOT / "docs" / "import"
ZIPS = {"trakt-export.zip": "trakt", "tvtime-export.zip": "tvtime"}


def build_zip(folder: Path) -> bytes:
    """The folder's files in a zip, in name order, with a fixed date: the same bytes every time."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.iterdir()):
            info = zipfile.ZipInfo(path.name, date_time=(2026, 7, 1, 12, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return out.getvalue()


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


if __name__ == "__main__":
    for zip_name, folder in ZIPS.items():
        (SAMPLES / zip_name).write_bytes(build_zip(SAMPLES / folder))
