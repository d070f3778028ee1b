"""Print which documentation blocks the tests do not run, and why, after every test run."""

from __future__ import annotations

from typing import Any

from doc_blocks import blocks_of, doc_pages


def pytest_terminal_summary(terminalreporter: Any) -> None:
    blocks = [b for page in doc_pages() for b in blocks_of(page) if b.runnable]
    skipped = [b for b in blocks if b.not_run is not None]
    terminalreporter.section("documentation blocks")
    terminalreporter.write_line(
        f"{len(blocks) - len(skipped)} code blocks run, {len(skipped)} not run:"
    )
    for block in skipped:
        terminalreporter.write_line(f"  {block.where}: {block.not_run}")
