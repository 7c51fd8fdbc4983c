"""Configuration: `.env` (python-dotenv) then one typed, validated settings object."""

from __future__ import annotations

import ipaddress
import logging
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from bot.catalogue.links import link_problem
from bot.safety.redact import ambiguous_userinfo, redact_url, url_secrets

DEFAULT_DATABASE = "data/dramabot.sqlite3"
DEFAULT_TMDB_COUNTRIES = ("KR", "JP", "CN", "TW", "TH", "HK")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
MAX_SHARDS = 65536
_SNOWFLAKE = re.compile(r"[0-9]{1,20}")  # a Discord id: ASCII digits, below 2**64 (str.isdigit takes "²")


class SettingsError(Exception):
    """A configuration problem; its message is one line meant for the operator."""


@dataclass(frozen=True, slots=True)
class Settings:
    # repr=False: the token must never reach a log line, even through repr(settings).
    token: str = field(repr=False)
    database_path: Path = Path(DEFAULT_DATABASE)  # SQLite (the default)
    # PostgreSQL instead (DATABASE_URL=postgresql://...); repr=False: it may hold a password.
    database_url: str | None = field(default=None, repr=False)
    api_base: str | None = None
    gateway_url: str | None = None
    dev_guild_id: int | None = None
    log_level: str = "INFO"
    # The shared catalogue's global curators besides the application's owners (bot/catalogue/curators.py):
    # CURATOR_USER_IDS, and the members holding CURATOR_ROLE_ID inside the home server CURATOR_GUILD_ID.
    curator_user_ids: frozenset[int] = frozenset()
    curator_guild_id: int | None = None
    curator_role_id: int | None = None
    tmdb_api_key: str | None = field(default=None, repr=False)  # TMDB_API_KEY: live where-to-watch data
    tmdb_api_base: str | None = None  # TMDB_API_BASE: replaces https://api.themoviedb.org/3
    project_url: str | None = None  # PROJECT_URL: the link /about shows
    database_retry_seconds: float = 30.0  # DATABASE_RETRY_SECONDS: how often to retry a database that failed to open
    tmdb_cache_hours: float = 24.0  # TMDB_CACHE_HOURS: how long fetched watch providers are fresh
    # SHARD_COUNT (all processes together) and the shards this process runs (SHARD_IDS, or derived from
    # CLUSTER_INDEX / CLUSTER_COUNT); None, None: one plain gateway connection, no sharding.
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None  # None with a shard_count: every shard in this process
    # DATABASE_POOL_SIZE: PostgreSQL connections this process keeps at most (plus one that LISTENs);
    # N processes need N * (size + 1) below the server's max_connections.
    database_pool_size: int = 10
    # TMDB_ORIGIN_COUNTRIES: the countries whose TMDB series autocomplete offers and imports
    tmdb_origin_countries: tuple[str, ...] = DEFAULT_TMDB_COUNTRIES
    # TMDB_REFRESH_MINUTES (or TMDB_REFRESH_HOURS): how often the bot refreshes airing dramas; 0: never
    tmdb_refresh_hours: float = 3.0
    # TMDB_REFRESH_BATCH: dramas neither followed nor reminded that one refresh run takes at most (0: only
    # followed and reminded ones); bounds a run, so followed dramas are refreshed every interval
    tmdb_refresh_batch: int = 50
    airing_cycle_seconds: float = 60.0  # AIRING_CYCLE_SECONDS: how often announcements are checked; 0: never
    test_clock_file: Path | None = None  # DRAMABOT_TEST_CLOCK_FILE: TESTS ONLY, the scheduler's time from a file
    # MEMBER_COOLDOWNS=off: no per-member cooldowns on the heavy commands (bot/safety/cooldowns.py); for a private
    # bot among friends, or a load test whose few members send far more than anyone would. Default: on
    member_cooldowns: bool = True

    @property
    def database(self) -> Path | str:
        """What `bot.store.open_store` opens: the PostgreSQL URL when set, else the SQLite file."""
        return self.database_url or self.database_path

    @property
    def database_label(self) -> str:
        """The database for log lines: the file, or the URL without its password."""
        if self.database_url is None:
            return str(self.database_path)
        return redact_url(self.database_url)

    @property
    def secrets(self) -> list[str]:
        """What no log line or message may show: the token, the TMDB key, the database password."""
        return [s for s in (self.token, self.tmdb_api_key, *url_secrets(self.database_url)) if s]

    @property
    def log_level_number(self) -> int:
        return logging.getLevelNamesMapping()[self.log_level]


POSTGRES_SCHEMES = ("postgresql", "postgres")


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
        if "," not in parts.netloc:  # one server (several, host1:5432,host2:5433, are checked by asyncpg)
            parts.port  # noqa: B018 -- raises ValueError for a port that is no number from 0 to 65535
    except ValueError:
        raise SettingsError(
            f"DATABASE_URL {redact_url(value)} is not a URL asyncpg can read (its host or port)."
        ) from None
    return value


