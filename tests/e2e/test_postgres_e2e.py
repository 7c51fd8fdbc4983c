"""The real bot process on PostgreSQL (DATABASE_URL=postgresql://...): it migrates an empty database, loads
the bundled catalogue, answers /review and /rate from it, and a catalogue import made by the CLI (another
process) reaches its autocomplete through NOTIFY, with nothing asking it to look."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WAIT = 10.0  # s: a generous bound for something that takes well under a second (no timed assertion)

RECORD = {
    "slug": "north-star-inn",
    "title": "North Star Inn",
    "episode_count": 8,
    "country": "KR",
    "year": 2026,
    "genres": ["Drama"],
    "episodes": [{"number": 1, "critic_score": 4.0}],
    "availability": [],
}


async def run_cli(env: dict[str, str], cwd: Path, *args: str) -> tuple[int, str]:
    env = {k: v for k, v in env.items() if k != "DISCORD_TOKEN"} | {"PYTHONPATH": str(REPO)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, env=env, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 120)
    return proc.returncode, out.decode()


async def test_the_bot_runs_on_postgresql_and_sees_a_cli_import_through_notify(
    discord_stub, start_bot, bot_env, pg_url, tmp_path
):
    env = bot_env | {"DATABASE_URL": pg_url}
    await start_bot({"DATABASE_URL": pg_url})
    choices = await discord_stub.autocomplete("review", {"drama": "crash landing"}, "drama")
    assert any(c["name"].startswith("Crash Landing on You") for c in choices)
    rated = await discord_stub.invoke("rate", {"drama": "Crash Landing on You", "score": 4.5})
    assert "4.5" in rated.embeds[0]["description"]
    (review,) = (await discord_stub.invoke("review", {"drama": "Crash Landing on You"})).embeds
    assert {f["name"]: f["value"] for f in review["fields"]}["Everyone"].startswith("★★★★½ 4.5 (1 rating)")

    assert await discord_stub.autocomplete("review", {"drama": "North Star"}, "drama") == []
    catalogue = tmp_path / "import.json"
    catalogue.write_text(json.dumps({"format": "dramabot-catalogue/1", "dramas": [RECORD]}), encoding="utf-8")
    code, out = await run_cli(env, tmp_path, "catalogue", "import", str(catalogue))
    assert code == 0, out
    names: list[str] = []
    for _ in range(int(WAIT / 0.1)):
        names = [
            c["name"] for c in await discord_stub.autocomplete("review", {"drama": "North Star"}, "drama")
        ]
        if names:
            break
        await asyncio.sleep(0.1)
    assert names and names[0].startswith("North Star Inn"), names
    (embed,) = (await discord_stub.invoke("review", {"drama": "North Star Inn"})).embeds
    assert embed["title"].startswith("North Star Inn")
