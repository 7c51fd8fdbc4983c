"""/import's cards (bot/cards/history.py): within Discord's embed limits whatever the file holds, the
file's titles inert, every reason labelled, in English and Korean."""

from __future__ import annotations

import pytest

from bot.cards.history import preview_card, result_card
from bot.history.matching import Matched, Outcome, Plan, Skipped
from bot.history.rows import HistoryRow
from bot.store.history import Applied

ROW = HistoryRow(1, "x.csv", "Goblin", 2016, "show", None, None, None, 9, "completed", 16, (), None)


@pytest.mark.parametrize("locale", ["en", "ko"])
def test_a_huge_skip_list_fits_and_titles_are_inert(locale):
    reasons = ("import.skip_movie", "import.skip_anime", "import.skip_talk", "import.skip_reality",
               "import.skip_unknown", "import.skip_not_drama", "import.skip_budget", "history.skip.no_title",
               "a.key.nobody.knows")  # fmt: skip
    skipped = tuple(
        Skipped(n, "**Bold** @everyone " + "x" * 300, reasons[n % len(reasons)]) for n in range(20_000)
    )
    plan = Plan("simkl", "a" * 300 + ".csv", 20_001, (Matched(ROW, 1, "Goblin", 16),), (), skipped,
                {"completed": 1}, 1, 0, 0)  # fmt: skip
    card = preview_card(plan, replace=True, locale=locale).to_dict()
    total = len(card["title"]) + len(card["description"]) + len(card["footer"]["text"])
    total += sum(len(f["name"]) + len(f["value"]) for f in card["fields"])
    assert total <= 6000 and len(card["fields"]) <= 25 and len(card["title"]) <= 256
    assert all(len(f["value"]) <= 1024 and len(f["name"]) <= 256 for f in card["fields"])
    text = str(card)
    assert "**Bold**" not in text and "@everyone" not in text.replace("@\u200beveryone", "")
    assert len(card["fields"]) == 1 + 6 + 1  # the mapping, six reasons, "more skipped"
    done = result_card(plan, Outcome(Applied(rated=1), 0, skipped[:3000]), locale=locale).to_dict()
    assert len(done["description"]) <= 4096