def database_path_from_url(value: str) -> Path:
    """Accept a plain path or a `sqlite:///relative` / `sqlite:////absolute` URL (PostgreSQL URLs: see
    `postgres_url`)."""
    value = value.strip()
    if not value:
        raise SettingsError("DATABASE_URL is empty: give a SQLite file path or sqlite:///path (see .env.example).")
    if "://" not in value:
        return _expand(value)
    scheme, _, rest = value.partition("://")
    if scheme.lower() not in ("sqlite", "sqlite3"):
        raise SettingsError(
            f"DATABASE_URL scheme {scheme!r} is not supported: use a SQLite path, sqlite:///path "
            "or postgresql://user@host/database."
        )
    # sqlite:///data/x.db -> rest "/data/x.db" -> relative "data/x.db"; sqlite:////abs -> "/abs"
    path = rest[1:] if rest.startswith("/") else rest
    if not path or path == ":memory:":
        raise SettingsError("DATABASE_URL must name a file: the bot keeps ratings across restarts.")
    return _expand(path)


def _expand(path: str) -> Path:
    """`~/x` and `~user/x` as the shell would; a `~name` of no known user is a settings error."""
    try:
        return Path(path).expanduser()
    except RuntimeError:  # pathlib: "Could not determine home directory."
        raise SettingsError(f"DATABASE_URL {path!r} starts with ~ but names no user of this machine.") from None


def is_loopback(host: str | None) -> bool:
    """`host` is this machine: localhost, 127.0.0.0/8 or ::1."""
    if not host:
        return False
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _optional_url(
    env: Mapping[str, str], name: str, schemes: tuple[str, ...], *, loopback_only: str | None = None
) -> str | None:
    """An optional URL in one of `schemes`; `loopback_only` is a scheme taken only for this machine
    (plain http or ws carries the token and the API key in clear, so only to a local stand-in)."""
    value = env.get(name, "").strip()
    if not value:
        return None
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:  # e.g. "http://[::1" (an unclosed IPv6 address)
        parts = None
    if parts is None or parts.scheme not in schemes or not parts.netloc:
        raise SettingsError(f"{name} must be a {' or '.join(schemes)} URL, got {value!r} (see .env.example).")
    if parts.scheme == loopback_only and not is_loopback(host):
        secure = next(s for s in schemes if s != loopback_only)
        raise SettingsError(
            f"{name} must use {secure}://: {loopback_only}:// is taken only for this machine "
            f"(localhost, 127.0.0.1, ::1), got {value!r}."
        )
    return value.rstrip("/")


def _project_url(env: Mapping[str, str]) -> str | None:
    """PROJECT_URL: the link /about shows, under the same rule as every link on a card (bot.catalogue.links)."""
    value = env.get("PROJECT_URL", "").strip()
    problem = link_problem(value) if value else None
    if problem:
        raise SettingsError(f"PROJECT_URL {problem}, got {value!r}.")
    return value.rstrip("/") or None


def _on_off(env: Mapping[str, str], name: str, default: bool) -> bool:
    """An on/off setting: on/off, true/false, yes/no or 1/0 (any case); `default` when unset."""
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("on", "true", "yes", "1"):
        return True
    if raw in ("off", "false", "no", "0"):
        return False
    raise SettingsError(f"{name} must be on or off, got {raw!r}.")


def _number(
    env: Mapping[str, str], name: str, default: float, low: float, high: float, unit: str, *, low_inclusive: bool
) -> float:
    """A number of `unit` from `low` to `high`, or the default when unset."""
    raw = env.get(name, "").strip()
    if not raw:
        return float(default)
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not ((low <= value) if low_inclusive else (low < value)) or not value <= high:
        raise SettingsError(f"{name} must be a number of {unit} from {low:g} to {high:g}, got {raw!r}.")
    return value


def missing_token_message(env_file: Path | None) -> str:
    """The one line printed when DISCORD_TOKEN is missing: where to put it, from where the user is."""
    if env_file is not None and env_file.is_file():
        return (
            f"DISCORD_TOKEN is not set: put your bot token in {env_file} as DISCORD_TOKEN=... "
            "(Developer Portal > Bot > Reset Token), then run again."
        )
    return "DISCORD_TOKEN is not set: copy .env.example to .env and put your bot token there."


def _whole(env: Mapping[str, str], name: str, low: int, high: int, meaning: str) -> int | None:
    """A whole number from `low` to `high` (ASCII digits), or None when unset."""
    raw = env.get(name, "").strip()
    if not raw:
        return None
    if not re.fullmatch(r"[0-9]{1,9}", raw) or not low <= int(raw) <= high:
        raise SettingsError(f"{name} must be {meaning}: a whole number from {low} to {high}, got {raw!r}.")
    return int(raw)


