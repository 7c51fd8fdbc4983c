"""bot.settings: load_settings from a mapping (never the real environment or .env), SettingsError."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.settings import DEFAULT_DATABASE, SettingsError, database_path_from_url, load_settings

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.s3cr3t-t0k3n_value"


def load(**env: str):
    return load_settings({"DISCORD_TOKEN": TOKEN, **env}, dotenv=False)


# --- the token ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "env", [{}, {"DISCORD_TOKEN": ""}, {"DISCORD_TOKEN": "   "}, {"DISCORD_TOKEN": "\t\n"}]
)
def test_missing_or_blank_token(env):
    with pytest.raises(SettingsError) as caught:
        load_settings(env, dotenv=False)
    assert "DISCORD_TOKEN" in str(caught.value)
    assert ".env.example" in str(caught.value)


def test_missing_token_with_an_env_file_says_to_put_it_there(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("DISCORD_TOKEN=\n", encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_settings({}, dotenv=False, env_file=env_file)
    message = str(caught.value)
    assert f"put your bot token in {env_file}" in message
    assert "copy" not in message  # the file is there already: no "copy .env.example"


def test_missing_token_with_a_vanished_env_file_says_to_copy(tmp_path):
    with pytest.raises(SettingsError) as caught:
        load_settings({}, dotenv=False, env_file=tmp_path / ".env")
    assert "copy .env.example to .env" in str(caught.value)


def test_readme_run_line_without_a_token_names_the_env_file(tmp_path):
    """The README's run line copies .env.example to .env first; the bot then says to fill that file."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    (tmp_path / ".env").write_text((root / ".env.example").read_text(encoding="utf-8"), encoding="utf-8")
    env = {k: v for k, v in __import__("os").environ.items() if k not in {"DISCORD_TOKEN", "DATABASE_URL"}}
    done = subprocess.run(
        [sys.executable, "-m", "bot"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert f"put your bot token in {tmp_path / '.env'}" in lines[0]
    assert not (tmp_path / "data").exists()  # nothing was created before the configuration was valid


@pytest.mark.parametrize("url", ["~0", "~no-such-user-here/x.db", "sqlite:///~nobody-at-all/x.db"])
def test_database_url_with_an_unknown_home_is_a_settings_error(url):
    with pytest.raises(SettingsError) as caught:
        load(DATABASE_URL=url)
    assert "DATABASE_URL" in str(caught.value) and "~" in str(caught.value)


def test_token_is_stripped_and_kept():
    assert load_settings({"DISCORD_TOKEN": f"  {TOKEN}\n"}, dotenv=False).token == TOKEN


def test_token_never_shown():
    loaded = load(DEV_GUILD_ID="42", DATABASE_URL="sqlite:///x.db", DISCORD_API_BASE="http://127.0.0.1:9/api")
    for text in (repr(loaded), str(loaded), f"{loaded}", f"{loaded!r}"):
        assert TOKEN not in text
        assert "s3cr3t" not in text
    assert "dev_guild_id=42" in repr(loaded)  # the rest is shown, so this is a real check


def test_errors_do_not_echo_the_token():
    for env in ({"DEV_GUILD_ID": "abc"}, {"LOG_LEVEL": "LOUD"}, {"DATABASE_URL": "mysql://x"},
                {"DISCORD_API_BASE": "ftp://x"}):  # fmt: skip
        with pytest.raises(SettingsError) as caught:
            load(**env)
        assert TOKEN not in str(caught.value)


# --- DATABASE_URL -------------------------------------------------------------------------------------


def test_default_database_path():
    assert load().database_path == Path(DEFAULT_DATABASE)
    assert load(DATABASE_URL="").database_path == Path(DEFAULT_DATABASE)
    assert load(DATABASE_URL="   ").database_path == Path(DEFAULT_DATABASE)  # blank is unset, like the others


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("data/bot.sqlite3", Path("data/bot.sqlite3")),
        ("  /var/lib/dramabot/db.sqlite3  ", Path("/var/lib/dramabot/db.sqlite3")),
        ("sqlite:///data/x.db", Path("data/x.db")),
        ("sqlite:////srv/dramabot/x.db", Path("/srv/dramabot/x.db")),
        ("SQLITE:///x.db", Path("x.db")),
        ("sqlite3:///x.db", Path("x.db")),
        ("~/bot.db", Path("~/bot.db").expanduser()),
    ],
)
def test_database_url_forms(url, path):
    assert load(DATABASE_URL=url).database_path == path
    assert database_path_from_url(url) == path


