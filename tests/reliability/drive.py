"""Shared helpers: drive the bot through the stand-in and look at what users and the database hold."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tests.e2e.standin import DiscordStandIn, InteractionFailed, InteractionTimeout, Result

DRAMA = "soundtrack-1-2022"  # the starter catalogue's drama
TRACEBACK_MARKERS = ("Traceback (most recent call last)", 'File "/', "Error:", "Exception:")


def finished(stub: DiscordStandIn, result: Result) -> bool:
    """Answered, or failed for good (a late callback, or the 3 s window closed with nothing accepted)."""
    if result.answered or result.expired_callback:
        return True
    return time.monotonic() - result.dispatched_at > stub.callback_deadline and not result.acknowledged


async def settle(stub: DiscordStandIn, results: Iterable[Result], timeout: float = 20.0) -> tuple[int, int]:  # noqa: ASYNC109
    """Wait until every result is answered or has failed; (answered, failed).

    One waiter for the whole batch (not one per interaction): a thousand waiters woken on every
    request would make the stand-in itself the bottleneck.
    """
    results = list(results)
    try:
        await stub.wait_for(lambda: all(finished(stub, r) for r in results), timeout)
    except TimeoutError:
        pass
    answered = sum(1 for r in results if r.answered and not r.expired_callback)
    return answered, len(results) - answered


def late(results: Iterable[Result]) -> int:
    return sum(1 for r in results if r.expired_callback or (r.elapsed is not None and r.elapsed > 3.0))


def visible_text(result: Result) -> str:
    """Everything the user could read about this interaction (callback, edits, follow-ups)."""
    parts: list[Any] = [result.callback, *result.edits, *result.followups]
    return json.dumps(parts, ensure_ascii=False)


def tracebacks_shown(stub: DiscordStandIn) -> int:
    """Bodies the bot sent that carry traceback or exception text."""
    count = 0
    for rec in stub.requests:
        text = json.dumps(rec.body, ensure_ascii=False) if rec.body is not None else ""
        if any(marker in text for marker in TRACEBACK_MARKERS):
            count += 1
    return count


def could_ping(stub: DiscordStandIn) -> int:
    """Message bodies sent without allowed_mentions parse = [] (the stand-in also flags these)."""
    count = 0
    for rec in stub.requests:
        if rec.method not in ("POST", "PATCH") or not isinstance(rec.body, dict):
            continue
        body = rec.body.get("data") if "type" in rec.body and "data" in rec.body else rec.body
        if not isinstance(body, dict) or not ({"content", "embeds"} & body.keys()):
            continue
        mentions = body.get("allowed_mentions")
        if not isinstance(mentions, dict) or mentions.get("parse") or mentions.get("users") or mentions.get("roles"):
            count += 1
    return count


def ratings(db: Path) -> dict[tuple[int, int], int]:
    """(user_id, episode) -> halves, read straight from the database file."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {(u, e): h for u, e, h in conn.execute("SELECT user_id, episode, halves FROM ratings")}
    finally:
        conn.close()


def integrity(db: Path) -> str:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def score_of(halves: int) -> float:
    return halves / 2


async def rate_stream(
    stub: DiscordStandIn,
    stop: asyncio.Event,
    results: list[tuple[Result, str, int]],
    *,
    width: int = 4,
    prefix: str = "s",
) -> None:
    """Keep `width` /rate interactions in flight from fresh members until `stop` is set.

    Each entry of `results` is (result, user id, halves sent).
    """
    counter = 0

    async def worker(w: int) -> None:
        nonlocal counter
        while not stop.is_set():
            counter += 1
            user = stub.make_user(f"{prefix}{w}-{counter}")
            halves = 1 + counter % 10
            result = await stub.dispatch_command("rate", {"drama": DRAMA, "score": halves / 2}, user=user)
            results.append((result, user["id"], halves))
            try:
                await stub.wait_for_answer(result, 4.0)
            except (InteractionFailed, InteractionTimeout):
                await asyncio.sleep(0.05)  # the bot is down: keep the stream going at a gentle pace

    await asyncio.gather(*(worker(w) for w in range(width)))


def confirmed(entries: Iterable[tuple[Result, str, int]]) -> list[tuple[Result, str, int]]:
    """The ratings whose confirmation card the user received."""
    return [e for e in entries if e[0].answered and e[0].embeds]


async def dispatch_raw(
    stub: DiscordStandIn,
    command: str,
    valid: dict[str, Any],
    raw: dict[str, Any],
    *,
    user: dict[str, Any] | None = None,
    focused: str | None = None,
    application_id: str | None = None,
    permissions: str | None = None,
    member_permissions: str | None = None,
) -> Result:
    """An interaction built from valid options, then with `raw` values put in as a modified client would.

    Discord's client checks choices, ranges and lengths; a hostile or buggy client need not, so the bot
    must cope with anything in the JSON.
    """
    payload = stub._application_command_payload(
        command,
        valid,
        itype=2 if focused is None else 4,
        focused=focused,
        user=user,
        guild=True,
        permissions=permissions,
    )
    options = payload["data"].get("options", [])
    while options and options[0].get("type") in (1, 2):  # into (group/)subcommand nodes
        options = options[0].get("options", [])
    for option in options:
        if option["name"] in raw:
            option["value"] = raw[option["name"]]
    if member_permissions is not None:
        payload["member"]["permissions"] = member_permissions
    if application_id is not None:
        payload["application_id"] = application_id
    return await stub._dispatch_interaction(payload)
