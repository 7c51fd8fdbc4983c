"""/recommend's benchmark: the quality of its ranking on a generated community, and its speed.

    python -m bench.recommend [--size small|medium|large] [--seed N] [--skip-speed] [--oracle N]

The community comes from a latent-taste model (documented in docs/recommend.md, "The benchmark"):

* every member u and drama i has a latent vector of DIMS standard normal values; their affinity is
  ``a(u, i) = u·i / sqrt(DIMS)`` (about standard normal);
* dramas have a popularity skew: drama i has weight ``1 / rank(i)^ZIPF`` (a random order of ranks), and
  belong to one of GROUPS taste groups (a genre and country, say);
* a member likes the groups in Dirichlet(FOCUS) shares (a few favourite groups); a candidate is drawn by
  popularity from a group drawn by those shares (or, WANDER of the time, from the whole catalogue) and
  kept with probability ``σ(SELECT·a + 0.5·q_i)`` (members mostly watch what suits them; q_i the drama's
  quality, standard normal);
* the number of scores per member is log-normal (mean `per_member`, a long tail, capped at 2,000);
* a score is ``3.2 + 0.35·b_u + 0.35·q_i + TASTE·a(u, i) + NOISE·ε`` stars (b_u the member's leniency,
  ε standard normal), clamped to 0.5..5 and rounded to half stars.

Evaluation: for each member with at least 5 scores of which one is 4 stars or more, one such "liked" score
is held out at random. The neighbours are built from the rest (bot.recommend.knn.build, the bot's own code),
and each member's ten picks are /recommend's "for me" ranking (knn.recommend, padded by the Bayesian chart
of bot.community.ranking as the bot pads it); the baseline is the ten most-rated dramas the member has not
rated. Hit rate@10: the share of members whose held-out drama is among the ten; NDCG@10: 1/log2(position+2)
for a hit, else 0, averaged; coverage: the share of the catalogue ever among someone's ten.

Speed (large by default, or with --speed at small): the same community written into a real SQLite store
(the bot's migrations), then in a child process each: the neighbours' rebuild through the store
(Store.recommend.rebuild: read, build, write; wall time and peak RSS growth, VmHWM over the RSS before:
tracemalloc slows this integer-heavy loop some 50 times, so it is only an option, --traced, by hand),
and /recommend's answer path for many members (the store reads,
the ranking, the card: bot.recommend.answer + bot.cards.recommend), p50/p99/max.
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import json
import math
import os
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from bisect import bisect_left
from dataclasses import dataclass
from functools import partial
from itertools import accumulate
from pathlib import Path

from bot.community import ranking
from bot.recommend import knn

DIMS = 8
ZIPF = 0.9
SELECT = 1.5
GROUPS = 12  # taste groups (a genre and country, say): each drama belongs to one
FOCUS = 0.3  # Dirichlet concentration of a member's liking of the groups: small, a few favourite groups
WANDER = 0.2  # the share of a member's candidates drawn from the whole catalogue rather than their groups
TASTE = 0.9
NOISE = 0.6
TOP = 10
TARGET_RATIO = 1.7
REBUILD_S, REBUILD_MB, ANSWER_MS = 60.0, 50.0, 10.0
GUILD = 42
USER_BASE = 10**17  # Discord-like ids


@dataclass(frozen=True)
class Size:
    dramas: int
    members: int
    per_member: float  # mean scores per member
    evaluated: int  # members whose held-out drama is looked for (a sample at large)
    timed: int  # members whose /recommend is timed


SIZES = {
    "small": Size(dramas=1_000, members=2_000, per_member=25, evaluated=2_000, timed=500),
    "medium": Size(dramas=5_000, members=10_000, per_member=40, evaluated=3_000, timed=1_000),  # the sweeps
    "large": Size(dramas=10_000, members=20_000, per_member=50, evaluated=3_000, timed=2_000),
    "tiny": Size(dramas=200, members=300, per_member=15, evaluated=300, timed=30),  # tests/bench only
}


def generate(size: Size, seed: int, model: dict | None = None) -> list[list[tuple[int, int]]]:
    """Each member's (drama, halves) scores, dramas numbered 1..size.dramas; with `model`, the latent
    values are kept in it (for `oracle`)."""
    rng = random.Random(seed)
    gauss = rng.gauss
    dramas = [[gauss(0, 1) for _ in range(DIMS)] for _ in range(size.dramas)]
    quality = [gauss(0, 1) for _ in range(size.dramas)]
    group = [rng.randrange(GROUPS) for _ in range(size.dramas)]
    weight = [0.0] * size.dramas
    ranks = list(range(1, size.dramas + 1))
    rng.shuffle(ranks)
    for i, r in enumerate(ranks):
        weight[i] = 1 / r**ZIPF
    everyone = list(accumulate(weight))
    in_group = [[i for i in range(size.dramas) if group[i] == g] for g in range(GROUPS)]
    group_cum = [list(accumulate(weight[i] for i in ids)) for ids in in_group]
    root = math.sqrt(DIMS)
    sigma = 0.9  # log-normal spread of the scores per member
    mu = math.log(size.per_member) - sigma**2 / 2
    members = []
    for _ in range(size.members):
        taste = [gauss(0, 1) for _ in range(DIMS)]
        leniency = gauss(0, 1)
        likes = list(accumulate(rng.gammavariate(FOCUS, 1) for _ in range(GROUPS)))  # Dirichlet(FOCUS)
        want = min(2_000, size.dramas // 2, max(2, round(rng.lognormvariate(mu, sigma))))
        seen: dict[int, int] = {}
        tries = 0
        while len(seen) < want and tries < want * 40:
            tries += 1
            if rng.random() < WANDER:  # anything popular
                i = bisect_left(everyone, rng.random() * everyone[-1])
            else:  # popular within a group the member likes
                g = bisect_left(likes, rng.random() * likes[-1])
                cum = group_cum[g]
                if not cum:
                    continue
                i = in_group[g][bisect_left(cum, rng.random() * cum[-1])]
            if i in seen:
                continue
            affinity = sum(a * b for a, b in zip(taste, dramas[i], strict=True)) / root
            if rng.random() >= 1 / (1 + math.exp(-(SELECT * affinity + 0.5 * quality[i]))):
                continue
            stars = 3.2 + 0.35 * leniency + 0.35 * quality[i] + TASTE * affinity + NOISE * gauss(0, 1)
            seen[i] = min(10, max(1, round(stars * 2)))
        members.append([(i + 1, h) for i, h in seen.items()])
        if model is not None:
            model.setdefault("members", []).append((taste, leniency, likes))
    if model is not None:
        model.update(dramas=dramas, quality=quality, group=group, weight=weight, everyone=everyone[-1],
                     groups=[c[-1] if c else 0.0 for c in group_cum])  # fmt: skip
    return members


def split(
    members: list[list[tuple[int, int]]], seed: int
) -> tuple[list[list[tuple[int, int]]], dict[int, int]]:
    """(the training scores, member -> held-out drama): one liked (>= 4 stars) score per member with 5+."""
    rng = random.Random(seed + 1)
    train, held = [], {}
    for m, scores in enumerate(members):
        liked = [d for d, h in scores if h >= 8]
        if len(scores) >= 5 and liked:
            out = rng.choice(liked)
            held[m] = out
            scores = [(d, h) for d, h in scores if d != out]
        train.append(scores)
    return train, held


def _chance(model: dict, taste: list[float], leniency: float, shares: list[float], i: int) -> float:
    """The probability (up to a factor) that drama i is the member's held-out liked drama, by the model."""
    affinity = sum(a * b for a, b in zip(taste, model["dramas"][i], strict=True)) / math.sqrt(DIMS)
    g, weight, quality = model["group"][i], model["weight"][i], model["quality"][i]
    drawn = WANDER * weight / model["everyone"] + (1 - WANDER) * shares[g] * weight / model["groups"][g]
    kept = 1 / (1 + math.exp(-(SELECT * affinity + 0.5 * quality)))
    mean = 3.2 + 0.35 * leniency + 0.35 * quality + TASTE * affinity
    return drawn * kept * 0.5 * math.erfc((3.75 - mean) / (NOISE * math.sqrt(2)))