@pytest.mark.parametrize(
    "url", ["postgresql://bot@db.example/dramabot", "postgres://u:secret@h:5433/d", "POSTGRESQL:///d"]
)
def test_postgres_urls_are_kept_as_urls(url):
    loaded = load(DATABASE_URL=f"  {url} ")
    assert loaded.database_url == url
    assert loaded.database == url
    assert "secret" not in loaded.database_label and "secret" not in repr(loaded)


def test_database_pool_size():
    assert load().database_pool_size == 10
    assert load(DATABASE_POOL_SIZE=" 25 ").database_pool_size == 25
    for bad in ("0", "-1", "ten", "1001", "2.5"):
        with pytest.raises(SettingsError, match="DATABASE_POOL_SIZE"):
            load(DATABASE_POOL_SIZE=bad)


def test_sqlite_settings_have_no_database_url():
    loaded = load(DATABASE_URL="sqlite:///x.db")
    assert loaded.database_url is None
    assert loaded.database == Path("x.db") == loaded.database_path


@pytest.mark.parametrize("url", ["mysql://x", "http://example.com/x.db", "postgresqlx://h/d"])
def test_database_url_bad_scheme(url):
    with pytest.raises(SettingsError, match="DATABASE_URL scheme"):
        load(DATABASE_URL=url)


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///", "sqlite:///:memory:"])
def test_database_url_must_name_a_file(url):
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        load(DATABASE_URL=url)


@pytest.mark.parametrize("value", ["", "   "])
def test_database_path_from_an_empty_url(value):
    with pytest.raises(SettingsError, match="DATABASE_URL is empty"):
        database_path_from_url(value)


# --- DEV_GUILD_ID -------------------------------------------------------------------------------------


def test_dev_guild_id():
    assert load().dev_guild_id is None
    assert load(DEV_GUILD_ID="").dev_guild_id is None
    assert load(DEV_GUILD_ID=" 1234567890123456789 ").dev_guild_id == 1234567890123456789


@pytest.mark.parametrize("value", ["abc", "-5", "0", "12.5", "1e9", "0x10", "12 34", "²", "١٢٣", "9" * 5000])
def test_dev_guild_id_invalid(value):
    with pytest.raises(SettingsError, match="DEV_GUILD_ID"):
        load(DEV_GUILD_ID=value)


# --- global curators: CURATOR_USER_IDS, CURATOR_GUILD_ID + CURATOR_ROLE_ID ---------------------------


def test_no_global_curators_by_default():
    loaded = load()
    assert (loaded.curator_user_ids, loaded.curator_guild_id, loaded.curator_role_id) == (frozenset(), None, None)


def test_curator_user_ids_are_a_set_of_ids():
    assert load(CURATOR_USER_IDS=" 111, 222 ,111,").curator_user_ids == frozenset({111, 222})
    assert load(CURATOR_USER_IDS="1234567890123456789").curator_user_ids == frozenset({1234567890123456789})


@pytest.mark.parametrize("value", ["abc", "1,,x", "12;34", "-5", "0", "1 2", "²", "9" * 25])
def test_curator_user_ids_invalid(value):
    with pytest.raises(SettingsError, match="CURATOR_USER_IDS"):
        load(CURATOR_USER_IDS=value)


def test_the_curator_role_counts_in_its_home_server():
    loaded = load(CURATOR_GUILD_ID="555", CURATOR_ROLE_ID=" 777 ")
    assert (loaded.curator_guild_id, loaded.curator_role_id) == (555, 777)


def test_a_curator_role_without_its_home_server_stops_the_start():
    """The older meaning of CURATOR_ROLE_ID (the role in every server) is never taken silently."""
    with pytest.raises(SettingsError, match="CURATOR_ROLE_ID now needs CURATOR_GUILD_ID") as caught:
        load(CURATOR_ROLE_ID="777")
    assert "\n" not in str(caught.value)
    with pytest.raises(SettingsError, match="CURATOR_GUILD_ID needs CURATOR_ROLE_ID"):
        load(CURATOR_GUILD_ID="555")


@pytest.mark.parametrize(("name", "value"), [("CURATOR_GUILD_ID", "abc"), ("CURATOR_GUILD_ID", "0"),
                                             ("CURATOR_ROLE_ID", "-1"), ("CURATOR_ROLE_ID", "1.5")])  # fmt: skip
def test_curator_ids_invalid(name, value):
    env = {"CURATOR_GUILD_ID": "555", "CURATOR_ROLE_ID": "777", name: value}
    with pytest.raises(SettingsError, match=name):
        load(**env)


