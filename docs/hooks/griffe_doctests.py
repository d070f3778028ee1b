"""griffe extension for the API pages: meetlink's docstrings as Markdown code.

The docstrings show examples as bare doctest lines (``>>> ...``) and shell lines
(``$ meetlink ...``), mostly under an ``Example:`` heading, which the Google-style parser keeps
as Markdown text. There, ``x["key"]`` would read as a link. This wraps each such run of lines
in a fenced code block (``pycon`` or ``console``) and drops ``# doctest:`` flags, so the site
shows them as code. Loaded by mkdocstrings (``extensions:`` in mkdocs.yml).
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_FLAGS = re.compile(r"\s*#\s*doctest:.*$")


def fence_examples(text: str) -> str:
    """Put every run of ``>>>`` or ``$`` lines (with their output) in a fenced block."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.lstrip()
        if not stripped.startswith((">>>", "$ ")):
            out.append(line)
            i += 1
            continue
        indent = line[: len(line) - len(stripped)]
        language = "pycon" if stripped.startswith(">>>") else "console"
        block = []
        while i < len(lines) and lines[i].strip() and lines[i].startswith(indent):
            block.append(_FLAGS.sub("", lines[i][len(indent) :]))
            i += 1
        previous = out[-1] if out else ""
        # A blank line parts the block from text at its own level; right under a heading
        # such as "Example:" (less indented) it would end the heading's section instead.
        if (
            previous.strip()
            and previous.startswith(indent)
            and previous[len(indent) : len(indent) + 1] != " "
        ):
            out.append("")
        out += [f"{indent}```{language}", *(indent + b for b in block), f"{indent}```"]
    return "\n".join(out)


class DoctestFences(griffe.Extension):
    """Fence the examples of every object's docstring once the tree is built."""

    def on_object(self, *, obj: Any, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = fence_examples(obj.docstring.value)
