"""`python -m bot` (or `dramabot`): run the bot, or a maintenance command (`--help` lists them). `main()`
owns every resource: the store, renderer, cluster and clock go to the bot and are closed on exit."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sqlite3
import sys
import time
from collections.abc import Awaitable, Callable

import discord
import yarl

from bot.airing.times import Clock, SystemClock
from bot.catalogue.format import load_starter_catalogue
from bot.cli import catalogue as catalogue_cli
from bot.cli import history as history_cli
from bot.cli import migrate as migrate_cli
from bot.client import DramaBot
from bot.cluster import ClusterUnavailable, Coordinator, open_cluster
from bot.errors import SchemaTooNew, StoreUnavailable
from bot.pictures.renderer import ChartRenderer
from bot.safety.redact import redact, url_secrets
from bot.settings import Settings, SettingsError, load_settings
from bot.store import Store, UnavailableStore, open_store

log = logging.getLogger("bot")

DRAIN_SECONDS = 5.0  # on SIGTERM, how long interactions in flight get to finish
CHART_BUDGET = 1.0  # seconds a card waits for its picture; then it goes out without it
STATS_MARKER = "dramabot stats:"

EXIT_OK, EXIT_FAILURE, EXIT_CONFIG = 0, 1, 2
OPEN_FAILURES = (StoreUnavailable, sqlite3.DatabaseError, OSError)


class RedactingFormatter(logging.Formatter):
    """Blanks out secrets (tracebacks included): the token, the TMDB key, the database password."""

    def __init__(self, fmt: str, secrets: list[str]) -> None:
        super().__init__(fmt)
        self._secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self._secrets)


def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", settings.secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level_number)
    if settings.log_level_number < logging.WARNING:
        logging.getLogger("discord").setLevel(max(settings.log_level_number, logging.INFO))


def use_endpoints(settings: Settings) -> None:
    """Point discord.py at a REST / gateway proxy (or a local stand-in) when configured."""
    if settings.api_base:
        discord.http.Route.BASE = settings.api_base
    if settings.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)


async def open_database(
    settings: Settings, *, or_unavailable: bool = False
) -> Store | UnavailableStore | None:
    """The store, or None after logging why not; `or_unavailable`: an UnavailableStore instead (unless the
    schema is newer) when the database cannot be opened."""
    try:
        return await open_store(settings.database, pool_max=settings.database_pool_size)
    except SchemaTooNew as exc:
        log.error("refusing to start: %s", exc)
    except OPEN_FAILURES as exc:
        if not or_unavailable:
            log.error("cannot open the database at %s: %s", settings.database_label, exc)
            return None
        log.error("cannot open the database at %s: %s; running without it, retrying every %g s",
                  settings.database_label, exc, settings.database_retry_seconds)  # fmt: skip
        return UnavailableStore(str(exc))
    return None


async def run_bot(settings: Settings, clock: Clock) -> int:
    """Run the bot; it keeps running while the database cannot be opened, and retries."""
    store = await open_database(settings, or_unavailable=True)
    if store is None:
        return EXIT_FAILURE
    cluster = await open_cluster(settings.database)  # PostgreSQL: locks shared with the other processes
    if not isinstance(store, UnavailableStore):
        await load_starter(store, cluster)
    renderer = ChartRenderer(timeout=CHART_BUDGET)
    bot = DramaBot.for_settings(store, settings, cluster, renderer=renderer, clock=clock)
    metrics = None  # METRICS_PORT: /metrics and /healthz, listening from before the login until the bot stopped
    if settings.metrics_port is not None:
        from bot.metrics import OperatorMetrics  # prometheus-client is loaded only when metrics are on

        metrics = OperatorMetrics.for_bot(bot)
    reopen = None
    if isinstance(store, UnavailableStore):
        reopen = asyncio.create_task(_reopen_store(bot, settings), name="dramabot-reopen-store")
    try:
        async with bot:
            if metrics is not None:
                try:
                    await metrics.start()
                except OSError as exc:
                    where = f"{settings.metrics_host}:{settings.metrics_port}"
                    log.error("cannot serve metrics on %s (METRICS_HOST, METRICS_PORT): %s", where, exc)
                    return EXIT_FAILURE
            try:
                return await _serve(bot, settings)
            finally:
                if metrics is not None:
                    await metrics.stop()
    finally:
        if reopen is not None:
            reopen.cancel()
            await asyncio.gather(reopen, return_exceptions=True)
        await bot.store.close()
        renderer.close()
        await cluster.close()
        log.info("stopped")


async def load_starter(store: Store, cluster: Coordinator) -> None:
    """The bundled catalogue into the database, one process of the cluster at a time."""
    try:
        async with cluster.exclusive("starter-catalogue"):
            await load_starter_catalogue(store)
    except ClusterUnavailable as exc:
        log.warning("loading the starter catalogue without the cluster lock (%s)", exc)
        await load_starter_catalogue(store)


async def _reopen_store(bot: DramaBot, settings: Settings) -> None:
    """Retry opening the database until it works, then hand it to the bot."""
    while True:
        await asyncio.sleep(settings.database_retry_seconds)
        try:
            store = await open_store(settings.database, pool_max=settings.database_pool_size)
        except SchemaTooNew as exc:
            log.error("the database is now from a newer dramabot (%s): still running without it", exc)
            continue
        except OPEN_FAILURES as exc:
            log.debug("the database still cannot be opened: %s", exc)
            continue
        await load_starter(store, bot.cluster)
        bot.store = store
        log.info("the database at %s can be used again", settings.database_label)
        try:
            await bot.sync_commands()
        except (StoreUnavailable, ClusterUnavailable, discord.HTTPException) as exc:
            log.warning("command sync after reopening failed: %s", exc)
        return


def log_stats(bot: DramaBot) -> None:
    """The operator's stats line (on SIGUSR1 and at shutdown; docs/deploy.md)."""
    counters = "".join(f"{k}={v} " for k, v in bot.store.cache_stats().items())
    log.info("%s %scpu_s=%.6f", STATS_MARKER, counters, time.process_time())