# --- LOG_LEVEL ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "level"), [("debug", "DEBUG"), (" Warning ", "WARNING"), ("", "INFO"),
                                              ("ERROR", "ERROR"), ("critical", "CRITICAL")])  # fmt: skip
def test_log_level_case_insensitive(value, level):
    loaded = load(LOG_LEVEL=value)
    assert loaded.log_level == level
    assert loaded.log_level_number == getattr(logging, level)


def test_log_level_default():
    assert load().log_level == "INFO"


@pytest.mark.parametrize("value", ["LOUD", "warn", "FATAL", "10", "info!"])
def test_log_level_invalid(value):
    with pytest.raises(SettingsError, match="LOG_LEVEL"):
        load(LOG_LEVEL=value)


# --- DISCORD_API_BASE / DISCORD_GATEWAY_URL -----------------------------------------------------------


def test_endpoints_default_to_none():
    loaded = load(DISCORD_API_BASE="", DISCORD_GATEWAY_URL="  ")
    assert loaded.api_base is None and loaded.gateway_url is None


def test_endpoints_accepted_and_trailing_slash_dropped():
    loaded = load(DISCORD_API_BASE="http://127.0.0.1:8080/api/v10/", DISCORD_GATEWAY_URL="wss://gw.example/")
    assert loaded.api_base == "http://127.0.0.1:8080/api/v10"
    assert loaded.gateway_url == "wss://gw.example"
    assert load(DISCORD_API_BASE="https://discord.com/api/v10").api_base == "https://discord.com/api/v10"
    assert load(DISCORD_GATEWAY_URL="ws://127.0.0.1:9000").gateway_url == "ws://127.0.0.1:9000"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DISCORD_API_BASE", "ws://127.0.0.1/api"),
        ("DISCORD_API_BASE", "ftp://example.com"),
        ("DISCORD_API_BASE", "discord.com/api"),
        ("DISCORD_API_BASE", "http://"),
        ("DISCORD_API_BASE", "http://[::1"),
        ("DISCORD_GATEWAY_URL", "https://gateway.discord.gg"),
        ("DISCORD_GATEWAY_URL", "gateway.discord.gg"),
        ("DISCORD_GATEWAY_URL", "wss://[bad"),
    ],
)
def test_endpoint_scheme_checks(name, value):
    with pytest.raises(SettingsError, match=name):
        load(**{name: value})


# --- anything at all ----------------------------------------------------------------------------------

NAMES = [
    "DISCORD_TOKEN",
    "DATABASE_URL",
    "DEV_GUILD_ID",
    "LOG_LEVEL",
    "DISCORD_API_BASE",
    "DISCORD_GATEWAY_URL",
    "CURATOR_USER_IDS",
    "CURATOR_GUILD_ID",
    "CURATOR_ROLE_ID",
]


@settings(max_examples=300, deadline=None)
@given(env=st.dictionaries(st.sampled_from(NAMES), st.one_of(st.text(max_size=30), st.sampled_from(
    ["http://[", "wss://[::1", "²", "9" * 5000, "sqlite://", "http://x", "wss://x", "debug", "123"]))))  # fmt: skip
def test_any_environment_gives_settings_or_a_settings_error(env):
    """An operator's typo must end in one clear SettingsError line, never a traceback."""
    try:
        loaded = load_settings(env, dotenv=False)
    except SettingsError as exc:
        assert "\n" not in str(exc)
        return
    assert loaded.token and loaded.token == loaded.token.strip()
    assert "token" not in repr(loaded)


# --- numbers ------------------------------------------------------------------------------------------


def test_number_defaults():
    loaded = load()
    assert loaded.database_retry_seconds == 30.0 and loaded.tmdb_cache_hours == 24.0


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("DATABASE_RETRY_SECONDS", "0.5", 0.5), ("DATABASE_RETRY_SECONDS", " 0.1 ", 0.1), ("DATABASE_RETRY_SECONDS", "3600", 3600.0),
    ("TMDB_CACHE_HOURS", "0.25", 0.25), ("TMDB_CACHE_HOURS", "720", 720.0),
])  # fmt: skip
def test_numbers_in_range(name, value, expected):
    attribute = {"DATABASE_RETRY_SECONDS": "database_retry_seconds", "TMDB_CACHE_HOURS": "tmdb_cache_hours"}[name]
    assert getattr(load(**{name: value}), attribute) == expected


