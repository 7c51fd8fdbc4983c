"""Polls in the Discord stand-in (``stand_in.polls``), as Discord's API describes them.

A message create body with ``poll`` is checked against the OpenAPI description (``spec.check``) and these
rules: 2 to 10 answers (this bot never offers fewer; Discord takes 1), a question of at most 300 characters,
answers of at most 55, a duration of 1 to 768 hours, layout_type 1 (the only one). Breaking one records a
violation and answers 400 50035, as Discord does. Posting a poll needs Send Polls (403 50013).
The message then carries Discord's poll object: ``expiry``, ``results`` (``answer_counts``, ``is_finalized``).

Tests act as members: ``await stand_in.polls.vote(message_id, user_id, answer_id)`` (MESSAGE_POLL_VOTE_ADD
when the bot identified with the guild message polls intent; the bot has only the guilds intent, so none),
and ``await stand_in.polls.end_poll(message_id)`` ends it as time would: results final, MESSAGE_UPDATE and the
poll result system message (type 46, MESSAGE_CREATE) dispatched when the bot has the guild messages intent,
the system message stored in the channel either way. Routes: ``POST /channels/{c}/polls/{m}/expire`` (the
author ends it early) and ``GET /channels/{c}/polls/{m}/answers/{a}`` (voters, ``after`` and ``limit``);
``GET /channels/{c}/messages/{m}`` returns the poll with its results (standin.py).
"""

from __future__ import annotations

import json
import re
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from .standin import DiscordStandIn, RecordedRequest

SEND_POLLS = 1 << 49
GUILD_MESSAGES = 1 << 9  # gateway intents
GUILD_MESSAGE_POLLS = 1 << 24
POLL_RESULT = 46  # message type
QUESTION_LIMIT, ANSWER_LIMIT = 300, 55
MIN_ANSWERS, MAX_ANSWERS = 2, 10
MIN_HOURS, MAX_HOURS = 1, 768
DEFAULT_HOURS = 24

UNKNOWN_MESSAGE = {"message": "Unknown Message", "code": 10008}
UNKNOWN_CHANNEL = {"message": "Unknown Channel", "code": 10003}
POLL_EXPIRED = {"message": "Poll expired", "code": 520001}
NOT_A_POLL = {"message": "Cannot expire a non-poll message", "code": 520006}
UNKNOWN_ANSWER = {
    "message": "Unknown answer",
    "code": 10108,
}  # the code the stand-in uses; not checked with Discord
CANNOT_EXPIRE = {"message": "Cannot execute action on this message: not its author", "code": 50005}


def _json(status: int, data: Any) -> web.Response:
    """Discord's JSON answer (discord.py reads a body as JSON only under exactly this content type)."""
    return web.Response(
        status=status, body=json.dumps(data).encode(), headers={"Content-Type": "application/json"}
    )


def _iso(ts: float) -> str:
    import datetime

    return datetime.datetime.fromtimestamp(ts, datetime.UTC).isoformat()


def poll_rules(poll: Any) -> list[str]:
    """What Discord (and this bot's use) would refuse in a poll create object, beyond the OpenAPI schema."""
    if not isinstance(poll, dict):
        return ["poll: not an object"]
    problems = []
    question = (poll.get("question") or {}).get("text")
    if not isinstance(question, str) or not question.strip():
        problems.append("poll.question.text: required")
    elif len(question) > QUESTION_LIMIT:
        problems.append(f"poll.question.text: {len(question)} characters, more than {QUESTION_LIMIT}")
    answers = poll.get("answers") or []
    if not MIN_ANSWERS <= len(answers) <= MAX_ANSWERS:
        problems.append(f"poll.answers: {len(answers)} answers, not {MIN_ANSWERS} to {MAX_ANSWERS}")
    for i, answer in enumerate(answers):
        text = ((answer or {}).get("poll_media") or {}).get("text")
        if not isinstance(text, str) or not text.strip():
            problems.append(f"poll.answers[{i}].poll_media.text: required")
        elif len(text) > ANSWER_LIMIT:
            problems.append(
                f"poll.answers[{i}].poll_media.text: {len(text)} characters, more than {ANSWER_LIMIT}"
            )
    duration = poll.get("duration", DEFAULT_HOURS)
    # JSON Schema's integer: 24.0 is one (discord.py sends the hours as a float)
    whole = (
        isinstance(duration, int | float) and not isinstance(duration, bool) and float(duration).is_integer()
    )
    if duration is not None and not (whole and MIN_HOURS <= duration <= MAX_HOURS):
        problems.append(f"poll.duration: {duration!r}, not {MIN_HOURS} to {MAX_HOURS} hours")
    layout = poll.get("layout_type")
    if layout is not None and layout != 1:
        problems.append(f"poll.layout_type: {layout!r}, only 1 (default) exists")
    return problems


