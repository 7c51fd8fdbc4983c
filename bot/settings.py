"""Configuration: `.env` then one typed, validated settings object (every variable: .env.example)."""

from __future__ import annotations

import ipaddress
import logging
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.catalogue.links import link_problem
from bot.safety.redact import ambiguous_userinfo, redact_url, url_secrets

DEFAULT_DATABASE = "data/dramabot.sqlite3"
DEFAULT_TMDB_COUNTRIES = ("KR", "JP", "CN", "TW", "TH", "HK")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
MAX_SHARDS = 65536
POSTGRES_SCHEMES = ("postgresql", "postgres")
SNOWFLAKE = r"(?=[0-9]{1,20}$)0*[1-9][0-9]*"  # a Discord id: ASCII digits (isdigit takes "²"), above 0
WHOLE = r"[0-9]{1,9}"


class SettingsError(Exception):
    """A configuration problem; its message is one line meant for the operator."""


@dataclass(frozen=True, slots=True)
class Settings:
    token: str = field(repr=False)  # never in a log line, even through repr(settings)
    database_path: Path = Path(DEFAULT_DATABASE)  # SQLite (the default)
    database_url: str | None = field(default=None, repr=False)  # PostgreSQL; may hold a password
    api_base: str | None = None
    gateway_url: str | None = None
    dev_guild_id: int | None = None
    log_level: str = "INFO"
    # Global curators besides the application's owners (bot/catalogue/curators.py): CURATOR_USER_IDS, and
    # the members holding CURATOR_ROLE_ID inside the home server CURATOR_GUILD_ID.
    curator_user_ids: frozenset[int] = frozenset()
    curator_guild_id: int | None = None
    curator_role_id: int | None = None
    tmdb_api_key: str | None = field(default=None, repr=False)
    tmdb_api_base: str | None = None
    project_url: str | None = None
    database_retry_seconds: float = 30.0
    tmdb_cache_hours: float = 24.0
    # None, None: one plain gateway connection. shard_ids None with a shard_count: every shard here.
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    database_pool_size: int = 10
    tmdb_origin_countries: tuple[str, ...] = DEFAULT_TMDB_COUNTRIES
    tmdb_refresh_hours: float = 3.0  # 0: never
    tmdb_refresh_batch: int = 50
    airing_cycle_seconds: float = 60.0  # 0: never
    member_cooldowns: bool = True
    discord_rate_limit: float = 50.0  # requests/s Discord allows the token, all processes together
    # The operators' endpoint (bot/metrics): /metrics and /healthz on METRICS_HOST:METRICS_PORT; None: off.
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"

    @property
    def database(self) -> Path | str:
        """What `bot.store.open_store` opens: the PostgreSQL URL when set, else the SQLite file."""
        return self.database_url or self.database_path

    @property
    def database_label(self) -> str:
        """The database for log lines: the file, or the URL without its password."""
        return str(self.database_path) if self.database_url is None else redact_url(self.database_url)

    @property
    def secrets(self) -> list[str]:
        """What no log line or message may show: the token, the TMDB key, the database password."""
        return [s for s in (self.token, self.tmdb_api_key, *url_secrets(self.database_url)) if s]

    @property
    def log_level_number(self) -> int:
        return logging.getLevelNamesMapping()[self.log_level]


def postgres_url(value: str) -> str | None:
    """`value` when it is a PostgreSQL URL (postgresql://... or postgres://...), else None."""
    value = value.strip()
    scheme, sep, rest = value.partition("://")
    if not sep or scheme.lower() not in POSTGRES_SCHEMES:
        return None
    if not rest:
        raise SettingsError(
            "DATABASE_URL postgresql:// needs a server and database, e.g. postgresql://bot@db/dramabot."
        )
    if ambiguous_userinfo(value):  # not echoed: it holds the password
        raise SettingsError(
            "DATABASE_URL: write @ / ? # in the user name or password percent-encoded (%40 %2F %3F %23)."
        )
    try:
        parts = urlsplit(value)
        if "," not in parts.netloc:  # several servers (host1:5432,host2:5433) are checked by asyncpg
            parts.port  # noqa: B018 -- raises ValueError for a port that is no number from 0 to 65535
    except ValueError:
        raise SettingsError(
            f"DATABASE_URL {redact_url(value)} is not a URL asyncpg can read (its host or port)."
        ) from None
    return value


