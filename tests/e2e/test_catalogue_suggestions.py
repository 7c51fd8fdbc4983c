"""Catalogue governance through the real bot process, with an owner, another server's Administrator and a
member: the Administrator cannot edit or remove a drama (every rating stays), a member's suggestion is
accepted by a global curator with the member credited in the audit, and bad input is answered and
stores nothing. The main test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import os

import pytest

from .test_catalogue_commands import ADMIN, REFUSED, invoke_as, press_forged, query, run_cli

CLOY = "Crash Landing on You"


def _backends() -> list[str]:
    chosen = os.environ.get("DRAMABOT_TEST_BACKENDS", "sqlite,postgres")
    return [b.strip() for b in chosen.split(",") if b.strip()]


@pytest.fixture(params=_backends())
def database(request: pytest.FixtureRequest, bot_env: dict[str, str]) -> str:
    """The bot's database: the test's SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return bot_env["DATABASE_URL"]
    return request.getfixturevalue("pg_url")


async def slug_of(database: str, title: str) -> str:
    ((slug,),) = await query(database, "SELECT slug FROM dramas WHERE title = ?", title)
    return slug


async def test_an_administrator_elsewhere_is_refused_and_a_members_suggestion_is_accepted(
    discord_stub, start_bot, database
):
    other_guild = discord_stub.add_guild("elsewhere")
    await start_bot({"DATABASE_URL": database, "DEV_GUILD_ID": None})  # global commands: both servers
    owner, member = discord_stub.owner, discord_stub.default_user
    rater, admin = discord_stub.make_user("rater"), discord_stub.make_user("admin")
    await discord_stub.invoke("rate", {"drama": CLOY, "score": 4.5}, user=member)
    await discord_stub.invoke("rate", {"drama": CLOY, "score": 3.0, "episode": 1}, user=rater)
    slug = await slug_of(database, CLOY)
    ratings = "SELECT user_id, episode, halves FROM ratings ORDER BY user_id, episode"
    before = await query(database, ratings)
    assert len(before) == 2

    # Another server's Administrator: no right over the shared catalogue.
    for command, options in (
        ("catalogue edit", {"drama": slug, "field": "title", "value": "Hijacked"}),
        ("catalogue remove", {"drama": slug, "confirm": slug}),
        ("catalogue where-add", {"drama": slug, "service": "Scam", "kind": "free", "url": "https://scam.example/"}),
    ):
        refused = await discord_stub.invoke(command, options, user=admin, permissions=ADMIN, guild_id=other_guild)
        assert refused.ephemeral and REFUSED in refused.content, command
    assert await query(database, ratings) == before
    assert await query(database, "SELECT title FROM dramas WHERE slug = ?", slug) == [(CLOY,)]
    assert await query(database, "SELECT COUNT(*) FROM catalogue_audit") == [(0,)]
    (card,) = (await discord_stub.invoke("review", {"drama": slug})).embeds
    assert card["title"].startswith(CLOY)
    assert "1 rating" in {f["name"]: f["value"] for f in card["fields"]}["Everyone"]

    # The owner's edit goes through.
    edited = await discord_stub.invoke("catalogue edit", {"drama": slug, "field": "network", "value": "Studio Dragon"}, user=owner)
    assert edited.ephemeral and "Saved" in edited.content

    # A member suggests; a global curator sees the queue and accepts it.
    suggested = await discord_stub.invoke(
        "catalogue suggest", {"drama": slug, "field": "year", "value": "2020", "note": "first aired Dec 2019? no"},
        user=member,
    )  # fmt: skip
    assert suggested.ephemeral and "is waiting for a global curator" in suggested.content
    ((suggestion_id, status),) = await query(database, "SELECT id, status FROM catalogue_suggestions")
    assert status == "pending"
    queue = await discord_stub.invoke("catalogue suggestions", {}, user=owner)
    assert queue.ephemeral and f"#{suggestion_id}" in queue.embeds[0]["fields"][0]["name"]
    accept = f"suggestion:accept:{suggestion_id}"
    assert accept in queue.custom_ids() and f"suggestion:reject:{suggestion_id}" in queue.custom_ids()

    not_curator = await discord_stub.click(queue, accept, user=member)
    assert not_curator.ephemeral and REFUSED in not_curator.content
    elsewhere = await discord_stub.click(queue, accept, user=admin)  # an admin's click: still no curator
    assert elsewhere.ephemeral and REFUSED in elsewhere.content
    assert await query(database, "SELECT status FROM catalogue_suggestions") == [("pending",)]

    accepted = await discord_stub.click(queue, accept, user=owner)
    assert accepted.ephemeral and f"Accepted suggestion #{suggestion_id}" in accepted.content
    assert await query(database, "SELECT year FROM dramas WHERE slug = ?", slug) == [(2020,)]
    ((status, decided_by),) = await query(database, "SELECT status, decided_by FROM catalogue_suggestions")
    assert (status, decided_by) == ("accepted", int(owner["id"]))
    audit = await query(database, "SELECT actor_id, action, credit_user_id FROM catalogue_audit ORDER BY id")
    assert audit == [(int(owner["id"]), "edit network", None), (int(owner["id"]), "edit year", int(member["id"]))]
    again = await discord_stub.click(queue, accept, user=owner)
    assert again.ephemeral and "was already accepted" in again.content
    assert await query(database, ratings) == before

    code, out = await run_cli(database, "audit")
    assert code == 0 and f"edit year  {slug}  suggested by {member['id']}" in out