class Polls:
    """The polls of the stand-in's messages: votes per member, endings, the routes."""

    def __init__(self, stand_in: DiscordStandIn) -> None:
        self.s = stand_in
        self.votes: dict[str, dict[str, set[int]]] = {}  # message id -> member id -> answer ids
        self.expired: list[str] = []  # message ids ended through POST .../expire (by the bot)

    # -------------------------------------------------------------- creating
    def reject(self, rec: RecordedRequest, body: dict[str, Any]) -> web.Response | None:
        """400 for a poll Discord would refuse (recorded as violations), else None."""
        if "poll" not in body or body["poll"] is None:
            return None
        problems = poll_rules(body["poll"])
        if not problems:
            return None
        route = rec.method + " " + re.sub(r"/\d+", "/{id}", rec.path)
        errors: dict[str, Any] = {}
        for problem in problems:
            rec.violations.append(self.s._violation(route, f"[poll] {problem}"))
            errors[problem.split(":")[0]] = {"_errors": [{"code": "BASE_TYPE_BAD", "message": problem}]}
        return _json(400, {"code": 50035, "message": "Invalid Form Body", "errors": errors})

    def attach(self, message: dict[str, Any], body: dict[str, Any]) -> None:
        """Give a created message Discord's poll object (results open, no votes)."""
        poll = body.get("poll")
        if not poll:
            return
        hours = int(poll.get("duration") or DEFAULT_HOURS)
        answers = [
            {"answer_id": i, "poll_media": {"text": a["poll_media"]["text"]}}
            for i, a in enumerate(poll["answers"], start=1)
        ]
        message["poll"] = {
            "question": {"text": poll["question"]["text"]},
            "answers": answers,
            "expiry": _iso(time.time() + hours * 3600),
            "allow_multiselect": bool(poll.get("allow_multiselect")),
            "layout_type": 1,
            "results": {"answer_counts": [{"id": a["answer_id"], "count": 0, "me_voted": False} for a in answers],
                        "is_finalized": False},
        }  # fmt: skip
        self.votes[message["id"]] = {}

    # -------------------------------------------------------------- members and time
    def _poll_message(self, message_id: str) -> dict[str, Any]:
        message = self.s.messages.get(message_id)
        if message is None or "poll" not in message:
            raise KeyError(f"no poll message {message_id}")
        return message

    def _intents(self) -> int:
        return int(self.s.identify_payloads[-1].get("intents", 0)) if self.s.identify_payloads else 0

    async def _dispatch(self, name: str, data: dict[str, Any], intent: int) -> None:
        if self._intents() & intent:
            await self.s.dispatch_event(name, data, shard=self.s.shard_of(data.get("guild_id")))

    async def vote(self, message_id: str, user_id: str, answer_id: int) -> None:
        """A member votes (a second vote of a single-choice poll replaces the first, as the client does)."""
        message = self._poll_message(message_id)
        poll = message["poll"]
        if poll["results"]["is_finalized"]:
            raise ValueError("the poll has ended")
        if not any(a["answer_id"] == answer_id for a in poll["answers"]):
            raise ValueError(f"the poll has no answer {answer_id}")
        mine = self.votes[message_id].setdefault(str(user_id), set())
        if not poll["allow_multiselect"]:
            mine.clear()
        mine.add(answer_id)
        self._count(message)
        event = {"user_id": str(user_id), "channel_id": message["channel_id"], "message_id": message_id,
                 "answer_id": answer_id}  # fmt: skip
        if message.get("guild_id"):
            event["guild_id"] = message["guild_id"]
        await self._dispatch("MESSAGE_POLL_VOTE_ADD", event, GUILD_MESSAGE_POLLS)
        await self.s._notify()

    def _count(self, message: dict[str, Any]) -> None:
        votes = self.votes[message["id"]]
        for entry in message["poll"]["results"]["answer_counts"]:
            entry["count"] = sum(1 for answers in votes.values() if entry["id"] in answers)

    async def end_poll(self, message_id: str) -> dict[str, Any]:
        """End the poll as its time running out would (also what expire does); returns the result message."""
        message = self._poll_message(message_id)
        poll = message["poll"]
        if poll["results"]["is_finalized"]:
            raise ValueError("the poll has already ended")
        now = time.time()
        poll["expiry"] = _iso(now)
        self._count(message)
        poll["results"]["is_finalized"] = True
        await self._dispatch("MESSAGE_UPDATE", message, GUILD_MESSAGES)
        result = self._result_message(message)
        await self._dispatch("MESSAGE_CREATE", result, GUILD_MESSAGES)
        await self.s._notify()
        return result

    def _result_message(self, message: dict[str, Any]) -> dict[str, Any]:
        """The poll result system message Discord posts in the channel (type 46)."""
        poll = message["poll"]
        counts = {e["id"]: e["count"] for e in poll["results"]["answer_counts"]}
        total = sum(counts.values())
        fields = [("poll_question_text", poll["question"]["text"]), ("total_votes", str(total))]
        if total:
            best = max(counts.values())
            leaders = [a for a in poll["answers"] if counts[a["answer_id"]] == best]
            if len(leaders) == 1:  # Discord names a victor only without a tie
                fields += [("victor_answer_votes", str(best)), ("victor_answer_id", str(leaders[0]["answer_id"])),
                           ("victor_answer_text", leaders[0]["poll_media"]["text"])]  # fmt: skip
        result = self.s._new_message({}, channel_id=message["channel_id"], files=[], mtype=POLL_RESULT)
        result["author"] = message["author"]
        result["embeds"] = [{"type": "poll_result", "fields": [{"name": n, "value": v, "inline": False}
                                                               for n, v in fields]}]  # fmt: skip
        result["message_reference"] = {
            "type": 0,
            "message_id": message["id"],
            "channel_id": message["channel_id"],
        }
        if message.get("guild_id"):
            result["message_reference"]["guild_id"] = message["guild_id"]
        return result

    # -------------------------------------------------------------- routes
    def routes(self) -> list[tuple[str, re.Pattern[str], Any, bool]]:
        r = re.compile
        return [
            ("POST", r(r"^/channels/(?P<cid>\d+)/polls/(?P<mid>\d+)/expire$"), self._expire, True),
            (
                "GET",
                r(r"^/channels/(?P<cid>\d+)/polls/(?P<mid>\d+)/answers/(?P<aid>\d+)$"),
                self._voters,
                True,
            ),
        ]

    def _find(self, cid: str, mid: str) -> tuple[dict[str, Any] | None, web.Response | None]:
        if self.s.world.channel(cid) is None:
            return None, _json(404, UNKNOWN_CHANNEL)
        message = self.s.messages.get(mid)
        if message is None or message["channel_id"] != cid:
            return None, _json(404, UNKNOWN_MESSAGE)
        return message, None

    async def _expire(self, request: web.Request, rec: RecordedRequest, cid: str, mid: str) -> web.Response:
        message, refused = self._find(cid, mid)
        if refused is not None:
            return refused
        assert message is not None
        if "poll" not in message:
            return _json(400, NOT_A_POLL)
        if message["author"]["id"] != self.s.bot_user_id:
            return _json(403, CANNOT_EXPIRE)
        if message["poll"]["results"]["is_finalized"]:
            return _json(400, POLL_EXPIRED)
        await self.end_poll(mid)
        self.expired.append(mid)
        return _json(200, message)

    async def _voters(
        self, request: web.Request, rec: RecordedRequest, cid: str, mid: str, aid: str
    ) -> web.Response:
        message, refused = self._find(cid, mid)
        if refused is not None:
            return refused
        assert message is not None
        if "poll" not in message:
            return _json(404, UNKNOWN_MESSAGE)
        if not any(a["answer_id"] == int(aid) for a in message["poll"]["answers"]):
            return _json(404, UNKNOWN_ANSWER)
        limit = max(1, min(100, int(rec.query.get("limit", 25))))
        after = int(rec.query.get("after", 0))
        voters = sorted(int(u) for u, answers in self.votes.get(mid, {}).items() if int(aid) in answers)
        users = [self.s.make_user(f"member-{u}") | {"id": str(u)} for u in voters if u > after][:limit]
        return _json(200, {"users": users})
