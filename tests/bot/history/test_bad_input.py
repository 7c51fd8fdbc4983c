"""Every bad file is one HistoryFileError with a key naming the file, and the row and column where
there is one, that reads in English and Korean; the encodings spreadsheets write are not errors."""

from __future__ import annotations

import codecs
import io
import json
import struct
import zipfile
from datetime import UTC, datetime

import pytest

from bot.history import LIMITS, HistoryFileError, Limits, parse_upload
from bot.history.text import parse_date
from tests.bot.history.samples import sample
from tests.bot.history.test_simkl import simkl_file

NOW = datetime(2026, 12, 7, tzinfo=UTC)
GOBLIN = ["1", "Goblin", "tv", "2016", "completed", "S01E16", "2024-02-14", "9", "", "", "67915", "tt5994364"]


def refused(data: bytes, name: str = "up.csv", limits: Limits = LIMITS) -> HistoryFileError:
    with pytest.raises(HistoryFileError) as caught:
        parse_upload(data, name, now=NOW, limits=limits)
    error = caught.value
    assert error.key and error.key.startswith("history.error.")
    assert error.text("ko") != error.message and error.file in error.message
    return error


def where(error: HistoryFileError) -> tuple:
    return error.key, error.file, error.row, error.column


def simkl_with(**cells: str) -> bytes:
    row = list(GOBLIN)
    columns = [
        "SIMKL_ID",
        "Title",
        "Type",
        "Year",
        "Watchlist",
        "LastEpWatched",
        "WatchedDate",
        "Rating",
        "Memo",
        "TVDB",
        "TMDB",
        "IMDB",
    ]
    for name, value in cells.items():
        row[columns.index(name)] = value
    return simkl_file([GOBLIN, row])


def zip_of(files: dict[str, bytes | str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return out.getvalue()


# --- not a file we read ----------------------------------------------------------------------------------


def test_a_picture_is_not_text():
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    assert where(refused(png, "cat.png")) == ("history.error.not_text", "cat.png", None, None)


@pytest.mark.parametrize("data", [b"", b"   \r\n\n"])
def test_an_empty_file(data):
    assert refused(data).key == "history.error.empty"


def test_an_unknown_header_is_named():
    error = refused(b"Name,Score\nGoblin,9\n", "ratings.csv")
    assert error.key == "history.error.unknown_columns" and error.fields["header"] == "Name, Score"


def test_a_json_file_alone_is_not_an_export():
    assert (
        refused(sample("trakt/ratings-shows.json"), "ratings-shows.json").key
        == "history.error.unknown_columns"
    )


def test_more_than_8_mb():
    error = refused(b"a" * (LIMITS.max_bytes + 1))
    assert error.key == "history.error.too_large" and error.fields["limit"] == 8


def test_missing_columns_are_named():
    data = sample("simkl.csv").replace(b",Rating,Memo,", b",Memo,", 1)
    error = refused(data, "simkl.csv")
    assert where(error) == ("history.error.missing_columns", "simkl.csv", None, None)
    assert error.fields["columns"] == "Rating"
    tsv = b"Title\tStatus\tEpisodes watched\tCountry of Origin\tShow type\nGoblin\tCompleted\t16\tSouth Korea\tDrama\n"
    assert refused(tsv, "mdl.tsv").fields["columns"] == "Total episodes, Rating"
    tracking = b"key,s_id,series_name,created_at\nwatch-episode-1,1,Goblin,2024-01-01\n"
    assert refused(tracking).fields["columns"] == "season_number, episode_number"


# --- encodings -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
        lambda text: text.encode("utf-16"),  # with its BOM, as spreadsheets' "Unicode text"
        lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
        lambda text: text.encode("utf-16-le"),  # no BOM
        lambda text: text.replace("\n", "\r\n").encode("utf-8"),
    ],
    ids=["utf-8 BOM", "utf-16", "utf-16-be BOM", "utf-16-le no BOM", "CRLF"],
)
def test_spreadsheet_encodings_are_read(encode):
    text = sample("mydramalist.tsv").decode("utf-8").replace("Goblin", "도깨비 Goblin")
    parsed = parse_upload(encode(text), "mdl.tsv", now=NOW)
    assert parsed.rows[0].title == "도깨비 Goblin" and len(parsed.rows) == 8


