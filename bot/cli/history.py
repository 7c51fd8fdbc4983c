"""`python -m bot import-history FILE --user ID [--replace] [--yes]`: /import from a terminal, for a
community moving over. The same parsing, matching, preview and storing as /import; ratings are stored
without a server (as in DMs). Asks before storing unless --yes; nothing is stored without it."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

import discord

from bot.cards.history import preview_card, result_card
from bot.errors import UserError
from bot.history import LIMITS, parse_upload
from bot.history.matching import apply_plan, plan_import
from bot.settings import Settings
from bot.store import Store
from bot.tmdb.client import TMDB
from bot.tmdb.limits import TokenBucket
from bot.tmdb.ondemand import OnDemandImports

OK, FAILED = 0, 1
CLI_NAME = "command line"  # the audit's "who" for dramas imported from TMDB


def add_parser(sub: Any) -> None:  # the subparsers of `python -m bot`
    cmd = sub.add_parser("import-history", help="import a member's Simkl, Trakt, TV Time or MyDramaList file")
    cmd.add_argument("file")
    cmd.add_argument("--user", type=int, required=True, metavar="ID", help="the member's Discord user id")
    cmd.add_argument(
        "--replace", action="store_true", help="the file's scores replace the member's newer ones"
    )
    cmd.add_argument("--yes", action="store_true", help="store without asking (after printing the preview)")


def card_text(embed: discord.Embed) -> str:
    """An embed as plain lines for a terminal."""
    parts = [embed.title or "", embed.description or ""]
    parts += [f"{f.name}:\n  {f.value}" for f in embed.fields]
    if embed.footer and embed.footer.text:
        parts.append(embed.footer.text)
    return "\n".join(p for p in parts if p).replace("**", "") + "\n"


def _err(text: str) -> int:
    print(f"dramabot: {text}", file=sys.stderr)
    return FAILED


async def run(store: Store, args: argparse.Namespace, settings: Settings | None) -> int:
    path = Path(args.file)
    if args.user <= 0:
        return _err("--user must be a Discord user id")
    try:
        if (await asyncio.to_thread(path.stat)).st_size > LIMITS.max_bytes:
            return _err(
                f"{path.name} is larger than {LIMITS.max_bytes // (1024 * 1024)} MB; nothing was imported"
            )
        data = await asyncio.to_thread(path.read_bytes)
    except OSError as exc:
        return _err(f"cannot read {path}: {exc}")
    key = settings.tmdb_api_key if settings is not None else None
    tmdb = TMDB(key, settings.tmdb_api_base, limiter=TokenBucket(20, 2.0)) if key and settings else None
    countries = settings.tmdb_origin_countries if settings is not None else ()
    try:
        parsed = await asyncio.to_thread(parse_upload, data, path.name)
        plan = await plan_import(parsed, path.name, store, tmdb, countries)
        sys.stdout.write(card_text(preview_card(plan, replace=args.replace)))
        if plan.empty:
            print("nothing to import")
            return OK
        if not args.yes:
            if not sys.stdin.isatty():
                return _err("not a terminal: pass --yes to store the import; nothing was imported")
            reply = await asyncio.to_thread(input, "Import? [y/N] ")
            if reply.strip().lower() not in ("y", "yes"):
                print("cancelled: nothing was imported")
                return OK
        imports = OnDemandImports(lambda: store, tmdb, countries) if tmdb is not None else None

        async def import_one(tmdb_id: int) -> int:
            assert imports is not None
            drama = await imports.get(
                tmdb_id, member_id=0, member_name=CLI_NAME, guild_id=None, limited=False
            )
            return drama.id

        try:
            outcome = await apply_plan(
                plan, store, user_id=args.user, guild_id=None, replace=args.replace,
                import_one=import_one if imports is not None else None,
            )  # fmt: skip
        finally:
            if imports is not None:
                await imports.close()
    except UserError as exc:
        return _err(f"{exc.message}\nnothing was imported")
    finally:
        if tmdb is not None:
            await tmdb.close()
    sys.stdout.write(card_text(result_card(plan, outcome)))
    return OK
