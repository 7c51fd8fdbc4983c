"""The `/catalogue suggestions` card: one field per pending suggestion (its number is the one on its
Accept / Reject buttons), members' text made inert and clipped."""

from __future__ import annotations

from datetime import datetime

import discord

from bot.cards.review import EN, clip, fit_total, new_card, safe
from bot.i18n.messages import t
from bot.models import Suggestion

QUEUE_COLOUR = discord.Colour.blurple()
VALUE_SHOWN, NOTE_SHOWN = 600, 200  # characters of a value and a note shown (a field holds 1,024)


def _when(text: str) -> str:
    """A stored ISO time as a Discord timestamp ("3 hours ago" in each reader's own time)."""
    try:
        return f"<t:{int(datetime.fromisoformat(str(text)).timestamp())}:R>"
    except ValueError:
        return ""


def suggestion_card(
    pending: list[Suggestion], titles: dict[int, str], total: int, locale: str = EN
) -> discord.Embed:
    count = t("card.suggestions.count", locale, shown=len(pending), total=total)
    title, footer = t("card.suggestions.title", locale), t("card.suggestions.footer", locale)
    embed = new_card(title, count, QUEUE_COLOUR, footer=footer)
    for s in pending:
        title = safe(clip(titles.get(s.drama_id, "?"), 100))
        value = safe(clip(s.value, VALUE_SHOWN)) if s.value is not None else t("card.suggestions.clear", locale)
        lines = [f"**{s.field}** → {value}"]
        if s.note:
            lines.append(f"> {safe(clip(' '.join(s.note.split()), NOTE_SHOWN))}")
        lines.append(t("card.suggestions.by", locale, user=f"<@{s.user_id}>", when=_when(s.created_at)))
        embed.add_field(name=clip(f"#{s.id} · {title}", 256), value=clip("\n".join(lines), 1024), inline=False)
    return fit_total(embed)
