"""One field of a drama changed from a line of text: what `/catalogue edit` and `/catalogue text` do, and
what a member's suggestion does once a curator accepts it (from Discord or the command line).

The change is made on the drama's catalogue record and checked by the catalogue format's own validation
(`bot.catalogue.format.parse_entry`), so Discord, suggestions and files agree on what is valid. A problem is a
keyed UserError: shown to a member in their language, printed in English by the command line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.catalogue import regions
from bot.cards.review import clip, safe
from bot.catalogue.format import CatalogueError, entry_record, parse_entry
from bot.errors import UserError
from bot.i18n.messages import Key

if TYPE_CHECKING:
    from bot.store.rows import CatalogueRecord

EDITABLE = {
    "title": "Title",
    "native_title": "Native title",
    "aliases": "Aliases (comma-separated)",
    "country": "Country (code or name)",
    "year": "Year",
    "episode_count": "Number of episodes",
    "network": "Network",
    "genres": "Genres (comma-separated)",
    "poster_url": "Poster URL",
    "critic_score": "Critic score (0-5)",
    "critic_summary": "Critic summary (a few words)",
}
LONG_TEXT = {"synopsis": ("Synopsis", "synopsis"), "verdict": ("Critic's verdict", "verdict")}
#: Every field a member may suggest a value for: the one-line fields and the long texts.
SUGGESTABLE = {**EDITABLE, **{key: label for key, (label, _) in LONG_TEXT.items()}}
NUMBER_NAMES = {"critic_score": "catalogue.what_critic_score", "year": "catalogue.what_year",
                "episode_count": "catalogue.what_episode_count"}  # fmt: skip
CLEAR = ("-", "none", "clear")


def validated(rec: dict[str, Any]) -> CatalogueRecord:
    """A record dict through the catalogue format's validation; a UserError naming the field."""
    try:
        entry = parse_entry(rec, "your change")
    except CatalogueError as exc:
        raise UserError.keyed("catalogue.not_saved", detail=safe(str(exc))) from None
    return entry.drama, entry.episodes, entry.availability


def record_dict(record: CatalogueRecord) -> dict[str, Any]:
    return entry_record(*record)


def split(value: str) -> list[str]:
    return [p.strip() for p in value.split(",") if p.strip()]


def shown(text: str, limit: int = 60) -> str:
    """Member input echoed back: clipped, without markdown or mentions (as cogs.options.shown)."""
    return safe(clip(" ".join(text.split()), limit))


def number(value: str, kind: type, what: str) -> int | float:
    """`value` as a number; `what` is one of NUMBER_NAMES."""
    try:
        return kind(value.replace(",", ".") if kind is float else value)
    except ValueError:
        raise UserError.keyed("catalogue.not_number", what=Key(NUMBER_NAMES[what]), value=shown(value)) from None


def edit_field(rec: dict[str, Any], field: str, value: str | None) -> None:
    """Apply one /catalogue edit to a record dict (value None: clear the field)."""
    critic = dict(rec.get("critic") or {})
    if field in ("critic_score", "critic_summary"):
        key = field.removeprefix("critic_")
        if value is None:
            critic.pop(key, None)
        else:
            critic[key] = number(value, float, "critic_score") if key == "score" else value
        rec["critic"] = critic
    elif field in ("aliases", "genres"):
        rec[field] = split(value or "")
    elif field in ("year", "episode_count"):
        if value is None:
            rec.pop(field, None)
        else:
            rec[field] = number(value, int, field)
    elif field == "country" and value is not None:
        region = regions.lookup(value)
        if region is None:
            raise UserError.keyed("catalogue.unknown_country", value=shown(value))
        rec[field] = region.code
    elif field == "verdict":
        if value is None:
            critic.pop("verdict", None)
        else:
            critic["verdict"] = value
        rec["critic"] = critic
    elif value is None:
        rec.pop(field, None)
    else:
        rec[field] = value
    if field == "episode_count" and "episodes" in rec:  # a shorter run drops the episodes past its end
        rec["episodes"] = [e for e in rec["episodes"] if e["number"] <= rec.get("episode_count", 0)]


def cleared(value: str) -> str | None:
    """A typed value as an edit takes it: stripped, and None (clear the field) for '-', 'none', 'clear'."""
    return None if value.strip().lower() in CLEAR else value.strip()


def field_change(field: str, value: str | None) -> Callable[[CatalogueRecord | None], CatalogueRecord]:
    """The change `Curation.curate` applies for one field set to `value` (None: cleared), validated; a
    UserError when the drama is gone or the value is not valid for the field."""
    if field not in SUGGESTABLE:
        raise UserError.keyed("catalogue.unknown_field", field=safe(field[:40]))

    def apply(before: CatalogueRecord | None) -> CatalogueRecord:
        if before is None:
            raise UserError.keyed("review.gone")
        rec = record_dict(before)
        edit_field(rec, field, value)
        return validated(rec)

    return apply
