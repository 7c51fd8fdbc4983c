"""Read-backs the tests check the store's writes with (not needed by the bot itself)."""

from __future__ import annotations

from collections.abc import Iterable

from bot.models import AnnounceSettings, Availability, CommunityScores, Drama, Episode, WatchCounts
from bot.store.catalogue import scores_from
from bot.store.db import marks
from bot.store.rows import HIDDEN


async def announcing_guilds(store) -> list[AnnounceSettings]:
    """Servers with an announcement channel that follow at least one drama."""
    rows = await store.db.fetch(
        "SELECT s.guild_id, s.channel_id, s.thread, s.delay_hours FROM announce_settings s "
        "WHERE EXISTS (SELECT 1 FROM follows f WHERE f.guild_id = s.guild_id) ORDER BY s.guild_id"
    )
    return [AnnounceSettings(r[0], r[1], bool(r[2]), r[3]) for r in rows]


async def reminders_of(store, user_id: int) -> list[tuple[int, bool]]:
    """(drama_id, paused) of a member's reminders."""
    rows = await store.db.fetch(
        "SELECT drama_id, paused FROM reminders WHERE user_id = ? ORDER BY drama_id", (user_id,)
    )
    return [(r[0], bool(r[1])) for r in rows]


async def reminders_sent(store, user_ids: list[int]) -> set[tuple[int, int, int]]:
    """(user_id, drama_id, episode) of every reminder recorded for these members."""
    rows = await store.db.fetch(
        "SELECT user_id, drama_id, episode FROM announcements WHERE kind = 'remind' "
        f"AND user_id IN ({marks(len(user_ids))})",
        tuple(user_ids),
    )
    return {(r[0], r[1], r[2]) for r in rows}


async def status_counts(store, user_id: int) -> WatchCounts:
    """How many dramas a member has in each status."""
    found = await store.db.fetch(
        f"SELECT status, COUNT(*) AS n FROM watchlist WHERE user_id = ? AND drama_id NOT IN {HIDDEN} "
        "GROUP BY status",
        (user_id,),
    )
    return WatchCounts({r["status"]: r["n"] for r in found})


async def user_rating(store, *, user_id: int, drama_id: int, episode: int | None = None) -> float | None:
    """A member's score of a drama (or an episode of it), or None."""
    row = await store.db.fetch_one(
        "SELECT halves FROM ratings WHERE drama_id = ? AND episode = ? AND user_id = ?",
        (drama_id, episode or 0, user_id),
    )
    return row["halves"] / 2 if row else None


async def community_scores(store, drama_id: int, guild_id: int | None) -> CommunityScores:
    """A drama's totals for everyone and for the server (None: everyone only)."""
    found = await store.db.fetch(
        "SELECT scope, episode, n, halves FROM rating_totals WHERE drama_id = ? AND scope IN (0, ?)",
        (drama_id, guild_id or 0),
    )
    return scores_from(found, guild_id)


async def linked(store) -> list[Drama]:
    """Shown dramas linked to a TMDB series, in the order added."""
    rows = await store.db.fetch(
        "SELECT id FROM dramas WHERE tmdb_id IS NOT NULL AND hidden_at IS NULL ORDER BY id"
    )
    found = await store.catalogue.get_dramas([r["id"] for r in rows])
    return [found[r["id"]] for r in rows if r["id"] in found]


async def upsert(
    store, drama: Drama, episodes: Iterable[Episode] = (), availability: Iterable[Availability] = ()
) -> tuple[int, bool]:
    """Insert or update one drama by slug, as the CLI and curators do: (id, created)."""
    episodes, availability = tuple(episodes), tuple(availability)

    async def write(tx):  # noqa: ANN001, ANN202
        found = await store.catalogue.upsert_in(tx, drama, episodes, availability)
        await store.titles.bump(tx)
        return found

    drama_id, created, names = await store.db.write(write)
    store.titles.put(drama_id, drama.slug, drama.title, drama.year, names)
    return drama_id, created
