"""Attachment options of the Discord stand-in: files a member attaches to a slash command.

``invoke("import", {"file": Attachment("x.csv", data)})`` puts the file in the interaction's
``data.resolved.attachments[id]`` (id, filename, size, url, proxy_url, content_type, ephemeral), as Discord
does, with the option's value the attachment id. The ``url`` is on the stand-in's own CDN path, signed
like Discord's (``ex``/``is``/``hm``); the stand-in serves exactly the URLs it handed out (any other CDN
path, or a wrong signature, is a 404) and records every download in :attr:`Attachments.downloads`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from aiohttp import web

CDN_PREFIX = "/ephemeral-attachments"  # Discord's CDN path for a command's attachments


@dataclass(frozen=True)
class Attachment:
    """A file as the member attaches it; ``size`` overrides the size Discord reports (default: the bytes')."""

    filename: str
    data: bytes
    content_type: str | None = "text/csv; charset=utf-8"
    size: int | None = None


class Attachments:
    def __init__(self) -> None:
        self._served: dict[str, tuple[str, bytes]] = {}  # path -> (hm signature, bytes)
        self.downloads: list[str] = []  # paths the bot downloaded, in order

    def resolve(
        self, file: Attachment, resolved: dict[str, Any], *, base: str, snowflake: str, app_id: str
    ) -> str:
        """Add ``file`` to ``resolved["attachments"]``; its id (the option's value)."""
        path = f"{CDN_PREFIX}/{app_id}/{snowflake}/{quote(file.filename)}"
        signature = secrets.token_hex(16)
        self._served[path] = (signature, file.data)
        query = f"?ex={secrets.token_hex(4)}&is={secrets.token_hex(4)}&hm={signature}&"
        body: dict[str, Any] = {
            "id": snowflake,
            "filename": file.filename,
            "size": len(file.data) if file.size is None else file.size,
            "url": f"{base}{path}{query}",
            "proxy_url": f"{base}{path}{query}",
            "ephemeral": True,
        }
        if file.content_type is not None:
            body["content_type"] = file.content_type
        resolved.setdefault("attachments", {})[snowflake] = body
        return snowflake

    def serves(self, request: web.Request) -> bool:
        return request.path.startswith(CDN_PREFIX + "/")

    async def serve(self, request: web.Request) -> web.Response:
        """GET of an attachment URL handed out: its bytes; anything else: 404, as Discord's CDN answers."""
        kept = self._served.get(request.path)
        if request.method != "GET" or kept is None or request.query.get("hm") != kept[0]:
            return web.Response(status=404, text="Not Found")
        self.downloads.append(request.path)
        return web.Response(body=kept[1], content_type="application/octet-stream")
