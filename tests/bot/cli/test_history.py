"""`python -m bot import-history` (bot/cli/history.py) on a real store: prints the preview, stores only
with --yes (or a "y" at a terminal), and a bad file stores nothing."""

from __future__ import annotations

import argparse

from bot.cli import history as history_cli

CSV = (
    "title,year,tmdb_id,imdb_id,status,progress,episode,stars,rated_at,kind\n"
    "Quiet Harbor,2020,,,completed,,,4.5,2024-01-02,show\n"
    "Quiet Harbor,2020,,,,,3,5,2024-01-02,show\n"
    "Some Film,2019,,,completed,,,5,2024-01-02,movie\n"
)


def args(path, *, yes: bool = False) -> argparse.Namespace:
    return argparse.Namespace(file=str(path), user=777, replace=False, yes=yes)


async def test_import_history_previews_then_stores_with_yes(store, add_drama, tmp_path, capsys, monkeypatch):
    drama = await add_drama("quiet-harbor", title="Quiet Harbor", episode_count=8, year=2020)
    await store.titles.load()
    path = tmp_path / "mine.csv"
    path.write_text(CSV, encoding="utf-8")
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert await history_cli.run(store, args(path), None) == history_cli.FAILED
    out, err = capsys.readouterr()
    assert "Import preview: mine.csv" in out and "Films (1):\n  Some Film" in out and "pass --yes" in err
    assert await store.watchlists.entry(777, drama) is None  # nothing stored without --yes

    assert await history_cli.run(store, args(path, yes=True), None) == history_cli.OK
    out, _ = capsys.readouterr()
    assert "Imported: mine.csv" in out and "Scores stored: 1 (episodes: 1)" in out
    entry = await store.watchlists.entry(777, drama)
    assert (entry.status, entry.progress, entry.score) == ("completed", 8, 4.5)

    bad = tmp_path / "bad.csv"
    bad.write_text("foo,bar\n1,2\n", encoding="utf-8")
    assert await history_cli.run(store, args(bad, yes=True), None) == history_cli.FAILED
    assert "nothing was imported" in capsys.readouterr().err
