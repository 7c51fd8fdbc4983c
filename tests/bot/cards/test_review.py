"""Cards are pure: dataclasses in, embeds out, always inside Discord's embed limits."""

from __future__ import annotations

from datetime import date

import discord
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cards import review as cards
from bot.models import (
    Availability,
    CommunityScores,
    Drama,
    Episode,
    RateResult,
    ReviewData,
    ScoreSummary,
)


def assert_within_limits(embed: discord.Embed) -> None:
    data = embed.to_dict()
    assert len(data.get("title", "")) <= 256
    assert len(data.get("description", "")) <= 4096
    assert len(data.get("fields", [])) <= 25
    for f in data.get("fields", []):
        assert 1 <= len(f["name"]) <= 256
        assert 1 <= len(f["value"]) <= 1024
    assert len(data.get("footer", {}).get("text", "")) <= 2048
    assert len(embed) <= 6000


def drama(**overrides) -> Drama:
    base = dict(id=1, slug="soundtrack-1-2022", title="Soundtrack #1", episode_count=4, native_title="사운드트랙 #1",
                country="KR", year=2022, network="Disney+", genres=("Romance", "Music"), synopsis="Two friends.",
                critic_score=4.0, critic_summary="short, warm, over too soon", critic_verdict="Lovely.")  # fmt: skip
    base.update(overrides)
    return Drama(**base)


def review(d: Drama | None = None, *, in_guild=True, scores=None, episodes=None, availability=()) -> ReviewData:
    d = d or drama()
    eps = episodes if episodes is not None else tuple(Episode(n, 4.0) for n in range(1, d.episode_count + 1))
    return ReviewData(d, eps, tuple(availability), scores or CommunityScores(), in_guild)


@pytest.mark.parametrize(
    ("score", "expected"),
    [(5, "★★★★★"), (4.5, "★★★★½"), (4.4, "★★★★½"), (4.2, "★★★★☆"), (0.5, "½☆☆☆☆"), (0, "☆☆☆☆☆"), (3.75, "★★★★☆")],
)
def test_stars(score, expected):
    assert cards.stars(score) == expected


def test_stars_of_nothing_is_empty():
    assert cards.stars(None) == "" and cards.stars(float("nan")) == ""


@pytest.mark.parametrize(("value", "text"), [(4.0, "4.0"), (4.5, "4.5"), (3.75, "3.75"), (13 / 3, "4.33")])
def test_number(value, text):
    assert cards.number(value) == text


def test_community_shows_a_dash_and_counts():
    assert cards.community(ScoreSummary()) == "— (no ratings yet)"
    assert cards.community(ScoreSummary(1, 10)) == "★★★★★ 5.0 (1 rating)"
    assert cards.community(ScoreSummary(1204, 1204 * 8)) == "★★★★☆ 4.0 (1,204 ratings)"


def test_seed_card():
    card = cards.review_card(review(availability=[Availability("Disney+", "subscription", (), "https://d.example")]))
    e = card.embed.to_dict()
    assert e["title"] == "Soundtrack #1  ·  사운드트랙 #1"
    assert e["description"].startswith("2022 · South Korea · Disney+ · 4 episodes · Romance, Music")
    names = [f["name"] for f in e["fields"]]
    assert names[:3] == ["Critic", "This server", "Everyone"]
    guide = next(f["value"] for f in e["fields"] if f["name"].startswith("Episode guide"))
    assert guide.count("4/5 ★★★★☆") == 4
    where = next(f["value"] for f in e["fields"] if f["name"] == "Where to watch")
    assert where == "Disney+ (subscription) · select regions · not checked yet"
    assert card.pages == 1
    assert e["color"] == discord.Colour.green().value
    assert_within_limits(card.embed)


def test_outside_a_server_there_is_no_server_score():
    e = cards.review_card(review(in_guild=False)).embed.to_dict()
    assert "This server" not in [f["name"] for f in e["fields"]]


def test_episode_member_scores_and_dashes():
    scores = CommunityScores(server_episodes={2: ScoreSummary(2, 17)})
    guide = cards.episode_guide(review(scores=scores), 0)[1].splitlines()
    assert guide[1].endswith("members 4.25 (2)")
    assert guide[0].endswith("members —")


