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


@pytest.mark.parametrize("url", ["postgres://user@host/db", "mysql://x", "http://example.com/x.db"])
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


def test_tmdb_origin_countries_default_and_parsed():
    assert load().tmdb_origin_countries == ("KR", "JP", "CN", "TW", "TH", "HK")
    assert load(TMDB_ORIGIN_COUNTRIES=" kr, JP ,kr").tmdb_origin_countries == ("KR", "JP")


@pytest.mark.parametrize("value", ["Korea", "KR;JP", "KR,,JP", "K1", "한국"])
def test_tmdb_origin_countries_must_be_two_letter_codes(value):
    with pytest.raises(SettingsError, match="TMDB_ORIGIN_COUNTRIES"):
        load(TMDB_ORIGIN_COUNTRIES=value)


def test_tmdb_refresh_hours_default_zero_and_range():
    assert load().tmdb_refresh_hours == 24.0
    assert load(TMDB_REFRESH_HOURS="0").tmdb_refresh_hours == 0.0  # off
    assert load(TMDB_REFRESH_HOURS="6").tmdb_refresh_hours == 6.0
    for bad in ("-1", "abc", "100000"):
        with pytest.raises(SettingsError, match="TMDB_REFRESH_HOURS"):
            load(TMDB_REFRESH_HOURS=bad)
