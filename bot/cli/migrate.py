"""`python -m bot migrate-db --from URL --to URL [--force]`: copy a whole database between backends
(bot/store/transfer.py), with progress. URLs as DATABASE_URL takes them (a SQLite path, postgresql://...)."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any, TextIO

from bot.errors import SchemaTooNew, StoreUnavailable
from bot.safety.redact import ambiguous_userinfo, redact, url_secrets

EXIT_OK, EXIT_FAILURE = 0, 1


def add_parser(sub: Any) -> None:  # the subparsers of `python -m bot`
    parser = sub.add_parser(
        "migrate-db",
        help="copy a whole database to another (SQLite <-> PostgreSQL)",
        description="Copy every table (catalogue, ratings, audit, settings, caches) from one database to "
        "another, keeping ids; rating totals are rebuilt and checked. The target must be empty unless "
        "--force.",
    )
    parser.add_argument("--from", dest="source", required=True, metavar="URL", help="the database to copy")
    parser.add_argument("--to", dest="target", required=True, metavar="URL", help="where to copy it")
    parser.add_argument("--force", action="store_true", help="replace what the target holds")


class ProgressPrinter:
    """Each table's progress: redrawn in place on a terminal (at most ~10 times a second), else when done."""

    def __init__(self, out: TextIO) -> None:
        self.out, self.tty, self._last = out, out.isatty(), 0.0

    def __call__(self, table: str, done: int, total: int) -> None:
        finished = done >= total
        if not self.tty:
            if finished:
                print(f"{table}: {done:,} rows", file=self.out, flush=True)
            return
        now = time.monotonic()
        if not finished and now - self._last < 0.1:
            return
        self._last = now
        share = f"{100 * done / total:5.1f}%" if total else "  100%"
        self.out.write(f"\r\033[K{table}: {done:,} / {total:,} rows {share}" + ("\n" if finished else ""))
        self.out.flush()


async def run(args: argparse.Namespace) -> int:
    from bot.store.transfer import TransferError, transfer

    secrets = url_secrets(args.source) + url_secrets(args.target)  # never printed, whatever fails
    for option, url in (("--from", args.source), ("--to", args.target)):
        if url.partition("://")[0].lower() in ("postgresql", "postgres") and ambiguous_userinfo(url):
            print(f"dramabot migrate-db: {option}: write @ / ? # in the user name or password "
                  "percent-encoded (%40 %2F %3F %23)", file=sys.stderr)  # fmt: skip
            return EXIT_FAILURE
    try:
        progress = ProgressPrinter(sys.stderr)
        report = await transfer(args.source, args.target, force=args.force, progress=progress)
    except (TransferError, SchemaTooNew, StoreUnavailable, FileNotFoundError) as exc:
        print(f"dramabot migrate-db: {redact(str(exc), secrets)}", file=sys.stderr)
        return EXIT_FAILURE
    except Exception as exc:  # a driver's error (connection refused, bad URL ...): said plainly, not a trace
        print(f"dramabot migrate-db: {type(exc).__name__}: {redact(str(exc), secrets)}", file=sys.stderr)
        return EXIT_FAILURE
    if report.source_totals_were_wrong:
        print("note: the source's stored rating totals differed from its ratings; the copy has them rebuilt")
    rows, n, halves = report.totals[:3]
    counts = ", ".join(f"{name} {count:,}" for name, count in report.counts.items())
    print(f"copied schema version {report.version}: {counts}; rating totals checked ({rows:,} rows, "
          f"{n:,} ratings, {halves:,} half-stars) in {report.seconds:.1f} s")  # fmt: skip
    return EXIT_OK
