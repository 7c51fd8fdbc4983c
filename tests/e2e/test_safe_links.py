"""Safe links through the real bot: /catalogue where-add and edit refuse a link that is not a safe https URL,
name the field, and store nothing; a safe one reaches the card."""

from __future__ import annotations

import sqlite3

from .standin import DEFAULT_MEMBER_PERMISSIONS

MANAGER = str(int(DEFAULT_MEMBER_PERMISSIONS) | (1 << 5))


def audit_actions(bot_env) -> list[str]:
    conn = sqlite3.connect(bot_env["DATABASE_URL"])
    try:
        return [r[0] for r in conn.execute("SELECT action FROM catalogue_audit ORDER BY id")]
    finally:
        conn.close()


async def test_catalogue_links_must_be_safe_https_urls(discord_stub, start_bot, bot_env):
    await start_bot()

    async def as_owner(command: str, options: dict):
        return await discord_stub.invoke(command, options, user=discord_stub.owner, permissions=MANAGER)

    added = await as_owner("catalogue add", {"title": "Link Test", "episodes": 4, "year": 2024})
    assert "Added" in added.content, added.content
    slug = "link-test-2024"
    for url, said in (
        ("http://www.netflix.com/title/1", "must start with https://"),
        ("https://user:secret@www.netflix.com/", "user name or password"),
        ("https://www.netflix.com/a)[x](https://evil.example", "percent-encoded"),
    ):
        refused = await as_owner(
            "catalogue where-add", {"drama": slug, "service": "Netflix", "kind": "subscription", "url": url}
        )
        assert refused.ephemeral and "Not saved" in refused.content and "field 'url'" in refused.content
        assert said in refused.content, refused.content
    poster = await as_owner("catalogue edit", {"drama": slug, "field": "poster_url", "value": "javascript:alert(1)"})
    assert poster.ephemeral and "poster\\_url" in poster.content and "https://" in poster.content, poster.content
    assert audit_actions(bot_env) == ["add"]  # nothing refused was stored

    saved = await as_owner(
        "catalogue where-add",
        {"drama": slug, "service": "Netflix", "kind": "subscription", "url": "https://www.netflix.com/title/1"},
    )
    assert "Saved" in saved.content, saved.content
    (embed,) = (await discord_stub.invoke("where", {"drama": slug})).embeds
    assert "[Netflix](https://www.netflix.com/title/1)" in embed["description"]