def oracle(size: Size, seed: int, who: int) -> dict:
    """The model's own best ranking, for the ceiling: each unrated drama by the probability that it is the
    member's held-out liked drama (drawn from their groups by popularity, kept, scored 4 stars or more),
    against the popularity baseline on the same members (`who` of them; slow: every drama per member)."""
    model: dict = {}
    members = generate(size, seed, model)
    train, held = split(members, seed)
    counts: dict[int, int] = {}
    for scores in train:
        for d, _ in scores:
            counts[d] = counts.get(d, 0) + 1
    popular = sorted(counts, key=lambda d: (-counts[d], d))
    hits = {"oracle": 0, "popularity": 0}
    chosen = sorted(held)[:who]
    for m in chosen:
        taste, leniency, likes = model["members"][m]
        shares = [b - a for a, b in zip([0.0, *likes[:-1]], likes, strict=True)]

        rated = {d - 1 for d, _ in train[m]}
        chance = partial(_chance, model, taste, leniency, [x / likes[-1] for x in shares])
        best = heapq.nlargest(TOP, (i for i in range(size.dramas) if i not in rated), key=chance)
        hits["oracle"] += held[m] - 1 in best
        hits["popularity"] += held[m] in [d for d in popular if d - 1 not in rated][:TOP]
    n = len(chosen)
    return {
        "members": n,
        **{k: v / n for k, v in hits.items()},
        "ratio": hits["oracle"] / max(1, hits["popularity"]),
    }