async def test_bad_suggestions_and_forged_buttons_are_answered_and_store_nothing(discord_stub, start_bot, bot_env):
    await start_bot()
    database = bot_env["DATABASE_URL"]
    owner, member = discord_stub.owner, discord_stub.default_user
    slug = await slug_of(database, CLOY)

    def suggest(field: str, value: str, **more) -> dict:
        return {"drama": slug, "field": field, "value": value, **more}

    async def answer(options: dict, **kw) -> str:
        result = await invoke_as(discord_stub, "catalogue suggest", options, user=member, **kw)
        assert result.ephemeral, result.describe()
        return result.content

    assert "No drama called 'Nowhere Drama Zzz'" in await answer(suggest("year", "2020") | {"drama": "Nowhere Drama Zzz"})

    def forge_field(payload: dict) -> None:
        for option in payload["data"]["options"][0]["options"]:
            if option["name"] == "field":
                option["value"] = "ratings"

    assert "I don't know the field 'ratings'" in await answer(suggest("year", "2020"), edit=forge_field)
    assert "year must be a number, got 'soon'" in await answer(suggest("year", "soon"))
    assert "Not saved" in await answer(suggest("critic_score", "9"))
    assert "field 'title'" in await answer(suggest("title", "T" * 250))  # over the title's 200 characters

    def long_note(payload: dict) -> None:
        payload["data"]["options"][0]["options"].append({"name": "note", "type": 3, "value": "n" * 400})

    assert "a note at most 300" in await answer(suggest("network", "tvN"), edit=long_note)
    ((year,),) = await query(database, "SELECT year FROM dramas WHERE slug = ?", slug)
    assert "already has that value" in await answer(suggest("year", str(year)))
    assert await query(database, "SELECT COUNT(*) FROM catalogue_suggestions") == [(0,)]

    for n in range(5):
        assert "is waiting" in await answer(suggest("network", f"Network {n}"))
    assert "You've sent 5 suggestions in the last hour" in await answer(suggest("network", "One too many"))
    assert await query(database, "SELECT COUNT(*) FROM catalogue_suggestions") == [(5,)]

    refused = await discord_stub.invoke("catalogue suggestions", {}, user=member)
    assert refused.ephemeral and REFUSED in refused.content
    queue = await discord_stub.invoke("catalogue suggestions", {}, user=owner)
    ids = [row[0] for row in await query(database, "SELECT id FROM catalogue_suggestions ORDER BY id")]
    assert len(queue.embeds[0]["fields"]) == 5 and "The oldest 5 of 5" in queue.embeds[0]["description"]
    first = f"suggestion:accept:{ids[0]}"
    for forged, said in (
        ("suggestion:accept:999999", "There is no suggestion #999999"),
        ("suggestion:nuke:1", "There is no suggestion #1"),
        ("suggestion:accept:-1", r"There is no suggestion #\-1"),  # shown inert: markdown escaped
        ("suggestion:accept:1e3", "There is no suggestion #1e3"),
    ):
        pressed = await press_forged(discord_stub, queue, first, forged, user=owner)
        assert pressed.ephemeral and said in pressed.content, pressed.content
    by_member = await press_forged(discord_stub, queue, first, f"suggestion:accept:{ids[1]}", user=member)
    assert by_member.ephemeral and REFUSED in by_member.content

    rejected = await discord_stub.click(queue, f"suggestion:reject:{ids[0]}", user=owner)
    assert rejected.ephemeral and f"Rejected suggestion #{ids[0]}" in rejected.content
    late = await discord_stub.click(queue, first, user=owner)
    assert late.ephemeral and "was already rejected" in late.content
    statuses = await query(database, "SELECT status, COUNT(*) FROM catalogue_suggestions GROUP BY status ORDER BY status")
    assert statuses == [("pending", 4), ("rejected", 1)]
    assert await query(database, "SELECT COUNT(*) FROM catalogue_audit") == [(0,)]
