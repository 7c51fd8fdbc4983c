"""Print one of the README's two set-up lines: `run` (install and run the bot) or `test`.

    python3 tools/readme_lines.py test

`.ci/run` runs the `test` line exactly as the README writes it, so the README cannot drift from what
CI proves. A line is the only line of the first ```sh block after the paragraph that ends with
"Run the bot" ... or "Run the tests:". Plain Python, no dependencies: CI calls it before any install.
"""

from __future__ import annotations

import sys
from pathlib import Path

LABELS = {"run": "Run the bot", "test": "Run the tests:"}


def readme_line(readme: str, which: str) -> str:
    label = LABELS[which]
    lines = readme.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(label) or (which == "run" and label in line and "the two lines" in line):
            for j in range(i + 1, len(lines)):
                if lines[j].strip().startswith("```"):
                    end = next(k for k in range(j + 1, len(lines)) if lines[k].strip().startswith("```"))
                    body = [text for text in lines[j + 1 : end] if text.strip()]
                    if len(body) != 1:
                        raise ValueError(f"the README's {which!r} block has {len(body)} lines, expected one")
                    return body[0].strip()
    raise ValueError(f"the README has no {label!r} paragraph followed by a code block")


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in LABELS:
        print("usage: python3 tools/readme_lines.py run|test", file=sys.stderr)
        return 2
    root = Path(__file__).resolve().parent.parent
    print(readme_line((root / "README.md").read_text(encoding="utf-8"), argv[0]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
