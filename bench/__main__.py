"""`python -m bench [--size small|large|huge] [--calls N] [--out FILE]`: see bench/README.md."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bench.run import main_async


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="dramabot's benchmark (real bot, local Discord stand-in)")
    parser.add_argument("--size", choices=("small", "large", "huge"), default="small",
                        help="catalogue size (large also runs the 100,000-title autocomplete phase)")  # fmt: skip
    parser.add_argument("--calls", type=int, default=1000, help="sequential calls per command (default 1000)")
    parser.add_argument("--burst", type=int, default=500, help="interactions per burst (default 500)")
    parser.add_argument("--out", type=Path, default=None, help="write the table into this markdown file")
    parser.add_argument("--no-huge", action="store_true", help="with --size large: skip the 100,000-title phase")
    parser.add_argument("--profile", type=Path, default=None,
                        help="attach py-spy to the bot during the run and write raw stacks here")  # fmt: skip
    parser.add_argument("--validate-all", action="store_true",
                        help="check bodies against Discord's OpenAPI description during bursts too (slower stand-in)")  # fmt: skip
    parser.add_argument("--sample", type=int, default=None,
                        help="pick dramas from this many at random instead of the whole catalogue (the old benchmark: 5000)")  # fmt: skip
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite",
                        help="the bot's database: SQLite (default) or a throwaway PostgreSQL (see bench/postgres.py)")  # fmt: skip
    args = parser.parse_args(argv)
    if args.calls < 1 or args.burst < 1:
        parser.error("--calls and --burst must be at least 1")
    command = "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:])
    asyncio.run(main_async(args.size, args.calls, args.burst, args.out, args.size == "large" and not args.no_huge,
                           command.strip(), args.profile, args.validate_all, args.sample, args.backend))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