def database_path_from_url(value: str) -> Path:
    """A plain path, or a `sqlite:///relative` / `sqlite:////absolute` URL."""
    value = value.strip()
    if not value:
        raise SettingsError("DATABASE_URL is empty: give a SQLite file path or sqlite:///path (see .env.example).")
    scheme, sep, rest = value.partition("://")
    if sep and scheme.lower() not in ("sqlite", "sqlite3"):
        raise SettingsError(
            f"DATABASE_URL scheme {scheme!r} is not supported: use a SQLite path, sqlite:///path "
            "or postgresql://user@host/database."
        )
    path = (rest[1:] if rest.startswith("/") else rest) if sep else value  # sqlite:///a -> "a"
    if not path or path == ":memory:":
        raise SettingsError("DATABASE_URL must name a file: the bot keeps ratings across restarts.")
    try:
        return Path(path).expanduser()
    except RuntimeError:  # pathlib: "Could not determine home directory."
        raise SettingsError(f"DATABASE_URL {path!r} starts with ~ but names no user of this machine.") from None


def is_loopback(host: str) -> bool:
    try:
        return host.lower().rstrip(".") == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def metrics_host(value: str) -> str:
    """METRICS_HOST: an IP address or a host name to listen on (default 127.0.0.1: this machine only)."""
    if not value:
        return "127.0.0.1"
    try:
        ipaddress.ip_address(value)
    except ValueError:
        if not re.fullmatch(r"(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?", value):
            raise SettingsError(
                f"METRICS_HOST must be an IP address (0.0.0.0 for every interface) or a host name, got {value!r}."
            ) from None
    return value