async def _serve(bot: DramaBot, settings: Settings) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.add_signal_handler(signal.SIGUSR1, log_stats, bot)
    runner = asyncio.create_task(bot.start(settings.token), name="dramabot-runner")
    stopper = asyncio.create_task(stop.wait(), name="dramabot-stop")
    try:
        await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if stop.is_set():
            log.info("stopping: letting interactions in flight finish")
            left = await bot.drain(DRAIN_SECONDS)
            if left:
                log.warning("%d interaction(s) still running after %.0f s; stopping anyway", left, DRAIN_SECONDS)
            await bot.close()
        try:
            await runner
        except discord.LoginFailure:
            log.error("Discord rejected DISCORD_TOKEN: check the token in .env (Developer Portal > Bot > Reset Token)")
            return EXIT_FAILURE
        except discord.PrivilegedIntentsRequired as exc:
            log.error("Discord refused the gateway intents: %s", exc)
            return EXIT_FAILURE
        except (discord.GatewayNotFound, discord.ConnectionClosed, OSError) as exc:
            log.error("could not stay connected to Discord: %s", exc)
            return EXIT_FAILURE
        return EXIT_OK
    finally:
        stopper.cancel()
        log_stats(bot)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1):
            loop.remove_signal_handler(sig)


async def run_sync(settings: Settings, args: argparse.Namespace, store: Store) -> int:
    cluster = await open_cluster(settings.database)
    try:
        async with DramaBot(store, settings, force_sync=True, cluster=cluster) as bot:
            try:
                await bot.login(settings.token)  # runs setup_hook, which syncs
            except discord.LoginFailure:
                log.error("Discord rejected DISCORD_TOKEN: check the token in .env")
                return EXIT_FAILURE
    finally:
        await cluster.close()
    return EXIT_OK


async def run_backup(settings: Settings, args: argparse.Namespace, store: Store) -> int:
    try:
        await store.backup(args.path)
        copy = await Store.open(args.path)
        try:
            result = await copy.integrity_check()
        finally:
            await copy.close()
        print(f"backup written to {args.path} (integrity_check: {result})")
        return EXIT_OK if result == "ok" else EXIT_FAILURE
    except (FileExistsError, StoreUnavailable) as exc:  # PostgreSQL: StoreUnavailable, use pg_dump
        print(f"dramabot: {redact(str(exc), settings.secrets)}", file=sys.stderr)
        return EXIT_FAILURE


async def run_catalogue(settings: Settings, args: argparse.Namespace, store: Store) -> int:
    try:
        await load_starter_catalogue(store)  # a new database starts from the bundled catalogue, as the bot does
        return await catalogue_cli.run(store, args, settings)
    except StoreUnavailable as exc:
        log.error("the database is unavailable: %s", exc)
        return EXIT_FAILURE


async def run_import_history(settings: Settings, args: argparse.Namespace, store: Store) -> int:
    try:
        await load_starter_catalogue(store)  # a new database starts with the bundled catalogue, as the bot
        return await history_cli.run(store, args, settings)
    except StoreUnavailable as exc:
        log.error("the database is unavailable: %s", exc)
        return EXIT_FAILURE


StoreCommand = Callable[[Settings, argparse.Namespace, Store], Awaitable[int]]
STORE_COMMANDS: dict[str, StoreCommand] = {
    "sync": run_sync, "backup": run_backup, "catalogue": run_catalogue, "import-history": run_import_history,
}  # fmt: skip


async def with_store(command: StoreCommand, settings: Settings, args: argparse.Namespace) -> int:
    """Run a maintenance command with the store open, and closed again whatever happens."""
    store = await open_database(settings)
    if store is None:
        return EXIT_FAILURE
    try:
        return await command(settings, args, store)
    finally:
        await store.close()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot", description="dramabot: a Discord bot for drama fans.")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot (the default)")
    sub.add_parser("sync", help="sync the slash commands now, even if unchanged, then exit")
    sub.add_parser("backup", help="copy the database to PATH, safely while the bot runs").add_argument("path")
    catalogue_cli.add_parser(sub)
    history_cli.add_parser(sub)
    migrate_cli.add_parser(sub)
    args = parser.parse_args(argv)
    args.command = args.command or "run"
    return args


def main(argv: list[str] | None = None, *, clock: Clock | None = None) -> int:
    """The program; `clock` is the time the airing scheduler reads (default: the system's)."""
    args = parse_args(argv)
    if args.command == "migrate-db":  # needs no settings: both databases are on the command line
        return asyncio.run(migrate_cli.run(args))
    try:
        settings = load_settings(require_token=args.command not in ("catalogue", "import-history"))
    except SettingsError as exc:
        print(f"dramabot: {redact(str(exc), url_secrets(os.environ.get('DATABASE_URL')))}", file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(settings)
    use_endpoints(settings)
    if args.command == "run":
        command = run_bot(settings, clock or SystemClock())
    else:
        command = with_store(STORE_COMMANDS[args.command], settings, args)
    try:
        return asyncio.run(command)
    except Exception:  # a driver's error may quote the database URL: logged through the redacting formatter
        log.exception("stopped by an unexpected error")
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
