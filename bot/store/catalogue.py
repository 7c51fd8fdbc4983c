"""The catalogue: dramas, their names, episodes and availability. Reads for cards, upserts, export."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, time

from bot.models import (
    WATCH_STATUSES,
    Availability,
    CatalogueStats,
    CommunityScores,
    Drama,
    Episode,
    ReviewData,
    ScoreSummary,
    WatchCounts,
)
from bot.search.index import fold
from bot.store import rows
from bot.store.db import Db, Tx, marks
from bot.store.rows import DRAMA_COLUMNS, DRAMA_WRITE_COLUMNS, CatalogueRecord
from bot.store.titles import INDEX_CHECK_INTERVAL, Titles

_EPISODES = "SELECT number, critic_score, title, note, air_date, air_time FROM episodes WHERE drama_id = ? ORDER BY number"
_AVAILABILITY = (
    "SELECT service, kind, regions, url, checked_on FROM availability WHERE drama_id = ? "
    "ORDER BY lower(service), kind"  # lower(): ASCII only on both backends, as SQLite's NOCASE
)
_D_COLUMNS = ", ".join(f"d.{c}" for c in DRAMA_COLUMNS.split(", "))
# Everything a /review card reads besides the Drama, in ONE query (one round trip on PostgreSQL, one
# statement on SQLite): whether the drama still exists, its episodes, its availability, the score totals
# (everyone's and this server's) and this server's watch counts, as rows of one shape told apart by
# `part`. Each column holds one kind of value; the first branch casts its NULLs so that PostgreSQL types
# every column from it (SQLite ignores the types). Order is Python's job (card_reads), not the union's.
_STATUS_CODE = (
    "CASE status " + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(WATCH_STATUSES)) + " END"
)
_CARD_READS = (
    "SELECT 0 AS part, CAST(NULL AS bigint) AS i1, CAST(NULL AS bigint) AS i2, CAST(NULL AS bigint) AS i3, "
    "CAST(NULL AS bigint) AS i4, CAST(NULL AS double precision) AS f1, CAST(NULL AS text) AS s1, "
    "CAST(NULL AS text) AS s2, CAST(NULL AS text) AS s3, CAST(NULL AS text) AS s4, CAST(NULL AS date) AS d1 "
    "FROM dramas WHERE id = ? AND hidden_at IS NULL "
    "UNION ALL SELECT 1, number, NULL, NULL, NULL, critic_score, title, note, air_time, NULL, air_date "
    "FROM episodes WHERE drama_id = ? "
    "UNION ALL SELECT 2, NULL, NULL, NULL, NULL, NULL, service, kind, regions, url, checked_on "
    "FROM availability WHERE drama_id = ? "
    "UNION ALL SELECT 3, scope, episode, n, halves, NULL, NULL, NULL, NULL, NULL, NULL "
    "FROM rating_totals WHERE drama_id = ? AND scope IN (0, ?) "
    f"UNION ALL SELECT 4, {_STATUS_CODE}, NULL, COUNT(*), NULL, NULL, NULL, NULL, NULL, NULL, NULL "
    "FROM watchlist WHERE drama_id = ? AND guild_id = ? GROUP BY status"
)
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
INSERT_DRAMA = f"INSERT INTO dramas ({', '.join(DRAMA_WRITE_COLUMNS)}) VALUES ({marks(len(DRAMA_WRITE_COLUMNS))}) RETURNING id"


def scores_from(totals: Iterable[Sequence[int]], guild_id: int | None) -> CommunityScores:
    """CommunityScores from (scope, episode, n, halves) rows of one drama."""
    server, everyone = ScoreSummary(), ScoreSummary()
    server_eps: dict[int, ScoreSummary] = {}
    everyone_eps: dict[int, ScoreSummary] = {}
    for scope, episode, n, halves in totals:
        if n <= 0:
            continue
        summary = ScoreSummary(n, halves)
        is_server = guild_id is not None and scope == guild_id
        if episode == 0:
            if is_server:
                server = summary
            else:
                everyone = summary
        else:
            (server_eps if is_server else everyone_eps)[episode] = summary
    return CommunityScores(server, everyone, server_eps, everyone_eps)


class Catalogue:
    def __init__(self, db: Db, titles: Titles) -> None:
        self._db = db
        self._titles = titles

    # ---- reads -----------------------------------------------------------------------
    async def get_dramas(self, ids: Iterable[int], *, hidden: bool = False) -> dict[int, Drama]:
        """Dramas by id in one query (each row once per alias, aliases in the order added): those shown to
        members, or with `hidden` only removed ones."""
        ids = list(ids)
        if not ids:
            return {}
        found: dict[int, tuple] = {}  # id -> (row, aliases)
        shown = "NOT NULL" if hidden else "NULL"
        for r in await self._db.fetch(
            f"SELECT {_D_COLUMNS}, n.name AS alias FROM dramas d "
            "LEFT JOIN drama_names n ON n.drama_id = d.id AND n.kind = 'alias' "
            f"WHERE d.id IN ({marks(len(ids))}) AND d.hidden_at IS {shown} ORDER BY d.id, n.{self._db.rowid}",
            ids,
        ):
            entry = found.get(r["id"])
            if entry is None:
                entry = found[r["id"]] = (r, [])
            if r["alias"] is not None:
                entry[1].append(r["alias"])
        return {i: rows.drama(r, tuple(aliases)) for i, (r, aliases) in found.items()}

    async def get(self, drama_id: int) -> Drama | None:
        return (await self.get_dramas([drama_id])).get(drama_id)

    async def find(self, text: str) -> list[Drama]:
        """Dramas whose slug or one of whose names equals `text` (case-insensitive)."""
        await self._titles.refresh(max_age=INDEX_CHECK_INTERVAL)
        ids = self._titles.lookup(text)
        found = await self.get_dramas(ids)
        return [found[i] for i in ids if i in found]

    async def episodes(self, drama_id: int) -> tuple[Episode, ...]:
        return tuple(rows.episode(r) for r in await self._db.fetch(_EPISODES, (drama_id,)))

    async def availability(self, drama_id: int) -> tuple[Availability, ...]:
        return tuple(rows.availability(r) for r in await self._db.fetch(_AVAILABILITY, (drama_id,)))

    async def review(self, drama: Drama | int, guild_id: int | None) -> ReviewData | None:
        """Everything the /review card needs, in one query (None: no such drama, or just removed)."""
        if isinstance(drama, int):
            drama = await self.get(drama)
            if drama is None:
                return None
        found = await self.card_reads(drama.id, guild_id)
        if found is None:
            return None
        episodes, availability, scores, watching = found
        return ReviewData(drama, episodes, availability, scores, guild_id is not None, watching)

    async def record(self, drama_id: int) -> CatalogueRecord | None:
        """A drama with its episodes and availability as stored (what `Curation.curate`'s change is given)."""
        drama = await self.get(drama_id)
        if drama is None:
            return None
        return drama, await self.episodes(drama_id), await self.availability(drama_id)

    async def card_reads(
        self, drama_id: int, guild_id: int | None
    ) -> tuple[tuple[Episode, ...], tuple[Availability, ...], CommunityScores, WatchCounts | None] | None:
        """A /review card's episodes, availability, community scores and (in a server) watch counts, in
        one query; None when the drama is gone. Episodes by number; availability as `availability()`
        orders it (service, ASCII case folded as SQL's lower() on both backends, then kind)."""
        found = await self._db.fetch(
            _CARD_READS, (drama_id, drama_id, drama_id, drama_id, guild_id or 0, drama_id, guild_id)
        )
        # Columns by position (see _CARD_READS): part, i1, i2, i3, i4, f1, s1, s2, s3, s4, d1.
        exists = False
        episodes: list[Episode] = []
        offers: list[Availability] = []
        totals: list[tuple[int, int, int, int]] = []
        counts: dict[str, int] = {}
        for r in found:
            part = r[0]
            if part == 3:  # totals: scope, episode, n, halves
                totals.append((r[1], r[2], r[3], r[4]))
            elif part == 1:  # an episode: number, critic score, title, note, air time, air date
                aired, at = r[10], r[8]
                episodes.append(Episode(
                    r[1], r[5], r[6], r[7],
                    date.fromisoformat(aired) if aired else None, time.fromisoformat(at) if at else None,
                ))  # fmt: skip
            elif part == 2:  # a service: service, kind, regions, url, checked on
                checked = r[10]
                offers.append(Availability(
                    r[6], r[7], tuple(c for c in r[8].split(",") if c), r[9],
                    date.fromisoformat(checked) if checked else None,
                ))  # fmt: skip
            elif part == 4:  # this server's watch count: status index, count
                counts[WATCH_STATUSES[r[1]]] = r[3]
            else:
                exists = True
        if not exists:
            return None
        episodes.sort(key=lambda e: e.number)
        offers.sort(key=lambda a: (a.service.translate(_ASCII_LOWER), a.kind))
        scores = scores_from(totals, guild_id)
        return tuple(episodes), tuple(offers), scores, WatchCounts(counts) if guild_id is not None else None

    async def id_where(self, column: str, value: object) -> int | None:
        """The id of the drama whose `column` (slug, tmdb_id) equals `value`."""
        assert column in ("slug", "tmdb_id")
        row = await self._db.fetch_one(f"SELECT id FROM dramas WHERE {column} = ?", (value,))
        return row["id"] if row else None

    async def by(self, column: str, value: object) -> Drama | None:
        drama_id = await self.id_where(column, value)
        return (await self.get_dramas([drama_id])).get(drama_id) if drama_id is not None else None

    async def hidden_by(self, column: str, value: object) -> Drama | None:
        """The removed (hidden) drama whose `column` (slug, tmdb_id) equals `value`, or None."""
        drama_id = await self.id_where(column, value)
        if drama_id is None:
            return None
        return (await self.get_dramas([drama_id], hidden=True)).get(drama_id)

    async def hidden(self, text: str = "", limit: int = 25) -> list[tuple[str, str, int | None]]:
        """Removed dramas as (slug, title, year), most recently removed first; with `text`, those whose slug
        or title contains it (case-insensitive): the few a curator may restore."""
        like = f"%{text.strip().lower()}%"
        found = await self._db.fetch(
            "SELECT slug, title, year FROM dramas WHERE hidden_at IS NOT NULL "
            "AND (lower(slug) LIKE ? OR lower(title) LIKE ?) ORDER BY hidden_at DESC, id DESC LIMIT ?",
            (like, like, limit),
        )
        return [(r["slug"], r["title"], r["year"]) for r in found]

    async def tmdb_ids_present(self, tmdb_ids: Iterable[int]) -> set[int]:
        """Which of these TMDB series are already in the catalogue (one query, 100 ids at most)."""
        ids = [i for i in tmdb_ids if isinstance(i, int)][:100]
        if not ids:
            return set()
        found = await self._db.fetch(f"SELECT tmdb_id FROM dramas WHERE tmdb_id IN ({marks(len(ids))})", ids)
        return {r["tmdb_id"] for r in found}

    async def stats(self) -> CatalogueStats:
        row = await self._db.fetch_one(
            "SELECT (SELECT count(*) FROM dramas WHERE hidden_at IS NULL) AS d, (SELECT count(*) FROM episodes) AS e, "
            "(SELECT count(*) FROM availability) AS a, (SELECT count(*) FROM ratings) AS r"
        )
        return CatalogueStats(row["d"], row["e"], row["a"], row["r"])

    async def entries(self) -> list[CatalogueRecord]:
        """The whole catalogue (not ratings), in the order dramas were added: for export."""
        out = []
        for row in await self._db.fetch("SELECT id FROM dramas WHERE hidden_at IS NULL ORDER BY id"):
            drama = (await self.get_dramas([row["id"]])).get(row["id"])
            if drama is not None:
                out.append((drama, await self.episodes(drama.id), await self.availability(drama.id)))
        return out

    # ---- writes ----------------------------------------------------------------------
    async def upsert_many(
        self, entries: Iterable[tuple[Drama, Iterable[Episode], Iterable[Availability]]]
    ) -> list[tuple[str, str]]:
        """Upsert many dramas by slug in ONE transaction: (slug, "added" | "changed" | "unchanged")."""
        listed = [(d, tuple(e), tuple(a)) for d, e, a in entries]

        async def write(tx: Tx) -> tuple[list[tuple[str, str]], list[tuple[int, Drama, list[str] | None]]]:
            outcomes: list[tuple[str, str]] = []
            indexed: list[tuple[int, Drama, list[str] | None]] = []
            for drama, episodes, availability in listed:
                stored = await self.record_in(tx, drama.slug)
                if stored is not None and rows.stored_comparable(stored) == rows.comparable(
                    drama, episodes, availability
                ):
                    outcomes.append((drama.slug, "unchanged"))
                    continue
                drama_id, created, names = await self.upsert_in(tx, drama, episodes, availability)
                indexed.append((drama_id, drama, names))
                outcomes.append((drama.slug, "added" if created else "changed"))
            if indexed:
                await self._titles.bump(tx)
            return outcomes, indexed

        outcomes, indexed = await self._db.write(write)
        for drama_id, drama, names in indexed:
            self._titles.put(drama_id, drama.slug, drama.title, drama.year, names)
        return outcomes

    async def record_in(self, tx: Tx, slug: str) -> CatalogueRecord | None:
        """A drama with its episodes and availability, read inside a write transaction."""
        row = await tx.fetch_one(f"SELECT {DRAMA_COLUMNS} FROM dramas WHERE slug = ?", (slug,))
        if row is None:
            return None
        aliases = tuple(
            r["name"]
            for r in await tx.fetch(
                f"SELECT name FROM drama_names WHERE drama_id = ? AND kind = 'alias' ORDER BY {self._db.rowid}",
                (row["id"],),
            )
        )
        episodes = tuple(rows.episode(r) for r in await tx.fetch(_EPISODES, (row["id"],)))
        availability = tuple(rows.availability(r) for r in await tx.fetch(_AVAILABILITY, (row["id"],)))
        return rows.drama(row, aliases), episodes, availability

    async def upsert_in(
        self, tx: Tx, drama: Drama, episodes: tuple[Episode, ...], availability: tuple[Availability, ...]
    ) -> tuple[int, bool, list[str] | None]:
        """The upsert inside an open write transaction: (id, created, the names to index; None for a removed
        drama, which an upsert updates and leaves removed)."""
        values = rows.drama_values(drama)
        existing = await tx.fetch_one("SELECT id, hidden_at FROM dramas WHERE slug = ?", (drama.slug,))
        if existing is None:
            drama_id = (await tx.fetch_one(INSERT_DRAMA, values))[0]
        else:
            drama_id = existing[0]
            assignments = ", ".join(f"{c} = ?" for c in DRAMA_WRITE_COLUMNS)
            await tx.execute(
                f"UPDATE dramas SET {assignments}, updated_at = {self._db.now} WHERE id = ?",
                (*values, drama_id),
            )
            for table in ("drama_names", "episodes", "availability"):
                await tx.execute(f"DELETE FROM {table} WHERE drama_id = ?", (drama_id,))
            await tx.execute(
                "DELETE FROM ratings WHERE drama_id = ? AND episode > ?", (drama_id, drama.episode_count)
            )
        names = rows.names(drama)
        await tx.executemany(
            "INSERT INTO drama_names (drama_id, kind, name, folded) VALUES (?, ?, ?, ?)",
            [(drama_id, kind, name, fold(name)) for kind, name in names],
        )
        await tx.executemany(
            "INSERT INTO episodes (drama_id, number, critic_score, title, note, air_date, air_time) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [rows.episode_values(drama_id, e) for e in episodes],
        )
        await tx.executemany(
            "INSERT INTO availability (drama_id, service, kind, regions, url, checked_on) VALUES (?, ?, ?, ?, ?, ?)",
            [rows.availability_values(drama_id, a) for a in availability],
        )
        hidden = existing is not None and existing["hidden_at"] is not None
        return drama_id, existing is None, None if hidden else [n for _, n in names]

    async def delete_in(self, tx: Tx, drama_id: int) -> None:
        await tx.execute("DELETE FROM dramas WHERE id = ?", (drama_id,))

    async def hide_in(self, tx: Tx, drama_id: int) -> bool:
        """Remove a drama from members' view, keeping every row of it (migration 0015); False when it was
        hidden already."""
        done = await tx.fetch_one(
            f"UPDATE dramas SET hidden_at = {self._db.now} WHERE id = ? AND hidden_at IS NULL RETURNING id",
            (drama_id,),
        )
        return done is not None

    @staticmethod
    def with_id(record: CatalogueRecord, drama_id: int) -> CatalogueRecord:
        return replace(record[0], id=drama_id), record[1], record[2]