class Env:
    """The raw variables, read by one typed parser per kind, each naming the variable when it fails."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env

    def __getitem__(self, name: str) -> str:
        return self.env.get(name, "").strip()

    def url(self, name: str, schemes: tuple[str, str]) -> str | None:
        """A URL in one of `schemes`; the first (http or ws: the token in clear) only to this machine."""
        value = self[name]
        if not value:
            return None
        try:
            parts = urlsplit(value)
            host = parts.hostname
        except ValueError:  # e.g. "http://[::1" (an unclosed IPv6 address)
            parts = None
        if parts is None or parts.scheme not in schemes or not parts.netloc:
            allowed = " or ".join(schemes)
            raise SettingsError(f"{name} must be a {allowed} URL, got {value!r} (see .env.example).")
        if parts.scheme == schemes[0] and not is_loopback(host or ""):
            raise SettingsError(
                f"{name} must use {schemes[1]}://: {schemes[0]}:// is taken only for this machine "
                f"(localhost, 127.0.0.1, ::1), got {value!r}."
            )
        return value.rstrip("/")

    def on_off(self, name: str, default: bool) -> bool:
        raw = self[name].lower()
        if raw and raw not in ("on", "true", "yes", "1", "off", "false", "no", "0"):
            raise SettingsError(f"{name} must be on or off, got {raw!r}.")
        return raw in ("on", "true", "yes", "1") if raw else default

    def number(
        self, name: str, default: float, low: float, high: float, unit: str, low_open: bool = False
    ) -> float:
        """A number of `unit` from `low` (excluded when `low_open`) to `high`."""
        raw = self[name]
        if not raw:
            return float(default)
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not (low < value if low_open else low <= value) or not value <= high:
            raise SettingsError(f"{name} must be a number of {unit} from {low:g} to {high:g}, got {raw!r}.")
        return value

    def whole(self, name: str, low: int, high: int, meaning: str, default: int | None = None) -> int | None:
        raw = self[name]
        if raw and (not re.fullmatch(WHOLE, raw) or not low <= int(raw) <= high):
            raise SettingsError(
                f"{name} must be {meaning}: a whole number from {low} to {high}, got {raw!r}."
            )
        return int(raw) if raw else default

    def snowflake(self, name: str, what: str) -> int | None:
        raw = self[name]
        if raw and not re.fullmatch(SNOWFLAKE, raw):
            raise SettingsError(f"{name} must be {what} (digits only), got {raw!r}.")
        return int(raw) if raw else None

    def items(self, name: str, pattern: str, example: str, *, skip_empty: bool = False) -> list[str]:
        """A comma-separated list whose items each match `pattern` (no repeats kept)."""
        raw = self[name]
        found: list[str] = []
        for part in raw.split(",") if raw else ():
            part = part.strip().upper()
            if not part and skip_empty:  # "1, 2," : a trailing comma names nobody
                continue
            if not re.fullmatch(pattern, part):
                raise SettingsError(f"{name} must be {example}, got {raw!r}.")
            if part not in found:
                found.append(part)
        return found


def shards_from_env(env: Env) -> tuple[int | None, tuple[int, ...] | None]:
    """(SHARD_COUNT, this process's shard ids: SHARD_IDS or i % CLUSTER_COUNT == CLUSTER_INDEX; None: all)."""
    count = env.whole("SHARD_COUNT", 1, MAX_SHARDS, "the number of shards across all processes")
    ids_raw = env["SHARD_IDS"]
    cluster = [name for name in ("CLUSTER_INDEX", "CLUSTER_COUNT") if env[name]]
    if count is None:
        if ids_raw or cluster:
            raise SettingsError(
                f"{'SHARD_IDS' if ids_raw else cluster[0]} needs SHARD_COUNT, the number of shards "
                "across all processes (see .env.example)."
            )
        return None, None
    if ids_raw and cluster:
        raise SettingsError("set SHARD_IDS or CLUSTER_INDEX with CLUSTER_COUNT, not both (see .env.example).")
    if ids_raw:
        ids = [int(part) if re.fullmatch(WHOLE, part.strip()) else count for part in ids_raw.split(",")]
        if any(i >= count for i in ids):
            raise SettingsError(
                f"SHARD_IDS must be shard numbers from 0 to {count - 1} (SHARD_COUNT {count}) "
                f"separated by commas, e.g. 0,2,4; got {ids_raw!r}."
            )
        if len(set(ids)) < len(ids):
            raise SettingsError(f"SHARD_IDS lists a shard twice: {ids_raw!r}.")
        return count, tuple(sorted(ids))
    if len(cluster) == 1:
        raise SettingsError("CLUSTER_INDEX and CLUSTER_COUNT go together: set both, or neither.")
    if cluster:
        clusters = env.whole("CLUSTER_COUNT", 1, count, f"the number of processes sharing the {count} shards")
        assert clusters is not None
        index = env.whole("CLUSTER_INDEX", 0, clusters - 1, "this process's number among CLUSTER_COUNT")
        return count, tuple(i for i in range(count) if i % clusters == index)
    return count, None


def curators_from_env(env: Env) -> dict[str, Any]:
    """The curator settings; the role counts only inside its home server, so the two go together."""
    users = env.items("CURATOR_USER_IDS", SNOWFLAKE, "user ids (digits) separated by commas", skip_empty=True)
    guild = env.snowflake("CURATOR_GUILD_ID", "a server id")
    role = env.snowflake("CURATOR_ROLE_ID", "a role id")
    if role is not None and guild is None:
        raise SettingsError(
            "CURATOR_ROLE_ID now needs CURATOR_GUILD_ID, the home server the role belongs to: only there does "
            "the role make global curators (see .env.example)."
        )
    if guild is not None and role is None:
        raise SettingsError("CURATOR_GUILD_ID needs CURATOR_ROLE_ID, the role of global curators there (see .env.example).")
    users_ = frozenset(map(int, users))
    return {"curator_user_ids": users_, "curator_guild_id": guild, "curator_role_id": role}


def load_settings(
    env: Mapping[str, str] | None = None,
    *,
    dotenv: bool = True,
    require_token: bool = True,
    env_file: Path | None = None,
) -> Settings:
    """The settings from `env` (default: the environment after `.env`); `env_file` only shapes the
    missing-token message. `require_token=False` for commands that never talk to Discord."""
    if env is None:
        if dotenv:
            from dotenv import load_dotenv

            # Only this folder's .env: find_dotenv would walk up into another project's secrets.
            found = Path.cwd() / ".env"
            if found.is_file():
                env_file = found
                load_dotenv(env_file, override=False)
        env = os.environ
    e = Env(env)
    if not e["DISCORD_TOKEN"] and require_token:
        if env_file is not None and env_file.is_file():  # where to put it, from where the operator is
            raise SettingsError(
                f"DISCORD_TOKEN is not set: put your bot token in {env_file} as DISCORD_TOKEN=... "
                "(Developer Portal > Bot > Reset Token), then run again."
            )
        raise SettingsError(
            "DISCORD_TOKEN is not set: copy .env.example to .env and put your bot token there."
        )
    # TMDB_REFRESH_MINUTES wins; TMDB_REFRESH_HOURS is the older spelling of the same.
    if e["TMDB_REFRESH_HOURS"] and not e["TMDB_REFRESH_MINUTES"]:
        tmdb_refresh_hours = e.number("TMDB_REFRESH_HOURS", 3, 0, 24 * 30, "hours")
    else:
        tmdb_refresh_hours = e.number("TMDB_REFRESH_MINUTES", 180, 0, 60 * 24 * 30, "minutes") / 60
    shard_count, shard_ids = shards_from_env(e)
    database_url = postgres_url(e["DATABASE_URL"])
    database_path = None if database_url else database_path_from_url(e["DATABASE_URL"] or DEFAULT_DATABASE)
    countries = e.items("TMDB_ORIGIN_COUNTRIES", "[A-Z]{2}", "two-letter codes separated by commas (KR,JP)")
    level = e["LOG_LEVEL"].upper() or "INFO"
    if level not in LOG_LEVELS:
        raise SettingsError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {level!r}.")
    project_url = e["PROJECT_URL"]
    if project_url and (problem := link_problem(project_url)):  # the rule of every link on a card
        raise SettingsError(f"PROJECT_URL {problem}, got {project_url!r}.")
    return Settings(
        token=e["DISCORD_TOKEN"],
        database_path=database_path or Path(DEFAULT_DATABASE),
        database_url=database_url,
        api_base=e.url("DISCORD_API_BASE", ("http", "https")),
        gateway_url=e.url("DISCORD_GATEWAY_URL", ("ws", "wss")),
        dev_guild_id=e.snowflake("DEV_GUILD_ID", "a server id"),
        log_level=level,
        **curators_from_env(e),
        tmdb_api_key=e["TMDB_API_KEY"] or None,
        tmdb_api_base=e.url("TMDB_API_BASE", ("http", "https")),
        project_url=project_url.rstrip("/") or None,
        database_retry_seconds=e.number("DATABASE_RETRY_SECONDS", 30, 0.1, 3600, "seconds"),
        tmdb_cache_hours=e.number("TMDB_CACHE_HOURS", 24, 0, 24 * 30, "hours", low_open=True),
        shard_count=shard_count,
        shard_ids=shard_ids,
        database_pool_size=e.whole("DATABASE_POOL_SIZE", 1, 1000, "PostgreSQL connections per process", 10),
        tmdb_origin_countries=tuple(countries) or DEFAULT_TMDB_COUNTRIES,
        tmdb_refresh_hours=tmdb_refresh_hours,
        tmdb_refresh_batch=e.whole("TMDB_REFRESH_BATCH", 0, 100_000, "dramas per TMDB refresh run", 50),
        airing_cycle_seconds=e.number("AIRING_CYCLE_SECONDS", 60, 0, 3600, "seconds"),
        member_cooldowns=e.on_off("MEMBER_COOLDOWNS", True),
        discord_rate_limit=e.number("DISCORD_RATE_LIMIT", 50, 1, 100_000, "requests per second"),
        metrics_port=e.whole("METRICS_PORT", 1, 65535, "the TCP port of /metrics and /healthz"),
        metrics_host=metrics_host(e["METRICS_HOST"]),
    )
