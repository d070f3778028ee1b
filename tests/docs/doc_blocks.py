"""Find and run the code blocks of the documentation (docs/**/*.md and README.md).

A page's blocks run in order, in one workspace: a temporary folder holding a copy of
``examples/`` (without any ``.meetlink/`` state). They share that folder, so a later block
sees what an earlier one did, as a reader following the page would.

* ```` ```python ```` blocks are executed with ``exec``, all of a page in one namespace.
* ```` ```sh ````, ```` ```bash ```` and ```` ```console ```` blocks are shell commands. Each
  command must be ``meetlink …``, ``python -m meetlink …`` (``python3``, ``.venv/bin/meetlink``
  too) or ``export NAME=VALUE``; meetlink runs as ``sys.executable -m meetlink``. In a console
  block, only the lines after a ``$ `` prompt are commands. ``# comments`` and trailing ``\\``
  continuations are understood; pipes, ``&&`` and redirections are not.
* A block that cannot run offline (it installs packages, needs real credentials, runs until
  Ctrl-C) is marked on the line before its fence: ``<!-- not-run: the reason -->``.
* ``<!-- expect-exit: N -->`` before a shell block: every command of it must exit with N
  (default 0).
* A line ``--8<-- "path"`` inside a block (pymdownx.snippets, as the site shows it) is
  replaced by that file of the repository, so an included example runs as the reader sees it.

Run as a script (``python doc_blocks.py PAGE WORKSPACE``), it runs one page and exits 0, or
prints where and why the page failed and exits 1. The tests run every page this way, in its
own process, so one page's environment or registrations never leak into another's.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUN_LANGUAGES = frozenset({"python", "sh", "bash", "console"})
_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>[^\n`]*)$")
_MARKER = re.compile(r"^<!--\s*(?P<kind>not-run|expect-exit):\s*(?P<value>.*?)\s*-->\s*$")
_MEETLINK = re.compile(r"^(?:(?:\.venv/bin/)?meetlink|python3? -m meetlink)(?=\s|$)")
_EXPORT = re.compile(r"^export (?P<name>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>\S*)$")
_UNSUPPORTED = re.compile(r"[|;&<>`$]")
_SNIPPET = re.compile(r'^--8<-- "(?P<path>[^"]+)"$')


@dataclass(frozen=True)
class Block:
    """One fenced code block of a page."""

    path: Path
    line: int  # the line of the opening fence, 1-based
    language: str
    code: str
    not_run: str | None = None  # the reason, when marked
    expect_exit: int = 0

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    @property
    def runnable(self) -> bool:
        return self.language in RUN_LANGUAGES


def doc_pages() -> list[Path]:
    """The pages whose blocks must run: README.md and every page under docs/."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def blocks_of(path: Path) -> list[Block]:
    """Every fenced block of a page, with the marker written on the line before its fence."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if match is None:
            i += 1
            continue
        fence, info = match["fence"], match["info"].strip()
        language = info.split()[0].lower() if info else ""
        end = i + 1
        while end < len(lines) and not lines[end].strip().startswith(fence):
            end += 1
        indent = len(match["indent"])
        code = "\n".join(_snippet(line[indent:]) for line in lines[i + 1 : end])
        not_run, expect = None, 0
        j = i - 1
        while j >= 0 and (marker := _MARKER.match(lines[j].strip())):
            if marker["kind"] == "not-run":
                not_run = marker["value"]
            else:
                expect = int(marker["value"])
            j -= 1
        found.append(Block(path, i + 1, language, code, not_run, expect))
        i = end + 1
    return found


def _snippet(line: str) -> str:
    included = _SNIPPET.match(line.strip())
    if included is None:
        return line
    return (ROOT / included["path"]).read_text(encoding="utf-8").rstrip("\n")


def stray_markers(path: Path) -> list[str]:
    """Markers that are not right before a fence (a typo would silently run nothing)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out = []
    for number, line in enumerate(lines, start=1):
        if _MARKER.match(line.strip()):
            after = number  # index of the next line
            while after < len(lines) and _MARKER.match(lines[after].strip()):
                after += 1
            if after >= len(lines) or not _FENCE.match(lines[after]):
                out.append(f"{path.relative_to(ROOT)}:{number}")
    return out


def commands_of(block: Block) -> list[str]:
    """The shell commands of a block, one per logical line."""
    raw = block.code.splitlines()
    if block.language == "console":
        raw = [line[2:] for line in raw if line.startswith("$ ")]
    commands: list[str] = []
    pending = ""
    for line in raw:
        text = line.strip()
        if not pending and (not text or text.startswith("#")):
            continue
        if text.endswith("\\"):
            pending += text[:-1] + " "
            continue
        command = (pending + text).strip()
        pending = ""
        if " #" in command:
            command = command.split(" #", 1)[0].rstrip()
        commands.append(command)
    return commands


class PageFailure(Exception):
    """A block of a page did not do what the page says."""


def _argv(command: str, block: Block) -> list[str]:
    if _MEETLINK.match(command) is None or _UNSUPPORTED.search(command):
        raise PageFailure(
            f"{block.where}: `{command}` is not a meetlink command the tests can run; write "
            "one `meetlink ...` per line, or mark the block `<!-- not-run: reason -->`."
        )
    words = shlex.split(command)
    if words[0].startswith("python"):
        return [sys.executable, "-m", *words[2:]]
    return [sys.executable, "-m", "meetlink", *words[1:]]


def run_page(path: Path, workspace: Path) -> None:
    """Run every runnable block of ``path`` in ``workspace``; raise PageFailure on the first
    block that fails."""
    os.chdir(workspace)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for block in blocks_of(path):
        if not block.runnable or block.not_run is not None:
            continue
        if block.language == "python":
            try:
                compiled = compile(block.code, block.where, "exec")
                exec(compiled, namespace)  # noqa: S102 - the documentation's own examples
            except Exception:
                raise PageFailure(
                    f"{block.where}: the Python block failed:\n{traceback.format_exc()}"
                ) from None
            continue
        for command in commands_of(block):
            export = _EXPORT.match(command)
            if export:
                os.environ[export["name"]] = export["value"]
                continue
            argv = _argv(command, block)
            done = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
            if done.returncode != block.expect_exit:
                raise PageFailure(
                    f"{block.where}: `{command}` exited {done.returncode} "
                    f"(the page expects {block.expect_exit}).\n"
                    f"--- stdout ---\n{done.stdout[-3000:]}\n--- stderr ---\n{done.stderr[-3000:]}"
                )


def main(argv: list[str]) -> int:
    page, workspace = Path(argv[1]).resolve(), Path(argv[2]).resolve()
    try:
        run_page(page, workspace)
    except PageFailure as failure:
        print(failure, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    sys.exit(main(sys.argv))
