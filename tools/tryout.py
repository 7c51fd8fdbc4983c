"""Try the real bot as a member would, against the local Discord stand-in: nothing reaches Discord.

    .venv/bin/python -m tools.tryout "review drama=Goblin" "rate drama=Goblin score=4.5" \\
        "where drama=Goblin region=KR" "?review drama=moon" "about"

Starts the stand-in on 127.0.0.1, starts `python -m bot` in a scratch folder with a fresh database
(or `--database FILE`), runs each step and prints what the member would see: the message text, each
embed as plain text, attachments, and whether the answer was private. A step starting with `?` is
autocomplete: it prints the choices offered for the last option while typing its value. Options are
`name=value`; a value with spaces needs quotes around the whole step ("review drama=Crash Landing on
You" works: everything after `name=` up to the next ` name=` is the value). `--locale ko` sends the
interactions with a Korean client. `--permissions manage_guild` gives the member those permissions (names
of discord.Permissions flags, comma-separated) on top of a normal member's; `--dm` sends every step from a
direct message with the bot instead of the server. `--env NAME=VALUE` passes settings to the bot. `--tmdb`
also starts the local TMDB stand-in (tests/tmdb_standin.py) and points the bot at it; a step `!tmdb down` or
`!tmdb up` switches it off and on between steps.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import tempfile
from pathlib import Path

from tests.e2e.botprocess import READY_MARKER, spawn_bot
from tests.e2e.conftest import INHERITED_ENV
from tests.e2e.standin import DiscordStandIn

_OPTION = re.compile(r"(?:^|\s)([a-z_]+)=")


def parse_step(step: str) -> tuple[bool, str, dict[str, str | int | float]]:
    """`?review drama=moon` -> (autocomplete, "review", {"drama": "moon"})."""
    complete = step.startswith("?")
    step = step.lstrip("?").strip()
    first = _OPTION.search(step)
    command = (step[: first.start()] if first else step).strip()
    options: dict[str, str | int | float] = {}
    matches = list(_OPTION.finditer(step))
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(step)
        options[match.group(1)] = _typed(step[match.end() : end].strip())
    return complete, command, options


def _typed(value: str) -> str | int | float:
    """Numbers as numbers (integer and number options); everything else as typed."""
    if re.fullmatch(r"-?[0-9]+", value):
        return int(value)
    if re.fullmatch(r"-?[0-9]+\.[0-9]+", value):
        return float(value)
    return value


def embed_text(embed: dict) -> str:
    lines = []
    for key in ("author", "title"):
        value = embed.get(key)
        if isinstance(value, dict):
            value = value.get("name")
        if value:
            lines.append(f"# {value}")
    if embed.get("description"):
        lines.append(embed["description"])
    for field in embed.get("fields", []):
        lines.append(f"[{field['name']}]\n{field['value']}")
    if embed.get("image"):
        lines.append(f"(image: {embed['image'].get('url')})")
    if embed.get("footer"):
        lines.append(f"-- {embed['footer'].get('text')}")
    return "\n".join(lines)


def member_permissions(names: str | None) -> int | None:
    """A normal member's permission bits plus the named discord.Permissions flags; None: a normal member."""
    if not names:
        return None
    import discord

    from tests.e2e.standin import DEFAULT_MEMBER_PERMISSIONS

    extra = discord.Permissions(**{name.strip(): True for name in names.split(",") if name.strip()})
    return int(DEFAULT_MEMBER_PERMISSIONS) | extra.value


