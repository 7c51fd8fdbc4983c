"""A synthetic catalogue for the benchmark: clearly fake, never mixed into a real database.

Every drama's slug starts with ``synthetic-`` and the database gets a ``bench_synthetic`` meta key.
:func:`generate` refuses to write into a file that already holds any drama whose slug does not start
with ``synthetic-``: a real catalogue is never touched.

The schema comes from the bot itself (its numbered migrations, applied as ``Store.open`` does); the rows are then written
with direct bulk SQL (``executemany`` in one big transaction) because going through
``Catalogue.upsert`` one drama at a time would take minutes at 10,000 dramas / 1,000,000 ratings.
THIS BULK SQL IS A BENCHMARK TOOL, NOT THE BOT: the bot only ever writes through ``bot.store.Store``.
"""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
import time
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

from bot.search.index import fold
from bot.store import migrations
from bot.store.bundle import BUNDLE_DIGEST

SLUG_PREFIX = "synthetic-"
GENERATOR_VERSION = 3  # bumped when the generated rows change: cached databases are regenerated
META_KEY = "bench_synthetic"
BENCH_GUILD_ID = 900_000_000_000_000_000  # guild #0 of the synthetic world: the stand-in's guild in a run
USER_ID_BASE = 800_000_000_000_000_000


@dataclass(frozen=True, slots=True)
class Size:
    name: str
    dramas: int
    episodes: int  # total episode rows (0: titles only)
    ratings: int
    users: int
    guilds: int
    titles_only: bool = False
    heavy: int = 0  # members who rated `heavy_ratings` dramas each (/match, /profile at their largest)
    heavy_ratings: int = 0


SIZES = {
    "small": Size("small", 1_000, 16_000, 50_000, 5_000, 20, heavy=10, heavy_ratings=300),
    "large": Size("large", 10_000, 160_000, 1_000_000, 50_000, 200, heavy=50, heavy_ratings=1_000),
    "huge": Size("huge", 100_000, 0, 0, 0, 0, titles_only=True),
}

_ADJ = ("Crash", "Secret", "Hidden", "Crimson", "Midnight", "Eternal", "Blue", "Silent", "Golden", "Lonely",
        "Reckless", "Sweet", "Cold", "Burning", "Last", "Second", "Little", "Wild", "Gentle", "Broken",
        "Strong", "Lovely", "Hotel", "Royal", "Beautiful", "Mystic", "Dear", "Twenty", "Extraordinary")  # fmt: skip
_NOUN = ("Landing", "Garden", "Moon", "Prince", "Doctor", "Runner", "Detective", "Queen", "Summer",
         "Village", "Lawyer", "Chef", "Kingdom", "Signal", "Romance", "Memories", "Encounter", "Family",
         "Ghost", "Mansion", "Heir", "Spring", "Diary", "Letter", "Station", "Melody", "Horizon", "Storm")  # fmt: skip
_TAIL = ("on You", "of the Sun", "in Seoul", "at Dawn", "Returns", "Season 2", "Story", "Days",
         "in Love", "of Busan", "#1", "Reloaded", "of Jeju", "Next Door", "Forever", "")  # fmt: skip
_HANGUL_WORDS = ("사랑", "비밀", "정원", "달빛", "왕자", "의사", "여름", "마을", "변호사", "요리사", "왕국",
                 "신호", "추억", "가족", "유령", "저택", "봄날", "일기", "편지", "역", "선율", "폭풍", "불시착",
                 "도깨비", "호텔", "청춘", "기억", "우리", "너의", "그해")  # fmt: skip
_SERVICES = ("Netflix", "Viki", "Viu", "Disney+", "TVING", "Wavve", "Coupang Play", "iQIYI", "WeTV",
             "Kocowa", "Prime Video", "Apple TV+")  # fmt: skip
_KINDS = ("subscription", "subscription", "subscription", "free", "ads", "rent", "buy")
_REGIONS = ("KR", "US", "CA", "GB", "FR", "DE", "ES", "IT", "BR", "MX", "AR", "JP", "TW", "HK", "SG", "MY",
            "TH", "ID", "PH", "VN", "IN", "AU", "NZ", "SE", "NO", "DK", "FI", "NL", "BE", "PL", "TR", "SA",
            "AE", "EG", "ZA", "NG", "CL", "CO", "PE", "PT")  # fmt: skip
_GENRES = ("romance", "comedy", "thriller", "fantasy", "medical", "legal", "historical", "melodrama",
           "action", "mystery", "slice of life", "family")  # fmt: skip
_COUNTRIES = ("KR",) * 6 + ("JP", "CN", "TW", "TH")
_NETWORKS = ("tvN", "JTBC", "SBS", "KBS2", "MBC", "ENA", "Netflix", "TVING", "OCN")


