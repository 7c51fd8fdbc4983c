"""From the trackers' scales and words to dramabot's: scores 1-10 to half stars, statuses to the five
watch-list statuses, types to a `kind`. docs/import.md has the same tables."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

SKIP = "skip"  # a status that means "leave this row out" (MyDramaList's "Not Interested")

# Simkl's Watchlist column, as its backup writes it; dramabot's export writes the first of each.
SIMKL_STATUS = {
    "watching": "watching",
    "completed": "completed",
    "plantowatch": "plan",
    "hold": "on_hold",
    "dropped": "dropped",
    "plan to watch": "plan",
    "on hold": "on_hold",
    "notinteresting": SKIP,
}
SIMKL_WRITE = {
    "watching": "watching",
    "completed": "completed",
    "plan": "plantowatch",
    "on_hold": "hold",
    "dropped": "dropped",
}

# MyDramaList's list names, as the exporters write them.
MDL_STATUS = {
    "currently watching": "watching",
    "watching": "watching",
    "completed": "completed",
    "plan to watch": "plan",
    "on hold": "on_hold",
    "on-hold": "on_hold",
    "dropped": "dropped",
    "not interested": SKIP,
}

OWN_STATUS = {name: name for name in ("watching", "completed", "plan", "on_hold", "dropped")}

SIMKL_KIND = {"tv": "show", "tv show": "show", "show": "show", "movie": "movie", "anime": "anime"}
MDL_KIND = {"drama": "show", "movie": "movie", "tv show": "reality", "special": "other"}


def status(table: dict[str, str], value: str) -> str | None:
    """The status for a cell (case and spaces ignored), None for an empty cell, SKIP, or KeyError."""
    key = " ".join(value.strip().lower().split())
    return table[key] if key else None


def kind(table: dict[str, str], value: str, default: str = "other") -> str:
    return table.get(" ".join(value.strip().lower().split()), default)


def halves_from_ten(value: str | int | float) -> int | None:
    """A score out of 10 as half stars 1..10: 1 is half a star, 10 five stars. 0 or empty means "not
    rated" (None). Decimals (MyDramaList's 8.5, 7.3) round half up: 8.5 → 9, 7.3 → 7, 0.5 → 1.
    ValueError outside 0..10 or below 0.5."""
    text = str(value).strip()
    if not text:
        return None
    try:
        score = Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None
    if not score.is_finite() or score < 0 or score > 10 or 0 < score < Decimal("0.5"):
        raise ValueError(text)
    if score == 0:
        return None
    return int(score.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def halves_from_stars(value: str) -> int | None:
    """Stars 0.5..5 in half steps (dramabot's own CSV) as half stars 1..10; ValueError otherwise."""
    text = value.strip()
    if not text:
        return None
    try:
        doubled = Decimal(text) * 2
    except InvalidOperation:
        raise ValueError(text) from None
    if not doubled.is_finite() or doubled != doubled.to_integral_value() or not 1 <= doubled <= 10:
        raise ValueError(text)
    return int(doubled)


def stars(halves: int) -> str:
    """Half stars 1..10 as the own CSV writes them: "0.5" .. "5"."""
    return str(halves // 2) if halves % 2 == 0 else f"{halves / 2:.1f}"
