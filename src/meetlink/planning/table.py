"""The plan as a rich table, and the one rule for text that meetlink prints to a terminal.

Values in the tables come from the roster and the meeting file (unit names, halls, ids) and
from the platforms (error texts). A value never reaches the terminal as a control: every
text cell goes through :func:`terminal_text`, which shows each control character (C0, DEL,
C1), each invisible format character (bidi overrides such as U+202E, zero-width spaces) and
each line separator as a visible placeholder. Cells are rich ``Text``, never markup, so a
``[bold]`` in a name is shown as written.

Example:
    >>> terminal_text("Đảng bộ \\x1b[31mĐỎ\\u202e")
    'Đảng bộ ␛[31mĐỎ<U+202E>'
    >>> from meetlink.planning.table import render_plan   # render_plan(plan) prints to stdout
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING, TextIO

from meetlink.planning.planner import Conference, Plan

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

__all__ = [
    "render_plan",
    "terminal_cell",
    "terminal_console",
    "terminal_text",
    "tier_lines",
    "tier_tree",
]

# controls (C0, DEL, C1), format characters (bidi, zero-width), line/paragraph separators,
# lone surrogates
_HIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def _visible(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ␀ … ␛ … ␟
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"


def terminal_text(value: object, *, keep_newlines: bool = False) -> str:
    """``value`` as text that is safe to print: every control or invisible format character
    replaced by a visible placeholder (``\\x1b`` → ``␛``, U+202E → ``<U+202E>``).

    Letters, combining marks and ordinary spaces are kept. ``keep_newlines`` keeps ``\\n``
    (for whole lines of meetlink's own messages; never for a table cell).
    """
    text = str(value)
    if text.isprintable():  # the usual case: nothing to replace
        return text
    return "".join(
        _visible(char)
        if unicodedata.category(char) in _HIDDEN and not (keep_newlines and char == "\n")
        else char
        for char in text
    )


def terminal_cell(value: object, style: str = "") -> Text:
    """A rich ``Text`` of :func:`terminal_text`: shown as written, never read as markup."""
    from rich.text import Text

    return Text(terminal_text(value), style=style)


def terminal_console(stream: TextIO | None = None, *, width: int | None = None) -> Console:
    """A rich console that reads no markup or emoji codes in strings, and raises
    ``BrokenPipeError`` when the reader of its output is gone (rich would exit on its own),
    so that the command line ends every such case the same way."""
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError("the reader of the output is gone")

    return _Console(file=stream, width=width, markup=False, emoji=False)


def render_plan(plan: Plan, stream: TextIO | None = None, *, notes: Iterable[str] = ()) -> None:
    """Print one table per track, then totals, what the plan noted and ``notes`` (what the
    layers above know of the plan: who gets no invitation)."""
    from rich.table import Table
    from rich.text import Text

    console = terminal_console(stream, width=160 if stream is not None else None)
    meeting = plan.meeting
    heading = Text.assemble(
        terminal_cell(meeting.title, "bold"),
        terminal_text(f"  ({meeting.id}, {meeting.timezone})"),
    )
    console.print(heading)
    if plan.rehearsal:
        console.print(terminal_cell(f"Chạy thử đường truyền: {plan.rehearsal:%Y-%m-%d %H:%M}"))
    grand = 0
    for track in meeting.tracks:
        sittings = [s for s in plan.sittings if s.track == track.id]
        points = plan.points_of(track.id)
        table = Table(
            title=terminal_cell(
                f"Track {track.id} — {track.platform}, {track.conference.value}, "
                f"{track.attendance.value}"
            ),
            show_lines=False,
        )
        for column in ("#", "Điểm cầu", "Địa điểm", "Đơn vị"):
            table.add_column(terminal_cell(column))
        for sitting in sittings:
            when = f"{sitting.start:%d/%m %H:%M}" if sitting.start else "chưa định giờ"
            header = Text("\n").join([terminal_cell(sitting.id), terminal_cell(when)])
            table.add_column(header, justify="right")
        totals = dict.fromkeys((s.id for s in sittings), 0)
        for number, point in enumerate(points, start=1):
            names = ", ".join(plan.units[u].name for u in point.units if u in plan.units)
            for sitting in sittings:
                totals[sitting.id] += point.seats.get(sitting.id, 0)
            table.add_row(
                terminal_cell(number),
                terminal_cell(point.name),
                terminal_cell(point.location),
                terminal_cell(names),
                *(terminal_cell(point.seats.get(s.id, 0)) for s in sittings),
            )
        table.add_section()
        table.add_row(
            "",
            terminal_cell(f"Tổng: {len(points)} điểm cầu"),
            "",
            "",
            *(terminal_cell(totals[s.id]) for s in sittings),
        )
        grand += len(points)
        console.print(table)
        if sittings:
            for line in tier_lines(plan, track.id, sittings[0].id):
                console.print(terminal_cell(line))
    console.print(terminal_cell(f"{grand} bridge points, {len(plan.conferences)} conferences."))
    if plan.not_invited:
        console.print(terminal_cell(f"Not invited (in no track): {', '.join(plan.not_invited)}"))
    for note in (*plan.notes, *notes):
        console.print(terminal_cell(f"Note: {note}"))


def tier_lines(plan: Plan, track: str, sitting: str) -> list[str]:
    """The relay tree of a track's conferences for one sitting, as lines to print (empty when
    the track is held in one conference per sitting): a heading, then each conference under
    the one it is relayed from, with its relay point and number of points.

    >>> tier_lines(plan, "toan-quoc", "s1")[1:3]  # doctest: +SKIP
    ['toan-quoc/s1 — Trung ương: 35 điểm cầu', '├─ toan-quoc/s1/T01 — Tỉnh ủy 1: 21 điểm cầu']
    """
    conferences = [c for c in plan.conferences if c.track == track and c.sitting == sitting]
    if not any(c.parent is not None for c in conferences):
        return []
    below: dict[str | None, list[Conference]] = {}
    for conference in conferences:
        below.setdefault(conference.parent, []).append(conference)
    capacity = next((t.capacity for t in plan.meeting.tracks if t.id == track), None)
    largest = max(len(c.bridge_points) for c in conferences)
    tiers = max(c.tier for c in conferences) + 1
    limit = f", tối đa {capacity} điểm cầu một phòng họp" if capacity else ""
    lines = [
        f"Sơ đồ tiếp sóng ({sitting}{limit}): {len(conferences)} phòng họp, {tiers} tầng, "
        f"lớn nhất {largest} điểm cầu"
    ]
    # (conference, prefix of its line, prefix of its children's lines), depth first
    stack: list[tuple[Conference, str, str]] = [(c, "", "") for c in reversed(below[None])]
    while stack:
        conference, head, rest = stack.pop()
        host = plan.point(conference.bridge_points[0]).name
        lines.append(f"{head}{conference.key} — {host}: {len(conference.bridge_points)} điểm cầu")
        children = below.get(conference.key, [])
        for number, child in reversed(list(enumerate(children, start=1))):
            last = number == len(children)
            stack.append(
                (child, rest + ("└─ " if last else "├─ "), rest + ("   " if last else "│  "))
            )
    return lines


def tier_tree(plan: Plan) -> list[str]:
    """:func:`tier_lines` of every track relayed in tiers, at its first sitting (every sitting
    of a track has the same tree): what ``meetlink plan --format tree`` prints."""
    out: list[str] = []
    for track in plan.meeting.tracks:
        first = next((s.id for s in plan.sittings if s.track == track.id), None)
        if first is not None:
            out.extend(tier_lines(plan, track.id, first))
    return out