class NotSynthetic(RuntimeError):
    """The target database holds real (non-synthetic) dramas: the generator will not write there."""


def _episode_counts(rng: random.Random, n: int, total: int) -> list[int]:
    """n run lengths in 1..100 (mostly 12-20, a few short specials and long dailies) summing to `total`."""
    shapes = (16,) * 10 + (12,) * 4 + (20,) * 3 + (24, 32, 50, 100, 1, 2, 6, 8, 10, 40, 64)
    counts = [rng.choice(shapes) for _ in range(n)]
    diff = total - sum(counts)
    while diff:
        i = rng.randrange(n)
        step = 1 if diff > 0 else -1
        if 1 <= counts[i] + step <= 100:
            counts[i] += step
            diff -= step
    return counts


def _hangul(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_HANGUL_WORDS) for _ in range(words))


def _title(rng: random.Random, i: int) -> str:
    """Titles share words the way real ones do ("The ...", "... Moon", "... in Love"), so short
    prefixes such as "the", "moon" or "love" fill a whole autocomplete list."""
    title = f"{rng.choice(_ADJ)} {rng.choice(_NOUN)} {rng.choice(_TAIL)}".strip()
    if rng.random() < 0.2:
        title = f"The {title}"
    return title if rng.random() < 0.7 else f"{title} {i % 997}"


def refuse_real_data(path: Path) -> None:
    """Raise NotSynthetic if `path` is a database with any drama whose slug is not synthetic."""
    if not path.exists() or path.stat().st_size == 0:
        return
    conn = sqlite3.connect(path)
    try:
        has_dramas = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'dramas'"
        ).fetchone()
        if not has_dramas:
            return
        real = conn.execute(
            "SELECT count(*) FROM dramas WHERE substr(slug, 1, ?) != ?", (len(SLUG_PREFIX), SLUG_PREFIX)
        ).fetchone()[0]
    finally:
        conn.close()
    if real:
        raise NotSynthetic(
            f"{path} holds {real} real (non-synthetic) drama(s): refusing to write synthetic data there"
        )


def generate(path: Path | str, size: Size, seed: int = 6) -> dict[str, float]:
    """Create `path` (a new file, or one holding only synthetic data, which is replaced) at `size`."""
    path = Path(path)
    refuse_real_data(path)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()

    create_schema(path)
    rng = random.Random(seed)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(
        "PRAGMA foreign_keys = OFF"
    )  # bulk load in id order; every reference is valid by construction
    conn.execute("PRAGMA synchronous = OFF")
    try:
        conn.execute("BEGIN")
        counts = _episode_counts(rng, size.dramas, size.episodes) if not size.titles_only else None
        dramas, names, episodes, availability = [], [], [], []
        today = date(2026, 1, 1)
        for i in range(1, size.dramas + 1):
            title = _title(rng, i)
            native = _hangul(rng, rng.randint(1, 3))
            aliases = [a for a in (
                f"{title.split()[1]} {rng.choice(_NOUN)}" if rng.random() < 0.4 else None,
                _hangul(rng, 2) if rng.random() < 0.3 else None,
                "".join(w[0] for w in title.split() if w[0].isalpha()) if rng.random() < 0.3 else None,
            ) if a]  # fmt: skip
            episode_count = counts[i - 1] if counts else rng.choice((12, 16, 16, 20))
            slug = f"{SLUG_PREFIX}{i:06d}"
            if size.titles_only:
                dramas.append((i, slug, title, native, "KR", rng.randint(1995, 2026), episode_count,
                               None, "[]", None, None, None, None, None))  # fmt: skip
            else:
                dramas.append((
                    i, slug, title, native, rng.choice(_COUNTRIES), rng.randint(1995, 2026), episode_count,
                    rng.choice(_NETWORKS), json.dumps(rng.sample(_GENRES, rng.randint(1, 3))),
                    f"A synthetic drama (#{i}) for the benchmark. " * rng.randint(2, 8),
                    f"https://example.invalid/posters/{slug}.jpg",
                    round(rng.uniform(2, 5) * 2) / 2 if rng.random() < 0.8 else None,
                    "synthetic, not a real review" if rng.random() < 0.6 else None,
                    "Made up for the benchmark. " * rng.randint(1, 10) if rng.random() < 0.6 else None,
                ))  # fmt: skip
                for n in range(1, episode_count + 1):
                    episodes.append((i, n, round(rng.uniform(1, 5) * 2) / 2 if rng.random() < 0.5 else None,
                                     f"Episode {n}: {rng.choice(_NOUN)}" if rng.random() < 0.3 else None,
                                     "synthetic" if rng.random() < 0.1 else None))  # fmt: skip
                for service in rng.sample(_SERVICES, rng.randint(1, 4)):
                    regions = (
                        ",".join(sorted(rng.sample(_REGIONS, rng.randint(1, 30))))
                        if rng.random() < 0.95
                        else ""
                    )
                    checked = today - timedelta(days=rng.randint(0, 400))
                    availability.append((i, service, rng.choice(_KINDS), regions,
                                         f"https://example.invalid/{service.lower().replace(' ', '')}/{slug}",
                                         checked.isoformat()))  # fmt: skip
            seen: set[str] = set()
            for kind, name in [("title", title), ("native", native)] + [("alias", a) for a in aliases]:
                key = fold(name)
                if key and key not in seen:
                    seen.add(key)
                    names.append((i, kind, name, key))
        conn.executemany(
            "INSERT INTO dramas (id, slug, title, native_title, country, year, episode_count, network, genres, "
            "synopsis, poster_url, critic_score, critic_summary, critic_verdict) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            dramas,
        )
        conn.executemany("INSERT INTO drama_names (drama_id, kind, name, folded) VALUES (?, ?, ?, ?)", names)
        conn.executemany(
            "INSERT INTO episodes (drama_id, number, critic_score, title, note) VALUES (?, ?, ?, ?, ?)",
            episodes,
        )
        conn.executemany(
            "INSERT INTO availability (drama_id, service, kind, regions, url, checked_on) VALUES (?, ?, ?, ?, ?, ?)",
            availability,
        )
        catalogue_done = time.perf_counter()
        if size.ratings:
            batch = _ratings(conn, rng, size, counts or [])
            watchlists(conn, rng, size, counts or [], batch)
        conn.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [(META_KEY, json.dumps(_size_dict(size))),
             (BUNDLE_DIGEST, bundle_digest())],
        )  # fmt: skip
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("ANALYZE")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()
    done = time.perf_counter()
    return {"catalogue_s": catalogue_done - started, "total_s": done - started}