def shards_from_env(env: Mapping[str, str]) -> tuple[int | None, tuple[int, ...] | None]:
    """(SHARD_COUNT, this process's shard ids) from SHARD_COUNT with SHARD_IDS, or with CLUSTER_INDEX and
    CLUSTER_COUNT (shards i with i % CLUSTER_COUNT == CLUSTER_INDEX); (None, None) when not sharded."""
    count = _whole(env, "SHARD_COUNT", 1, MAX_SHARDS, "the number of shards across all processes")
    ids_raw = env.get("SHARD_IDS", "").strip()
    has_cluster = [name for name in ("CLUSTER_INDEX", "CLUSTER_COUNT") if env.get(name, "").strip()]
    if count is None:
        if ids_raw or has_cluster:
            given = "SHARD_IDS" if ids_raw else has_cluster[0]
            raise SettingsError(
                f"{given} needs SHARD_COUNT, the number of shards across all processes (see .env.example)."
            )
        return None, None
    if ids_raw and has_cluster:
        raise SettingsError("set SHARD_IDS or CLUSTER_INDEX with CLUSTER_COUNT, not both (see .env.example).")
    if ids_raw:
        ids: list[int] = []
        for part in ids_raw.split(","):
            part = part.strip()
            if not re.fullmatch(r"[0-9]{1,9}", part) or int(part) >= count:
                raise SettingsError(
                    f"SHARD_IDS must be shard numbers from 0 to {count - 1} (SHARD_COUNT {count}) "
                    f"separated by commas, e.g. 0,2,4; got {ids_raw!r}."
                )
            if int(part) in ids:
                raise SettingsError(f"SHARD_IDS lists shard {int(part)} twice: {ids_raw!r}.")
            ids.append(int(part))
        return count, tuple(sorted(ids))
    if has_cluster:
        if len(has_cluster) == 1:
            raise SettingsError("CLUSTER_INDEX and CLUSTER_COUNT go together: set both, or neither.")
        sharing = f"the number of processes sharing the {count} shards"
        clusters = _whole(env, "CLUSTER_COUNT", 1, count, sharing)
        assert clusters is not None
        index = _whole(env, "CLUSTER_INDEX", 0, clusters - 1, "this process's number among CLUSTER_COUNT")
        return count, tuple(i for i in range(count) if i % clusters == index)
    return count, None


def _snowflake(env: Mapping[str, str], name: str, what: str) -> int | None:
    """A Discord id (ASCII digits, above 0), or None when unset."""
    raw = env.get(name, "").strip()
    if not raw:
        return None
    if not _SNOWFLAKE.fullmatch(raw) or int(raw) <= 0:
        raise SettingsError(f"{name} must be {what} (digits only), got {raw!r}.")
    return int(raw)


def curators_from_env(env: Mapping[str, str]) -> tuple[frozenset[int], int | None, int | None]:
    """(CURATOR_USER_IDS, CURATOR_GUILD_ID, CURATOR_ROLE_ID): who may change the shared catalogue besides the
    application's owners. The role counts only inside its home server, so the two are set together; a
    CURATOR_ROLE_ID alone (its meaning before: the role in every server) stops the start with this line
    rather than quietly meaning something else."""
    users: set[int] = set()
    raw = env.get("CURATOR_USER_IDS", "").strip()
    for part in raw.split(",") if raw else ():
        part = part.strip()
        if not part:  # "1, 2," : a trailing comma names nobody
            continue
        if not _SNOWFLAKE.fullmatch(part) or int(part) <= 0:
            raise SettingsError(f"CURATOR_USER_IDS must be user ids (digits) separated by commas, got {raw!r}.")
        users.add(int(part))
    guild = _snowflake(env, "CURATOR_GUILD_ID", "a server id")
    role = _snowflake(env, "CURATOR_ROLE_ID", "a role id")
    if role is not None and guild is None:
        raise SettingsError(
            "CURATOR_ROLE_ID now needs CURATOR_GUILD_ID, the home server the role belongs to: only there does "
            "the role make global curators (see .env.example)."
        )
    if guild is not None and role is None:
        raise SettingsError("CURATOR_GUILD_ID needs CURATOR_ROLE_ID, the role of global curators there (see .env.example).")
    return frozenset(users), guild, role


