"""The repository stands alone: nothing reads outside it, the vendored spec is the pinned one, and
CI runs the README's test line in a fresh clone."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.repo_paths import escapes, project_files

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "tests" / "e2e" / "discord-api-spec"
SPEC_SHA256 = "8c1d0707ccdf8e380a86dfba04058820a66435c1b69d5ed82e04dd8c0520dd73"


# --- nothing reads outside the repository ---------------------------------------------------------------


def test_no_project_file_reaches_outside_the_repository():
    files = project_files(ROOT)
    scanned = {f.relative_to(ROOT).as_posix() for f in files}
    # the scan covers what runs: source, tests, benchmarks, tools and CI
    assert {"bot/__main__.py", "tests/e2e/spec.py", "bench/run.py", ".ci/run", "pyproject.toml"} <= scanned
    found = [line for path in files for line in escapes(path, ROOT)]
    assert found == []


def fake_repo(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "repo"
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


BAD = {
    "parent of the root": ("tests/e2e/spec.py", 'repo = Path(__file__).resolve().parents[2]\nP = repo.parent / "shared" / "x.json"\n'),
    "parents[k] too high": ("tests/bot/t.py", 'P = Path(__file__).resolve().parents[3] / "shared" / "seeds"\n'),
    "parent chain": ("bench/run.py", "P = Path(__file__).parent.parent.parent\n"),
    "dirname chain": ("bot/x.py", "P = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))\n"),
    "join with ..": ("bot/x.py", 'P = os.path.join(os.path.dirname(__file__), "..", "..", "shared")\n'),
    "slash ..": ("bot/x.py", 'P = Path(__file__).parent / "../../elsewhere/openapi.json"\n'),
    "relative literal": ("bot/x.py", 'DATA = open("../elsewhere/review.txt").read()\n'),
    "shell script": (".ci/run", 'cat "$(dirname "$0")/../../elsewhere/x"\n'),
    "config": ("pyproject.toml", '[tool.x]\npath = "../elsewhere/data"\n'),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_the_scan_catches_a_path_outside(tmp_path, case):
    rel, text = BAD[case]
    root = fake_repo(tmp_path, {rel: "from pathlib import Path\nimport os\n" + text if rel.endswith(".py") else text})
    found = escapes(root / rel, root)
    assert found, f"{case} not caught"
    assert all(line.startswith(rel) for line in found)


def test_the_scan_catches_an_absolute_path_beside_the_repository(tmp_path):
    root = fake_repo(tmp_path, {"bot/x.py": f'P = "{tmp_path}/elsewhere/openapi.json"\n'})
    (found,) = escapes(root / "bot/x.py", root)
    assert "outside the repository" in found


GOOD = {
    "root from a test": ("tests/bot/t.py", 'ROOT = Path(__file__).resolve().parents[2]\nP = ROOT / "docs" / "x.md"\n'),
    "root from bench": ("bench/run.py", "ROOT = Path(__file__).resolve().parent.parent\n"),
    "up and down": ("tests/e2e/t.py", 'P = Path(__file__).parent / ".." / "bot" / "x.py"\n'),
    "ellipsis text": ("bot/x.py", 'MSG = "Loading..."\nDOTS = "..."\n'),
    "a variable's parent": ("bot/x.py", "def f(target):\n    target.parent.mkdir(parents=True)\n"),
    "CI's own folder": (".ci/run", 'cd "$(dirname "$0")/.."\n'),
}


@pytest.mark.parametrize("case", sorted(GOOD))
def test_the_scan_passes_paths_inside(tmp_path, case):
    rel, text = GOOD[case]
    root = fake_repo(tmp_path, {rel: "from pathlib import Path\n" + text if rel.endswith(".py") else text})
    assert escapes(root / rel, root) == []


def test_the_scan_catches_the_old_spec_loader_in_the_real_file(tmp_path):
    """Put back the line that once read a folder beside the repository: the scan must fail on it."""
    real = (ROOT / "tests" / "e2e" / "spec.py").read_text(encoding="utf-8")
    vendored = 'return Path(__file__).resolve().parent / "discord-api-spec" / "openapi.json"'
    assert vendored in real
    old = 'repo = Path(__file__).resolve().parents[2]\n    return repo.parent / "shared" / "discord-api-spec" / "openapi.json"'
    root = fake_repo(tmp_path, {"tests/e2e/spec.py": real.replace(vendored, old)})
    assert escapes(root / "tests/e2e/spec.py", root)
    clean = fake_repo(tmp_path / "clean", {"tests/e2e/spec.py": real})
    assert escapes(clean / "tests/e2e/spec.py", clean) == []


# --- the vendored OpenAPI description ------------------------------------------------------------------


def test_the_vendored_spec_is_the_pinned_copy_with_its_licence():
    assert hashlib.sha256((SPEC / "openapi.json").read_bytes()).hexdigest() == SPEC_SHA256
    assert "MIT License" in (SPEC / "LICENSE").read_text(encoding="utf-8")
    readme = (SPEC / "README.md").read_text(encoding="utf-8")
    assert "discord/discord-api-spec" in readme and "74fda0f" in readme and SPEC_SHA256 in readme


def test_the_spec_loader_reads_the_vendored_copy_by_default(monkeypatch):
    from tests.e2e import spec

    monkeypatch.delenv("DISCORD_API_SPEC", raising=False)
    assert spec.spec_path() == SPEC / "openapi.json"
    monkeypatch.setenv("DISCORD_API_SPEC", "/elsewhere/openapi.json")
    assert spec.spec_path() == Path("/elsewhere/openapi.json")


# --- CI ---------------------------------------------------------------------------------------------------


def test_ci_runs_the_readme_test_line():
    line = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "readme_lines.py"), "test"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert line == "python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && .venv/bin/python -m pytest"
    assert f"```sh\n{line}\n```" in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_ci_clones_into_an_empty_folder_and_keeps_the_exit_status(tmp_path):
    """.ci/run on a tiny repository whose test line records where it ran and exits 5 (pytest's 'no tests')."""
    repo = tmp_path / "project"
    (repo / ".ci").mkdir(parents=True)
    (repo / "tools").mkdir()
    shutil.copy(ROOT / ".ci" / "run", repo / ".ci" / "run")
    shutil.copy(ROOT / "tools" / "readme_lines.py", repo / "tools" / "readme_lines.py")
    probe = tmp_path / "probe.txt"
    (repo / "probe.py").write_text(
        "import os, sys\n"
        "here = os.getcwd()\n"
        "lines = [here, ' '.join(sorted(os.listdir(os.path.dirname(here)))), ' '.join(sorted(os.listdir(here)))]\n"
        "open(os.environ['CI_PROBE'], 'w').write('\\n'.join(lines))\n"
        "sys.exit(5)\n",
        encoding="utf-8",
    )
    line = "python3 probe.py"
    (repo / "README.md").write_text(f"# x\n\nRun the tests:\n\n```sh\n{line}\n```\n", encoding="utf-8")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "init.defaultBranch=main"]
    subprocess.run([*git, "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "-C", str(repo), "add", "."], check=True)
    subprocess.run([*git, "-C", str(repo), "commit", "-qm", "x"], check=True)
    (repo / "uncommitted.txt").write_text("not in the clone", encoding="utf-8")

    env = {**os.environ, "CI_PROBE": str(probe), "TMPDIR": str(tmp_path)}
    done = subprocess.run(["bash", str(repo / ".ci" / "run")], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 5, done.stdout + done.stderr
    where, beside, inside = probe.read_text(encoding="utf-8").splitlines()
    assert Path(where).name == "dramabot" and Path(where).parent.parent == tmp_path
    assert beside == "dramabot"  # the clone is alone in its folder: nothing beside it
    assert "probe.py" in inside.split() and "uncommitted.txt" not in inside.split()  # a clone of HEAD
    assert not Path(where).exists()  # and the folder is gone afterwards
    assert "the test line exited 5" in done.stdout


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
@pytest.mark.parametrize(("audit_status", "answered"), [(0, True), (1, True), (0, False)])
def test_ci_audits_the_installed_packages_after_passing_tests(tmp_path, audit_status, answered):
    """.ci/run on a tiny repository whose test line passes and leaves a venv whose pip-audit records how it
    was called: the audit runs over what `pip freeze` lists, and its status is CI's (1: a known
    vulnerability). When the advisory service looks up none of the packages, CI says nothing was audited."""
    repo = tmp_path / "project"
    (repo / ".ci").mkdir(parents=True)
    (repo / "tools").mkdir()
    shutil.copy(ROOT / ".ci" / "run", repo / ".ci" / "run")
    shutil.copy(ROOT / "tools" / "readme_lines.py", repo / "tools" / "readme_lines.py")
    record = tmp_path / "audit.txt"
    (repo / "make_venv.sh").write_text(
        "mkdir -p .venv/bin\n"
        "printf '#!/bin/sh\\n[ \"$1 $2\" = \"freeze --exclude-editable\" ] && echo aiosqlite==0.22.1\\n' > .venv/bin/pip\n"
        "printf '#!/bin/sh\\necho \"$@\" > \"$CI_AUDIT_RECORD\"\\n"
        "cat \"$(eval echo \\\\${$#})\" >> \"$CI_AUDIT_RECORD\"\\n"
        "[ -n \"$CI_AUDIT_UNKNOWN\" ] && echo \"aiosqlite  Dependency not found on PyPI and could not be audited\"\\n"
        "exit $CI_AUDIT_STATUS\\n' > .venv/bin/pip-audit\n"
        "chmod +x .venv/bin/pip .venv/bin/pip-audit\n",
        encoding="utf-8",
    )
    (repo / "README.md").write_text("# x\n\nRun the tests:\n\n```sh\nsh make_venv.sh\n```\n", encoding="utf-8")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "init.defaultBranch=main"]
    subprocess.run([*git, "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "-C", str(repo), "add", "."], check=True)
    subprocess.run([*git, "-C", str(repo), "commit", "-qm", "x"], check=True)

    env = {**os.environ, "TMPDIR": str(tmp_path), "CI_AUDIT_RECORD": str(record), "CI_AUDIT_STATUS": str(audit_status),
           "CI_AUDIT_UNKNOWN": "" if answered else "1"}
    done = subprocess.run(["bash", str(repo / ".ci" / "run")], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == audit_status, done.stdout + done.stderr
    assert "the test line exited 0" in done.stdout and f"pip-audit exited {audit_status}" in done.stdout
    called, *listed = record.read_text(encoding="utf-8").splitlines()
    assert " -r " in called and "--strict" not in called
    assert listed == ["aiosqlite==0.22.1"]  # what pip freeze listed is what was audited
    assert f"{0 if answered else 1} of 1 packages could not be looked up" in done.stdout
    assert ("nothing was audited" in done.stdout) is (not answered)


ENTRY_POINTS = {"__init__.py", "__main__.py", "client.py", "settings.py", "models.py", "errors.py"}


def test_how_it_is_built_matches_the_tree():
    """README's "How it is built" names every folder of bot/, each bot/ or cogs/ path it names exists,
    and bot/'s top level holds only the entry points: a new folder or a moved module fails here."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## How it is built") :]
    section = section[: section.index("\n## ")]
    tracked = subprocess.run(
        ["git", "ls-files", "bot"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    folders = {Path(p).parts[1] for p in tracked if len(Path(p).parts) > 2}
    assert sorted(f for f in folders if f"`bot/{f}/`" not in section) == []
    named = set(re.findall(r"`((?:bot|cogs)/[\w/.]+)`", section))
    assert len(named) > 10 and sorted(p for p in named if not (ROOT / p).exists()) == []
    assert {p.split("/")[1] for p in tracked if p.count("/") == 1} == ENTRY_POINTS
