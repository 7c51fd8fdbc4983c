"""Secrets and supply: the database password never printed, https API bases, .env from the working
folder only, owner-only backups and atomic exports."""

from __future__ import annotations

import argparse
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from bot import __main__ as entry
from bot.cli import catalogue as catalogue_cli
from bot.safety.redact import REDACTED, ambiguous_userinfo, redact, redact_url, url_secrets
from bot.settings import SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[3]
PASSWORD = "Hunter2-pw-9f3k"
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.s3cr3t-t0k3n_value"


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load(**env: str):
    return load_settings({"DISCORD_TOKEN": TOKEN, **env}, dotenv=False)


# --- the one redaction helper --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "label"),
    [
        (f"postgresql://bot:{PASSWORD}@db:5432/dramabot", "postgresql://bot:***@db:5432/dramabot"),
        ("postgresql://bot:p%40ss%3Aw0rd@db/d", "postgresql://bot:***@db/d"),
        (f"postgres://bot@db/d?password={PASSWORD}&sslmode=require", "postgres://bot@db/d?password=***&sslmode=require"),
        ("postgresql://bot@db/d", "postgresql://bot@db/d"),
        (f"postgresql://bot:{PASSWORD}@/d?host=/run/pg", "postgresql://bot:***@/d?host=/run/pg"),
    ],
)
def test_a_url_for_messages_has_no_password(url, label):
    assert redact_url(url) == label
    for secret in url_secrets(url):
        assert secret not in redact_url(url)


def test_url_secrets_cover_the_password_as_written_and_decoded():
    assert set(url_secrets("postgresql://bot:p%40ss%3Aw0rd@db/d")) == {"p%40ss%3Aw0rd", "p@ss:w0rd"}
    assert set(url_secrets("postgresql://bot:a:b@db/d")) == {"a:b"}
    assert url_secrets("postgresql://bot@db/d") == [] and url_secrets(None) == [] and url_secrets("data/x.db") == []
    assert url_secrets("sqlite:////srv/me@host/x.db") == []
    text = "failed for postgresql://bot:p%40ss%3Aw0rd@db/d (password p@ss:w0rd)"
    assert redact(text, url_secrets("postgresql://bot:p%40ss%3Aw0rd@db/d")) == (
        f"failed for postgresql://bot:{REDACTED}@db/d (password {REDACTED})"
    )


@pytest.mark.parametrize("url", ["postgresql://bot:pa/ss@db/d", "postgresql://bot:pa@ss@db/d",
                                 "postgresql://bot:pa#ss@db/d", "postgresql://bot:pa?ss@db/d"])  # fmt: skip
def test_a_password_with_raw_separators_is_refused_without_showing_it(url):
    """Parsers split `pa/ss@` apart differently (asyncpg then quoted 'pa' as a bad port): refused."""
    assert ambiguous_userinfo(url)
    with pytest.raises(SettingsError) as caught:
        load(DATABASE_URL=url)
    assert "percent-encoded" in str(caught.value) and "pa" not in str(caught.value).replace("password", "")
    assert "pa" not in redact_url(url).replace("postgresql", "")


def test_settings_errors_and_labels_never_show_the_password():
    loaded = load(DATABASE_URL=f"postgresql://bot:{PASSWORD}@db/d")
    assert PASSWORD not in loaded.database_label and PASSWORD not in repr(loaded)
    assert PASSWORD in loaded.secrets and TOKEN in loaded.secrets
    for url in (f"postgresql://bot:{PASSWORD}@db:notaport/d", f"postgresql://bot:{PASSWORD}@[::1/d"):
        with pytest.raises(SettingsError) as caught:
            load(DATABASE_URL=url)
        assert "DATABASE_URL" in str(caught.value) and PASSWORD not in str(caught.value)
    assert load(DATABASE_URL="postgresql://bot@h1:5432,h2:5433/d").database_url  # several servers: asyncpg's