@pytest.mark.parametrize("name", ["DATABASE_RETRY_SECONDS", "TMDB_CACHE_HOURS"])
@pytest.mark.parametrize("value", ["0", "-1", "abc", "nan", "inf", "1e9"])
def test_numbers_out_of_range_name_the_variable(name, value):
    with pytest.raises(SettingsError, match=name):
        load(**{name: value})


# --- shards -------------------------------------------------------------------------------------------


def test_not_sharded_by_default():
    loaded = load()
    assert (loaded.shard_count, loaded.shard_ids) == (None, None)


@pytest.mark.parametrize(
    ("env", "count", "ids"),
    [
        ({"SHARD_COUNT": "4"}, 4, None),  # every shard in this process
        ({"SHARD_COUNT": "1"}, 1, None),
        ({"SHARD_COUNT": "6", "SHARD_IDS": "0,2,4"}, 6, (0, 2, 4)),
        ({"SHARD_COUNT": "6", "SHARD_IDS": " 4 , 0,2 "}, 6, (0, 2, 4)),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "1"}, 2, (1,)),
        ({"SHARD_COUNT": "6", "CLUSTER_INDEX": "1", "CLUSTER_COUNT": "3"}, 6, (1, 4)),
        ({"SHARD_COUNT": "5", "CLUSTER_INDEX": "0", "CLUSTER_COUNT": "2"}, 5, (0, 2, 4)),
        ({"SHARD_COUNT": "5", "CLUSTER_INDEX": "1", "CLUSTER_COUNT": "2"}, 5, (1, 3)),
        ({"SHARD_COUNT": "3", "CLUSTER_INDEX": "2", "CLUSTER_COUNT": "3"}, 3, (2,)),
    ],
)
def test_shards(env, count, ids):
    loaded = load(**env)
    assert (loaded.shard_count, loaded.shard_ids) == (count, ids)


@given(count=st.integers(1, 40), clusters=st.integers(1, 40))
def test_clusters_share_every_shard_exactly_once(count, clusters):
    if clusters > count:
        with pytest.raises(SettingsError, match="CLUSTER_COUNT"):
            load(SHARD_COUNT=str(count), CLUSTER_INDEX="0", CLUSTER_COUNT=str(clusters))
        return
    env = {"SHARD_COUNT": str(count), "CLUSTER_COUNT": str(clusters)}
    parts = [load(**env, CLUSTER_INDEX=str(i)).shard_ids for i in range(clusters)]
    assert all(parts)  # no process is left without a shard
    assert sorted(s for part in parts for s in part) == list(range(count))


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"SHARD_COUNT": "0"}, "SHARD_COUNT"),
        ({"SHARD_COUNT": "-1"}, "SHARD_COUNT"),
        ({"SHARD_COUNT": "two"}, "SHARD_COUNT"),
        ({"SHARD_COUNT": "²"}, "SHARD_COUNT"),
        ({"SHARD_COUNT": "99999999"}, "SHARD_COUNT"),
        ({"SHARD_IDS": "0,1"}, "SHARD_IDS needs SHARD_COUNT"),
        ({"CLUSTER_INDEX": "0", "CLUSTER_COUNT": "2"}, "needs SHARD_COUNT"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "4"}, "SHARD_IDS"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "1,,2"}, "SHARD_IDS"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "-1"}, "SHARD_IDS"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "1,1"}, "twice"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "0", "CLUSTER_INDEX": "0", "CLUSTER_COUNT": "2"}, "not both"),
        ({"SHARD_COUNT": "4", "CLUSTER_INDEX": "0"}, "go together"),
        ({"SHARD_COUNT": "4", "CLUSTER_COUNT": "2"}, "go together"),
        ({"SHARD_COUNT": "4", "CLUSTER_INDEX": "2", "CLUSTER_COUNT": "2"}, "CLUSTER_INDEX"),
        ({"SHARD_COUNT": "4", "CLUSTER_INDEX": "0", "CLUSTER_COUNT": "5"}, "CLUSTER_COUNT"),
        ({"SHARD_COUNT": "4", "CLUSTER_INDEX": "x", "CLUSTER_COUNT": "2"}, "CLUSTER_INDEX"),
    ],
)
def test_bad_shard_settings_name_the_variable_in_one_line(env, names):
    with pytest.raises(SettingsError) as caught:
        load(**env)
    message = str(caught.value)
    assert names in message and "\n" not in message
def test_tmdb_origin_countries_default_and_parsed():
    assert load().tmdb_origin_countries == ("KR", "JP", "CN", "TW", "TH", "HK")
    assert load(TMDB_ORIGIN_COUNTRIES=" kr, JP ,kr").tmdb_origin_countries == ("KR", "JP")


