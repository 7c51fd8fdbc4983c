"""Stage timing inside the bot process, for `python -m bench.stages` only (see bench/stages.py); and the
answers of `python -m bench.shapes` (see the end of this file).

Python imports this module at start-up when its folder is on PYTHONPATH; it does nothing unless
DRAMABOT_STAGES names a file. Then it wraps a few discord.py methods and every public coroutine of the
store, keeps a perf_counter() stamp at each stage of each interaction and of each store call, and writes
them to that file as JSON lines when the process exits. Nothing here is part of the bot.

Stages of one interaction (the times between them are what bench/stages.py reports):
  recv   the gateway message reached discord.py (DiscordWebSocket.received_message)
  parse  INTERACTION_CREATE parsed (ConnectionState.parse_interaction_create)
  tree   the command tree called (CommandTree._call)
  cmd    the command invoked, before its options are transformed (Command._invoke_with_namespace)
  body   the command's own code starts (Command._do_call)
  send   it answers (InteractionResponse.send_message)
  req    the callback request starts (AsyncWebhookAdapter.request)
  resp   its reply has come back
"""

from __future__ import annotations

import os

_OUT = os.environ.get("DRAMABOT_STAGES")
_SHAPES = os.environ.get("DRAMABOT_SHAPES")


def _install(out: str) -> None:  # noqa: C901 - one wrapper per stage
    import atexit
    import inspect
    import json
    import time

    from discord import InteractionResponse, app_commands
    from discord.gateway import DiscordWebSocket
    from discord.state import ConnectionState
    from discord.webhook.async_ import AsyncWebhookAdapter

    from bot.store import base
    from bot.store.top import TopCharts

    clock = time.perf_counter
    last_received = [0.0]
    interactions: dict[str, dict] = {}
    store_calls: list[tuple[float, float, str]] = []

    def stamp(interaction_id: object, stage: str) -> None:
        entry = interactions.get(str(interaction_id))
        if entry is not None:
            entry.setdefault(stage, clock())

    received_message = DiscordWebSocket.received_message

    async def timed_received_message(self, msg, /):  # noqa: ANN001, ANN202
        last_received[0] = clock()
        return await received_message(self, msg)

    parse_interaction_create = ConnectionState.parse_interaction_create

    def timed_parse(self, data):  # noqa: ANN001, ANN202
        interactions[data["id"]] = {
            "id": data["id"],
            "recv": last_received[0],
            "parse": clock(),
            "name": (data.get("data") or {}).get("name"),
        }
        return parse_interaction_create(self, data)

    tree_call = app_commands.CommandTree._call

    async def timed_tree_call(self, interaction):  # noqa: ANN001, ANN202
        stamp(interaction.id, "tree")
        return await tree_call(self, interaction)

    invoke = app_commands.Command._invoke_with_namespace

    async def timed_invoke(self, interaction, namespace):  # noqa: ANN001, ANN202
        stamp(interaction.id, "cmd")
        entry = interactions.get(str(interaction.id))
        if entry is not None:
            entry["name"] = self.qualified_name
        return await invoke(self, interaction, namespace)

    do_call = app_commands.Command._do_call

    async def timed_do_call(self, interaction, params):  # noqa: ANN001, ANN202
        stamp(interaction.id, "body")
        return await do_call(self, interaction, params)

    send_message = InteractionResponse.send_message

    async def timed_send_message(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        stamp(self._parent.id, "send")
        return await send_message(self, *args, **kwargs)

    request = AsyncWebhookAdapter.request

    async def timed_request(self, route, session, **kwargs):  # noqa: ANN001, ANN003, ANN202
        url = str(route.url)
        interaction_id = url.split("/interactions/")[1].split("/")[0] if "/interactions/" in url else None
        stamp(interaction_id, "req")
        try:
            return await request(self, route, session, **kwargs)
        finally:
            stamp(interaction_id, "resp")

    def timed_store(name: str, method):  # noqa: ANN001, ANN202
        async def timed(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            started = clock()
            try:
                return await method(*args, **kwargs)
            finally:
                store_calls.append((started, clock(), name))

        return timed

    DiscordWebSocket.received_message = timed_received_message
    ConnectionState.parse_interaction_create = timed_parse
    app_commands.CommandTree._call = timed_tree_call
    app_commands.Command._invoke_with_namespace = timed_invoke
    app_commands.Command._do_call = timed_do_call
    InteractionResponse.send_message = timed_send_message
    AsyncWebhookAdapter.request = timed_request
    parts = [v for v in vars(base).values() if isinstance(v, type) and v.__module__.startswith("bot.store.")]
    for part in [TopCharts, *(p for p in parts if p.__module__ != "bot.store.db")]:
        for name, method in list(vars(part).items()):  # the Store and its parts (Catalogue.review ...)
            if inspect.iscoroutinefunction(method) and not name.startswith("_"):
                setattr(part, name, timed_store(f"{part.__name__}.{name}", method))

    def write() -> None:
        if not interactions and not store_calls:  # a process the bot started (/import's parsing worker)
            return
        with open(out, "w", encoding="utf-8") as f:
            for entry in interactions.values():
                f.write(json.dumps({"interaction": entry}) + "\n")
            for started, ended, name in store_calls:
                f.write(json.dumps({"store": name, "start": started, "end": ended}) + "\n")

    atexit.register(write)


def _install_shapes(folder: str) -> None:
    """/about from a user named `shape-<kind>` answers with that kind's answer as captured in `folder`
    (bench/shapes.py writes `shape-<kind>.json`): its embeds, components and files, built once when first
    asked, so the answer costs nothing to work out and only its sending is left. Other users get /about."""
    import base64
    import io
    import json
    from pathlib import Path

    import discord
    from discord.ext import commands

    kept: dict[str, tuple[list[discord.Embed], list[dict], list[dict]]] = {}

    def load(name: str) -> tuple[list[discord.Embed], list[dict], list[dict]]:
        captured = json.loads((Path(folder) / f"{name}.json").read_text(encoding="utf-8"))
        data = captured["body"].get("data") or {}
        embeds = [discord.Embed.from_dict(e) for e in data.get("embeds") or ()]
        buttons = [c for row in data.get("components") or () for c in row.get("components") or ()]
        return embeds, buttons, captured["files"]

    original: list = []

    async def about(self, interaction):  # noqa: ANN001, ANN202
        name = interaction.user.name
        if not name.startswith("shape-"):
            return await original[0](self, interaction)
        if name not in kept:
            kept[name] = load(name)
        embeds, buttons, files = kept[name]
        extra = {}
        if files:
            extra["files"] = [
                discord.File(
                    io.BytesIO(base64.b64decode(f["data"])), f["filename"], description=f.get("description")
                )
                for f in files
            ]
        if buttons:  # built as the command builds them: its own dynamic items (the /top's page buttons)
            view = discord.ui.View(timeout=None)
            dynamic = interaction.client._connection._view_store._dynamic_items
            for b in buttons:
                button = discord.ui.Button(
                    label=b.get("label"), custom_id=b.get("custom_id"), disabled=b.get("disabled", False),
                    style=discord.ButtonStyle(b.get("style", 2)),
                )  # fmt: skip
                for pattern, cls in dynamic.items():
                    if match := pattern.fullmatch(button.custom_id):
                        item = await cls.from_custom_id(interaction, button, match)
                        item.item.disabled = button.disabled
                        break
                else:
                    item = button
                view.add_item(item)
            extra["view"] = view
        await interaction.response.send_message(embeds=embeds, **extra)

    # The bot loads cogs/about.py as an extension (a module object of its own): its command is replaced
    # on the cog the bot adds.
    add_cog = commands.Bot.add_cog

    async def shaped_add_cog(self, cog, /, **kwargs):  # noqa: ANN001, ANN003, ANN202
        for command in cog.get_app_commands():
            if type(cog).__name__ == "About" and command.name == "about":
                original.append(command._callback)
                command._callback = about
        return await add_cog(self, cog, **kwargs)

    commands.Bot.add_cog = shaped_add_cog


if _OUT:
    _install(_OUT)
if _SHAPES:
    _install_shapes(_SHAPES)
