"""`python -m bot catalogue ...`: import, export, preview, audit and curate the catalogue from a terminal
(docs/catalogue.md). Safe while the bot runs: writes are the store's one-transaction writes."""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.cards import review as cards
from bot.catalogue.edits import field_change
from bot.catalogue.format import CatalogueError, dump_document, export_document, merge_kept, parse_file
from bot.errors import CatalogueRefused, UserError
from bot.settings import Settings
from bot.store import Store, SuggestionClosed
from bot.store.removal import refused_text
from bot.tmdb.bulk import discover, run_refresh
from bot.tmdb.client import TMDB, TMDBError
from bot.tmdb.importer import import_series
from bot.tmdb.limits import TokenBucket

OK, FAILED = 0, 1
CLI_ACTOR = {"actor_id": 0, "actor_name": "command line", "guild_id": None}  # the audit's "who"
BULK_BUCKET, BULK_RATE = 40, 4.0  # TMDB allows about 40 requests per 10 s per client


def add_parser(sub: Any) -> None:  # the subparsers of `python -m bot`
    cmds = sub.add_parser("catalogue", help="import, export, preview and count the catalogue").add_subparsers(
        dest="catalogue_command", required=True
    )
    imp = cmds.add_parser("import", help="add or update dramas from a JSON or CSV file (all or nothing)")
    imp.add_argument("file")
    imp.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
    exp = cmds.add_parser("export", help="write the whole catalogue (not ratings) as JSON")
    exp.add_argument("file", nargs="?", help="where to write (default: standard output)")
    cmds.add_parser("show", help="print a drama's /review card as text").add_argument(
        "title", help="a title, native title, alias or slug"
    )
    cmds.add_parser("stats", help="print counts")
    tmdb = cmds.add_parser("import-tmdb", help="add or update TV series from TMDB (needs TMDB_API_KEY)")
    tmdb.add_argument("query", nargs="?", help="a TMDB TV id, or a title to search for (the first match)")
    tmdb.add_argument("--discover", action="store_true", help="import the most popular scripted series")
    tmdb.add_argument("--country", action="append", metavar="CC",
                      help="with --discover: an origin country (repeatable; default TMDB_ORIGIN_COUNTRIES)")
    tmdb.add_argument("--limit", type=int, default=20, help="with --discover: how many series (default 20)")
    tmdb.add_argument("--since", type=int, metavar="YEAR", help="with --discover: aired from YEAR on")
    which = cmds.add_parser(
        "refresh-tmdb", help="update dramas linked to TMDB: new episodes, counts, status"
    ).add_mutually_exclusive_group()
    which.add_argument("--all", action="store_true", help="every linked drama")
    which.add_argument("--airing", action="store_true", help="only those not ended; one whose last episode "
                       "aired over 60 days ago once a week (the default)")
    cmds.add_parser("audit", help="list catalogue changes made by curators").add_argument(
        "--limit", type=int, default=50
    )
    sugg = cmds.add_parser("suggestions", help="members' suggestions: list, accept or reject")
    sugg.add_argument("action", nargs="?", choices=("list", "accept", "reject"), default="list")
    sugg.add_argument("id", nargs="?", type=int, help="with accept or reject: the suggestion's number")
    sugg.add_argument("--limit", type=int, default=50, help="with list: how many, oldest first (default 50)")
    for name, help_text in (("remove", "hide a drama from members; ratings, lists and reminders are kept"),
                            ("restore", "bring a removed drama back with everything it had")):
        cmds.add_parser(name, help=help_text).add_argument("slug")
    merge = cmds.add_parser("merge", help="join a duplicate into the drama kept: scores, lists, follows move")
    merge.add_argument("source", metavar="FROM", help="the duplicate's slug (it goes)")
    merge.add_argument("target", metavar="INTO", help="the slug of the drama kept")