@pytest.mark.parametrize("value", ["Korea", "KR;JP", "KR,,JP", "K1", "한국"])
def test_tmdb_origin_countries_must_be_two_letter_codes(value):
    with pytest.raises(SettingsError, match="TMDB_ORIGIN_COUNTRIES"):
        load(TMDB_ORIGIN_COUNTRIES=value)


def test_tmdb_refresh_hours_default_zero_and_range():
    assert load().tmdb_refresh_hours == 3.0  # TMDB_REFRESH_MINUTES' default, 180
    assert load(TMDB_REFRESH_HOURS="0").tmdb_refresh_hours == 0.0  # off
    assert load(TMDB_REFRESH_HOURS="6").tmdb_refresh_hours == 6.0
    for bad in ("-1", "abc", "100000"):
        with pytest.raises(SettingsError, match="TMDB_REFRESH_HOURS"):
            load(TMDB_REFRESH_HOURS=bad)


def test_tmdb_refresh_batch_default_and_range():
    assert load().tmdb_refresh_batch == 50
    assert load(TMDB_REFRESH_BATCH="0").tmdb_refresh_batch == 0  # followed and reminded dramas only
    assert load(TMDB_REFRESH_BATCH=" 200 ").tmdb_refresh_batch == 200
    for bad in ("-1", "abc", "1.5", "100001"):
        with pytest.raises(SettingsError, match="TMDB_REFRESH_BATCH"):
            load(TMDB_REFRESH_BATCH=bad)


def test_tmdb_refresh_minutes_wins_and_range():
    assert load(TMDB_REFRESH_MINUTES="90").tmdb_refresh_hours == 1.5
    assert load(TMDB_REFRESH_MINUTES="30", TMDB_REFRESH_HOURS="6").tmdb_refresh_hours == 0.5
    assert load(TMDB_REFRESH_MINUTES="0").tmdb_refresh_hours == 0.0  # off
    for bad in ("-1", "abc", "nan", str(60 * 24 * 30 + 1)):
        with pytest.raises(SettingsError, match="TMDB_REFRESH_MINUTES"):
            load(TMDB_REFRESH_MINUTES=bad)


@pytest.mark.parametrize(
    ("raw", "on"), [(None, True), ("on", True), ("ON", True), ("yes", True), ("off", False), ("0", False)]
)
def test_member_cooldowns_are_on_unless_turned_off(raw, on):
    env = {} if raw is None else {"MEMBER_COOLDOWNS": raw}
    assert load(**env).member_cooldowns is on


def test_member_cooldowns_takes_on_or_off_only():
    with pytest.raises(SettingsError, match="MEMBER_COOLDOWNS must be on or off"):
        load(MEMBER_COOLDOWNS="sometimes")


def test_discord_rate_limit_is_50_unless_set_and_must_be_a_positive_number():
    assert load().discord_rate_limit == 50.0
    assert load(DISCORD_RATE_LIMIT="20").discord_rate_limit == 20.0
    assert load(DISCORD_RATE_LIMIT="1200.5").discord_rate_limit == 1200.5
    for bad in ("0", "-5", "abc", "nan", "inf"):
        with pytest.raises(SettingsError, match="DISCORD_RATE_LIMIT must be a number of requests per second"):
            load(DISCORD_RATE_LIMIT=bad)


# --- the operators' endpoint (bot/metrics) ------------------------------------------------------------


def test_metrics_are_off_unless_a_port_is_given():
    off = load()
    assert off.metrics_port is None and off.metrics_host == "127.0.0.1"
    on = load(METRICS_PORT="9464", METRICS_HOST="0.0.0.0")
    assert (on.metrics_port, on.metrics_host) == (9464, "0.0.0.0")
    assert load(METRICS_PORT=" 9100 ", METRICS_HOST="metrics.internal").metrics_host == "metrics.internal"
    assert load(METRICS_HOST="::1").metrics_host == "::1"


@pytest.mark.parametrize("port", ["0", "65536", "http", "-1", "9464.5", "٩٤٦٤"])
def test_metrics_port_must_be_a_port_number(port):
    with pytest.raises(SettingsError, match="METRICS_PORT must be the TCP port of /metrics and /healthz"):
        load(METRICS_PORT=port)


@pytest.mark.parametrize("host", ["http://0.0.0.0", "host name", "a/b", "-x"])
def test_metrics_host_must_be_an_address_or_a_host_name(host):
    with pytest.raises(SettingsError, match="METRICS_HOST must be an IP address"):
        load(METRICS_HOST=host)