def create_schema(path: Path) -> None:
    """The bot's own migrations (bot.store.migrations()), applied as Store.open applies them; nothing
    hand-written, so the bot opens the file as one of its own."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        for number, _name, sql in migrations():
            conn.executescript(f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")
    finally:
        conn.close()


def _size_dict(size: Size) -> dict[str, object]:
    """What a cached database was generated for: the size, the generator and the schema's exact text (a
    cache made by a tree with other migrations of the same count is regenerated)."""
    schema = hashlib.sha256("".join(name + sql for _, name, sql in migrations()).encode()).hexdigest()[:16]
    made = {"version": GENERATOR_VERSION, "schema": schema, "bundle": bundle_digest()[:16]}
    return {f: getattr(size, f) for f in Size.__slots__} | made  # type: ignore[attr-defined]


def bundle_digest() -> str:
    """The digest the bot records once it has applied its bundled catalogue: a synthetic database records
    it too, so the bot leaves it without the bundle."""
    text = resources.files("bot.data").joinpath("catalogue.json").read_text(encoding="utf-8")
    return hashlib.sha256(text.encode()).hexdigest()


def heavy_user_ids(size: Size) -> list[int]:
    """The members with `size.heavy_ratings` drama-level ratings each (after the `size.users` others)."""
    return [USER_ID_BASE + size.users + k for k in range(size.heavy)]


def _ratings(
    conn: sqlite3.Connection, rng: random.Random, size: Size, counts: list[int]
) -> list[tuple[int, int, int, int | None, int]]:
    """`size.ratings` distinct (drama, episode, user) scores from `size.users` users in `size.guilds` guilds,
    `size.heavy` x `size.heavy_ratings` of them from the heavy members (drama-level, in guild #0, with a
    shared sense of each drama's quality so two of them agree more than chance). Returned, sorted.

    Popular dramas get most ratings (a Zipf-like weight). Inserted with the schema's triggers dropped
    for the load and `rating_totals` rebuilt with one GROUP BY, then the triggers are put back exactly
    as the migration defined them (all in the same transaction), so the totals end consistent.
    """
    triggers = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'ratings'"
    ).fetchall()
    for name, _ in triggers:
        conn.execute(f"DROP TRIGGER {name}")
    weights = [1.0 / (rank**0.8) for rank in range(1, size.dramas + 1)]
    order = list(range(1, size.dramas + 1))
    rng.shuffle(order)
    cumulative: list[float] = []
    acc = 0.0
    for w in weights:
        acc += w
        cumulative.append(acc)
    seen: set[int] = set()
    batch: list[tuple[int, int, int, int | None, int]] = []
    made = 0
    scores = (2, 4, 5, 6, 6, 7, 7, 8, 8, 8, 9, 9, 10, 10)
    quality = [rng.choice(scores) for _ in range(size.dramas + 1)]  # what the heavy members broadly agree on
    popular = order[: max(size.heavy_ratings * 3, 1)]  # heavy members rate among the popular dramas
    for user in range(size.users, size.users + size.heavy):
        taste = rng.choice((-2, -1, 0, 0, 1))  # some rate everything a step higher or lower
        for drama in rng.sample(popular, min(size.heavy_ratings, len(popular))):
            halves = min(10, max(1, quality[drama] + taste + rng.choice((-2, -1, 0, 0, 0, 1, 2))))
            seen.add((drama * 101) * (size.users + size.heavy) + user)
            batch.append((drama, 0, USER_ID_BASE + user, BENCH_GUILD_ID, halves))
            made += 1
    while made < size.ratings:
        drama = order[_pick(cumulative, rng.random() * acc)]
        episode = 0 if rng.random() < 0.4 else rng.randint(1, counts[drama - 1])
        user = rng.randrange(size.users)
        key = (drama * 101 + episode) * (size.users + size.heavy) + user
        if key in seen:
            continue
        seen.add(key)
        guild = None if rng.random() < 0.05 else BENCH_GUILD_ID + (user % size.guilds)
        batch.append((drama, episode, USER_ID_BASE + user, guild, rng.choice(scores)))
        made += 1
    batch.sort()  # primary-key order: the WITHOUT ROWID b-tree is appended to, not split at random
    conn.executemany(
        "INSERT INTO ratings (drama_id, episode, user_id, guild_id, halves) VALUES (?, ?, ?, ?, ?)", batch
    )
    conn.execute("DELETE FROM rating_totals")
    country = "(SELECT d.country FROM dramas d WHERE d.id = r.drama_id)"  # each total's drama's (0013)
    conn.execute(
        "INSERT INTO rating_totals (drama_id, episode, scope, n, halves, country) "
        f"SELECT drama_id, episode, 0, count(*), sum(halves), {country} FROM ratings r GROUP BY drama_id, episode"
    )
    conn.execute(
        "INSERT INTO rating_totals (drama_id, episode, scope, n, halves, country) "
        f"SELECT drama_id, episode, guild_id, count(*), sum(halves), {country} FROM ratings r "
        "WHERE guild_id IS NOT NULL GROUP BY drama_id, episode, guild_id"
    )
    for _, sql in triggers:
        conn.execute(sql)
    return batch


def watchlists(
    conn: sqlite3.Connection, rng: random.Random, size: Size, counts: list[int],
    batch: list[tuple[int, int, int, int | None, int]],
) -> int:  # fmt: skip
    """Watch lists consistent with the ratings: a drama with episode scores is Watching at the last one
    rated (Completed at the last episode, now and then On hold or Dropped); a drama rated as a whole is
    mostly Completed; and some Plan to watch (50 for each heavy member, a few for one member in ten).
    Written directly (the ratings were loaded with the progress triggers dropped). Returns the rows."""
    rows: dict[tuple[int, int], list] = {}  # (user, drama) -> [guild, status, progress]
    for drama, episode, user, guild, _ in batch:
        row = rows.get((user, drama))
        if row is None:
            row = rows[(user, drama)] = [guild, None, 0]
        if episode:
            row[2] = max(row[2], episode)
        else:
            row[1] = "rated"
    out = []
    for (user, drama), (guild, status, progress) in rows.items():
        last = counts[drama - 1]
        roll = rng.random()
        if progress:
            status = (
                "completed"
                if progress >= last
                else "on_hold"
                if roll < 0.08
                else "dropped"
                if roll < 0.13
                else "watching"
            )
            progress = last if status == "completed" else progress
        elif roll < 0.7:
            status, progress = "completed", last
        elif roll < 0.8:
            status = "dropped"
        else:
            continue
        out.append((user, drama, guild, status, progress))
    planners = heavy_user_ids(size) + [USER_ID_BASE + u for u in range(0, size.users, 10)]
    for user in planners:
        guild = (
            BENCH_GUILD_ID
            if user >= USER_ID_BASE + size.users
            else BENCH_GUILD_ID + (user - USER_ID_BASE) % max(size.guilds, 1)
        )
        for drama in rng.sample(
            range(1, size.dramas + 1), 50 if user >= USER_ID_BASE + size.users else rng.randint(1, 3)
        ):
            if (user, drama) not in rows:
                rows[(user, drama)] = [guild, "plan", 0]
                out.append((user, drama, guild, "plan", 0))
    conn.executemany(
        "INSERT INTO watchlist (user_id, drama_id, guild_id, status, progress) VALUES (?, ?, ?, ?, ?)",
        sorted(out),
    )
    return len(out)


def _pick(cumulative: list[float], x: float) -> int:
    return min(bisect_left(cumulative, x), len(cumulative) - 1)