def test_windows_1252_is_read_when_it_is_not_utf8():
    data = "Title\tStatus\tEpisodes watched\tTotal episodes\tCountry of Origin\tShow type\tRating\nCafé Minamdang\tCompleted\t18\t18\tSouth Korea\tDrama\t7\n"
    assert parse_upload(data.encode("cp1252"), "m.tsv", now=NOW).rows[0].title == "Café Minamdang"


def test_control_characters_are_not_text():
    assert refused(simkl_with(Title="Gob\x01lin")).key == "history.error.not_text"


# --- rows and cells --------------------------------------------------------------------------------------


def test_a_cell_thousands_of_characters_long():
    assert where(refused(simkl_with(Memo="x" * 5000))) == ("history.error.cell_too_long", "up.csv", 3, "Memo")


def test_a_row_thousands_of_characters_long():
    long = "y" * 900
    data = simkl_with(
        Title=long, Memo=long, Type=long, Watchlist="watching", IMDB="", SIMKL_ID=long, TVDB=long, Year=long
    )
    assert where(refused(data)) == ("history.error.row_too_long", "up.csv", 3, None)


def test_a_cell_past_the_csv_readers_own_limit():
    data = simkl_file([GOBLIN]) + b'1,"' + b"z" * 200_000 + b'",tv\n'
    assert where(refused(data)) == ("history.error.bad_row", "up.csv", 3, None)


def test_a_quote_left_open():
    data = simkl_file([GOBLIN]) + b'2,"Signal,tv,2016,watching,,,,,,,\n'
    assert refused(data).key == "history.error.bad_row"


def test_more_cells_than_the_header():
    data = simkl_file([GOBLIN, [*GOBLIN, "", "surprise"]])
    error = refused(data)
    assert where(error) == ("history.error.extra_cells", "up.csv", 3, None)
    assert (error.fields["found"], error.fields["expected"]) == (14, 12)


def test_more_than_20000_rows():
    body = b"".join(b",Drama %d,tv,2016,completed,,,,,,,\n" % n for n in range(LIMITS.max_rows + 1))
    data = simkl_file([]) + body
    assert refused(data).key == "history.error.too_many_rows"
    assert (
        len(parse_upload(simkl_file([]) + body.rsplit(b",Drama", 1)[0], "x.csv", now=NOW).rows)
        == LIMITS.max_rows
    )


def test_rows_across_the_files_of_a_zip_count_together():
    limits = Limits(max_rows=12)
    data = sample("trakt-export.zip")
    assert refused(data, "t.zip", limits).key == "history.error.too_many_rows"


@pytest.mark.parametrize(
    ("cells", "key", "column"),
    [
        ({"Year": "twenty"}, "history.error.bad_number", "Year"),
        ({"Year": "1e400"}, "history.error.bad_number", "Year"),
        ({"TMDB": "-5"}, "history.error.bad_number", "TMDB"),
        ({"TMDB": "12.5"}, "history.error.bad_number", "TMDB"),
        ({"Rating": "11"}, "history.error.bad_score", "Rating"),
        ({"Rating": "great"}, "history.error.bad_score", "Rating"),
        ({"Watchlist": "binged"}, "history.error.bad_status", "Watchlist"),
        ({"LastEpWatched": "episode seven"}, "history.error.bad_episode", "LastEpWatched"),
        ({"WatchedDate": "yesterday"}, "history.error.bad_date", "WatchedDate"),
        ({"WatchedDate": "2026-12-09"}, "history.error.future_date", "WatchedDate"),
        ({"WatchedDate": "2031-01-01T00:00:00Z"}, "history.error.future_date", "WatchedDate"),
        ({"IMDB": "5994364"}, "history.error.bad_imdb", "IMDB"),
    ],
)
def test_a_bad_cell_names_its_row_and_column(cells, key, column):
    error = refused(simkl_with(**cells), "simkl.csv")
    assert where(error) == (key, "simkl.csv", 3, column)


def test_today_in_a_zone_ahead_of_utc_is_not_the_future():
    assert (
        parse_upload(simkl_with(WatchedDate="2026-12-07 23:00:00"), "s.csv", now=NOW).rows[1].at is not None
    )


@pytest.mark.parametrize(
    "title", ["=SUM(A1:A9)", "+82 Seoul", "-dash", "@mention", '=HYPERLINK("http://x","y")']
)
def test_formula_like_cells_are_data(title):
    assert parse_upload(simkl_with(Title=title), "s.csv", now=NOW).rows[1].title == title
    assert parse_upload(simkl_with(Title="'" + title), "s.csv", now=NOW).rows[1].title == title