def _countries(env: Mapping[str, str], name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """Comma-separated ISO 3166-1 alpha-2 codes ("KR,JP"), upper-cased, without repeats."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    codes: list[str] = []
    for part in raw.split(","):
        code = part.strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", code):
            raise SettingsError(f"{name} must be two-letter country codes separated by commas (KR,JP), got {raw!r}.")
        if code not in codes:
            codes.append(code)
    return tuple(codes)


def load_settings(
    env: Mapping[str, str] | None = None,
    *,
    dotenv: bool = True,
    require_token: bool = True,
    env_file: Path | None = None,
) -> Settings:
    """Read the settings from `env` (default: the process environment after loading `.env`).

    `require_token=False` for commands that never talk to Discord (the catalogue CLI).
    `env_file` is the `.env` in use, when the caller already knows it (found here otherwise); it
    only shapes the message when the token is missing.
    """
    if env is None:
        if dotenv:
            from dotenv import load_dotenv

            # The .env of the folder the bot is run from, and only that one: find_dotenv would walk up
            # the parent folders and could pick up another project's secrets.
            found = Path.cwd() / ".env"
            if found.is_file():
                env_file = found
                load_dotenv(env_file, override=False)
        env = os.environ

    token = env.get("DISCORD_TOKEN", "").strip()
    if not token and require_token:
        raise SettingsError(missing_token_message(env_file))

    dev_guild_raw = env.get("DEV_GUILD_ID", "").strip()
    dev_guild_id = None
    if dev_guild_raw:
        if not _SNOWFLAKE.fullmatch(dev_guild_raw) or int(dev_guild_raw) <= 0:
            raise SettingsError(f"DEV_GUILD_ID must be a server id (digits only), got {dev_guild_raw!r}.")
        dev_guild_id = int(dev_guild_raw)

    curator_user_ids, curator_guild_id, curator_role_id = curators_from_env(env)

    database_retry_seconds = _number(env, "DATABASE_RETRY_SECONDS", 30, 0.1, 3600, "seconds", low_inclusive=True)
    tmdb_cache_hours = _number(env, "TMDB_CACHE_HOURS", 24, 0, 24 * 30, "hours", low_inclusive=False)
    # TMDB_REFRESH_MINUTES (default 180) wins; TMDB_REFRESH_HOURS is the older spelling of the same.
    tmdb_refresh_hours = _number(env, "TMDB_REFRESH_MINUTES", 180, 0, 60 * 24 * 30, "minutes", low_inclusive=True) / 60
    if not env.get("TMDB_REFRESH_MINUTES", "").strip() and env.get("TMDB_REFRESH_HOURS", "").strip():
        tmdb_refresh_hours = _number(env, "TMDB_REFRESH_HOURS", 3, 0, 24 * 30, "hours", low_inclusive=True)

    tmdb_refresh_batch = _whole(env, "TMDB_REFRESH_BATCH", 0, 100_000, "dramas per TMDB refresh run")

    shard_count, shard_ids = shards_from_env(env)
    database_raw = env.get("DATABASE_URL", "").strip()
    pool_size = _whole(env, "DATABASE_POOL_SIZE", 1, 1000, "PostgreSQL connections per process")
    database_url = postgres_url(database_raw)

    level = env.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if level not in LOG_LEVELS:
        raise SettingsError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {level!r}.")

    return Settings(
        token=token,
        database_path=(
            Path(DEFAULT_DATABASE) if database_url else database_path_from_url(database_raw or DEFAULT_DATABASE)
        ),
        database_url=database_url,
        api_base=_optional_url(env, "DISCORD_API_BASE", ("http", "https"), loopback_only="http"),
        gateway_url=_optional_url(env, "DISCORD_GATEWAY_URL", ("ws", "wss"), loopback_only="ws"),
        dev_guild_id=dev_guild_id,
        log_level=level,
        curator_user_ids=curator_user_ids,
        curator_guild_id=curator_guild_id,
        curator_role_id=curator_role_id,
        tmdb_api_key=env.get("TMDB_API_KEY", "").strip() or None,
        tmdb_api_base=_optional_url(env, "TMDB_API_BASE", ("http", "https"), loopback_only="http"),
        project_url=_project_url(env),
        database_retry_seconds=database_retry_seconds,
        tmdb_cache_hours=tmdb_cache_hours,
        shard_count=shard_count,
        database_pool_size=pool_size or 10,
        shard_ids=shard_ids,
        tmdb_origin_countries=_countries(env, "TMDB_ORIGIN_COUNTRIES", DEFAULT_TMDB_COUNTRIES),
        tmdb_refresh_hours=tmdb_refresh_hours,
        tmdb_refresh_batch=50 if tmdb_refresh_batch is None else tmdb_refresh_batch,
        airing_cycle_seconds=_number(env, "AIRING_CYCLE_SECONDS", 60, 0, 3600, "seconds", low_inclusive=True),
        test_clock_file=Path(env["DRAMABOT_TEST_CLOCK_FILE"]) if env.get("DRAMABOT_TEST_CLOCK_FILE", "").strip() else None,
        member_cooldowns=_on_off(env, "MEMBER_COOLDOWNS", True),
    )
