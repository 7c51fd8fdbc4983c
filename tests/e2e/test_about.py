"""/about through the real bot: public, an embed with version, uptime, latency and the project link."""

from __future__ import annotations

from importlib import metadata


async def test_about_answers_with_version_uptime_latency_and_link(discord_stub, start_bot):
    await start_bot(env_overrides={"PROJECT_URL": "https://example.org/dramabot"})
    result = await discord_stub.invoke("about")
    assert result.callback_type == 4 and not result.ephemeral
    embed = result.embeds[0]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Version"] == metadata.version("dramabot")
    assert fields["Uptime"].endswith(("s", "min", "h"))
    assert fields["Gateway latency"].endswith("ms") or fields["Gateway latency"] == "not measured yet"
    assert embed["url"] == fields["Project"] == "https://example.org/dramabot"


async def test_about_without_a_project_url_shows_no_link(discord_stub, start_bot):
    await start_bot()
    embed = (await discord_stub.invoke("about")).embeds[0]
    assert "url" not in embed
    assert "Project" not in [f["name"] for f in embed["fields"]]
