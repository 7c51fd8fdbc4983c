"""Members' catalogue suggestions in the store, on both backends: stored, rate-limited, accepted through
`curate` with the suggester credited in the audit, decided once, and erased with the member."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.catalogue.edits import field_change
from bot.errors import UserError
from bot.store import SuggestionClosed
from bot.store.suggestions import MAX_NOTE, MAX_VALUE
from tests.bot.store.readbacks import upsert

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
MEMBER, CURATOR, OTHER = 1001, 2002, 3003
GUILD = 77


async def suggest(store, drama_id, *, user=MEMBER, field="year", value="2017", note=None, now=NOW, per=5):
    return await store.suggestions.add(
        user_id=user, guild_id=GUILD, drama_id=drama_id, field=field, value=value,
        note=note, now=now, per_window=per, window=HOUR
    )  # fmt: skip


def timeless(s):
    """A suggestion with its times as datetimes (each backend writes ISO text its own way)."""
    from dataclasses import replace

    def at(text):
        return datetime.fromisoformat(text) if text is not None else None

    return replace(s, created_at=at(s.created_at), decided_at=at(s.decided_at))


def change(s):
    return field_change(s.field, s.value)


async def accept(store, suggestion_id, *, by=CURATOR, now=NOW):
    return await store.suggestions.accept(
        suggestion_id, change, decided_by=by, actor_id=by, actor_name="curator",
        guild_id=GUILD, now=now
    )  # fmt: skip


async def test_a_suggestion_is_stored_pending_and_listed_oldest_first(store, add_drama):
    drama_id = await add_drama(slug="goblin", year=2016)
    first = await suggest(store, drama_id, note="Wikipedia says 2017")
    second = await suggest(store, drama_id, field="network", value=None, now=NOW + timedelta(minutes=1))
    assert first is not None and second is not None and second.id > first.id
    assert (first.drama_id, first.field, first.value, first.note, first.user_id, first.guild_id, first.status) == (
        drama_id, "year", "2017", "Wikipedia says 2017", MEMBER, GUILD, "pending",
    )  # fmt: skip
    assert first.decided_by is None and first.decided_at is None
    assert datetime.fromisoformat(first.created_at) == NOW
    assert await store.suggestions.get(first.id) == first
    assert await store.suggestions.get(first.id + 100) is None
    pending, total = await store.suggestions.pending(1)
    assert [s.id for s in pending] == [first.id] and total == 2
    pending, total = await store.suggestions.pending(5, after_id=first.id)
    assert [s.id for s in pending] == [second.id] and second.value is None


async def test_a_member_may_suggest_five_an_hour_and_the_sixth_stores_nothing(store, add_drama, raw):
    drama_id = await add_drama(slug="goblin")
    for minute in range(5):
        assert await suggest(store, drama_id, now=NOW + timedelta(minutes=minute)) is not None
    assert await suggest(store, drama_id, now=NOW + timedelta(minutes=30)) is None
    assert await suggest(store, drama_id, user=OTHER, now=NOW + timedelta(minutes=30)) is not None  # per member
    assert (await raw.fetch("SELECT COUNT(*) FROM catalogue_suggestions WHERE user_id = ?", MEMBER))[0][0] == 5
    # an hour after the first, one more fits
    assert await suggest(store, drama_id, now=NOW + timedelta(minutes=60, seconds=1)) is not None


async def test_an_over_long_value_or_note_is_refused_by_the_store(store, add_drama, raw):
    drama_id = await add_drama(slug="goblin")
    with pytest.raises(ValueError):
        await suggest(store, drama_id, field="synopsis", value="x" * (MAX_VALUE + 1))
    with pytest.raises(ValueError):
        await suggest(store, drama_id, note="n" * (MAX_NOTE + 1))
    assert await raw.fetch("SELECT id FROM catalogue_suggestions") == []


async def test_accepting_applies_it_as_an_edit_and_the_audit_credits_the_suggester(store, add_drama, raw):
    drama_id = await add_drama(slug="goblin", year=2016)
    made = await suggest(store, drama_id)
    decided, before, after = await accept(store, made.id, now=NOW + HOUR)
    assert before[0].year == 2016 and after[0].year == 2017
    assert (await store.catalogue.get(drama_id)).year == 2017
    assert (decided.status, decided.decided_by) == ("accepted", CURATOR)
    assert datetime.fromisoformat(decided.decided_at) == NOW + HOUR
    assert await store.suggestions.get(made.id) == decided
    (entry,) = await store.curation.audit_log(subject="goblin")
    assert (entry.action, entry.actor_id, entry.actor_name, entry.guild_id, entry.credit_user_id) == (
        "edit year", CURATOR, "curator", GUILD, MEMBER,
    )  # fmt: skip
    assert json.loads(entry.after)["drama"]["year"] == 2017
    assert await store.suggestions.pending() == ([], 0)


async def test_a_suggestion_is_decided_once(store, add_drama):
    drama_id = await add_drama(slug="goblin", year=2016)
    made = await suggest(store, drama_id)
    rejected = await store.suggestions.reject(made.id, decided_by=CURATOR, now=NOW)
    assert (rejected.status, rejected.decided_by) == ("rejected", CURATOR)
    with pytest.raises(SuggestionClosed) as caught:
        await accept(store, made.id)
    assert caught.value.found is not None and caught.value.found.status == "rejected"
    with pytest.raises(SuggestionClosed) as caught:
        await store.suggestions.reject(made.id, decided_by=OTHER, now=NOW)
    assert caught.value.found.decided_by == CURATOR
    for unknown in (made.id + 1000, 0, -5):
        with pytest.raises(SuggestionClosed) as caught:
            await accept(store, unknown)
        assert caught.value.found is None
        with pytest.raises(SuggestionClosed):
            await store.suggestions.reject(unknown, decided_by=CURATOR, now=NOW)
    assert (await store.catalogue.get(drama_id)).year == 2016 and await store.curation.audit_log() == []


async def test_two_curators_accepting_at_once_apply_it_once(store, add_drama):
    drama_id = await add_drama(slug="goblin", year=2016)
    made = await suggest(store, drama_id)
    results = await asyncio.gather(accept(store, made.id, by=CURATOR), accept(store, made.id, by=OTHER),
                                   return_exceptions=True)  # fmt: skip
    assert sorted(type(r).__name__ for r in results) == ["SuggestionClosed", "tuple"]
    assert len(await store.curation.audit_log(subject="goblin")) == 1


async def test_a_value_no_longer_valid_leaves_it_pending_and_changes_nothing(store, add_drama):
    drama_id = await add_drama(slug="goblin", year=2016, episode_count=16)
    made = await suggest(store, drama_id, field="year", value="1800")  # the cog checks first; the store re-checks
    with pytest.raises(UserError) as caught:
        await accept(store, made.id)
    assert "year" in caught.value.message
    assert (await store.suggestions.get(made.id)).status == "pending"
    assert (await store.catalogue.get(drama_id)).year == 2016 and await store.curation.audit_log() == []


async def test_a_removed_dramas_suggestions_wait_for_its_restore(store, add_drama):
    drama_id = await add_drama(slug="goblin")
    made = await suggest(store, drama_id)
    await store.curation.curate(
        "goblin", lambda before: None, action="remove", actor_id=CURATOR, actor_name=None, guild_id=None
    )
    assert (await store.suggestions.get(made.id)).status == "pending"  # the member's suggestion is kept ...
    assert await store.suggestions.pending() == ([], 0)  # ... out of the queue
    with pytest.raises(SuggestionClosed):
        await accept(store, made.id)
    assert (await store.suggestions.get(made.id)).status == "pending"
    await store.removal.restore("goblin", actor_id=CURATOR, actor_name=None, guild_id=None)
    assert [s.id for s in (await store.suggestions.pending())[0]] == [made.id]
    decided, _, after = await accept(store, made.id)
    assert decided.status == "accepted" and after[0].year == 2017


async def test_erasure_removes_a_members_suggestions_and_their_id_in_decisions_and_credits(store, add_drama, raw):
    drama_id = await add_drama(slug="goblin", year=2016)
    accepted = await suggest(store, drama_id)
    pending = await suggest(store, drama_id, field="network", value="tvN")
    by_other = await suggest(store, drama_id, user=OTHER, field="title", value="Guardian")
    await accept(store, accepted.id)
    await store.suggestions.reject(by_other.id, decided_by=CURATOR, now=NOW)

    held = await store.erasure.counts(MEMBER)
    assert held.suggestions == 2 and (held.ratings, held.watchlist, held.settings) == (0, 0, 0)
    removed = await store.erasure.erase(MEMBER)
    assert removed.suggestions == 2
    assert (
        await store.suggestions.get(accepted.id) is None and await store.suggestions.get(pending.id) is None
    )
    (entry,) = await store.curation.audit_log(subject="goblin")
    assert entry.action == "edit year" and entry.credit_user_id is None and entry.actor_id == CURATOR
    assert (await store.erasure.counts(MEMBER)).suggestions == 0

    await store.erasure.erase(CURATOR)  # the curator who decided: the decision stays, without who
    kept = await store.suggestions.get(by_other.id)
    assert (kept.status, kept.decided_by, kept.user_id) == ("rejected", None, OTHER)
    assert await raw.fetch(
        "SELECT COUNT(*) FROM catalogue_suggestions WHERE user_id = ? OR decided_by = ?", CURATOR, CURATOR
    ) == [(0,)]


async def test_migrate_db_carries_suggestions_and_credits_both_ways(tmp_path, pg_url: str):
    """`migrate-db` (bot/store/transfer.py) copies catalogue_suggestions and the audit's credit_user_id:
    SQLite -> PostgreSQL -> SQLite, ids and times kept; a new suggestion after the copy gets a new id."""
    from bot.models import Drama
    from bot.store import Store, open_store
    from bot.store.transfer import transfer

    first, last = tmp_path / "first.db", tmp_path / "last.db"
    store = await Store.open(first)
    try:
        drama_id, _ = await upsert(store, Drama(0, "goblin", "Goblin", 16, year=2016))
        made = await suggest(store, drama_id, note="see the credits")
        other = await suggest(store, drama_id, field="network", value="tvN")
        accepted, _, _ = await accept(store, made.id, now=NOW + HOUR)
    finally:
        await store.close()
    there = await transfer(str(first), pg_url)
    back = await transfer(pg_url, f"sqlite:///{last}")
    assert there.counts["catalogue_suggestions"] == back.counts["catalogue_suggestions"] == 2
    for location in (pg_url, last):
        copy = await open_store(location) if isinstance(location, str) else await Store.open(location)
        try:
            assert timeless(await copy.suggestions.get(made.id)) == timeless(accepted)
            assert timeless(await copy.suggestions.get(other.id)) == timeless(other)
            (entry,) = await copy.curation.audit_log(subject="goblin")
            assert entry.credit_user_id == MEMBER
            newer = await suggest(copy, drama_id, user=OTHER, field="title", value="Guardian")
            assert newer.id > other.id
        finally:
            await copy.close()