def test_the_log_formatter_blanks_the_password_in_tracebacks_too(capsys):
    settings = load(DATABASE_URL=f"postgresql://bot:{PASSWORD}@db/d")
    entry.configure_logging(settings)
    try:
        try:
            raise RuntimeError(f"could not connect to {settings.database_url}")
        except RuntimeError:
            entry.log.exception("open failed for %s", settings.database_url)
    finally:
        import logging

        logging.getLogger().handlers[:] = []
    err = capsys.readouterr().err
    assert "RuntimeError: could not connect to postgresql://bot:" in err  # the traceback is there
    assert PASSWORD not in err and REDACTED in err


def test_an_unexpected_driver_error_quoting_the_url_is_logged_redacted(monkeypatch, tmp_path, capsys):
    """The network edge (the driver) is replaced by one that quotes the URL in its error, as some do."""

    async def failing_open(location, **_):
        raise RuntimeError(f"driver: cannot use {location}")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"postgresql://bot:{PASSWORD}@127.0.0.1:{closed_port()}/d")
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setattr(entry, "open_store", failing_open)
    try:
        assert entry.main(["backup", str(tmp_path / "b.sqlite3")]) == entry.EXIT_FAILURE
    finally:
        import logging

        logging.getLogger().handlers[:] = []
    err = capsys.readouterr().err
    assert "stopped by an unexpected error" in err and "driver: cannot use postgresql://bot:" in err
    assert PASSWORD not in err


def run_bot(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k not in {"DISCORD_TOKEN", "DATABASE_URL", "TMDB_API_KEY"}}
    full.update(env, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env=full, capture_output=True,
                          text=True, timeout=120)  # fmt: skip