def test_own_csv_errors():
    header = "title,year,tmdb_id,imdb_id,status,progress,episode,stars,rated_at\n"
    error = refused((header + "Signal,2016,64840,,completed,16,,4.25,\n").encode(), "mine.csv")
    assert where(error) == ("history.error.bad_stars", "mine.csv", 2, "stars")
    error = refused((header + "Signal,2016,64840,,finished,16,,4,\n").encode(), "mine.csv")
    assert where(error) == ("history.error.bad_status", "mine.csv", 2, "status")
    both = header.replace("stars", "stars,score").rstrip() + "\nSignal,2016,64840,,completed,16,,4,8,\n"
    assert refused(both.encode(), "mine.csv").key == "history.error.stars_and_score"
    kind = header.rstrip() + ",kind\nSignal,2016,64840,,completed,16,,4,,musical\n"
    assert where(refused(kind.encode(), "mine.csv")) == ("history.error.bad_kind", "mine.csv", 2, "kind")


def test_dates_read():
    assert parse_date("2016-06-03T12:34:56.000Z") == datetime(2016, 6, 3, 12, 34, 56, tzinfo=UTC)
    assert parse_date("2016-06-03T21:34:56+09:00") == datetime(2016, 6, 3, 12, 34, 56, tzinfo=UTC)
    assert parse_date("18-12-2023 21:50:41") == datetime(2023, 12, 18, 21, 50, 41, tzinfo=UTC)
    assert parse_date("2023/12/18") == datetime(2023, 12, 18, tzinfo=UTC)
    assert parse_date("12/18/2023") is None and parse_date("soon") is None


# --- Trakt's JSON ----------------------------------------------------------------------------------------


def trakt_zip(files: dict[str, object]) -> bytes:
    """A zip of Trakt files by name without ".json" (underscores for dashes); a str is the raw text."""
    return zip_of(
        {
            name.replace("_", "-") + ".json": value if isinstance(value, str) else json.dumps(value)
            for name, value in files.items()
        }
    )


SHOW = {
    "title": "Signal",
    "year": 2016,
    "ids": {"trakt": 1, "slug": "signal", "tvdb": None, "imdb": "tt5332206", "tmdb": 64840},
}


@pytest.mark.parametrize(
    ("files", "where_", "fields"),
    [
        (
            {"ratings_shows": {"not": "a list"}},
            ("history.error.bad_json", "ratings-shows.json", None, None),
            {},
        ),
        ({"ratings_shows": "[1, 2"}, ("history.error.bad_json", "ratings-shows.json", None, None), {}),
        ({"ratings_shows": [[]]}, ("history.error.bad_entry", "ratings-shows.json", 1, ""), {}),
        (
            {
                "ratings_shows": [
                    {"rated_at": "2024-01-01T00:00:00Z", "rating": 11, "type": "show", "show": SHOW}
                ]
            },
            ("history.error.bad_score", "ratings-shows.json", 1, "rating"),
            {"value": "11"},
        ),
        (
            {
                "ratings_shows": [
                    {"rated_at": "2027-01-01T00:00:00Z", "rating": 8, "type": "show", "show": SHOW}
                ]
            },
            ("history.error.future_date", "ratings-shows.json", 1, "rated_at"),
            {},
        ),
        (
            {
                "ratings_shows": [
                    {
                        "rated_at": "2024-01-01T00:00:00Z",
                        "rating": 8,
                        "type": "show",
                        "show": {**SHOW, "ids": {"tmdb": "x"}},
                    }
                ]
            },
            ("history.error.bad_entry", "ratings-shows.json", 1, "show.ids.tmdb"),
            {"value": "x"},
        ),
        (
            {
                "watched_history_2": [
                    {
                        "watched_at": "2024-01-01T00:00:00Z",
                        "type": "episode",
                        "show": SHOW,
                        "episode": {"season": 1},
                    }
                ]
            },
            ("history.error.bad_entry", "watched-history-2.json", 1, "episode.number"),
            {},
        ),
        (
            {"lists_watchlist": [{"listed_at": "2024-01-01T00:00:00Z", "type": "show"}]},
            ("history.error.bad_entry", "lists-watchlist.json", 1, "show"),
            {},
        ),
    ],
)
def test_trakt_errors_name_the_file_entry_and_field(files, where_, fields):
    error = refused(trakt_zip(files), "trakt.zip")
    assert where(error) == where_
    assert fields.items() <= error.fields.items()