def chart(train: list[list[tuple[int, int]]]) -> list[int]:
    """Everyone's /top chart (Bayesian average, ranking.rank) of the training scores, best first."""
    n: dict[int, int] = {}
    total: dict[int, int] = {}
    for scores in train:
        for d, h in scores:
            n[d] = n.get(d, 0) + 1
            total[d] = total.get(d, 0) + h
    tallies = [ranking.Tally(d, n[d], total[d] / 2) for d in n]
    return [r.drama_id for r in ranking.rank(tallies).rows]


def evaluate(size: Size, seed: int, log) -> dict:  # noqa: ANN001
    started = time.perf_counter()
    members = generate(size, seed)
    generated = time.perf_counter() - started
    train, held = split(members, seed)
    ratings = sum(len(s) for s in members)
    log(f"generated {size.members:,} members, {size.dramas:,} dramas, {ratings:,} scores in {generated:.1f} s; "
        f"{len(held):,} held out")  # fmt: skip
    # each member's latest first, as the store reads them
    rows = [(m, d, h) for m, scores in enumerate(train) for d, h in reversed(scores)]
    mean = sum(r[2] for r in rows) / len(rows)
    started, cpu = time.perf_counter(), time.process_time()
    neighbours = knn.build(rows, mean)
    build_s, build_cpu = time.perf_counter() - started, time.process_time() - cpu
    del rows
    log(f"neighbours built in memory in {build_s:.1f} s ({build_cpu:.1f} s CPU): {len(neighbours.index):,} dramas, "
        f"{len(neighbours):,} rows")  # fmt: skip
    best = chart(train)
    counts: dict[int, int] = {}
    for scores in train:
        for d, _ in scores:
            counts[d] = counts.get(d, 0) + 1
    popular = sorted(counts, key=lambda d: (-counts[d], d))
    rng = random.Random(seed + 2)
    who = sorted(held)
    if len(who) > size.evaluated:
        who = sorted(rng.sample(who, size.evaluated))
    results = {"recommend": [0, 0.0, set()], "popularity": [0, 0.0, set()]}
    padded = 0
    for m in who:
        scores = dict(train[m])
        picks = [p.drama_id for p in knn.recommend(neighbours, scores, {}, limit=TOP)]
        if len(picks) < TOP:  # as /recommend pads: the chart, without what the member rated
            padded += 1
            taken = set(picks)
            picks += [d for d in best if d not in scores and d not in taken][: TOP - len(picks)]
        base = [d for d in popular if d not in scores][:TOP]
        for name, ten in (("recommend", picks), ("popularity", base)):
            r = results[name]
            r[2].update(ten)
            if held[m] in ten:
                r[0] += 1
                r[1] += 1 / math.log2(ten.index(held[m]) + 2)
    n = len(who)
    out = {
        "seed": seed, "members": size.members, "dramas": size.dramas, "ratings": ratings, "evaluated": n, "padded": padded,
        "build_in_memory_s": round(build_s, 2), "k": knn.K, "shrink": knn.SHRINK, "damping": knn.DAMPING,
    }  # fmt: skip
    for name, (hits, gain, seen) in results.items():
        out[name] = {"hit_rate": hits / n, "ndcg": gain / n, "coverage": len(seen) / size.dramas}
    out["ratio"] = out["recommend"]["hit_rate"] / max(out["popularity"]["hit_rate"], 1e-9)
    return out


