"""Parsing an upload in a process of its own (/import): a 20,000-row file is a second or more of Python,
and in a thread of the bot it would hold the GIL that every interaction needs (bench/importer.py saw the
others' p99 grow several times while a file was read in a thread; docs/performance.md).

`Parser` keeps one spawned worker process, started with the cog (`start()`) and stopped with `close()`. The file's
error (HistoryFileError) crosses back as its key and fields, so the member reads it in their language."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from bot.history import HistoryFileError, ParsedFile, parse_upload

NICE = 10  # the worker yields the CPU to the bot's own process (a machine of two cores)


def parse_or_error(data: bytes, filename: str) -> ParsedFile | tuple[str | None, dict, str]:
    """In the worker: the parsed file, or its error as (key, fields, English message)."""
    try:
        return parse_upload(data, filename)
    except HistoryFileError as exc:
        return (exc.key, exc.fields, exc.message)


def ready() -> bool:
    """In the worker: nothing (started and imported)."""
    return True


class Parser:
    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()  # one pool, whichever thread starts it

    def _started(self) -> ProcessPoolExecutor:
        """The pool with its worker running (spawned by the caller's thread: never the event loop's, where
        starting a process of the bot's size stalled every interaction for hundreds of ms)."""
        with self._lock:
            if self._pool is None:
                context = multiprocessing.get_context("spawn")
                self._pool = ProcessPoolExecutor(
                    max_workers=1, mp_context=context, initializer=os.nice, initargs=(NICE,)
                )
            pool = self._pool
        pool.submit(ready).result()
        return pool

    async def start(self) -> None:
        """Start the worker now (the bot's start), so the first file does not wait for it."""
        await asyncio.to_thread(self._started)

    async def parse(self, data: bytes, filename: str) -> ParsedFile:
        """`parse_upload` in the worker process; HistoryFileError as it would raise."""
        pool = self._pool if self._pool is not None else await asyncio.to_thread(self._started)
        try:
            done = await asyncio.get_running_loop().run_in_executor(pool, parse_or_error, data, filename)
        except BrokenProcessPool:  # the worker died (killed, out of memory): a new one next time
            self._pool = None
            raise
        if isinstance(done, tuple):
            key, fields, message = done
            raise HistoryFileError(message, key=key, fields=fields)
        return done

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
