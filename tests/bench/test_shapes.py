"""bench.shapes: the bot's /about, from a `shape-` user, answers with exactly the answer captured from the
command (embeds, buttons, pictures and their alt text); other users still get /about; and the table."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from bench import shapes
from bench.run import Row
from bench.stages import hooked_community


def test_shape_names_are_user_names_and_file_stems():
    assert shapes.shape_name("/review, chart cached") == "shape-review--chart-cached"
    assert shapes.shape_name("/match (1,000 ratings each)") == "shape-match--1-000-ratings-each"
    assert all(shapes.shape_name(k).startswith("shape-") for k in shapes.KINDS)
    assert len({shapes.shape_name(k) for k in shapes.KINDS}) == len(shapes.KINDS)


def test_the_table_puts_each_kind_next_to_its_shape_as_ratios_to_about():
    def row(p50: float, p99: float) -> Row:
        r = Row("x")
        r.samples = [p50 / 1000] * 98 + [p99 / 1000] * 2  # p50 and p99 of 100 samples
        return r

    rows = {"/about": row(0.5, 1.0), "/profile": row(1.5, 3.0), "shape of profile": row(0.6, 1.2)}
    head, about, profile = shapes.table(rows, {"/profile": 1054}, ("/profile",))
    assert head.split()[:2] == ["kind", "bytes"]
    assert about.split() == ["/about", "|", "0.50", "1.00", "1.00", "1.00", "|"]
    assert profile.split() == ["/profile", "1054", "|", "1.50", "3.00", "3.00", "3.00", "|",
                               "0.60", "1.20", "1.20", "1.20"]  # fmt: skip


async def test_a_shape_answers_with_the_commands_captured_answer(tmp_path: Path):
    folder = tmp_path / "shapes"
    folder.mkdir()
    kinds = ("/review, chart cached", "/top everyone")
    async with hooked_community("small", "sqlite", tmp_path, {"DRAMABOT_SHAPES": str(folder)}) as c:
        s = c.s
        sizes = await shapes.capture(c, folder, kinds)
        assert set(sizes) == set(kinds) and all(n > 500 for n in sizes.values())
        for (send, check), kind in zip(shapes.shape_kinds(s, kinds).values(), kinds, strict=True):
            kept = json.loads((folder / f"{shapes.shape_name(kind)}.json").read_text(encoding="utf-8"))
            result = await s.stand_in.wait_for_answer(await send(), timeout=15)
            assert check(result)
            sent, want = result.callback["data"], kept["body"]["data"]
            assert sent["embeds"] == want["embeds"]
            assert sent.get("components") == want.get("components")
            assert sent.get("attachments") == want.get("attachments")
            request = next(r for r in s.stand_in.requests if r.body is result.callback)
            assert [(f["filename"], f["data"]) for f in request.files] == [
                (f["filename"], base64.b64decode(f["data"])) for f in kept["files"]
            ]
        assert kept["files"] == [] and want["components"]  # /top: buttons, no picture
        review = json.loads((folder / f"{shapes.shape_name(kinds[0])}.json").read_text(encoding="utf-8"))
        assert review["files"] and review["files"][0]["description"]  # the chart, with its alt text
        plain = await s.stand_in.wait_for_answer(await s.about(c.world), timeout=15)
        assert plain.callback["data"]["embeds"][0]["title"].startswith("dramabot")
