"""bot.catalogue.regions: the ISO 3166-1 table, exact lookup and autocomplete suggestions."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.catalogue import regions
from bot.catalogue.regions import Region, choice_label, lookup, name_for, suggest


def all_regions() -> list[Region]:
    return sorted(regions._index().regions, key=lambda r: r.code)


# --- the table ---------------------------------------------------------------------------------------


def test_all_249_codes_unique_and_two_upper_case_letters():
    codes = [region.code for region in all_regions()]
    assert len(codes) == 249
    assert len(set(codes)) == 249
    assert all(re.fullmatch(r"[A-Z]{2}", code) for code in codes)
    assert codes == sorted(codes)


def test_every_region_has_a_name_and_clean_list_fields():
    for region in all_regions():
        assert isinstance(region, Region)
        assert region.name and region.name == region.name.strip()
        for value in (*region.aliases, *region.native):
            assert value and value == value.strip()
            assert "|" not in value and "\t" not in value


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("KR", "South Korea"),
        ("KP", "North Korea"),
        ("US", "United States"),
        ("GB", "United Kingdom"),
        ("TW", "Taiwan"),
        ("VN", "Vietnam"),
        ("RU", "Russia"),
        ("IR", "Iran"),
        ("HK", "Hong Kong"),
    ],
)
def test_short_english_names(code, name):
    assert name_for(code) == name


def test_no_name_alias_or_native_name_belongs_to_two_regions():
    owners: dict[str, set[str]] = defaultdict(set)
    for region in all_regions():
        for value in (region.name, *region.aliases, *region.native):
            owners[regions._normalise(value)].add(region.code)
            owners[regions._loosen(regions._normalise(value))].add(region.code)
    shared = {key: codes for key, codes in owners.items() if len(codes) > 1}
    assert shared == {}


def test_no_name_looks_like_another_regions_code():
    codes = {region.code for region in all_regions()}
    for region in all_regions():
        for value in (region.name, *region.aliases, *region.native):
            key = regions._normalise(value).upper()
            if key in codes:
                assert key == region.code, f"{value!r} of {region.code} reads as code {key}"


def test_every_name_alias_and_native_name_looks_itself_up():
    for region in all_regions():
        for value in (region.name, *region.aliases, *region.native):
            assert lookup(value) == region, (region.code, value)


def test_native_names_for_the_big_drama_markets():
    expected = {
        "KR": {"한국", "대한민국"},
        "JP": {"日本"},
        "CN": {"中国", "中國"},
        "TW": {"台灣", "臺灣", "台湾"},
        "HK": {"香港"},
        "VN": {"Việt Nam"},
        "TH": {"ประเทศไทย", "ไทย"},
        "PH": {"Pilipinas"},
        "IN": {"भारत"},
        "DE": {"Deutschland"},
        "ES": {"España"},
        "MX": {"México"},
        "BR": {"Brasil"},
        "RU": {"Россия"},
    }
    for code, names in expected.items():
        region = lookup(code)
        assert region is not None
        assert names <= set(region.native), code


def test_importing_does_not_read_the_table():
    script = "import bot.catalogue.regions as r; print(r._index.cache_info().currsize)"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "0"


def test_the_table_loads_lazily_and_once():
    regions._index.cache_clear()
    assert regions._index.cache_info().currsize == 0
    first = all_regions()
    assert regions._index.cache_info().currsize == 1
    assert all_regions() == first
    assert regions._index.cache_info().misses == 1


def test_the_data_file_is_utf8_tsv_with_a_header():
    from importlib import resources

    text = resources.files("bot").joinpath("data", "regions.tsv").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "code\tname\taliases\tnative"
    assert all(line.count("\t") == 3 for line in lines)
    assert len(lines) == 250


@pytest.mark.parametrize(
    "bad",
    [
        "code\tname\n",
        "code\tname\taliases\tnative\nKR\tSouth Korea\n",
        "code\tname\taliases\tnative\nkr\tSouth Korea\t\t\n",
        "code\tname\taliases\tnative\nKR\tSouth Korea\t\t\nKR\tKorea\t\t\n",
        "code\tname\taliases\tnative\nKR\t\t\t\n",
    ],
)
def test_a_malformed_table_is_refused(bad):
    with pytest.raises(ValueError):
        regions._parse(bad)


# --- lookup ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("KR", "KR"),
        ("kr", "KR"),
        ("Kr", "KR"),
        (" kr ", "KR"),
        ("ＫＲ", "KR"),  # full-width, NFKC
        ("Korea", "KR"),
        ("South Korea", "KR"),
        ("SOUTH   KOREA", "KR"),
        ("Republic of Korea", "KR"),
        ("한국", "KR"),
        ("대한민국", "KR"),
        ("North Korea", "KP"),
        ("DPRK", "KP"),
        ("usa", "US"),
        ("U.S.A.", "US"),
        ("u.s.", "US"),
        ("United States", "US"),
        ("America", "US"),
        ("UK", "GB"),
        ("u.k.", "GB"),
        ("Great Britain", "GB"),
        ("England", "GB"),
        ("台灣", "TW"),
        ("臺灣", "TW"),
        ("Republic of China", "TW"),
        ("日本", "JP"),
        ("Nippon", "JP"),
        ("ไทย", "TH"),
        ("ประเทศไทย", "TH"),
        ("Deutschland", "DE"),
        ("Germany", "DE"),
        ("中国", "CN"),
        ("Hong Kong SAR", "HK"),
        ("香港", "HK"),
        ("Macao", "MO"),
        ("Việt Nam", "VN"),
        ("viet nam", "VN"),
        ("Pilipinas", "PH"),
        ("भारत", "IN"),
        ("España", "ES"),
        ("espana", "ES"),
        ("México", "MX"),
        ("Brasil", "BR"),
        ("Россия", "RU"),
        ("Czech Republic", "CZ"),
        ("Czechia", "CZ"),
        ("Türkiye", "TR"),
        ("Turkiye", "TR"),
        ("Turkey", "TR"),
        ("Cote d'Ivoire", "CI"),
        ("Côte d’Ivoire", "CI"),
        ("St. Lucia", "LC"),
        ("Saint Lucia", "LC"),
        ("Guinea Bissau", "GW"),
        ("Trinidad & Tobago", "TT"),
        ("the bahamas", "BS"),
        ("Congo", "CG"),
        ("DR Congo", "CD"),
        ("Persia", "IR"),
        ("Burma", "MM"),
    ],
)
def test_lookup(text, code):
    region = lookup(text)
    assert region is not None, text
    assert region.code == code


@pytest.mark.parametrize("text", ["", "   ", "...", "\t\n", "XX", "Narnia", "Korea Korea", "k", "kore"])
def test_lookup_misses(text):
    assert lookup(text) is None


def test_lookup_rejects_overlong_text():
    assert lookup("South Korea" + " " * 200 + "x") is None
    assert lookup("k" * 10_000) is None
    assert lookup(" " * 500 + "KR" + " " * 500) == lookup("KR")  # surrounding blanks do not count


def test_name_for():
    assert name_for("KR") == "South Korea"
    assert name_for("kr") == "South Korea"
    assert name_for("XX") == "XX"
    assert name_for("") == ""


def test_label_and_choice_label():
    korea = lookup("KR")
    assert korea is not None
    assert korea.label == "South Korea (KR)"
    assert choice_label(korea) == "South Korea (KR) · 한국"
    indonesia = lookup("ID")
    assert indonesia is not None
    assert choice_label(indonesia) == "Indonesia (ID)"  # native name is the English one: not repeated
    assert choice_label(lookup("GB")) == "United Kingdom (GB)"


def test_every_choice_label_fits_discord():
    for region in all_regions():
        label = choice_label(region)
        assert 0 < len(label) <= 100
        assert label.startswith(region.label)


def test_choice_label_clips_long_names():
    region = Region("ZZ", "Z" * 80, (), ("Ж" * 80,))
    label = choice_label(region)
    assert len(label) == 100
    assert label.endswith("…")


def test_regions_are_frozen_values():
    region = lookup("KR")
    assert region is not None
    with pytest.raises(AttributeError):
        region.code = "KP"  # type: ignore[misc]
    assert hash(region) == hash(lookup("kr"))


# --- suggest -----------------------------------------------------------------------------------------


def codes(found: list[Region]) -> list[str]:
    return [region.code for region in found]


def test_suggest_empty_gives_the_drama_markets_first():
    found = codes(suggest(""))
    assert len(found) == 25
    assert found[:16] == [
        "KR",
        "JP",
        "CN",
        "TW",
        "HK",
        "TH",
        "PH",
        "ID",
        "MY",
        "SG",
        "VN",
        "IN",
        "US",
        "GB",
        "CA",
        "AU",
    ]
    assert codes(suggest("   ")) == found


def test_suggest_empty_covers_everything_with_a_big_limit():
    found = codes(suggest("", limit=1000))
    assert len(found) == 249
    assert set(found) == {region.code for region in all_regions()}
    rest = [code for code in found if code not in regions.DEFAULT_ORDER]
    assert rest == sorted(rest, key=lambda code: regions._loosen(regions._normalise(name_for(code))))


def test_suggest_kor():
    found = codes(suggest("kor"))
    assert "KR" in found and "KP" in found
    assert found[0] == "KR"
    assert found.index("KR") < found.index("KP")


def test_suggest_korea_word_prefix():
    assert codes(suggest("korea"))[:2] == ["KR", "KP"]
    assert "KP" in codes(suggest("north k"))


def test_suggest_ja():
    assert codes(suggest("ja"))[0] == "JP"


def test_suggest_exact_code_first():
    assert codes(suggest("in"))[0] == "IN"
    assert codes(suggest("US"))[0] == "US"
    assert codes(suggest("gb"))[0] == "GB"


def test_suggest_exact_name_before_longer_names():
    assert codes(suggest("niger"))[:2] == ["NE", "NG"]
    assert codes(suggest("uk"))[0] == "GB"
    assert codes(suggest("guinea"))[0] == "GN"


def test_suggest_hangul_and_other_scripts():
    assert codes(suggest("한"))[0] == "KR"
    assert codes(suggest("한국"))[0] == "KR"
    assert codes(suggest("대한"))[0] == "KR"
    assert codes(suggest("조선")) == ["KP"]
    assert codes(suggest("台"))[0] == "TW"
    assert codes(suggest("ไท"))[0] == "TH"
    assert codes(suggest("Рос"))[0] == "RU"


def test_suggest_substring():
    assert "LK" in codes(suggest("lanka"))
    assert "TW" in codes(suggest("taipei"))


def test_suggest_nothing_matches():
    assert suggest("qqqqq") == []
    assert suggest("x" * 101) == []


@pytest.mark.parametrize("limit", [0, 1, 3, 25])
def test_suggest_respects_limit(limit):
    for text in ("", "a", "an", "kor", "saint", "한"):
        found = suggest(text, limit=limit)
        assert len(found) <= limit
        assert len(set(codes(found))) == len(found)


def test_suggest_negative_limit():
    assert suggest("kor", limit=-1) == []


# --- never raises ------------------------------------------------------------------------------------

_awkward_text = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=200),
    st.text(alphabet=st.sampled_from("kKoOrReEaA한국.  \t\n\x00\x1f\u200d\u202e🇰🇷😀️-'’"), max_size=40),
    st.builds(lambda ch, n: ch * n, st.characters(), st.integers(9_990, 10_010)),
    st.sampled_from(["\x00", "\x00" * 3, "🇰🇷", "😀" * 10_000, "\u0301" * 50, "ﷺ" * 100, "\ud800"]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_awkward_text, limit=st.integers(min_value=-3, max_value=30))
def test_lookup_and_suggest_never_raise(text, limit):
    found = lookup(text)
    assert found is None or isinstance(found, Region)
    suggestions = suggest(text, limit=limit)
    assert isinstance(suggestions, list)
    assert len(suggestions) <= max(limit, 0)
    assert len({region.code for region in suggestions}) == len(suggestions)
    assert all(isinstance(region, Region) for region in suggestions)
    if found is not None and limit > 0:
        assert found in suggest(text, limit=249)


def test_any_region_is_found_by_code_and_suggested_first_by_code():
    for region in all_regions():
        assert lookup(region.code) == region
        assert lookup(region.code.lower()) == region
        assert suggest(region.code)[0] == region
        assert suggest(region.code.lower(), limit=1) == [region]