async def run(
    steps: list[str], database: Path | None, locale: str | None, extra_env: dict[str, str], tmdb: bool = False,
    permissions: int | None = None, dm: bool = False,
) -> int:  # fmt: skip
    stand_in = DiscordStandIn()
    await stand_in.start()
    fake_tmdb = None
    if tmdb:
        from tests.tmdb_standin import FakeTMDB

        fake_tmdb = await FakeTMDB().start()
        extra_env = {"TMDB_API_KEY": "tryout", "TMDB_API_BASE": fake_tmdb.base, **extra_env}
    scratch = Path(tempfile.mkdtemp(prefix="dramabot-tryout-"))
    env = {name: os.environ[name] for name in INHERITED_ENV if name in os.environ}
    env.update(
        DISCORD_TOKEN=stand_in.token,
        DATABASE_URL=str(database or scratch / "dramabot.sqlite3"),
        DISCORD_API_BASE=stand_in.api_base,
        DISCORD_GATEWAY_URL=stand_in.gateway_url,
        DEV_GUILD_ID=stand_in.guild_id,
        PYTHONUNBUFFERED="1",
    )
    if dm:  # a DM sees only global commands
        del env["DEV_GUILD_ID"]
    env.update(extra_env)  # --env wins
    proc = await spawn_bot(env, scratch)
    status = 0
    try:
        await proc.wait_for_output(READY_MARKER, 60)
        user = None
        if locale:  # a member whose Discord client is in that language
            user = stand_in.make_user("member")
            stand_in.set_locale(user, locale)
        for step in steps:
            if step.startswith("!tmdb") and fake_tmdb is not None:
                fake_tmdb.down = step.split()[-1] == "down"
                print(f"\n>>> (TMDB stand-in {'down' if fake_tmdb.down else 'up'})")
                continue
            complete, command, options = parse_step(step)
            print(f"\n>>> /{command} {options}" + (" (autocomplete)" if complete else ""))
            try:
                if complete:
                    focused = list(options)[-1]
                    for choice in await stand_in.autocomplete(
                        command, options, focused, user=user, permissions=permissions, guild=not dm
                    ):
                        print(f"  - {choice['name']}  [{choice['value']}]")
                    continue
                result = await stand_in.invoke(
                    command, options, user=user, permissions=permissions, guild=not dm
                )
            except Exception as exc:  # noqa: BLE001 - shown to the person trying it
                print(f"  !! {type(exc).__name__}: {exc}")
                status = 1
                continue
            if result.deleted:
                print("  (the public answer was deleted)")
                if not result.followups:  # the private follow-up that replaces it may still be on its way
                    try:
                        await result.wait_until(lambda r: bool(r.followups), 3)
                    except Exception:  # noqa: BLE001 - none came: nothing more to show
                        pass
            else:
                print("  (private answer)" if result.ephemeral else "  (public answer)")
                if result.content:
                    print(result.content)
                for embed in result.embeds:
                    print(embed_text(embed))
            for followup in result.followups:
                private = (followup.get("flags") or 0) & 64
                print(f"  follow-up ({'private' if private else 'public'}): {followup.get('content') or ''}")
                for embed in followup.get("embeds") or []:
                    print(embed_text(embed))
            for attachment in (result.message or {}).get("attachments", []):
                print(f"  attachment: {attachment.get('filename')} ({attachment.get('size')} bytes)")
        violations = stand_in.unexpected_violations()
        if violations:
            print("\nbodies Discord would reject:", *violations, sep="\n  ")
            status = 1
    finally:
        await proc.stop()
        await stand_in.stop()
        if fake_tmdb is not None:
            await fake_tmdb.stop()
    print(f"\n(bot log)\n{proc.output()[-3000:]}" if status else "")
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("steps", nargs="+")
    parser.add_argument("--database", type=Path)
    parser.add_argument("--locale")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--tmdb", action="store_true", help="start the TMDB stand-in and use it")
    parser.add_argument("--permissions", help="extra member permissions, e.g. manage_guild")
    parser.add_argument("--dm", action="store_true", help="use the commands from a DM with the bot")
    args = parser.parse_args(argv)
    extra = dict(item.split("=", 1) for item in args.env)
    perms = member_permissions(args.permissions)
    return asyncio.run(run(args.steps, args.database, args.locale, extra, args.tmdb, perms, args.dm))


if __name__ == "__main__":
    sys.exit(main())
