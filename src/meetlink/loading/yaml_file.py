"""The meeting file's YAML, read with bounds: the line of every key, and what is refused.

A meeting file is read so that no file can make loading slow or large, or slip a control
character into an invitation:

* no anchors (``&name``) and aliases (``*name``): a meeting file is short, so every value is
  written where it is used, and an "alias bomb" (a few KB that expand to gigabytes) cannot
  be written at all; nesting deeper than :data:`MAX_DEPTH` is refused too;
* only the plain YAML types: text, numbers, true/false, null, lists and mappings. A tag such
  as ``!!timestamp`` or ``!!binary`` is refused at its line (times are text, read in the
  meeting's zone);
* no text value (nor key) holds a control character: a tab, an escape, a bell, a line
  break — they break invitations and terminals, except under the keys the caller names as
  free text of several lines.

Every problem is a :class:`~meetlink.errors.Problem` at ``FILE:LINE: key.path``; the key
path of ``tracks[0].sittings[1].end`` is ``("tracks", 0, "sittings", 1, "end")``.

Example:
    >>> data, lines, problems = read_yaml("id: q3\\ntracks:\\n  - id: main\\n")
    >>> data, lines[("tracks", 0, "id")], problems
    ({'id': 'q3', 'tracks': [{'id': 'main'}]}, 3, [])
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Collection
from typing import Any

import yaml

from meetlink.errors import InputError, Problem
from meetlink.text import control_problem

__all__ = ["MAX_DEPTH", "KeyPath", "dotted", "line_for", "read_yaml"]

KeyPath = tuple[str | int, ...]
"""Where a value sits in the file: mapping keys and list indexes from the top."""

MAX_DEPTH = 32
"""How deeply a meeting file's lists and mappings may nest (the real ones: 5)."""
_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "seq", "map")
)
_NUMBER_TAGS = frozenset({"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"})
_MAX_NUMBER_CHARACTERS = 32
# What PyYAML's reader refuses outright: control characters other than tab and line breaks.
_UNREADABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)


def line_for(lines: dict[KeyPath, int], key: KeyPath) -> int:
    """The line ``key`` was written on, or its nearest written parent's (1 for none).

    >>> line_for({("tracks",): 4, ("tracks", 0): 5}, ("tracks", 0, "platform"))
    5
    """
    while key and key not in lines:
        key = key[:-1]
    return lines.get(key, 1)


