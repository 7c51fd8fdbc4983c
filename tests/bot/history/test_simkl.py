"""The export writer: Simkl's columns, formula-like cells escaped, and a round trip through the
reader that keeps titles, ids, scores, statuses, progress and dates."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.history import ExportedDrama, parse_upload, simkl_csv
from bot.history.simkl import HEADER

NOW = datetime(2026, 12, 7, tzinfo=UTC)


def simkl_file(rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode()


def cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def test_the_export_has_simkls_columns_and_escapes_formulas():
    dramas = [
        ExportedDrama("=HYPERLINK(\"http://x\")", 2016, 67915, "tt5994364", "completed", 16, 9, datetime(2024, 2, 14, 21, 30, tzinfo=UTC), "+1 cry"),
        ExportedDrama("@Signal", None, None, None, "plan", 0, None, None, "-"),
        ExportedDrama("'Quoted", None, None, None, None, 3, 1, None),
    ]  # fmt: skip
    table = cells(simkl_csv(dramas))
    assert table[0] == list(HEADER)
    assert table[1] == [
        "", "'=HYPERLINK(\"http://x\")", "tv", "2016", "completed", "S01E16", "2024-02-14T21:30:00Z", "9",
        "'+1 cry", "", "67915", "tt5994364",
    ]  # fmt: skip
    assert (
        table[2][1] == "'@Signal"
        and table[2][4] == "plantowatch"
        and table[2][5] == ""
        and table[2][8] == "'-"
    )
    assert table[3][1] == "''Quoted" and table[3][4] == "" and table[3][5] == "S01E03"
    rows = parse_upload(simkl_csv(dramas), "x.csv", now=NOW).rows
    assert [row.title for row in rows] == ['=HYPERLINK("http://x")', "@Signal", "'Quoted"]


def test_every_status_goes_out_and_back():
    statuses = ["watching", "completed", "plan", "on_hold", "dropped", None]
    dramas = [
        ExportedDrama(f"D{i}", None, i + 1, None, status, 0, None, None) for i, status in enumerate(statuses)
    ]
    assert [row.status for row in parse_upload(simkl_csv(dramas), "x.csv", now=NOW).rows] == statuses


TITLES = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=60
).filter(lambda title: title == title.strip() and title)
DRAMAS = st.builds(
    ExportedDrama,
    title=TITLES,
    year=st.none() | st.integers(1950, 2026),
    tmdb_id=st.none() | st.integers(1, 10**7),
    imdb_id=st.none() | st.integers(10**6, 10**8).map(lambda n: f"tt{n}"),
    status=st.sampled_from([None, "watching", "completed", "plan", "on_hold", "dropped"]),
    progress=st.integers(0, 500),
    halves=st.none() | st.integers(1, 10),
    rated_at=st.none()
    | st.datetimes(datetime(2000, 1, 1), datetime(2026, 12, 1)).map(
        lambda d: d.replace(microsecond=0, tzinfo=UTC)
    ),
    memo=st.text(max_size=80),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(DRAMAS, max_size=8))
def test_round_trip(dramas):
    parsed = parse_upload(simkl_csv(dramas), "x.csv", now=NOW)
    assert parsed.format == "simkl" and parsed.skipped == ()
    got = [
        (r.title, r.year, r.tmdb_id, r.imdb_id, r.status, r.progress or 0, r.halves, r.at)
        for r in parsed.rows
    ]
    want = [
        (d.title, d.year, d.tmdb_id, d.imdb_id, d.status, d.progress, d.halves, d.rated_at) for d in dramas
    ]
    assert got == want


def test_the_export_is_utf8_and_korean_stays():
    data = simkl_csv([ExportedDrama("도깨비", 2016, 67915, None, "completed", 16, 10, None)])
    assert "도깨비".encode() in data
    assert parse_upload(data, "x.csv", now=NOW).rows[0].title == "도깨비"
