"""Validate request bodies the bot sends against Discord's OpenAPI description.

A pinned copy of the description is vendored in ``tests/e2e/discord-api-spec/``
(MIT, see the README there for its upstream commit and how to update it); the
``DISCORD_API_SPEC`` environment variable may point at another copy.  It
is loaded once per process, registered as a single resource under ``urn:x``,
and each kind of body is checked against the ``requestBody`` schema of the
matching path in the document's ``paths`` (Draft 2020-12), so the schemas are
Discord's own, not copies.

On top of the schema, :func:`check` enforces rules Discord applies that the
schema cannot express:

* all embed text of one message together at most 6000 characters, message
  content at most 2000 characters;
* chat-input command names and all option names match
  ``^[-_'\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$`` and are lower case;
* choice names 1-100 characters, string choice values at most 100 characters
  (in command definitions and in autocomplete results);
* (leniency) an integer is accepted where the spec says snowflake string, as Discord does;
* every message-bearing body carries ``allowed_mentions`` with an empty
  ``parse`` list: the bot must never let Discord parse ``@everyone``, users or
  roles out of text it did not write.

``validate(kind, body)`` returns human-readable strings; ``check`` returns
:class:`Violation` objects that also carry a path and a Discord-like error code
(the stand-in turns those into a ``50035 Invalid Form Body`` answer).
"""

from __future__ import annotations

import functools
import json
import os
import unicodedata
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

__all__ = [
    "KINDS",
    "Violation",
    "check",
    "errors_object",
    "spec_path",
    "validate",
]

#: Base URI the whole OpenAPI document is registered under.
SPEC_URI = "urn:x"

#: kind -> (path in the OpenAPI document, HTTP method) whose JSON requestBody schema applies.
KINDS: dict[str, tuple[str, str]] = {
    "interaction_callback": ("/interactions/{interaction_id}/{interaction_token}/callback", "post"),
    "command_sync": ("/applications/{application_id}/commands", "put"),
    "guild_command_sync": ("/applications/{application_id}/guilds/{guild_id}/commands", "put"),
    "webhook_create": ("/webhooks/{webhook_id}/{webhook_token}", "post"),
    "webhook_edit": ("/webhooks/{webhook_id}/{webhook_token}/messages/@original", "patch"),
    "channel_message": ("/channels/{channel_id}/messages", "post"),
    "channel_message_edit": ("/channels/{channel_id}/messages/{message_id}", "patch"),
    "thread_from_message": ("/channels/{channel_id}/messages/{message_id}/threads", "post"),
    "dm_create": ("/users/@me/channels", "post"),
    "scheduled_event_create": ("/guilds/{guild_id}/scheduled-events", "post"),
    "scheduled_event_update": ("/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}", "patch"),
}
#: Kinds whose body is a message (content/embed limits and the allowed_mentions rule apply).
MESSAGE_KINDS = frozenset({"webhook_create", "webhook_edit", "channel_message", "channel_message_edit"})

#: Interaction callback types whose ``data`` is a message (4 CHANNEL_MESSAGE_WITH_SOURCE, 7 UPDATE_MESSAGE).
MESSAGE_CALLBACK_TYPES = frozenset({4, 7})
#: Callback type of an autocomplete result.
AUTOCOMPLETE_RESULT = 8

MAX_CONTENT = 2000
MAX_EMBED_TOTAL = 6000
MAX_CHOICE_NAME = 100
MAX_CHOICE_VALUE = 100


def spec_path() -> Path:
    """Where the OpenAPI document is: ``$DISCORD_API_SPEC``, or the vendored copy beside this file."""
    override = os.environ.get("DISCORD_API_SPEC")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent / "discord-api-spec" / "openapi.json"


@dataclass(frozen=True)
class Violation:
    """One thing wrong with a body: where (a JSON path), what, and a Discord-like error code."""

    path: tuple[str | int, ...]
    message: str
    code: str = "INVALID"

    @property
    def where(self) -> str:
        """The path as ``data.embeds[0].title`` (``<body>`` for the whole body)."""
        out = ""
        for part in self.path:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
        return out or "<body>"

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


# --------------------------------------------------------------------------- loading (once per process)