def dotted(path: KeyPath) -> str:
    """A key path as a problem names it.

    >>> dotted(("tracks", 0, "sittings", 1, "end"))
    'tracks[0].sittings[1].end'
    """
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def read_yaml(
    text: str, shown: str = "<meeting>", *, multiline: Collection[KeyPath] = ()
) -> tuple[Any, dict[KeyPath, int], list[Problem]]:
    """Read YAML text with the bounds above: the data, the line of every key path, and the
    problems found that still let the data be read (a key written twice, a control
    character in a value).

    Raises :class:`~meetlink.errors.InputError` when nothing can be read: a syntax error,
    an anchor or alias, nesting too deep, a tag, a number too long, an empty file. The
    values at the key paths in ``multiline`` may hold line breaks.

    >>> try:
    ...     read_yaml("a: &x 1\\nb: *x\\n", "m.yaml")
    ... except InputError as exc:
    ...     print(str(exc.problems[0])[:40])
    m.yaml:1: a: anchors (&name) and aliases
    """
    # PyYAML refuses a raw control character before parsing, with no line or key: mask each
    # with a printable one of the same length, and report it at its key like an escaped one.
    unreadable = [m.start() for m in _UNREADABLE.finditer(text)]
    loader = _Loader(_UNREADABLE.sub("\ufffd", text) if unreadable else text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise InputError.single(shown, "the meeting file is empty.", where=1)
        lines: dict[KeyPath, int] = {}
        walk = _Walk(shown, text, unreadable, lines, frozenset(multiline))
        walk.visit(node, ())
        if walk.fatal:  # a tag the constructor would choke on, a number too long to read
            raise InputError(sorted(walk.problems))
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        detail = exc.problem or str(exc)
        if isinstance(exc, _Refused):
            raise InputError([Problem(shown, line, dotted(exc.path), detail, yaml=True)]) from None
        message = (
            f"YAML syntax error: {detail}; check the "
            "indentation and quotes on this line or the one above."
        )
        raise InputError([Problem(shown, line, "", message, yaml=True)]) from None
    finally:
        loader.dispose()
    return data, lines, walk.problems


class _Refused(yaml.MarkedYAMLError):
    """Something meetlink refuses in a meeting file (not a syntax error), at its mark and
    key path."""

    def __init__(self, problem: str, mark: yaml.Mark, path: KeyPath) -> None:
        super().__init__(problem=problem, problem_mark=mark)
        self.path = path


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps timestamps as text (meetlink reads them in the meeting's zone),
    refuses anchors and aliases, and bounds the nesting."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.path: list[str | int] = []

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        key = index.value if isinstance(index, yaml.ScalarNode) else index
        entered = isinstance(key, str | int) and parent is not None
        if entered:
            self.path.append(key)  # type: ignore[arg-type]
        try:
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                raise _Refused(
                    "anchors (&name) and aliases (*name) are not allowed in a meeting file; "
                    "write the value out where it is used.",
                    event.start_mark,
                    tuple(self.path),
                )
            if len(self.path) > MAX_DEPTH:
                raise _Refused(
                    f"the lists and mappings nest deeper than {MAX_DEPTH} levels here; a "
                    "meeting file needs five at most.",
                    event.start_mark,
                    tuple(self.path[:MAX_DEPTH]),
                )
            return super().compose_node(parent, index)  # type: ignore[arg-type]
        finally:
            if entered:
                self.path.pop()


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _Walk:
    """One pass over the composed YAML: the line of every key path, and what is refused
    before anything is built (keys written twice, tags, control characters)."""

    def __init__(
        self,
        shown: str,
        text: str,
        unreadable: list[int],
        lines: dict[KeyPath, int],
        multiline: frozenset[KeyPath],
    ) -> None:
        self.shown, self.text, self.unreadable, self.lines = shown, text, unreadable, lines
        self.multiline = multiline
        self.problems: list[Problem] = []
        self.fatal = False

    def problem(self, line: int, path: KeyPath, message: str) -> None:
        self.problems.append(Problem(self.shown, line, dotted(path), message, yaml=True))

    def visit(self, node: yaml.Node, path: KeyPath) -> None:
        line = node.start_mark.line + 1
        self.lines.setdefault(path, line)
        if node.tag not in _PLAIN_TAGS:
            self.fatal = True
            written = node.tag.replace("tag:yaml.org,2002:", "!!")
            self.problem(
                line,
                path,
                f"the tag {written} is not allowed; write the value plainly (text, a number, "
                "true/false, a list or a mapping; a time as 2023-09-10T08:00).",
            )
            return
        if isinstance(node, yaml.ScalarNode):
            self.scalar(node, path)
        elif isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key_node, value_node in node.value:
                key = str(key_node.value)
                key_line = key_node.start_mark.line + 1
                if isinstance(key_node, yaml.ScalarNode) and self.scalar(key_node, (*path, key)):
                    continue  # a key with a control character: its value would only echo it
                if key in seen:
                    self.problem(
                        key_line,
                        (*path, key),
                        f"this key is written twice (first on line {seen[key]}); keep one.",
                    )
                seen[key] = key_line
                self.lines[(*path, key)] = key_line
                self.visit(value_node, (*path, key))
                self.lines[(*path, key)] = key_line
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self.visit(item, (*path, i))

    def scalar(self, node: yaml.ScalarNode, path: KeyPath) -> bool:
        """Report a control character or a number too long to read; True if refused."""
        line = node.start_mark.line + 1
        start, end = node.start_mark.index, node.end_mark.index
        first = bisect.bisect_left(self.unreadable, start)
        if first < len(self.unreadable) and self.unreadable[first] < end:
            # written raw (PyYAML would refuse the whole file): count from the value's start
            start += 1 if node.style in ("'", '"') else 0
            written = self.text[start : self.unreadable[first] + 1]
            self.problem(line, path, control_problem(written) or "")
            return True
        value = str(node.value)
        message = control_problem(value, allow="\n" if path in self.multiline else "")
        if message is not None:
            self.problem(line, path, message)
            return True
        if node.tag in _NUMBER_TAGS and len(value) > _MAX_NUMBER_CHARACTERS:
            self.fatal = True
            self.problem(
                line,
                path,
                f"this number has more than {_MAX_NUMBER_CHARACTERS} "
                "characters; write a sensible one.",
            )
            return True
        return False