@pytest.mark.parametrize(
    "command",
    [["backup", "copy.sqlite3"], ["catalogue", "stats"], ["sync"]],
    ids=["backup", "catalogue", "sync"],
)
def test_a_database_that_cannot_be_reached_is_named_without_its_password(command, tmp_path):
    url = f"postgresql://bot:{PASSWORD}@127.0.0.1:{closed_port()}/dramabot?sslpassword=Other-{PASSWORD}"
    done = run_bot(*command, env={"DISCORD_TOKEN": TOKEN, "DATABASE_URL": url, "LOG_LEVEL": "DEBUG"}, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "cannot open the database at postgresql://bot:***@127.0.0.1" in done.stderr
    assert "sslpassword=***" in done.stderr
    assert PASSWORD not in done.stdout + done.stderr


def test_migrate_db_never_prints_the_password(tmp_path):
    url = f"postgresql://bot:{PASSWORD}@127.0.0.1:{closed_port()}/dramabot"
    for source, target in ((url, str(tmp_path / "t.sqlite3")), (str(tmp_path / "none.sqlite3"), url),
                           (f"postgresql://bot:{PASSWORD}@127.0.0.1:notaport/d", str(tmp_path / "t.sqlite3")),
                           (f"postgresql://bot:{PASSWORD}/x@db/d", str(tmp_path / "t.sqlite3"))):  # fmt: skip
        done = run_bot("migrate-db", "--from", source, "--to", target, env={}, cwd=tmp_path)
        assert done.returncode == 1, done.stderr
        assert done.stderr.startswith("dramabot migrate-db: ")
        assert PASSWORD not in done.stdout + done.stderr


def test_migrate_db_takes_a_sqlite_path_holding_an_at_sign(tmp_path):
    folder = tmp_path / "me@host"
    folder.mkdir()
    done = run_bot("migrate-db", "--from", f"sqlite:///{folder}/none.sqlite3", "--to", str(tmp_path / "t.sqlite3"),
                   env={}, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 1 and "percent-encoded" not in done.stderr, done.stderr


def with_password(url: str) -> str:
    parts = urlsplit(url)
    user = parts.username or "postgres"
    return urlunsplit(parts._replace(netloc=f"{user}:{PASSWORD}@{parts.netloc.rpartition('@')[2]}"))


def test_a_working_postgresql_url_with_a_password_is_never_printed(pg_url, tmp_path):
    """A real server (it trusts its local socket, so the password is sent and ignored): the whole run at
    DEBUG, then a copy to SQLite, print nothing of it."""
    url = with_password(pg_url)
    done = run_bot("catalogue", "stats", env={"DATABASE_URL": url, "LOG_LEVEL": "DEBUG"}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "dramas:" in done.stdout and PASSWORD not in done.stdout + done.stderr
    copied = run_bot("migrate-db", "--from", url, "--to", str(tmp_path / "copy.sqlite3"), env={}, cwd=tmp_path)
    assert copied.returncode == 0, copied.stderr
    assert "copied schema version" in copied.stdout and PASSWORD not in copied.stdout + copied.stderr


# --- API bases: https, plain http only to this machine ---------------------------------------------------


@pytest.mark.parametrize("name", ["DISCORD_API_BASE", "TMDB_API_BASE"])
@pytest.mark.parametrize(
    "value", ["http://127.0.0.1:8080/api", "http://127.9.9.9/x", "http://localhost:9/x", "http://[::1]:9/x",
              "https://api.example.com/x", "https://10.0.0.5/x"],
)  # fmt: skip
def test_api_bases_take_https_or_plain_http_on_loopback(name, value):
    field = {"DISCORD_API_BASE": "api_base", "TMDB_API_BASE": "tmdb_api_base"}[name]
    assert getattr(load(**{name: value}), field) == value


@pytest.mark.parametrize("name", ["DISCORD_API_BASE", "TMDB_API_BASE"])
@pytest.mark.parametrize(
    "value", ["http://api.example.com/x", "http://10.0.0.5/x", "http://192.168.1.2:8080/x", "http://0.0.0.0/x",
              "http://[::ffff:10.0.0.1]/x", "http://localhost.example.com/x", "http://127.0.0.1.nip.io/x"],
)  # fmt: skip
def test_plain_http_api_bases_elsewhere_are_refused(name, value):
    with pytest.raises(SettingsError) as caught:
        load(**{name: value})
    message = str(caught.value)
    assert message.startswith(f"{name} must use https://:") and "localhost, 127.0.0.1, ::1" in message
    assert "\n" not in message


def test_the_gateway_takes_wss_or_plain_ws_on_loopback():
    assert load(DISCORD_GATEWAY_URL="ws://127.0.0.1:9/gateway").gateway_url == "ws://127.0.0.1:9/gateway"
    assert load(DISCORD_GATEWAY_URL="wss://gateway.example").gateway_url == "wss://gateway.example"
    with pytest.raises(SettingsError, match="DISCORD_GATEWAY_URL must use wss://"):
        load(DISCORD_GATEWAY_URL="ws://gateway.example")


def test_a_plain_http_api_base_stops_the_bot_with_one_line(tmp_path):
    done = run_bot("sync", env={"DISCORD_TOKEN": TOKEN, "DISCORD_API_BASE": "http://discord.example/api"},
                   cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "dramabot: DISCORD_API_BASE must use https://: http:// is taken only for this machine "
        "(localhost, 127.0.0.1, ::1), got 'http://discord.example/api'."
    ]


# --- .env: the working folder's, and no other --------------------------------------------------------------

PROBE = (
    "import os\n"
    "from bot.settings import load_settings\n"
    "s = load_settings(require_token=False)\n"
    "print(repr(os.environ.get('DISCORD_TOKEN')), s.log_level)\n"
)


def test_dotenv_is_read_from_the_working_folder_only(tmp_path):
    parent = tmp_path / "parent"
    child = parent / "child"
    child.mkdir(parents=True)
    (parent / ".env").write_text("DISCORD_TOKEN=from-the-parent\nLOG_LEVEL=DEBUG\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in {"DISCORD_TOKEN", "LOG_LEVEL"}}
    env["PYTHONPATH"] = str(ROOT)
    below = subprocess.run([sys.executable, "-c", PROBE], cwd=child, env=env, capture_output=True, text=True, timeout=60)
    assert below.returncode == 0, below.stderr
    assert below.stdout.split() == ["None", "INFO"]  # the parent's .env was not read
    here = subprocess.run([sys.executable, "-c", PROBE], cwd=parent, env=env, capture_output=True, text=True, timeout=60)
    assert here.stdout.split() == ["'from-the-parent'", "DEBUG"]  # the working folder's is


# --- backups: owner-only from the start; exports: atomic ---------------------------------------------------


def test_backup_files_are_created_owner_only(tmp_path):
    old = os.umask(0o022)  # a usual umask: a plain create would give 0644
    try:
        done = run_bot("backup", str(tmp_path / "backups" / "copy.sqlite3"),
                       env={"DISCORD_TOKEN": TOKEN, "DATABASE_URL": str(tmp_path / "bot.sqlite3")}, cwd=tmp_path)  # fmt: skip
    finally:
        os.umask(old)
    assert done.returncode == 0, done.stderr
    files = list((tmp_path / "backups").iterdir())
    assert files and all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files), [
        (f.name, oct(f.stat().st_mode)) for f in files
    ]


async def test_the_backup_file_is_owner_only_from_its_creation(tmp_path, monkeypatch):
    """The mode is given to open(), not set afterwards: sqlite3 opens a file that is already 0600."""
    from bot.store import Store

    store = await Store.open(tmp_path / "bot.sqlite3")
    seen: list[int] = []
    real_connect = __import__("sqlite3").connect

    def connect(path, *args, **kwargs):
        if Path(path) == tmp_path / "copy.sqlite3":
            seen.append(stat.S_IMODE(os.stat(path).st_mode))
        return real_connect(path, *args, **kwargs)

    monkeypatch.setattr("sqlite3.connect", connect)
    try:
        await store.backup(tmp_path / "copy.sqlite3")
    finally:
        await store.close()
    assert seen == [0o600]
    with pytest.raises(FileExistsError):
        store = await Store.open(tmp_path / "bot.sqlite3")
        try:
            await store.backup(tmp_path / "copy.sqlite3")
        finally:
            await store.close()


async def test_export_replaces_the_file_atomically(store, tmp_path, monkeypatch):
    target = tmp_path / "out" / "catalogue.json"
    target.parent.mkdir()
    target.write_text("the previous export\n", encoding="utf-8")
    args = argparse.Namespace(catalogue_command="export", file=str(target))
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    replaced: list[tuple[str, str]] = []
    real_replace = os.replace

    def replace(src, dst):
        replaced.append((str(src), str(dst)))
        assert target.read_text(encoding="utf-8") == "the previous export\n"  # untouched until the rename
        assert Path(src).parent == target.parent  # same folder: the rename is atomic
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    assert await catalogue_cli.run(store, args) == 0
    assert len(replaced) == 1 and replaced[0][1] == str(target) and synced
    assert target.read_text(encoding="utf-8").startswith('{\n  "format": "dramabot-catalogue/1"')
    assert sorted(p.name for p in target.parent.iterdir()) == ["catalogue.json"]  # no temporary left


async def test_a_failed_export_leaves_the_old_file_and_no_temporary(store, tmp_path, monkeypatch, capsys):
    target = tmp_path / "out" / "catalogue.json"
    target.parent.mkdir()
    target.write_text("the previous export\n", encoding="utf-8")

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    args = argparse.Namespace(catalogue_command="export", file=str(target))
    assert await catalogue_cli.run(store, args) == 1
    assert "No space left on device" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "the previous export\n"
    assert [p.name for p in target.parent.iterdir()] == ["catalogue.json"]


def test_the_project_link_follows_the_card_link_rule():
    assert load(PROJECT_URL="https://example.org/dramabot/").project_url == "https://example.org/dramabot"
    assert load(PROJECT_URL=" ").project_url is None
    for bad, said in (("http://example.org", "https://"), ("https://u:p@example.org", "password"),
                      ("https://example.org/a b", "spaces")):  # fmt: skip
        with pytest.raises(SettingsError) as caught:
            load(PROJECT_URL=bad)
        assert str(caught.value).startswith("PROJECT_URL ") and said in str(caught.value)