def test_colour_follows_everyone_once_enough_ratings():
    scores = CommunityScores(everyone=ScoreSummary(3, 3 * 10))
    assert cards.review_card(review(scores=scores)).embed.colour == discord.Colour.gold()
    assert cards.review_card(review(drama(critic_score=None))).embed.colour == discord.Colour.light_grey()


def huge_drama(episodes=100) -> ReviewData:
    d = drama(title="T" * 300, native_title="N" * 300, synopsis="S" * 5000, critic_verdict="V" * 3000,
              critic_summary="Q" * 300, genres=("G" * 40,) * 30, network="W" * 100, episode_count=episodes)  # fmt: skip
    eps = tuple(Episode(n, 3.5, title="E" * 200) for n in range(1, episodes + 1))
    scores = CommunityScores(
        ScoreSummary(10**6, 10**6 * 7), ScoreSummary(10**7, 10**7 * 7),
        {n: ScoreSummary(10**5, 10**5 * 9) for n in range(1, episodes + 1)},
        {n: ScoreSummary(10**5, 10**5 * 9) for n in range(1, episodes + 1)},
    )  # fmt: skip
    av = [Availability("S" * 80, "subscription", tuple(f"{a}{b}" for a in "ABCDEFGHIJ" for b in "ABCDEFGHIJ"),
                       "https://x.example/" + "p" * 400, date(2026, 11, 20)) for _ in range(30)]  # fmt: skip
    return review(d, scores=scores, episodes=eps, availability=av)


def test_hundred_episodes_are_paged_and_every_page_fits():
    data = huge_drama(100)
    first = cards.review_card(data)
    assert first.pages == 9
    seen = []
    for page in range(first.pages):
        card = cards.review_card(data, page)
        assert card.page == page
        assert_within_limits(card.embed)
        guide = next(f for f in card.embed.fields if f.name.startswith("Episode guide"))
        seen += [int(line.split("Episode ")[1].split(" ")[0]) for line in guide.value.splitlines()]
        assert f"page {page + 1}/9" in card.embed.footer.text
    assert seen == list(range(1, 101)), "every episode appears exactly once across the pages"


def test_page_numbers_are_clamped():
    data = huge_drama(30)
    assert cards.review_card(data, -5).page == 0
    assert cards.review_card(data, 99).page == cards.review_card(data).pages - 1


texts = st.text(min_size=0, max_size=3000)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(title=st.text(min_size=1, max_size=300), synopsis=texts, verdict=texts, episodes=st.integers(1, 500),
       service=st.text(min_size=1, max_size=200), regions=st.lists(st.sampled_from(["KR", "JP", "US", "ZZ"]), max_size=50))  # fmt: skip
def test_any_drama_fits_on_every_card(title, synopsis, verdict, episodes, service, regions):
    d = drama(title=title, synopsis=synopsis or None, critic_verdict=verdict or None, episode_count=episodes)
    av = [Availability(service, "rent", tuple(regions))]
    data = review(d, availability=av)
    card = cards.review_card(data, page=episodes)  # the last page
    assert_within_limits(card.embed)
    assert_within_limits(cards.where_card(d, tuple(av), None))
    from bot.catalogue import regions as region_table

    assert_within_limits(cards.where_card(d, tuple(av), region_table.lookup("KR")))


def test_rate_card_texts():
    base = dict(drama=drama(), episode=None, score=4.5, server=ScoreSummary(2, 15), everyone=ScoreSummary(2, 15), in_guild=True)
    first = cards.rate_card(RateResult(previous=None, **base)).description
    assert first.startswith("You rated **Soundtrack #1** ★★★★½ 4.5.")
    assert "This server: ★★★★☆ 3.75 (2 ratings)" in first
    updated = cards.rate_card(RateResult(previous=3.5, **base)).description
    assert "from 3.5 to 4.5" in updated
    same = cards.rate_card(RateResult(previous=4.5, **base)).description
    assert "nothing changed" in same
    ep = cards.rate_card(RateResult(previous=None, **{**base, "episode": 3})).description
    assert "**Soundtrack #1**, episode 3" in ep


def test_titles_from_the_catalogue_cannot_format_or_ping():
    d = drama(title="**@everyone** <@&1234567890123456789>")
    text = cards.rate_card(RateResult(d, None, 4, None, ScoreSummary(), ScoreSummary(1, 8), False)).description
    assert "\\*\\*" in text


