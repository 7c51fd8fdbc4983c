"""4. Bad input, fuzzed with hypothesis through the real commands (one bot process per test)."""

from __future__ import annotations

import asyncio
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import UserError
from cogs.rate import checked_score
from tests.e2e.standin import DiscordStandIn, Result

from . import figures
from .drive import DRAMA, TRACEBACK_MARKERS, could_ping, dispatch_raw, ratings, settle, tracebacks_shown

FRAGMENTS = [
    "", " ", "\x00", "\x1b[31m", "\u200f", "\u202e", "\u200b", "\ufeff", "한국 드라마", "사랑의 불시착", "💔🔥",
    "👨‍👩‍👧", "**bold**", "__u__", "`code`", "```", "> quote", "||spoiler||", "@everyone", "@here",
    "<@&123456789012345678>", "<@123456789012345678>", "<#123>", "'; DROP TABLE ratings; --", '" OR 1=1 --',
    "%", "_", "%_%", "\\", "\n", "\r\n", "\t", "[link](https://example.com)", "soundtrack", "Soundtrack #1",
]
TEXT = st.one_of(
    st.text(),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=8).map("".join),
    st.sampled_from(FRAGMENTS),
    st.integers(1, 10_000).map(lambda n: "가" * n),
    st.just("x" * 10_000),
)


def _examples(long_mode: bool, short: int, long: int) -> int:
    return long if long_mode else short


def _sync_runner(loop: asyncio.AbstractEventLoop, coro_fn):
    """Hypothesis drives from a worker thread; each example runs on the test's own event loop."""

    def run(*args: Any) -> None:
        asyncio.run_coroutine_threadsafe(coro_fn(*args), loop).result(60)

    return run


def _check_answer(result: Result, *, stored_before: int, stored_after: int) -> str:
    """What the user saw is fine; returns 'ok' (accepted) or 'rejected'."""
    assert result.answered, result.describe()
    seen = str(result.callback)
    assert not any(marker in seen for marker in TRACEBACK_MARKERS), seen[:500]
    assert "Something went wrong" not in seen, seen[:500]  # an unexpected error: a bug, not bad input
    if result.type == 4:  # autocomplete: choices only
        return "ok"
    if result.embeds:
        return "ok"
    assert result.ephemeral, f"an error shown to the whole channel: {seen[:300]}"
    assert result.content and len(result.content) <= 2000
    assert stored_after == stored_before, "a rejected /rate stored something"
    return "rejected"


async def test_fuzz_text_through_commands(discord_stub: DiscordStandIn, start_bot, bot_env, long_mode: bool) -> None:
    stub = discord_stub
    await start_bot()
    db = Path(bot_env["DATABASE_URL"])
    loop = asyncio.get_running_loop()
    tally = {"inputs": 0, "interactions": 0, "rejected": 0}

    async def probe(text: str) -> None:
        tally["inputs"] += 1
        user = stub.make_user(f"fuzz{tally['inputs']}")
        before = len(ratings(db))
        rate = await dispatch_raw(stub, "rate", {"drama": DRAMA, "score": 4.0}, {"drama": text}, user=user)
        review = await dispatch_raw(stub, "review", {"drama": DRAMA}, {"drama": text}, user=user)
        where = await dispatch_raw(
            stub, "where", {"drama": DRAMA, "region": "KR"}, {"region": text}, user=user
        )
        complete = await dispatch_raw(stub, "rate", {"drama": DRAMA}, {"drama": text}, user=user, focused="drama")
        results = [rate, review, where, complete]
        await settle(stub, results, timeout=10)
        tally["interactions"] += len(results)
        after = len(ratings(db))
        for r in results:
            outcome = _check_answer(r, stored_before=before, stored_after=after if r is rate else before)
            tally["rejected"] += outcome == "rejected"

    @settings(
        max_examples=_examples(long_mode, 60, 500),
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(TEXT)
    def run(text: str) -> None:
        _sync_runner(loop, probe)(text)

    await asyncio.to_thread(run)
    assert tracebacks_shown(stub) == 0
    assert could_ping(stub) == 0
    figures.add("Fuzzed text", "inputs tried", tally["inputs"])
    figures.add("Fuzzed text", "interactions", tally["interactions"])
    figures.add("Fuzzed text", "answered", tally["interactions"])
    figures.add("Fuzzed text", "rejected with a clear ephemeral answer", tally["rejected"])
    figures.add("Fuzzed text", "tracebacks", tracebacks_shown(stub))
    figures.add("Fuzzed text", "pings", could_ping(stub))
    figures.add("Fuzzed text", "late", 0)


NUMBERS = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(min_value=-10, max_value=10, allow_nan=False),
    st.sampled_from([0, 0.5, 1, 4.5, 5, 5.5, -0.5, 0.25, 4.75, 1e308, -1e308, 5e-324, 10**20]),
    st.integers(-(10**6), 10**6),
)
EPISODES = st.one_of(
    st.none(),
    st.integers(-(2**63), 2**63),
    st.integers(-5, 10),
    st.sampled_from([0, 1, 4, 5, 500, 501, 10**30]),
)