@functools.cache
def _registry() -> Registry:
    """The whole OpenAPI document registered as one Draft 2020-12 resource under ``urn:x``."""
    path = spec_path()
    if not path.is_file():
        raise FileNotFoundError(
            f"Discord's OpenAPI description was not found at {path}; "
            "it is vendored in tests/e2e/discord-api-spec/ (see its README); DISCORD_API_SPEC overrides it"
        )
    document = json.loads(path.read_text(encoding="utf-8"))
    return Registry().with_resource(
        SPEC_URI, Resource.from_contents(document, default_specification=DRAFT202012)
    )


def _document() -> dict[str, Any]:
    return _registry().contents(SPEC_URI)


def _pointer(*parts: str) -> str:
    """A URI fragment JSON pointer (``~``/``/`` escaped, then percent-encoded) to ``parts``."""
    escaped = (p.replace("~", "~0").replace("/", "~1") for p in parts)
    return "/" + "/".join(urllib.parse.quote(p, safe="~@") for p in escaped)


@functools.cache
def _validator(kind: str) -> Draft202012Validator:
    """A validator for ``kind`` whose root is a ``$ref`` into the path's JSON requestBody schema."""
    try:
        path, method = KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown body kind {kind!r}; known: {sorted(KINDS)}") from None
    operation = _document()["paths"][path][method]
    if "application/json" not in operation["requestBody"]["content"]:
        raise LookupError(f"{method.upper()} {path} has no application/json request body in the spec")
    ref = (
        SPEC_URI
        + "#"
        + _pointer("paths", path, method, "requestBody", "content", "application/json", "schema")
    )
    return Draft202012Validator(
        {"$ref": ref}, registry=_registry(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


# --------------------------------------------------------------------------- schema errors -> violations

_CODES = {
    "maxLength": "BASE_TYPE_MAX_LENGTH",
    "minLength": "BASE_TYPE_MIN_LENGTH",
    "maxItems": "BASE_TYPE_MAX_LENGTH",
    "minItems": "BASE_TYPE_MIN_LENGTH",
    "required": "BASE_TYPE_REQUIRED",
    "type": "BASE_TYPE_BAD_TYPE",
    "enum": "BASE_TYPE_CHOICES",
    "const": "BASE_TYPE_CHOICES",
    "maximum": "NUMBER_TYPE_MAX",
    "minimum": "NUMBER_TYPE_MIN",
    "pattern": "STRING_TYPE_REGEX",
    "format": "BASE_TYPE_FORMAT",
}


def _short(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe(error: ValidationError) -> str:
    """A compact message for one schema error (jsonschema's own repeat the whole, maybe huge, instance)."""
    v, inst, val = error.validator, error.instance, error.validator_value
    if v in ("maxLength", "minLength") and isinstance(inst, str):
        return f"length {len(inst)} {'exceeds maximum' if v == 'maxLength' else 'below minimum'} {val}"
    if v in ("maxItems", "minItems") and isinstance(inst, list):
        return f"{len(inst)} items, {'at most' if v == 'maxItems' else 'at least'} {val} allowed"
    if v == "required":
        return error.message.replace(" is a required property", " is required")
    if v == "type":
        return f"{_short(inst)} is not of type {val}"
    if v == "enum":
        return f"{_short(inst)} is not one of {val}"
    if v in ("maximum", "minimum"):
        return f"{inst} is {'greater than the maximum' if v == 'maximum' else 'less than the minimum'} {val}"
    message = error.message
    return message if len(message) <= 300 else message[:297] + "..."


def _is_discriminator_miss(error: ValidationError) -> bool:
    """Does this sub-error say "this anyOf/oneOf branch is for something else" (wrong root type, wrong ``type``)?"""
    rel = list(error.relative_path)
    if not rel and error.validator == "type":
        return True
    return len(rel) == 1 and rel[0] == "type" and error.validator in ("enum", "const")


def _tolerated(error: ValidationError) -> bool:
    """Spec deviations Discord accepts: an integer where a snowflake string is specified.

    discord.py sends some ids as JSON numbers (attachment indexes ``{"id": 0}``, ``allowed_mentions.users``,
    ``message_reference.message_id``) and Discord takes them.
    """
    schema = error.schema if isinstance(error.schema, dict) else {}
    is_snowflake = schema.get("format") == "snowflake" or schema.get("pattern") == "^(0|[1-9][0-9]*)$"
    number = isinstance(error.instance, int) and not isinstance(error.instance, bool) and error.instance >= 0
    return error.validator == "type" and is_snowflake and number


def _explain(error: ValidationError) -> list[ValidationError]:
    """Reduce an ``anyOf``/``oneOf`` failure to the errors of the branch the body was evidently meant for.

    Branches that reject the body outright (wrong JSON type, wrong ``type`` discriminator) are dropped;
    of the rest, the one with the fewest (then the fewest type-mismatch) leaf errors is reported.
    """
    if error.validator not in ("anyOf", "oneOf") or not error.context:
        return [error]
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    best: list[ValidationError] | None = None
    best_score = (0, 0)
    for errs in branches.values():
        errs = [e for e in errs if not _tolerated(e)]
        if not errs:
            return []  # a branch matches once tolerated deviations are forgiven
        if any(_is_discriminator_miss(e) for e in errs):
            continue
        leaves = [leaf for sub in errs for leaf in _explain(sub)]
        score = (len(leaves), sum(leaf.validator == "type" for leaf in leaves))
        if best is None or score < best_score:
            best, best_score = leaves, score
    return [error] if best is None else best


def _schema_violations(kind: str, body: Any) -> list[Violation]:
    out = []
    for error in _validator(kind).iter_errors(body):
        leaves = [leaf for leaf in _explain(error) if not _tolerated(leaf)]
        for leaf in leaves:
            if leaf.validator in ("anyOf", "oneOf"):
                message = f"{_short(leaf.instance)} matches none of the allowed shapes"
            else:
                message = _describe(leaf)
            out.append(
                Violation(tuple(leaf.absolute_path), message, _CODES.get(str(leaf.validator), "INVALID"))
            )
    return out


# --------------------------------------------------------------------------- rules the schema cannot express

_NAME_PUNCTUATION = frozenset("-_'")
# Unicode blocks of the Devanagari and Thai scripts (their combining marks are category M, not L/N).
_EXTRA_SCRIPT_RANGES = ((0x0900, 0x097F), (0xA8E0, 0xA8FF), (0x11B00, 0x11B5F), (0x0E00, 0x0E7F))


def _name_char_ok(char: str) -> bool:
    if char in _NAME_PUNCTUATION or unicodedata.category(char)[0] in "LN":
        return True
    return any(lo <= ord(char) <= hi for lo, hi in _EXTRA_SCRIPT_RANGES)


def name_problem(name: Any) -> str | None:
    """Why ``name`` is not a valid chat-input command / option name, or None when it is."""
    if not isinstance(name, str):
        return f"name must be a string, not {_short(name)}"
    if not 1 <= len(name) <= 32:
        return f"name {_short(name)} has {len(name)} characters, must be 1-32"
    bad = sorted({c for c in name if not _name_char_ok(c)})
    if bad:
        return f"name {_short(name)} contains characters not allowed in command names: {bad}"
    if name != name.lower():
        return f"name {_short(name)} must be lower case"
    return None


def _embed_text_length(embed: Any) -> int:
    if not isinstance(embed, dict):
        return 0

    def text(obj: Any, key: str) -> int:
        value = obj.get(key) if isinstance(obj, dict) else None
        return len(value) if isinstance(value, str) else 0

    total = text(embed, "title") + text(embed, "description")
    total += text(embed.get("footer"), "text") + text(embed.get("author"), "name")
    for field in embed.get("fields") or []:
        total += text(field, "name") + text(field, "value")
    return total


def _message_rules(message: Any, at: tuple[str | int, ...]) -> list[Violation]:
    """Content/embed size limits and the allowed_mentions rule for one message-bearing body."""
    if not isinstance(message, dict):
        return []
    out = []
    content = message.get("content")
    if isinstance(content, str) and len(content) > MAX_CONTENT:
        out.append(
            Violation(
                at + ("content",),
                f"content has {len(content)} characters, at most {MAX_CONTENT}",
                "BASE_TYPE_MAX_LENGTH",
            )
        )
    embeds = message.get("embeds")
    if isinstance(embeds, list):
        total = sum(_embed_text_length(e) for e in embeds)
        if total > MAX_EMBED_TOTAL:
            out.append(
                Violation(
                    at + ("embeds",),
                    f"embeds hold {total} characters of text together, at most {MAX_EMBED_TOTAL}",
                    "MAX_EMBED_SIZE_EXCEEDED",
                )
            )
    mentions = message.get("allowed_mentions")
    if "allowed_mentions" not in message or mentions is None:
        out.append(
            Violation(
                at + ("allowed_mentions",),
                "allowed_mentions is missing: the bot must send allowed_mentions with parse [] on every message",
                "ALLOWED_MENTIONS_REQUIRED",
            )
        )
    elif isinstance(mentions, dict) and mentions.get("parse"):
        out.append(
            Violation(
                at + ("allowed_mentions", "parse"),
                f"allowed_mentions.parse is {_short(mentions['parse'])}, must be empty (no mass/user/role pings)",
                "ALLOWED_MENTIONS_NOT_NONE",
            )
        )
    return out


def _choice_rules(choices: Any, at: tuple[str | int, ...]) -> list[Violation]:
    out = []
    for i, choice in enumerate(choices if isinstance(choices, list) else []):
        if not isinstance(choice, dict):
            continue
        name, value = choice.get("name"), choice.get("value")
        if isinstance(name, str) and not 1 <= len(name) <= MAX_CHOICE_NAME:
            out.append(
                Violation(
                    at + (i, "name"),
                    f"choice name has {len(name)} characters, must be 1-{MAX_CHOICE_NAME}",
                    "BASE_TYPE_MAX_LENGTH" if name else "BASE_TYPE_MIN_LENGTH",
                )
            )
        if isinstance(value, str) and len(value) > MAX_CHOICE_VALUE:
            out.append(
                Violation(
                    at + (i, "value"),
                    f"string choice value has {len(value)} characters, at most {MAX_CHOICE_VALUE}",
                    "BASE_TYPE_MAX_LENGTH",
                )
            )
    return out


def _option_rules(options: Any, at: tuple[str | int, ...]) -> list[Violation]:
    out = []
    for i, option in enumerate(options if isinstance(options, list) else []):
        if not isinstance(option, dict):
            continue
        problem = name_problem(option.get("name"))
        if problem:
            out.append(Violation(at + (i, "name"), problem, "APPLICATION_COMMAND_INVALID_NAME"))
        out.extend(_choice_rules(option.get("choices"), at + (i, "choices")))
        out.extend(_option_rules(option.get("options"), at + (i, "options")))
    return out


def _command_rules(commands: Any) -> list[Violation]:
    out = []
    for i, command in enumerate(commands if isinstance(commands, list) else []):
        if not isinstance(command, dict):
            continue
        if command.get("type", 1) == 1:  # user/message context menu names may have capitals and spaces
            problem = name_problem(command.get("name"))
            if problem:
                out.append(Violation((i, "name"), problem, "APPLICATION_COMMAND_INVALID_NAME"))
        out.extend(_option_rules(command.get("options"), (i, "options")))
    return out


def _extra_rules(kind: str, body: Any) -> list[Violation]:
    if kind in ("command_sync", "guild_command_sync"):
        return _command_rules(body)
    if kind == "interaction_callback":
        if not isinstance(body, dict):
            return []
        if body.get("type") in MESSAGE_CALLBACK_TYPES and isinstance(body.get("data"), dict):
            return _message_rules(body["data"], ("data",))
        if body.get("type") == AUTOCOMPLETE_RESULT and isinstance(body.get("data"), dict):
            return _choice_rules(body["data"].get("choices"), ("data", "choices"))
        return []
    return _message_rules(body, ()) if kind in MESSAGE_KINDS else []


# --------------------------------------------------------------------------- public API


def check(kind: str, body: Any) -> list[Violation]:
    """All violations of ``body`` as a ``kind`` request body: the spec's schema first, then the extra rules.

    An extra-rule finding at a path the schema already faulted is left out, so each problem is told once.
    """
    schema = _schema_violations(kind, body)
    faulted = {v.path for v in schema}
    return schema + [v for v in _extra_rules(kind, body) if v.path not in faulted]


def validate(kind: str, body: Any) -> list[str]:
    """Human-readable violations of ``body`` as a request body of ``kind`` (one of :data:`KINDS`); [] if fine."""
    return [str(v) for v in check(kind, body)]


def errors_object(violations: Iterable[Violation]) -> dict[str, Any]:
    """Discord's nested ``errors`` object for a 50035 answer: ``{"data": {"content": {"_errors": [...]}}}``."""
    root: dict[str, Any] = {}
    for v in violations:
        node = root
        for part in v.path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": v.code, "message": v.message})
    return root