# ---- speed: a real store --------------------------------------------------------------------------------
def write_store(path: Path, size: Size, members: list[list[tuple[int, int]]], seed: int) -> None:
    """The community in a SQLite file made by the bot's migrations: dramas with genres and countries, every
    score (in the server GUILD), a few list entries."""
    from bench.generate import create_schema

    create_schema(path)
    rng = random.Random(seed + 3)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    genres = ("Romance", "Comedy", "Thriller", "Fantasy", "Medical", "Historical", "Melodrama", "Mystery")
    conn.executemany(
        "INSERT INTO dramas (id, slug, title, country, year, episode_count, genres) VALUES (?, ?, ?, ?, ?, ?, ?)",
        ((i, f"bench-rec-{i}", f"Bench Drama {i}", rng.choice(("KR", "JP", "CN", "TW")), rng.randint(1995, 2026),
          16, json.dumps(rng.sample(genres, rng.randint(1, 3)))) for i in range(1, size.dramas + 1)),
    )  # fmt: skip
    conn.executemany(
        "INSERT INTO ratings (drama_id, episode, user_id, guild_id, halves) VALUES (?, 0, ?, ?, ?)",
        ((d, USER_BASE + m, GUILD, h) for m, scores in enumerate(members) for d, h in scores),
    )
    statuses = ("plan", "watching", "dropped", "completed")
    conn.executemany(
        "INSERT INTO watchlist (user_id, drama_id, guild_id, status) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        ((USER_BASE + m, rng.randint(1, size.dramas), GUILD, rng.choice(statuses))
         for m in range(len(members)) for _ in range(rng.randint(0, 3))),
    )  # fmt: skip
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()