def _valid(score: Any, episode: int | None) -> bool:
    try:
        checked_score(score)
    except UserError:
        return False
    return episode is None or 1 <= episode <= 4


async def test_fuzz_numbers_through_rate(discord_stub: DiscordStandIn, start_bot, bot_env, long_mode: bool) -> None:
    stub = discord_stub
    await start_bot()
    db = Path(bot_env["DATABASE_URL"])
    loop = asyncio.get_running_loop()
    tally = {"inputs": 0, "rejected": 0, "stored": 0}

    async def probe(score: Any, episode: int | None) -> None:
        tally["inputs"] += 1
        user = stub.make_user(f"num{tally['inputs']}")
        before = ratings(db)
        valid = {"drama": DRAMA, "score": 4.0} | ({"episode": 1} if episode is not None else {})
        raw = {"score": score} | ({"episode": episode} if episode is not None else {})
        result = await dispatch_raw(stub, "rate", valid, raw, user=user)
        await settle(stub, [result], timeout=10)
        after = ratings(db)
        outcome = _check_answer(result, stored_before=len(before), stored_after=len(after))
        key = (int(user["id"]), episode or 0)
        if _valid(score, episode):
            assert outcome == "ok", result.describe()
            assert after[key] == int(score * 2)
            tally["stored"] += 1
        else:
            assert outcome == "rejected", result.describe()
            assert key not in after
            tally["rejected"] += 1

    @settings(
        max_examples=_examples(long_mode, 80, 600),
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(NUMBERS, EPISODES)
    def run(score: Any, episode: int | None) -> None:
        _sync_runner(loop, probe)(score, episode)

    await asyncio.to_thread(run)
    assert tracebacks_shown(stub) == 0
    figures.add("Fuzzed numbers (/rate score, episode)", "inputs tried", tally["inputs"])
    figures.add("Fuzzed numbers (/rate score, episode)", "interactions", tally["inputs"])
    figures.add("Fuzzed numbers (/rate score, episode)", "answered", tally["inputs"])
    figures.add("Fuzzed numbers (/rate score, episode)", "rejected, nothing stored", tally["rejected"])
    figures.add("Fuzzed numbers (/rate score, episode)", "valid, stored as sent", tally["stored"])
    figures.add("Fuzzed numbers (/rate score, episode)", "tracebacks", tracebacks_shown(stub))


@given(st.one_of(st.floats(), st.sampled_from([math.nan, math.inf, -math.inf]), st.integers(), st.booleans()))
def test_checked_score_rejects_everything_but_half_steps(score: Any) -> None:
    """NaN and infinities cannot travel in Discord's JSON; the command function rejects them anyway."""
    ok = (
        not isinstance(score, bool)
        and math.isfinite(score)
        and 0.5 <= score <= 5
        and score * 2 == int(score * 2)
    )
    if ok:
        assert checked_score(score) == float(score)
    else:
        with pytest.raises(UserError) as caught:
            checked_score(score)
        assert "0.5" in caught.value.message and "Traceback" not in caught.value.message
