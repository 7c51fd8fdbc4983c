"""5. Database faults: read-only, locked past the busy timeout, full disk, corrupt, newer schema."""

from __future__ import annotations

import asyncio
import hashlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.standin import DiscordStandIn, Result

from . import figures
from .drive import DRAMA, integrity, late, ratings, settle

UNAVAILABLE = "temporarily unavailable"


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB tmpfs of its own (needs root): lets a test fill it up or remount it read-only."""
    where = tmp_path / "fs"
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(where)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


async def rate(stub: DiscordStandIn, name: str, score: float = 4.0) -> Result:
    result = await stub.dispatch_command("rate", {"drama": DRAMA, "score": score}, user=stub.make_user(name))
    await settle(stub, [result], timeout=10)
    return result


def unavailable(result: Result) -> bool:
    return result.answered and result.ephemeral and UNAVAILABLE in (result.content or "")


def write_garbage(path: Path) -> None:
    path.write_bytes(os.urandom(64 * 1024))


def no_wal_written(db: Path) -> bool:
    wal = Path(f"{db}-wal")
    return not wal.exists() or wal.stat().st_size == 0


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def set_immutable(files: list[Path], on: bool) -> None:
    """chattr +i: even root cannot write the file (root ignores chmod, so a read-only mode proves nothing)."""
    done = subprocess.run(["chattr", "+i" if on else "-i", *map(str, files)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"chattr is not available here: {done.stderr.decode().strip()}")


async def test_read_only_database(discord_stub: DiscordStandIn, start_bot, bot_env) -> None:
    stub = discord_stub
    db = Path(bot_env["DATABASE_URL"])
    proc = await start_bot()
    kept = await rate(stub, "before")
    assert kept.embeds
    files = [p for p in (db, Path(f"{db}-wal")) if p.exists()]
    set_immutable(files, True)
    try:
        refused = await rate(stub, "during")
    finally:
        set_immutable(files, False)
    assert unavailable(refused), refused.describe()
    assert late([refused]) == 0
    after = await rate(stub, "after")
    assert after.embeds, after.describe()
    assert proc.returncode is None and "database unavailable" in proc.output()
    stored = ratings(db)
    assert (int(kept.user["id"]), 0) in stored and (int(refused.user["id"]), 0) not in stored
    assert (int(after.user["id"]), 0) in stored
    assert integrity(db) == "ok"
    figures.add("Database: read-only file (chattr +i)", "interactions", 3)
    figures.add("Database: read-only file (chattr +i)", "answered", 3)
    figures.add("Database: read-only file (chattr +i)", "answer during the fault", refused.content or "")
    figures.add("Database: read-only file (chattr +i)", "lost", 0)


async def test_locked_past_busy_timeout(discord_stub: DiscordStandIn, start_bot, bot_env) -> None:
    stub = discord_stub
    db = Path(bot_env["DATABASE_URL"])
    proc = await start_bot()
    kept = await rate(stub, "before")
    assert kept.embeds
    holder = await asyncio.create_subprocess_exec(
        sys.executable, "-c",
        "import sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('BEGIN EXCLUSIVE')\n"
        "print('locked', flush=True)\n"
        "sys.stdin.read()\n"
        "c.execute('ROLLBACK')\n",
        str(db), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert holder.stdout is not None and holder.stdin is not None
    assert (await holder.stdout.readline()).strip() == b"locked"
    try:
        users = [stub.make_user(f"locked{i}") for i in range(5)]  # several at once: they must not queue up
        during = await asyncio.gather(
            *(stub.dispatch_command("rate", {"drama": DRAMA, "score": 2.0}, user=u) for u in users)
        )
        answered, failed = await settle(stub, during, timeout=10)
    finally:
        holder.stdin.close()
        await holder.wait()
    assert failed == 0 and late(during) == 0
    assert all(unavailable(r) for r in during), [r.describe() for r in during]
    after = await rate(stub, "after")
    assert after.embeds
    stored = ratings(db)
    assert (int(kept.user["id"]), 0) in stored and (int(after.user["id"]), 0) in stored
    assert not any((int(u["id"]), 0) in stored for u in users)
    assert proc.returncode is None and "database unavailable" in proc.output()
    figures.add("Database: locked by another process (> busy timeout)", "interactions", 7)
    figures.add("Database: locked by another process (> busy timeout)", "answered", 7)
    figures.add("Database: locked by another process (> busy timeout)", "late", late(during))
    figures.add("Database: locked by another process (> busy timeout)", "lost", 0)


async def test_full_disk(discord_stub: DiscordStandIn, start_bot, small_fs: Path) -> None:
    stub = discord_stub
    db = small_fs / "dramabot.sqlite3"
    proc = await start_bot({"DATABASE_URL": str(db)})
    kept = await rate(stub, "before")
    assert kept.embeds
    filler = small_fs / "filler"
    with filler.open("wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass
    confirmed: list[Result] = [kept]
    refused: Result | None = None
    tried = 0
    try:
        for i in range(300):  # the WAL grows until a write needs a page the disk does not have
            tried += 1
            result = await rate(stub, f"full{i}")
            assert result.answered and late([result]) == 0, result.describe()
            if result.embeds:
                confirmed.append(result)
            else:
                refused = result
                break
    finally:
        filler.unlink()
    assert refused is not None and unavailable(refused), refused and refused.describe()
    after = await rate(stub, "after")
    assert after.embeds, after.describe()
    stored = ratings(db)
    lost = [r for r in confirmed if (int(r.user["id"]), 0) not in stored]
    assert not lost
    assert integrity(db) == "ok"
    assert proc.returncode is None and "database unavailable" in proc.output()
    figures.add("Database: full disk (4 MiB tmpfs filled)", "interactions", tried + 2)
    figures.add("Database: full disk (4 MiB tmpfs filled)", "answered", tried + 2)
    figures.add("Database: full disk (4 MiB tmpfs filled)", "ratings confirmed before the disk filled", len(confirmed))
    figures.add("Database: full disk (4 MiB tmpfs filled)", "lost", len(lost))


async def test_corrupt_at_start_runs_degraded_then_recovers(discord_stub: DiscordStandIn, start_bot, bot_env, tmp_path: Path) -> None:
    """A corrupt file does not stop the bot (no crash loop): members are told ratings are temporarily
    unavailable, the file is left as it is, and once a good copy is put back it is used, losing nothing."""
    db = Path(bot_env["DATABASE_URL"])
    # A good database with a confirmed rating in it, kept aside as the "backup" to restore.
    good = await start_bot(env_overrides={"DATABASE_URL": str(tmp_path / "good.sqlite3")})
    kept = await rate(discord_stub, "kept", 4.5)
    assert not kept.rejections and kept.ephemeral and UNAVAILABLE not in str(kept.message)
    assert await good.stop() == 0

    write_garbage(db)
    before = sha(db)
    proc = await start_bot(env_overrides={"DATABASE_RETRY_SECONDS": "0.5"})
    out = proc.output()
    assert out.count("cannot open the database") == 1 and "Traceback" not in out, out
    answer = await rate(discord_stub, "during")
    assert answer.ephemeral and UNAVAILABLE in (answer.content or ""), answer.message
    assert await discord_stub.autocomplete("rate", {"drama": "", "score": 4}, "drama") == []
    assert sha(db) == before, "the corrupt file is left for the operator to look at"

    os.replace(tmp_path / "good.sqlite3", db)  # the operator restores the good copy
    await proc.wait_for_output("can be used again", 20)
    after = await rate(discord_stub, "after", 3.5)
    assert after.ephemeral and "4.0 (2 ratings)" in after.embeds[0]["description"], after.message
    assert integrity(db) == "ok" and len(ratings(db)) == 2, "the rating confirmed before the fault is kept"
    assert await proc.stop() == 0
    figures.add("Database: corrupt at start", "behaviour", "runs without it, answers 'temporarily unavailable', reopens when restored")
    figures.add("Database: corrupt at start", "log line", next(line for line in out.splitlines() if "cannot open" in line).split(": ", 1)[-1][:160])


async def test_newer_schema_refuses_and_leaves_file(discord_stub: DiscordStandIn, start_bot, bot_env) -> None:
    db = Path(bot_env["DATABASE_URL"])
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE future (x)")
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    before = sha(db)
    proc = await start_bot(wait_ready=False)
    code = await proc.wait(20)
    out = proc.output()
    assert code != 0
    assert "refusing to start" in out and "99" in out and "Traceback" not in out, out
    assert sha(db) == before
    assert no_wal_written(db)
    figures.add("Database: newer schema", "exit status", code)
    figures.add("Database: newer schema", "file unchanged", "yes (sha256 equal)")