def _write(target: Path, text: str) -> None:
    """Write atomically: a new file beside `target`, flushed to disk, then renamed over it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(8)}.tmp")
    out = open(temporary, "x", encoding="utf-8")  # "x": never someone else's file
    try:
        with out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    try:  # the rename itself, on disk
        folder = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
    except OSError:
        pass


def _err(message: str) -> int:
    print(f"dramabot: {message}", file=sys.stderr)
    return FAILED


async def run(store: Store, args: argparse.Namespace, settings: Settings | None = None) -> int:
    command = args.catalogue_command
    if command in ("import-tmdb", "refresh-tmdb"):
        if settings is None or not settings.tmdb_api_key:
            return _err("TMDB_API_KEY is not set (see .env.example)")
        if command == "refresh-tmdb":
            return await cmd_refresh_tmdb(store, args, settings)
        if args.discover:
            return await cmd_discover(store, args, settings)
        return await cmd_import_tmdb(store, args, settings)
    return await globals()[f"cmd_{command}"](store, args)


async def cmd_import(store: Store, args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        text = await asyncio.to_thread(path.read_text, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return _err(f"cannot read {path}: {exc}")
    try:
        entries, flat = parse_file(str(path), text)
    except CatalogueError as exc:
        return _err(f"{exc}\nnothing was imported")
    if flat:
        entries = await merge_kept(store, entries)
    if args.dry_run:
        print(f"{path}: {len(entries)} drama(s) valid; nothing written (--dry-run)")
        return OK
    outcomes = await store.catalogue.upsert_many(entries)
    titles = {e.drama.slug: e.drama.title for e in entries}
    counts = {"added": 0, "changed": 0, "unchanged": 0}
    for slug, outcome in outcomes:
        counts[outcome] += 1
        print(f"{outcome:<9} {slug}  ({titles[slug]})")
    print(f"{counts['added']} added, {counts['changed']} changed, {counts['unchanged']} left alone")
    return OK


async def cmd_export(store: Store, args: argparse.Namespace) -> int:
    dropped: list[str] = []
    text = dump_document(await export_document(store, dropped))
    for line in dropped:
        print(f"dramabot: left out a link that is not a safe https:// URL ({line})", file=sys.stderr)
    if not args.file:
        sys.stdout.write(text)
        return OK
    target = Path(args.file)
    try:
        await asyncio.to_thread(_write, target, text)
    except OSError as exc:
        return _err(f"cannot write {target}: {exc}")
    print(f"exported the catalogue to {target}", file=sys.stderr)
    return OK


async def cmd_show(store: Store, args: argparse.Namespace) -> int:
    found = await store.catalogue.find(args.title)
    if not found:
        close = store.titles.close_titles(args.title, 5)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        return _err(f"no drama called {args.title!r} in the catalogue.{hint}")
    if len(found) > 1:
        listing = "\n".join(f"  {d.slug}  {d.title} ({d.year or 'year unknown'})" for d in found)
        return _err(f"more than one drama is called {args.title!r}; use a slug:\n{listing}")
    data = await store.catalogue.review(found[0].id, None)
    if data is None:
        return _err("that drama was just removed")
    sys.stdout.write(cards.review_text(data))
    return OK


async def cmd_stats(store: Store, args: argparse.Namespace) -> int:
    stats = await store.catalogue.stats()
    print(f"dramas:               {stats.dramas}\nepisodes with data:   {stats.episodes}")
    print(f"availability entries: {stats.availability}\nratings:              {stats.ratings}")
    return OK


async def cmd_audit(store: Store, args: argparse.Namespace) -> int:
    rows = await store.curation.audit_log(limit=max(1, args.limit))
    if not rows:
        print("no catalogue changes recorded yet")
    for row in rows:  # a member who erased their data: the change stays, who made it does not
        name = f"{row.actor_name or row.actor_id} ({row.actor_id})"
        who = "erased member" if row.actor_id is None else name
        credit = f"  suggested by {row.credit_user_id}" if row.credit_user_id is not None else ""
        print(f"{row.at}  {who}  {row.action}  {row.subject}{credit}")
        if row.before is not None:
            print(f"    before: {row.before}")
        if row.after is not None:
            print(f"    after:  {row.after}")
    return OK


async def cmd_suggestions(store: Store, args: argparse.Namespace) -> int:
    """List the pending suggestions, or accept / reject one as the command line (credited to the member)."""
    if args.action == "list":
        if args.id is not None:
            return _err("list takes no id; use accept ID or reject ID")
        pending, total = await store.suggestions.pending(max(1, args.limit))
        if not pending:
            print("no suggestions are waiting")
            return OK
        titles = await store.community.titles([s.drama_id for s in pending])
        for s in pending:
            value = "(clear it)" if s.value is None else s.value
            title = titles.get(s.drama_id, "?")
            print(f"#{s.id}  {s.created_at}  {title}  {s.field} -> {value!r}  by {s.user_id}")
            if s.note:
                print(f"    note: {s.note}")
        print(f"{len(pending)} of {total} pending shown; accept or reject one with: "
              "python -m bot catalogue suggestions accept|reject ID")  # fmt: skip
        return OK
    if args.id is None:
        return _err(f"{args.action} needs the suggestion's number, e.g. suggestions {args.action} 12")
    now = datetime.now(UTC)
    try:
        if args.action == "reject":
            await store.suggestions.reject(args.id, decided_by=None, now=now)
            print(f"rejected suggestion #{args.id}")
            return OK
        decided, _, after = await store.suggestions.accept(
            args.id, lambda s: field_change(s.field, s.value), decided_by=None, now=now, **CLI_ACTOR
        )
    except SuggestionClosed as exc:
        if exc.found is None:
            return _err(f"there is no suggestion #{args.id}")
        return _err(f"suggestion #{args.id} was already {exc.found.status}; nothing changed")
    except UserError as exc:
        problem = f"suggestion #{args.id} cannot be applied: {exc.message}"
        return _err(f"{problem}\nit stays pending; reject it instead")
    title = after[0].title if after is not None else "?"
    print(f"accepted suggestion #{args.id}: {decided.field} of {title} saved, credited to {decided.user_id}")
    return OK


async def cmd_remove(store: Store, args: argparse.Namespace) -> int:
    before, _ = await store.curation.curate(args.slug, lambda record: None, action="remove", **CLI_ACTOR)
    if before is None:
        if await store.catalogue.hidden_by("slug", args.slug) is not None:
            return _err(f"{args.slug!r} is removed already")
        return _err(f"no drama with the slug {args.slug!r}")
    print(f"removed {args.slug}  ({before[0].title}): members no longer see it; "
          f"`catalogue restore {args.slug}` brings it back")  # fmt: skip
    return OK


async def cmd_restore(store: Store, args: argparse.Namespace) -> int:
    try:
        record = await store.removal.restore(args.slug, **CLI_ACTOR)
    except CatalogueRefused as exc:
        return _err(refused_text(exc))
    print(f"restored {args.slug}  ({record[0].title}) with its ratings, lists and reminders")
    return OK


async def cmd_merge(store: Store, args: argparse.Namespace) -> int:
    try:
        done = await store.removal.merge(args.source, args.target, **CLI_ACTOR)
    except CatalogueRefused as exc:
        return _err(refused_text(exc))
    print(f"merged {done.merged.slug}  ({done.merged.title}) into {done.into.slug}  ({done.into.title}):")
    print(f"  {done.ratings} scores moved, {done.replaced} older duplicates dropped, {done.watchlist} list "
          f"entries, {done.follows} follows, {done.reminders} reminders, {done.announcements} announcement "
          "records")  # fmt: skip
    return OK


def _bulk_client(settings: Settings) -> TMDB:
    """A TMDB client for the bulk commands: under the rate limit, and patient with 429s."""
    limiter = TokenBucket(BULK_BUCKET, BULK_RATE)
    return TMDB(
        settings.tmdb_api_key, settings.tmdb_api_base, max_retries=5, max_retry_after=60.0, limiter=limiter
    )


async def cmd_import_tmdb(store: Store, args: argparse.Namespace, settings: Settings) -> int:
    query = (args.query or "").strip()
    if not query:
        return _err("import-tmdb needs a TMDB id, a title, or --discover")
    async with TMDB(settings.tmdb_api_key, settings.tmdb_api_base) as tmdb:
        try:
            if query.isdigit():
                tmdb_id = int(query)
            else:
                results = await tmdb.search_tv(query)
                if not results:
                    return _err(f"TMDB found no TV series for {query!r}")
                tmdb_id = results[0]["id"]
                for other in results[1:5]:
                    year = str(other.get("first_air_date") or "")[:4]
                    print(f"  also found: {other.get('name')} ({year}), id {other['id']}", file=sys.stderr)
            entry, outcome = await import_series(store, tmdb, tmdb_id)
        except (TMDBError, CatalogueError) as exc:
            return _err(f"{exc}\nnothing was imported")
    drama = entry.drama
    print(f"{outcome:<9} {drama.slug}  ({drama.title}, TMDB {tmdb_id}, {drama.episode_count} episodes)")
    return OK


async def cmd_discover(store: Store, args: argparse.Namespace, settings: Settings) -> int:
    codes = [part.strip().upper() for raw in args.country or [] for part in raw.split(",")]
    if not all(len(code) == 2 and code.isascii() and code.isalpha() for code in codes):
        return _err("--country takes two-letter country codes such as KR or JP")
    countries = tuple(dict.fromkeys(codes)) or settings.tmdb_origin_countries
    if not 1 <= args.limit <= 10_000:
        return _err("--limit must be from 1 to 10000")
    if args.since is not None and not 1900 <= args.since <= 2100:
        return _err("--since must be a year such as 2015")
    since = f" first aired {args.since} or later" if args.since else ""
    print(f"discovering up to {args.limit} series from {','.join(countries)}{since}", file=sys.stderr)
    async with _bulk_client(settings) as tmdb:
        try:
            summary = await discover(store, tmdb, countries, limit=args.limit, since=args.since)
        except TMDBError as exc:
            return _err(f"{exc}\nTMDB discover failed; series imported are kept, run it again to resume")
    print("\n".join(summary.lines()))
    return OK


async def cmd_refresh_tmdb(store: Store, args: argparse.Namespace, settings: Settings) -> int:
    async with _bulk_client(settings) as tmdb:
        summary = await run_refresh(store, tmdb, airing_only=not args.all, batch=None, stream=sys.stdout)
    print("\n".join(summary.lines()))
    return OK
