"""``meetlink status --links``: every bridge point's join link per sitting, as a table.

The links are read from the ledger (:func:`~meetlink.reconcile.links.point_links`): what
each point's invitation carried, never a password or a token. The labels follow the
meeting's ``language`` (the table is copied into the units' chat groups as it is), not the
command's: :func:`meetlink.cli.i18n.translator`.

Example:
    $ meetlink status examples/myhao-2023q3/meeting.yaml --links
"""

from __future__ import annotations

from collections.abc import Sequence

from meetlink.cli.i18n import translator
from meetlink.planning import Plan
from meetlink.planning.table import terminal_cell, terminal_console
from meetlink.reconcile.links import PointLink

__all__ = ["link_word", "notice_only_line", "show_links"]


def link_word(row: PointLink, language: str, *, timed: bool) -> str:
    """The link of ``row``, or what stands in its place, in ``language``.

    >>> link_word(PointLink("main/s1", "X1", "Xã", None, True), "vi", timed=False)
    'chờ thời gian (thời gian cụ thể sẽ có thông báo sau)'
    """
    words = translator(language)
    if row.link:
        return row.link
    if row.cancelled:
        return words.gettext("cancelled")
    if not timed:
        return words.gettext("awaiting the time (announced later)")
    if row.credentials:
        return words.gettext("sent to the technical officer alone")
    if not row.made:
        return words.gettext("none yet: run meetlink open")
    return words.gettext("none")


def show_links(plan: Plan, rows: Sequence[PointLink]) -> None:
    """Print the table of join links."""
    from rich.table import Table

    language = plan.meeting.language
    words = translator(language)
    timed = {s.key for s in plan.sittings if s.start is not None}
    title = words.gettext("{meeting} — join links").format(meeting=plan.meeting.title)
    table = Table(title=terminal_cell(title))
    longest = max((len(r.link) for r in rows if r.link), default=0)
    for column in (
        words.gettext("Sitting"),
        words.gettext("Point id"),
        words.gettext("Bridge point"),
    ):
        table.add_column(column, overflow="fold")
    # A link is never cut or wrapped: it is copied from here.
    table.add_column(words.gettext("Join link"), no_wrap=True, min_width=longest)
    for row in rows:
        word = link_word(row, language, timed=row.sitting in timed)
        table.add_row(*(terminal_cell(c) for c in (row.sitting, row.point, row.point_name, word)))
    terminal_console().print(table)


def notice_only_line(count: int, language: str) -> str:
    """The line under ``meetlink status`` that counts the points with the notice alone.

    >>> notice_only_line(3, "en")
    '3 bridge point(s) have the notice only, awaiting the time.'
    """
    line = translator(language).gettext(
        "{count} bridge point(s) have the notice only, awaiting the time."
    )
    return line.format(count=count)
