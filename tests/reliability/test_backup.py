"""7. Backups: `python -m bot backup PATH` while the bot runs and members rate."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from tests.e2e.standin import DiscordStandIn

from . import figures
from .drive import confirmed, integrity, rate_stream, ratings


async def test_online_backup_is_consistent(discord_stub: DiscordStandIn, start_bot, bot_env, tmp_path: Path) -> None:
    stub = discord_stub
    await start_bot()
    entries: list = []
    stop = asyncio.Event()
    stream = asyncio.create_task(rate_stream(stub, stop, entries, width=4, prefix="bk"))
    await stub.wait_for(lambda: len(confirmed(entries)) >= 20, 15)
    before = list(confirmed(entries))
    copy = tmp_path / "backups" / "copy.sqlite3"
    backup = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "backup", str(copy),
        env=bot_env, cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await backup.communicate()
    mark = len(entries)
    await stub.wait_for(lambda: len(entries) >= mark + 10, 15)  # the bot kept rating throughout
    stop.set()
    await stream
    assert backup.returncode == 0, out.decode()
    assert "integrity_check: ok" in out.decode()
    assert integrity(copy) == "ok"
    saved = ratings(copy)
    missing = [u for _, u, _ in before if (int(u), 0) not in saved]
    assert not missing  # every rating confirmed before the backup started is in the copy
    assert stub.token not in out.decode()
    figures.add("Backup while rating", "ratings in the copy", len(saved))
    figures.add("Backup while rating", "confirmed before the backup and missing from it", len(missing))
    figures.add("Backup while rating", "integrity_check of the copy", integrity(copy))
    figures.add("Backup while rating", "interactions", len(entries))
    figures.add("Backup while rating", "answered", len(confirmed(entries)))