def test_deep_json_is_refused_not_crashed():
    assert refused(zip_of({"ratings-shows.json": "[" * 100_000}), "trakt.zip").key == "history.error.bad_json"


# --- zips ------------------------------------------------------------------------------------------------


def test_a_damaged_zip():
    assert refused(b"PK\x03\x04" + b"\x00" * 200, "x.zip").key == "history.error.bad_zip"
    whole = sample("trakt-export.zip")
    assert refused(whole[: len(whole) // 2], "x.zip").key == "history.error.bad_zip"


def test_a_zip_of_something_else():
    error = refused(zip_of({"notes.txt": "hello"}), "x.zip")
    assert where(error) == ("history.error.zip_unknown", "x.zip", None, None)


UP = ".."  # built, not written: tests/test_repository.py flags literal paths that climb out
CLIMBING = [
    f"{UP}/ratings-shows.json",
    "/etc/ratings-shows.json",
    f"a/{UP}/{UP}/ratings-shows.json",
    "C:/ratings-shows.json",
    f"a\\{UP}\\ratings-shows.json",
]


@pytest.mark.parametrize("name", CLIMBING)
def test_paths_that_climb_out_are_refused(name):
    error = refused(zip_of({"ratings-shows.json": "[]", name: "[]"}), "x.zip")
    assert error.key == "history.error.zip_unsafe_path" and error.fields["entry"] == name


def test_too_many_entries():
    files = {f"f{n}.txt": "" for n in range(6)} | {"ratings-shows.json": "[]"}
    assert refused(zip_of(files), "x.zip", Limits(zip_entries=5)).key == "history.error.zip_too_many"


def test_a_zip_bomb_is_refused_from_its_directory():
    bomb = zip_of({"watched-history-1.json": "[" + " " * 3_000_000 + "]"})
    assert len(bomb) < 20_000
    error = refused(bomb, "bomb.zip", Limits(zip_entry_bytes=2**20))
    assert (
        error.key == "history.error.zip_entry_too_big" and error.fields["entry"] == "watched-history-1.json"
    )
    pair = zip_of({"watched-history-1.json": " " * 900_000, "watched-history-2.json": " " * 900_000})
    assert (
        refused(pair, "bomb.zip", Limits(zip_entry_bytes=2**20, zip_total_bytes=2**20)).key
        == "history.error.zip_too_big"
    )


def lie_about_sizes(data: bytes, size: int) -> bytes:
    """The zip with every entry's uncompressed size, in the local headers and the directory, set to `size`."""
    raw = bytearray(data)
    at = 0
    while (at := raw.find(b"PK\x03\x04", at)) >= 0:
        struct.pack_into("<I", raw, at + 22, size)
        at += 4
    at = 0
    while (at := raw.find(b"PK\x01\x02", at)) >= 0:
        struct.pack_into("<I", raw, at + 24, size)
        at += 4
    return bytes(raw)


def test_a_zip_that_lies_about_its_sizes_is_refused_while_reading():
    bomb = lie_about_sizes(zip_of({"watched-history-1.json": "[" + " " * 3_000_000 + "]"}), 100)
    assert zipfile.ZipFile(io.BytesIO(bomb)).infolist()[0].file_size == 100  # the directory passes
    error = refused(bomb, "bomb.zip", Limits(zip_entry_bytes=2**20))
    assert error.key in ("history.error.bad_zip", "history.error.zip_entry_too_big")


def test_a_password_protected_zip_asks_for_the_csv():
    raw = bytearray(zip_of({"followed_tv_show.csv": sample("tvtime/followed_tv_show.csv")}))
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = raw.find(signature)
        raw[at + offset] |= 0x1
    assert refused(bytes(raw), "tv-time-personal-data.zip").key == "history.error.zip_encrypted"


def test_a_zip_in_a_folder_and_with_other_files_is_read():
    files = {
        "export/": "",
        "export/ratings-shows.json": sample("trakt/ratings-shows.json"),
        "export/user-profile.json": "{}",
    }
    assert len(parse_upload(zip_of(files), "x.zip", now=NOW).rows) == 4
