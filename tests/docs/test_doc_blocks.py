"""Every Python and shell block of the documentation runs (issue 8: docs that cannot rot).

Each page (README.md and docs/**/*.md) runs in its own process and its own copy of
``examples/``, with a fresh vault key and a throw-away home folder; the pages run side by
side. Blocks that cannot run offline are marked ``<!-- not-run: reason -->``; they are
counted and listed at the end of the test run. See ``doc_blocks.py`` for the rules.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from doc_blocks import ROOT, PageFailure, _argv, blocks_of, commands_of, doc_pages, stray_markers

RUNNER = Path(__file__).with_name("doc_blocks.py")
PAGES = [p for p in doc_pages() if any(b.runnable and b.not_run is None for b in blocks_of(p))]


@dataclass(frozen=True)
class PageRun:
    returncode: int
    output: str
    seconds: float


def _workspace(base: Path) -> Path:
    base.mkdir(parents=True)
    shutil.copytree(
        ROOT / "examples",
        base / "examples",
        ignore=shutil.ignore_patterns(".meetlink", "__pycache__", "*.egg-info"),
    )
    (base / "home").mkdir()
    return base


def _environment(workspace: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEETLINK_")}
    env.update(
        MEETLINK_VAULT_KEY=base64.urlsafe_b64encode(os.urandom(32)).decode(),
        HOME=str(workspace / "home"),  # never the user's ~/.config/meetlink
        XDG_CONFIG_HOME=str(workspace / "home" / ".config"),
        MPLCONFIGDIR=str(workspace / "home" / "matplotlib"),
        MPLBACKEND="Agg",
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONPATH=os.pathsep.join(
            [str(RUNNER.parent), *filter(None, [os.environ.get("PYTHONPATH")])]
        ),
    )
    return env


def _run(page: Path, workspace: Path) -> PageRun:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(RUNNER), str(page), str(workspace)],
        cwd=workspace,
        env=_environment(workspace),
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    return PageRun(done.returncode, done.stderr or done.stdout, time.monotonic() - started)


@pytest.fixture(scope="session")
def page_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[Path, PageRun]]:
    """Every page run once, side by side (most time is spent waiting on fsync and sockets)."""
    base = tmp_path_factory.mktemp("docs")
    spaces = {page: _workspace(base / f"page{i}") for i, page in enumerate(PAGES)}
    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = {page: pool.submit(_run, page, space) for page, space in spaces.items()}
        yield {page: future.result() for page, future in futures.items()}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_blocks_of_the_page_run(page: Path, page_runs: dict[Path, PageRun]) -> None:
    run = page_runs[page]
    assert run.returncode == 0, run.output


def test_every_marker_stands_right_before_a_code_block() -> None:
    stray = [where for page in doc_pages() for where in stray_markers(page)]
    assert stray == [], "a <!-- not-run --> or <!-- expect-exit --> marker is not before a fence"


def test_every_shell_command_is_one_the_tests_can_run() -> None:
    refused = []
    for page in doc_pages():
        for block in blocks_of(page):
            if block.language == "python" or not block.runnable or block.not_run is not None:
                continue
            for command in commands_of(block):
                if command.startswith("export "):
                    continue
                try:
                    _argv(command, block)
                except PageFailure as failure:
                    refused.append(str(failure))
    assert refused == []


def test_every_block_not_run_says_why() -> None:
    silent = [
        b.where
        for page in doc_pages()
        for b in blocks_of(page)
        if b.not_run is not None and not b.not_run.strip()
    ]
    assert silent == []
    assert PAGES, "no page has a block to run"
