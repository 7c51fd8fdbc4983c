"""One field of a drama changed from a line of text (`/catalogue edit`, `/catalogue text`, an accepted
suggestion), validated by the catalogue format itself so Discord, suggestions and files agree."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.cards.review import clip, safe
from bot.catalogue import regions
from bot.catalogue.format import CatalogueError, entry_record, parse_entry
from bot.errors import UserError
from bot.i18n.messages import Key

if TYPE_CHECKING:
    from bot.store.rows import CatalogueRecord

EDITABLE = {
    "title": "Title", "native_title": "Native title", "aliases": "Aliases (comma-separated)",
    "country": "Country (code or name)", "year": "Year", "episode_count": "Number of episodes",
    "network": "Network", "genres": "Genres (comma-separated)", "poster_url": "Poster URL",
    "critic_score": "Critic score (0-5)", "critic_summary": "Critic summary (a few words)",
}  # fmt: skip
# The long texts: their label and their entry in bot.catalogue.format.limits().
LONG_TEXT = {"synopsis": ("Synopsis", "synopsis"), "verdict": ("Critic's verdict", "critic.verdict")}
SUGGESTABLE = {**EDITABLE, **{key: label for key, (label, _) in LONG_TEXT.items()}}
NUMBER_NAMES = {"critic_score": "catalogue.what_critic_score", "year": "catalogue.what_year",
                "episode_count": "catalogue.what_episode_count"}  # fmt: skip
CLEAR = ("-", "none", "clear")


def validated(rec: dict[str, Any]) -> CatalogueRecord:
    """A record dict through the catalogue format's validation; a UserError naming the field."""
    try:
        return parse_entry(rec, "your change")
    except CatalogueError as exc:
        raise UserError.keyed("catalogue.not_saved", detail=safe(str(exc))) from None


def record_dict(record: CatalogueRecord) -> dict[str, Any]:
    return entry_record(*record)


def split(value: str) -> list[str]:
    return [p.strip() for p in value.split(",") if p.strip()]


def shown(text: str, limit: int = 60) -> str:
    """Member input echoed back: clipped, without markdown or mentions."""
    return safe(clip(" ".join(text.split()), limit))


def number(value: str, kind: type, what: str) -> int | float:
    """`value` as a number; `what` is one of NUMBER_NAMES."""
    try:
        return kind(value.replace(",", ".") if kind is float else value)
    except ValueError:
        what_key = Key(NUMBER_NAMES[what])
        raise UserError.keyed("catalogue.not_number", what=what_key, value=shown(value)) from None


def edit_field(rec: dict[str, Any], field: str, value: str | None) -> None:
    """Apply one /catalogue edit to a record dict (value None: clear the field)."""
    target, key = rec, field
    if field in ("critic_score", "critic_summary", "verdict"):
        target, key = rec.setdefault("critic", {}) or {}, field.removeprefix("critic_")
        rec["critic"] = target
    if value is None:
        target.pop(key, None)
    elif key in ("aliases", "genres"):
        target[key] = split(value)
    elif key in ("year", "episode_count", "score"):
        target[key] = number(value, float if key == "score" else int, field)
    elif key == "country":
        region = regions.lookup(value)
        if region is None:
            raise UserError.keyed("catalogue.unknown_country", value=shown(value))
        target[key] = region.code
    else:
        target[key] = value
    if key == "episode_count" and "episodes" in rec:  # a shorter run drops the episodes past its end
        rec["episodes"] = [e for e in rec["episodes"] if e["number"] <= rec.get("episode_count", 0)]


def cleared(value: str) -> str | None:
    """A typed value as an edit takes it: stripped, and None (clear the field) for '-', 'none', 'clear'."""
    return None if value.strip().lower() in CLEAR else value.strip()


def field_change(field: str, value: str | None) -> Callable[[CatalogueRecord | None], CatalogueRecord]:
    """The validated change `Curation.curate` applies for one field set to `value` (None: cleared)."""
    if field not in SUGGESTABLE:
        raise UserError.keyed("catalogue.unknown_field", field=safe(field[:40]))

    def apply(before: CatalogueRecord | None) -> CatalogueRecord:
        if before is None:
            raise UserError.keyed("review.gone")
        rec = record_dict(before)
        edit_field(rec, field, value)
        return validated(rec)

    return apply
