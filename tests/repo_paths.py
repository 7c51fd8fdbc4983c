"""Find code that reaches for files outside the repository.

Nothing the project runs (source, tests, benchmarks, tools, CI scripts) may read a path outside the
repository: a fresh clone must work with nothing beside it. :func:`escapes` scans one file and
returns a line per place that climbs out:

* Python, through the syntax tree: a path derived from ``__file__`` (``Path(__file__)``,
  ``os.path.dirname(__file__)``, and names bound to such paths) that goes up more levels
  (``.parent``, ``.parents[k]``, ``/ ".."``, ``os.path.dirname``) than the file sits below the root;
* Python string literals that climb with ``..`` (relative to the working directory, which is the
  repository root for every entry point we have);
* shell scripts: ``..`` segments that climb above the root from the script's own folder;
* any file: an absolute path into the folder that holds the repository (``<that folder>/shared/...``).

It is a static check, so it can be fooled on purpose; it exists to catch the honest mistake, such as
``repo.parent / "shared" / ...``, which the end-to-end suite once had.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

#: Folders that are not the project's own files.
SKIP_DIRS = {".git", ".venv", "venv", "__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis",
             ".cache", "build", "dist", "data", "node_modules"}  # fmt: skip
PYTHON = {".py"}
SHELL = {".sh", ".bash"}
CONFIG = {".toml", ".cfg", ".ini", ".yml", ".yaml"}

_DOTDOT = re.compile(r"(?:^|(?<=[/\\\s\"'=:]))\.\.(?=[/\\\"'\s]|$)")


def project_files(root: Path) -> list[Path]:
    """The files to scan: Python, shell and config files, and everything under ``.ci/``."""
    out = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part in SKIP_DIRS or part.endswith(".egg-info") for part in rel.parts[:-1]):
            continue
        if not path.is_file():
            continue
        if path.suffix in PYTHON | SHELL | CONFIG or rel.parts[0] == ".ci":
            out.append(path)
    return out


def _climb(text: str) -> int:
    """How far above its starting folder a relative path string ends up at its highest (0: never)."""
    level = worst = 0
    for part in re.split(r"[/\\]+", text):
        if part == "..":
            level += 1
            worst = max(worst, level)
        elif part not in ("", "."):
            level -= 1
    return worst


class _PathHeights(ast.NodeVisitor):
    """Tracks expressions derived from ``__file__`` as "levels above the file's folder"."""

    def __init__(self, depth: int, rel: str) -> None:
        self.depth = depth  # folders between the repository root and the file
        self.rel = rel
        self.names: dict[str, int] = {}
        self.found: list[str] = []

    # -- what an expression's height is (None: not a path derived from __file__)

    def height(self, node: ast.AST) -> int | None:
        if isinstance(node, ast.Name):
            if node.id == "__file__":
                return -1  # the file itself: .parent gives its folder (height 0)
            return self.names.get(node.id)
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in {"Path", "PurePath", "abspath", "realpath", "normpath"} and node.args:
                return self.height(node.args[0])
            if name in {"resolve", "absolute"} and isinstance(func, ast.Attribute):
                return self.height(func.value)
            if name == "dirname" and node.args:
                inner = self.height(node.args[0])
                return None if inner is None else inner + 1
            if name == "join" and node.args:
                base = self.height(node.args[0])
                if base is None:
                    return None
                for arg in node.args[1:]:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        base = self._descend(base, arg.value)
                return base
            return None
        if isinstance(node, ast.Attribute) and node.attr == "parent":
            inner = self.height(node.value)
            return None if inner is None else inner + 1
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute):
            if node.value.attr == "parents" and isinstance(node.slice, ast.Constant):
                inner = self.height(node.value.value)
                if inner is not None and isinstance(node.slice.value, int):
                    return inner + 1 + node.slice.value
            return None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            base = self.height(node.left)
            if base is None:
                return None
            if isinstance(node.right, ast.Constant) and isinstance(node.right.value, str):
                return self._descend(base, node.right.value)
            return base - 1  # some sub-path: at worst as high as its base
        return None

    def _descend(self, base: int, text: str) -> int:
        climb = _climb(text)
        if climb:
            self._check(base + climb, None)
        parts = [p for p in re.split(r"[/\\]+", text) if p not in ("", ".")]
        return base + sum(1 if p == ".." else -1 for p in parts)

    def _check(self, height: int | None, node: ast.AST | None) -> None:
        if height is not None and height > self.depth:
            line = getattr(node, "lineno", "?") if node is not None else "?"
            self.found.append(f"{self.rel}:{line}: a path {height - self.depth} level(s) above the repository root")

    # -- walking

    def visit_Assign(self, node: ast.Assign) -> None:
        h = self.height(node.value)
        for target in node.targets:
            if isinstance(target, ast.Name):
                if h is not None:
                    self.names[target.id] = h
                else:
                    self.names.pop(target.id, None)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None and isinstance(node.target, ast.Name):
            h = self.height(node.value)
            if h is not None:
                self.names[node.target.id] = h
        self.generic_visit(node)

    def generic_visit(self, node: ast.AST) -> None:
        if isinstance(node, ast.Attribute | ast.Subscript | ast.BinOp | ast.Call):
            h = self.height(node)
            if h is not None:
                before = len(self.found)
                self._check(h, node)
                if len(self.found) > before:
                    return  # one finding per expression, not one per sub-expression
        super().generic_visit(node)


def _python(path: Path, rel: str, depth: int) -> list[str]:
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, filename=rel)
    visitor = _PathHeights(depth, rel)
    visitor.visit(tree)
    found = visitor.found
    for node in ast.walk(tree):
        # a bare ".." is a comparison or a join part (the tree walk above judges joins from __file__)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.strip("./\\") and _climb(node.value):
            if "\n" not in node.value and len(node.value) < 300:  # a path, not a docstring or message
                found.append(f"{rel}:{node.lineno}: string {node.value!r} climbs out with '..'")
    return found


def _shell(text: str, rel: str, depth: int) -> list[str]:
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        code = line.split("#", 1)[0] if not line.lstrip().startswith("#!") else ""
        for token in re.findall(r"[^\s\"'`;|&()]*\.\.[^\s\"'`;|&()]*", code):
            token = re.sub(r"^\$\{?\w+\}?|^\$\([^)]*\)", "", token)  # "$(dirname "$0")/.." is the script's folder
            if _climb(token) > depth:
                found.append(f"{rel}:{number}: {token!r} climbs above the repository root")
    return found


def escapes(path: Path, root: Path) -> list[str]:
    """Every place in `path` that reaches outside `root` (empty when there is none)."""
    rel_path = path.relative_to(root)
    rel = rel_path.as_posix()
    depth = len(rel_path.parts) - 1
    text = path.read_text(encoding="utf-8", errors="replace")
    found: list[str] = []
    outside = str(root.resolve().parent).rstrip("/") + "/"
    for number, line in enumerate(text.splitlines(), 1):
        for match in re.finditer(re.escape(outside) + r"[^\s\"'`]*", line):
            if not match.group().startswith(str(root.resolve())):
                found.append(f"{rel}:{number}: absolute path {match.group()!r} outside the repository")
    if path.suffix in PYTHON:
        found += _python(path, rel, depth)
    elif path.suffix in SHELL or rel_path.parts[0] == ".ci":
        found += _shell(text, rel, depth)
    elif _DOTDOT.search(text):
        for number, line in enumerate(text.splitlines(), 1):
            for token in re.findall(r"[^\s\"'=]*\.\.[^\s\"']*", line):
                if _climb(token):
                    found.append(f"{rel}:{number}: {token!r} climbs out with '..'")
    return found