def test_where_card_by_region():
    from bot.catalogue import regions

    av = (
        Availability("Netflix", "subscription", ("KR", "JP"), "https://n.example", date(2026, 11, 20)),
        Availability("Viki", "ads", ("US",), None, None),
        Availability("Disney+", "subscription", (), None, None),
    )
    everywhere = cards.where_card(drama(), av, None).description
    assert everywhere.startswith(
        "**Japan, South Korea:**\n[Netflix](https://n.example) (subscription) · checked 2026-11-20\n"
        "**United States:**\nViki (free with ads) · not checked yet\n"
        "**In select regions (which ones is not known yet):**\nDisney+ (subscription) · not checked yet"
    )
    assert "US" not in everywhere.split("\n")[0], "no region is favoured: no US default"
    kr = cards.where_card(drama(), av, regions.lookup("KR")).description
    assert kr.startswith("**In South Korea (KR):**\n[Netflix]")
    assert "Also in: Japan, United States." in kr
    de = cards.where_card(drama(), av, regions.lookup("DE")).description
    assert de.startswith("Not listed in Germany (DE). Available in: Japan, South Korea, United States.")
    assert "Whether Germany is one of its regions is not known yet" in de
    none = cards.where_card(drama(), (), None).description
    assert "No streaming information yet" in none


# --- a drama without a critic review (most of the bundled catalogue) -------------------------------------


def bare(**overrides) -> Drama:
    """A bundled drama: facts only, no synopsis, no critic review."""
    return drama(**{"slug": "goblin-2016", "title": "Guardian: The Lonely and Great God", "native_title": "도깨비",
                    "episode_count": 16, "year": 2016, "network": "tvN", "genres": ("Fantasy",), "synopsis": None,
                    "critic_score": None, "critic_summary": None, "critic_verdict": None, **overrides})  # fmt: skip


def test_a_card_without_a_review_invites_the_first_rating_and_leads_with_the_community():
    scores = CommunityScores(server=ScoreSummary(2, 17), everyone=ScoreSummary(3, 25))
    e = cards.review_card(review(bare(), scores=scores, episodes=())).embed.to_dict()
    fields = {f["name"]: f["value"] for f in e["fields"]}
    assert [f["name"] for f in e["fields"]][:3] == ["This server", "Everyone", "Critic"]
    assert fields["Critic"] == "No critic review yet — be the first to /rate"
    assert "Verdict" not in fields
    assert fields["Everyone"] == "★★★★☆ 4.17 (3 ratings)"
    assert e["color"] == discord.Colour.green().value  # coloured by the members' scores
    assert e["description"] == "2016 · South Korea · tvN · 16 episodes · Fantasy"
    guide_name = next(n for n in fields if n.startswith("Episode guide"))
    assert "critic" not in guide_name
    assert fields[guide_name].splitlines()[0] == "**Episode 1** — members —"
    assert_within_limits(cards.review_card(review(bare(), scores=scores, episodes=())).embed)


def test_a_critic_score_without_a_verdict_shows_the_score_and_no_empty_verdict():
    e = cards.review_card(review(bare(critic_score=3.5))).embed.to_dict()
    fields = {f["name"]: f["value"] for f in e["fields"]}
    assert fields["Critic"] == "★★★½☆ 3.5/5" and "Verdict" not in fields
    assert [f["name"] for f in e["fields"]][0] == "Critic"


def test_the_terminal_preview_reads_the_same_without_a_review():
    text = cards.review_text(review(bare(), episodes=()))
    assert "Critic:       No critic review yet — be the first to /rate" in text
    assert "Verdict" not in text
    assert "Episode guide · this server" in text and "  Episode 1 — members —" in text


def test_where_without_availability_says_so_plainly():
    from bot.catalogue import regions

    card = cards.where_card(bare(), (), regions.lookup("KR")).description
    assert card == "No streaming information yet. Curators can add it with /catalogue."


def test_stars_cover_every_half_star_once():
    shown = [cards.stars(halves / 2) for halves in range(11)]
    assert len(set(shown)) == 11 and all(len(s) == 5 for s in shown)
    assert [s.count("★") for s in shown] == [h // 2 for h in range(11)]
    assert [s.count("½") for s in shown] == [h % 2 for h in range(11)]


def test_safe_text_is_the_same_the_second_time():
    text = "**Love** @everyone <@123> _x_"
    assert cards.safe(text) == cards.safe(text) == discord.utils.escape_mentions(discord.utils.escape_markdown(text))
