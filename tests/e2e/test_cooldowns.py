"""Per-member cooldowns on the heavy commands, through the real bot and the Discord stand-in.

A member who keeps sending drama texts that match nothing ("did you mean" each time) is told, privately
and in their language, when to try again; everyone else, and the member's own light commands, go on.
"""

from __future__ import annotations

from bot.safety.cooldowns import LIMITS

GARBAGE = "qx" * 100  # 200 characters: the longest text a drama option takes, matching nothing


async def test_repeated_misses_get_the_cooldown_answer_and_about_is_unaffected(discord_stub, start_bot):
    await start_bot()
    member, other = discord_stub.make_user("flooder"), discord_stub.make_user("bystander")
    limit, _ = LIMITS["miss"]
    for i in range(limit):
        miss = await discord_stub.invoke("review", {"drama": f"{GARBAGE[:-2]}{i:02d}"}, user=member)
        assert miss.ephemeral and "No drama" in miss.content, miss.content
    over = await discord_stub.invoke("review", {"drama": GARBAGE}, user=member)
    assert over.ephemeral and "Try again in" in over.content, over.content
    assert not over.embeds
    # The same member's other commands, and other members' misses, are not held up.
    about = await discord_stub.invoke("about", {}, user=member)
    assert about.embeds and not about.ephemeral
    found = await discord_stub.invoke("review", {"drama": "Soundtrack #1"}, user=member)
    assert found.embeds and found.embeds[0]["title"].startswith("Soundtrack #1")
    theirs = await discord_stub.invoke("review", {"drama": GARBAGE}, user=other)
    assert "No drama" in theirs.content


async def test_cooldown_answer_is_in_korean_for_a_korean_client(discord_stub, start_bot):
    await start_bot()
    member = discord_stub.make_user("ko-flooder")
    discord_stub.set_locale(member, "ko")
    limit, _ = LIMITS["miss"]
    for _ in range(limit):
        await discord_stub.invoke("where", {"drama": GARBAGE}, user=member)
    over = await discord_stub.invoke("where", {"drama": GARBAGE}, user=member)
    assert over.ephemeral and "초 뒤에 다시 해 보세요" in over.content, over.content


async def test_match_and_profile_have_a_per_member_cooldown(discord_stub, start_bot):
    await start_bot()
    member, other = discord_stub.make_user("curious"), discord_stub.make_user("subject")
    limit, _ = LIMITS["profile"]
    for _ in range(limit):
        shown = await discord_stub.invoke("profile", {}, user=member)
        assert "Try again in" not in str(shown.content)
    over = await discord_stub.invoke("profile", {}, user=member)
    assert over.ephemeral and "Try again in" in over.content
    limit, _ = LIMITS["match"]
    for _ in range(limit):
        await discord_stub.invoke("match", {"member": other["id"]}, user=member)
    over = await discord_stub.invoke("match", {"member": other["id"]}, user=member)
    assert over.ephemeral and "Try again in" in over.content
    # Another member is not limited by the first one's calls.
    theirs = await discord_stub.invoke("profile", {}, user=other)
    assert "Try again in" not in str(theirs.content)
