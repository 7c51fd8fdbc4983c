"""`python -m bench.shapes [--size small|large] [--calls N] [--backend sqlite|postgres]`: how fast each
could be at best, next to how fast it is.

Each command's answer is captured once from the real bot (one of 15, the one of median size: its embeds,
buttons and pictures). Then, in the same pass as the commands themselves (bench/community.py's
sequential blocks), /about is sent by users named `shape-<kind>`: the bot's process runs a hook
(bench/stage_hooks, only with DRAMABOT_SHAPES) that answers those users' /about with the captured answer,
built once. That answer costs nothing to work out; what is left is discord.py receiving the interaction and
sending an answer of that shape (a bigger embed, buttons, a multipart upload), and the stand-in receiving
it. So a shape's ratio to /about is the best ratio its command could have, and the command's own ratio
minus its shape's is what its own work costs.

Not a benchmark row and not judged: a tool for telling how much of a ratio an answer's size takes
(docs/perf-notes/community8.md).
"""

from __future__ import annotations

import base64
import json
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.stages import hooked_community, run_tool

if TYPE_CHECKING:
    from bench.community import Community
    from bench.run import Row, Session
    from tests.e2e.standin import Result

KINDS = (
    "/top this server", "/top everyone", "/top this server, filtered", "/top everyone, filtered",
    "/watchlist show", "/match (1,000 ratings each)", "/profile", "/review, chart cached",
)  # fmt: skip
CAPTURES = 15  # answers of each kind, the one of median size kept


def shape_name(kind: str) -> str:
    """The user name (and file stem) of a kind's shape: `shape-` and the kind's letters and digits."""
    return "shape-" + "".join(ch if ch.isalnum() else "-" for ch in kind.strip("/")).strip("-")


def captured(result: Result, requests: list) -> dict[str, Any]:
    """The answer the bot sent for `result` (its callback body and files, with each file's alt text)."""
    body = result.callback
    request = next(r for r in requests if r.body is body)
    described = {
        str(a.get("id")): a.get("description") for a in (body.get("data") or {}).get("attachments") or ()
    }
    files = [
        {
            "filename": f["filename"],
            "description": described.get(f["field"].removeprefix("files[").removesuffix("]")),
            "data": base64.b64encode(f["data"]).decode(),
        }
        for f in request.files
    ]
    return {"body": body, "files": files}


def answer_size(answer: dict[str, Any]) -> int:
    """Bytes of the answer: its JSON body and its files (decoded)."""
    return len(json.dumps(answer["body"])) + sum(len(base64.b64decode(f["data"])) for f in answer["files"])


async def capture(c: Community, folder: Path, kinds: tuple[str, ...] = KINDS) -> dict[str, int]:
    """Each kind's answer of median size among CAPTURES, written to `folder` / shape_name(kind).json;
    returns their sizes in bytes (body and files)."""
    s = c.s
    sizes = {}
    for kind in kinds:
        send, check = c.kinds()[kind]
        answers = []
        for _ in range(CAPTURES):
            result = await send()
            await s.stand_in.wait_for_answer(result, timeout=15)
            if check(result):
                answers.append(captured(result, s.stand_in.requests))
        if not answers:
            raise RuntimeError(f"no right answer to capture for {kind}")
        answers.sort(key=answer_size)
        median = answers[len(answers) // 2]
        (folder / f"{shape_name(kind)}.json").write_text(json.dumps(median), encoding="utf-8")
        sizes[kind] = answer_size(median)
    return sizes


def shape_kinds(
    s: Session, kinds: tuple[str, ...] = KINDS
) -> dict[str, tuple[Callable[[], Awaitable[Result]], Callable]]:
    """One kind per shape: /about from that shape's user, its answer checked to carry an embed."""
    out = {}
    for kind in kinds:
        user = s.stand_in.make_user(shape_name(kind))
        # No "/review" or "/profile" in the name: bench.run waits for a chart's edit on rows named so.
        out[f"shape of {kind.strip('/')}"] = (
            lambda user=user: s.stand_in.dispatch_command("about", {}, user=user),
            lambda r: bool((r.callback or {}).get("data", {}).get("embeds")),
        )
    return out


def table(rows: dict[str, Row], sizes: dict[str, int], kinds: tuple[str, ...] = KINDS) -> list[str]:
    """Per kind: its p50 and p99 and their ratios to /about, then its shape's."""
    floor = rows["/about"]

    def cells(row: Row) -> str:
        return (f"{row.p50 * 1000:6.2f} {row.p99 * 1000:6.2f} {row.p50 / floor.p50:6.2f} "
                f"{row.p99 / floor.p99:6.2f}")  # fmt: skip

    head = f"{'kind':30s} {'bytes':>6s} | {'p50':>6s} {'p99':>6s} {'x50':>6s} {'x99':>6s} | shape: {'p50':>6s} {'p99':>6s} {'x50':>6s} {'x99':>6s}"
    lines = [head, f"{'/about':30s} {'':6s} | {cells(floor)} |"]
    for kind in kinds:
        shape = rows[f"shape of {kind.strip('/')}"]
        lines.append(f"{kind:30s} {sizes[kind]:6d} | {cells(rows[kind])} |        {cells(shape)}")
    return lines


async def measure(size: str, calls: int, backend: str = "sqlite") -> list[str]:
    from bench import community

    with tempfile.TemporaryDirectory(prefix="dramabot-shapes-") as tmp:
        folder = Path(tmp) / "shapes"
        folder.mkdir()
        async with hooked_community(size, backend, Path(tmp), {"DRAMABOT_SHAPES": str(folder)}) as c:
            sizes = await capture(c, folder)
            shapes = shape_kinds(c.s)
            real = c.kinds()
            kinds = {"/about": real["/about"], **{k: real[k] for k in KINDS}, **shapes}
            c.kinds = lambda: kinds  # type: ignore[method-assign]
            for send, _check in shapes.values():  # each shape's answer built once, before the timed blocks
                await c.s.one(send)
            rows = await community.sequential(c, dict.fromkeys(kinds, calls), "")
    return table(rows, sizes)


def main(argv: list[str] | None = None) -> int:
    return run_tool(
        argv, "python -m bench.shapes", __doc__, measure, "sequential calls per kind and per shape (default 300)",
        "\nms; x50, x99: ratio to /about's p50, p99 in the same pass; shape: /about answering with the kind's "
        "captured answer (bench/stage_hooks), the best that kind's ratio could be",
    )  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