def _rss_kb() -> int:
    """The process's resident set now (kB)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _hwm_kb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


async def child_rebuild(path: str, traced: bool) -> dict:
    from bot.store import open_store

    store = await open_store(Path(path))
    try:
        before = _rss_kb()
        if traced:
            tracemalloc.start()
        started, cpu = time.perf_counter(), time.process_time()
        built = await store.recommend.rebuild()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        peak = tracemalloc.get_traced_memory()[1] if traced else None
        if traced:
            tracemalloc.stop()
        return {"seconds": seconds, "cpu_s": cpu, "load": os.getloadavg()[0], "rss_before_mb": before / 1024, "hwm_mb": _hwm_kb() / 1024,
                "rss_growth_mb": (_hwm_kb() - before) / 1024, "traced_peak_mb": peak / 2**20 if peak else None,
                "neighbours": built.neighbours, "dramas": built.dramas, "ratings": built.ratings}  # fmt: skip
    finally:
        await store.close()


async def child_answers(path: str, timed: int, members: int, seed: int) -> dict:
    from bot.cards.recommend import recommend_card
    from bot.recommend.answer import recommendations
    from bot.store import open_store

    store = await open_store(Path(path))
    rng = random.Random(seed + 4)
    try:
        await store.recommend.neighbours()  # loaded once, as a process does after a build
        samples: dict[str, list[float]] = {"for me": [], "this server": [], "for me, genre + country": []}
        kinds = list(samples)
        fallback = 0
        for n in range(timed):
            user = USER_BASE + rng.randrange(members)
            kind = kinds[n % len(kinds)]
            filters = {"genre": "romance", "country": "KR"} if kind.endswith("country") else {}
            started = time.perf_counter()
            recs = await recommendations(store, user, GUILD, server=kind == "this server", **filters)
            recommend_card(recs, "Member", filters=list(filters.values()))
            samples[kind].append((time.perf_counter() - started) * 1000)
            fallback += recs.fallback
        out = {"fallback": fallback}
        every = [x for v in samples.values() for x in v]
        for name, values in (("all", every), *samples.items()):
            values.sort()
            out[name] = {"n": len(values), "p50_ms": statistics.median(values),
                         "p99_ms": values[min(len(values) - 1, math.ceil(0.99 * len(values)) - 1)],
                         "max_ms": values[-1]}  # fmt: skip
        out["neighbours_mb"] = store.recommend.kept_nbytes() / 2**20
        return out
    finally:
        await store.close()


def run_child(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "bench.recommend", *args], capture_output=True, text=True, check=True,
        env=os.environ | {"PYTHONHASHSEED": "0"},
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def speed(size: Size, seed: int, log) -> dict:  # noqa: ANN001
    members = generate(size, seed)
    with tempfile.TemporaryDirectory(prefix="bench-recommend-") as tmp:
        path = Path(tmp) / "recommend.sqlite3"
        started = time.perf_counter()
        write_store(path, size, members, seed)
        log(f"store written in {time.perf_counter() - started:.1f} s ({path.stat().st_size / 2**20:.0f} MB)")
        del members
        plain = run_child("--child-rebuild", str(path))
        log(f"rebuild: {plain['seconds']:.1f} s, RSS growth {plain['rss_growth_mb']:.1f} MB")
        answers = run_child("--child-answers", str(path), "--timed", str(size.timed), "--members",
                            str(size.members), "--seed", str(seed))  # fmt: skip
        log(f"answers: p50 {answers['all']['p50_ms']:.2f} ms, p99 {answers['all']['p99_ms']:.2f} ms")
    return {"rebuild": plain, "answers": answers}


def report(size_name: str, quality: dict, timing: dict | None) -> str:
    q = quality
    lines = [
        f"size {size_name}: {q['members']:,} members, {q['dramas']:,} dramas, {q['ratings']:,} scores; "
        f"{q['evaluated']:,} members evaluated ({q['padded']:,} padded by the chart); K={q['k']}, "
        f"λ={q['shrink']:g}, β={q['damping']:g}, seed {q['seed']}",
        "",
        "| ranking | hit rate@10 | NDCG@10 | coverage |",
        "|---|---|---|---|",
    ]
    for name in ("recommend", "popularity"):
        r = q[name]
        lines.append(f"| {name} | {r['hit_rate']:.3f} | {r['ndcg']:.3f} | {r['coverage']:.1%} |")
    verdict = "met" if q["ratio"] >= TARGET_RATIO else "NOT met"
    lines += [
        "",
        f"hit rate ratio: {q['ratio']:.2f}x the popularity baseline (target >= {TARGET_RATIO}x: {verdict})",
    ]
    if timing:
        rb, an = timing["rebuild"], timing["answers"]
        lines += [
            "",
            f"rebuild through the store: {rb['seconds']:.1f} s wall, {rb['cpu_s']:.1f} s CPU (target < {REBUILD_S:g} s; "
            f"load average {rb['load']:.1f} on {os.cpu_count()} cores), peak RSS growth "
            f"{rb['rss_growth_mb']:.1f} MB (target < {REBUILD_MB:g} MB); {rb['ratings']:,} scores -> {rb['neighbours']:,} neighbours of "
            f"{rb['dramas']:,} dramas",
            f"neighbours kept per process: {an['neighbours_mb']:.1f} MB",
            "",
            "| /recommend answer path (store + ranking + card) | n | p50 ms | p99 ms | max ms |",
            "|---|---|---|---|---|",
        ]
        for name in ("all", "for me", "this server", "for me, genre + country"):
            a = an[name]
            lines.append(
                f"| {name} | {a['n']:,} | {a['p50_ms']:.2f} | {a['p99_ms']:.2f} | {a['max_ms']:.2f} |"
            )
        lines.append(
            f"\n(target p99 < {ANSWER_MS:g} ms; {an['fallback']:,} answers were the chart: fewer than 3 scores)"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.recommend", description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--seed", type=int, default=27)
    parser.add_argument("--skip-speed", action="store_true", help="quality only")
    parser.add_argument("--speed", action="store_true", help="time the store also at small")
    parser.add_argument("--oracle", type=int, default=0, metavar="N",
                        help="also rank N members by the model's own probabilities (the ceiling; slow)")  # fmt: skip
    parser.add_argument("--child-rebuild", help=argparse.SUPPRESS)
    parser.add_argument("--child-answers", help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--timed", type=int, default=500, help=argparse.SUPPRESS)
    parser.add_argument("--members", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_rebuild:
        print(json.dumps(asyncio.run(child_rebuild(args.child_rebuild, args.traced))))
        return 0
    if args.child_answers:
        print(json.dumps(asyncio.run(child_answers(args.child_answers, args.timed, args.members, args.seed))))
        return 0
    size = SIZES[args.size]

    def log(line: str) -> None:
        print(f"[bench.recommend] {line}", file=sys.stderr, flush=True)

    quality = evaluate(size, args.seed, log)
    timing = None
    if not args.skip_speed and (args.size == "large" or args.speed):
        timing = speed(size, args.seed, log)
    print(report(args.size, quality, timing))
    if args.oracle:
        o = oracle(size, args.seed, args.oracle)
        print(f"\noracle (the model's own probabilities), {o['members']:,} members: hit rate@10 {o['oracle']:.3f} "
              f"against popularity's {o['popularity']:.3f}: {o['ratio']:.2f}x")  # fmt: skip
    print(f"\npeak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
