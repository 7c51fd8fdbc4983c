"""Reading a zip someone uploaded without trusting it: the entry count and every size are checked from
the zip's directory, then again while unpacking (a directory can lie); a path that climbs out of the
archive (``../``, ``/etc``, ``C:``) refuses the whole file; password-protected entries are refused
with a hint to send the CSV instead. Only the entries a format asks for are unpacked."""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Callable
from pathlib import PurePosixPath

from bot.history.errors import HistoryFileError, shown
from bot.history.text import Context

CHUNK = 64 * 1024
DRIVE = re.compile(r"^[A-Za-z]:")


def is_zip(data: bytes) -> bool:
    return data[:4] in (b"PK\x03\x04", b"PK\x05\x06")


def safe_name(name: str) -> bool:
    if not name or name.startswith("/") or "\\" in name or DRIVE.match(name) or "\x00" in name:
        return False
    return ".." not in PurePosixPath(name).parts


def entries(context: Context, data: bytes) -> list[str]:
    """The zip's file names (base names, in the zip's order) after checking its directory."""
    return [name for name, _ in _directory(context, data)]


def _directory(context: Context, data: bytes) -> list[tuple[str, zipfile.ZipInfo]]:
    limits, upload = context.limits, context.upload
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        raise HistoryFileError.keyed("history.error.bad_zip", file=upload) from None
    if len(infos) > limits.zip_entries:
        raise HistoryFileError.keyed("history.error.zip_too_many", file=upload, limit=limits.zip_entries)
    total = 0
    for info in infos:
        if not safe_name(info.filename):
            raise HistoryFileError.keyed(
                "history.error.zip_unsafe_path", file=upload, entry=shown(info.filename)
            )
        if info.file_size > limits.zip_entry_bytes:
            raise HistoryFileError.keyed(
                "history.error.zip_entry_too_big",
                file=upload,
                entry=shown(info.filename),
                limit=limits.zip_entry_bytes // 2**20,
            )
        total += info.file_size
    if total > limits.zip_total_bytes:
        raise HistoryFileError.keyed(
            "history.error.zip_too_big", file=upload, limit=limits.zip_total_bytes // 2**20
        )
    return [(PurePosixPath(info.filename).name, info) for info in infos if not info.is_dir()]


def unpack(context: Context, data: bytes, wanted: Callable[[str], bool]) -> list[tuple[str, bytes]]:
    """(base name, bytes) of each entry `wanted` accepts, sizes counted as they are unpacked."""
    limits, upload = context.limits, context.upload
    listing = _directory(context, data)
    archive = zipfile.ZipFile(io.BytesIO(data))
    found: list[tuple[str, bytes]] = []
    total = 0
    for name, info in listing:
        if not wanted(name):
            continue
        if info.flag_bits & 0x1:
            raise HistoryFileError.keyed("history.error.zip_encrypted", file=upload)
        parts: list[bytes] = []
        size = 0
        try:
            with archive.open(info) as stream:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    total += len(chunk)
                    if size > limits.zip_entry_bytes:
                        raise HistoryFileError.keyed(
                            "history.error.zip_entry_too_big",
                            file=upload,
                            entry=shown(info.filename),
                            limit=limits.zip_entry_bytes // 2**20,
                        )
                    if total > limits.zip_total_bytes:
                        raise HistoryFileError.keyed(
                            "history.error.zip_too_big", file=upload, limit=limits.zip_total_bytes // 2**20
                        )
                    parts.append(chunk)
        except HistoryFileError:
            raise
        except (
            zipfile.BadZipFile,
            zlib.error,
            NotImplementedError,
            RuntimeError,
            EOFError,
            ValueError,
            OSError,
        ):
            raise HistoryFileError.keyed("history.error.bad_zip", file=upload) from None
        found.append((name, b"".join(parts)))
    return found
