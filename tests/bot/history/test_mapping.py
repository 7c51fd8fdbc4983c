"""Scores, statuses and kinds map exactly as docs/import.md says, at every value."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.history import mapping, parse_upload
from tests.bot.history.test_simkl import simkl_file

NOW = datetime(2026, 12, 7, tzinfo=UTC)


@pytest.mark.parametrize("score", range(1, 11))
def test_a_score_out_of_ten_is_that_many_half_stars(score):
    assert mapping.halves_from_ten(score) == score
    assert mapping.halves_from_ten(str(score)) == score
    assert mapping.halves_from_ten(f"{score}.0") == score


@pytest.mark.parametrize(
    ("score", "halves"),
    [("0.5", 1), ("1.5", 2), ("2.5", 3), ("3.5", 4), ("4.5", 5), ("5.5", 6), ("6.5", 7), ("7.5", 8),
     ("8.5", 9), ("9.5", 10), ("7.3", 7), ("7.49", 7), ("7.51", 8), ("9.9", 10), ("1.2", 1)],
)  # fmt: skip
def test_decimal_scores_round_half_up(score, halves):
    assert mapping.halves_from_ten(score) == halves


@pytest.mark.parametrize("empty", ["", " ", "0", "0.0", 0])
def test_zero_or_empty_is_not_rated(empty):
    assert mapping.halves_from_ten(empty) is None


@pytest.mark.parametrize("bad", ["-1", "10.5", "11", "0.2", "abc", "nan", "inf", "1e3", -0.5])
def test_a_score_outside_the_scale_is_refused(bad):
    with pytest.raises(ValueError):
        mapping.halves_from_ten(bad)


@pytest.mark.parametrize("halves", range(1, 11))
def test_stars_in_halves_both_ways(halves):
    assert mapping.halves_from_stars(mapping.stars(halves)) == halves


@pytest.mark.parametrize("bad", ["0", "5.5", "1.25", "x", "-1", "nan"])
def test_stars_off_the_half_steps_are_refused(bad):
    with pytest.raises(ValueError):
        mapping.halves_from_stars(bad)


@pytest.mark.parametrize(("word", "status"), sorted(mapping.SIMKL_STATUS.items()))
def test_simkl_statuses(word, status):
    parsed = parse_upload(
        simkl_file([["", "Signal", "tv", "2016", word.upper(), "", "", "", "", "", "", ""]]), "s.csv", now=NOW
    )
    if status == mapping.SKIP:
        assert parsed.rows == () and parsed.skipped == ((2, "Signal", "history.skip.not_interested"),)
    else:
        assert parsed.rows[0].status == status


@pytest.mark.parametrize(("word", "status"), sorted(mapping.MDL_STATUS.items()))
def test_mydramalist_statuses(word, status):
    header = "Title\tStatus\tEpisodes watched\tTotal episodes\tCountry of Origin\tShow type\tRating\n"
    parsed = parse_upload(
        f"{header}Signal\t{word.title()}\t1\t16\tSouth Korea\tDrama\t8\n".encode(), "m.tsv", now=NOW
    )
    if status == mapping.SKIP:
        assert parsed.rows == () and parsed.skipped[0][2] == "history.skip.not_interested"
    else:
        assert parsed.rows[0].status == status


@pytest.mark.parametrize("status", sorted(mapping.OWN_STATUS))
def test_own_statuses(status):
    text = f"title,year,tmdb_id,imdb_id,status,progress,episode,stars,rated_at\nSignal,2016,64840,,{status},,,,\n"
    assert parse_upload(text.encode(), "o.csv", now=NOW).rows[0].status == status


@pytest.mark.parametrize(
    ("word", "kind"),
    [
        ("tv", "show"),
        ("TV Show", "show"),
        ("movie", "movie"),
        ("anime", "anime"),
        ("music", "other"),
        ("", "other"),
    ],
)
def test_simkl_kinds(word, kind):
    parsed = parse_upload(simkl_file([["", "X", word, "", "", "", "", "", "", "", "", ""]]), "s.csv", now=NOW)
    assert parsed.rows[0].kind == kind


@pytest.mark.parametrize(
    ("word", "kind"),
    [("Drama", "show"), ("Movie", "movie"), ("TV Show", "reality"), ("Special", "other"), ("", "other")],
)
def test_mydramalist_kinds(word, kind):
    header = "Title\tStatus\tEpisodes watched\tTotal episodes\tCountry of Origin\tShow type\tRating\n"
    parsed = parse_upload(f"{header}X\tCompleted\t1\t1\tSouth Korea\t{word}\t0\n".encode(), "m.tsv", now=NOW)
    assert parsed.rows[0].kind == kind
