"""Start the real bot as a child process and watch what it prints (see the ``start_bot`` fixture)."""

from __future__ import annotations

import asyncio
import os
import signal as signal_module
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = ["BotProcess", "READY_MARKER", "spawn_bot"]

#: The line a bot logs once it is connected and ready (the contract with the bot).
READY_MARKER = "dramabot ready"


class BotProcess:
    """A running bot process; its stdout and stderr go (merged) to :attr:`log_path` and to :meth:`output`."""

    def __init__(self, process: asyncio.subprocess.Process, log_path: Path, command: Sequence[str]):
        self.process = process
        self.log_path = log_path
        self.command = list(command)
        self._chunks: list[str] = []
        self._eof = False
        self._changed = asyncio.Condition()
        self._reader = asyncio.ensure_future(self._read())

    @property
    def pid(self) -> int:
        """The process id."""
        return self.process.pid

    @property
    def returncode(self) -> int | None:
        """The exit code once it has exited (negative: killed by that signal), else None."""
        return self.process.returncode

    def output(self) -> str:
        """Everything the bot has printed so far (stdout and stderr together)."""
        return "".join(self._chunks)

    async def _read(self) -> None:
        """Drain the pipe (so the bot never blocks on a full pipe), keep the text and copy it to the log file."""
        assert self.process.stdout is not None
        with self.log_path.open("w", encoding="utf-8") as log:
            while True:
                line = await self.process.stdout.readline()
                if not line:
                    break
                text = line.decode("utf-8", errors="replace")
                log.write(text)
                log.flush()
                self._chunks.append(text)
                async with self._changed:
                    self._changed.notify_all()
        self._eof = True
        async with self._changed:
            self._changed.notify_all()

    async def wait_for_output(self, text: str, timeout: float = 20.0) -> None:  # noqa: ASYNC109
        """Wait until ``text`` appears in the output; fail early (with the output) if the bot exits first."""
        try:
            async with asyncio.timeout(timeout):
                async with self._changed:
                    await self._changed.wait_for(lambda: text in self.output() or self._eof)
        except TimeoutError:
            raise AssertionError(
                f"{text!r} not printed within {timeout}s; output so far:\n{self.output()}"
            ) from None
        if text not in self.output():
            code = await self.wait(5)
            raise AssertionError(
                f"the bot exited (code {code}) before printing {text!r}; output:\n{self.output()}"
            )

    async def wait(self, timeout: float | None = None) -> int:  # noqa: ASYNC109
        """Wait for the process to exit and its output to be read; return the exit code (TimeoutError)."""
        async with asyncio.timeout(timeout):
            code = await self.process.wait()
            await self._reader
        return code

    async def stop(self, signal: int = signal_module.SIGTERM, timeout: float = 15.0) -> int:  # noqa: ASYNC109
        """Send ``signal`` and wait for the exit; SIGKILL if it has not exited after ``timeout``. The exit code."""
        if self.returncode is None:
            try:
                self.process.send_signal(signal)
            except ProcessLookupError:
                pass
        try:
            return await self.wait(timeout)
        except TimeoutError:
            self.kill()
            return await self.wait(10)

    def kill(self) -> None:
        """SIGKILL the bot's process group (it runs in a session of its own: its children go too)."""
        if self.returncode is not None:
            return
        try:
            os.killpg(self.process.pid, signal_module.SIGKILL)
        except ProcessLookupError:
            pass

    def __repr__(self) -> str:
        return f"<BotProcess pid={self.pid} returncode={self.returncode} {' '.join(self.command)!r}>"


# Run first in the child (Linux): ask the kernel to SIGKILL it when the test process dies, even if pytest is
# killed before its teardown runs, then exec the bot itself (same pid; the setting survives exec).
_DIE_WITH_PARENT = (
    "import ctypes, os, signal, sys\n"
    "ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG\n"
    "if os.getppid() != int(sys.argv[1]):\n"
    "    sys.exit('the test process is already gone')\n"
    "os.execv(sys.argv[2], sys.argv[2:])\n"
)


async def spawn_bot(
    env: Mapping[str, str],
    workdir: Path,
    *,
    module: str | None = "bot",
    script: str | os.PathLike[str] | None = None,
    args: Sequence[str] = (),
) -> BotProcess:
    """Start ``python -m module`` (or ``python script``) with exactly ``env`` in ``workdir``."""
    command = (
        [sys.executable, os.fspath(script), *args]
        if script is not None
        else [sys.executable, "-m", str(module), *args]
    )
    launch = (
        [sys.executable, "-c", _DIE_WITH_PARENT, str(os.getpid()), *command]
        if sys.platform == "linux"
        else command
    )
    process = await asyncio.create_subprocess_exec(
        *launch,
        cwd=workdir,
        env=dict(env),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,  # its own process group: kill() takes its children too
    )
    return BotProcess(process, workdir / "bot-output.log", command)
