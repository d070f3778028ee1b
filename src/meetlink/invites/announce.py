"""Short texts for the units' chat groups and for SMS (``meetlink announce``). Pure, no I/O.

Seed 002 hands the Meet link out in the units' Zalo groups. :func:`announcements_for` gives
one :class:`Announcement` per bridge point and sitting — or one per conference when every
point of a shared conference joins by the same link (one text for the group) — and
:func:`render_announcement` writes it in one of three forms, from the templates
``announce_zalo.txt``, ``announce_sms.txt`` and ``announce_text.txt``:

* ``zalo``: Vietnamese with its diacritics and line breaks, no markdown (Zalo shows ``*``
  and ``#`` as they are);
* ``sms``: plain ASCII without diacritics ("Gio sinh hoat …"), since many SMS gateways send
  only the GSM alphabet, on one line; cut into parts of at most 160 characters, each
  marked ``(1/2)``, when it is longer (a part is longer only when one word, a long link, is);
* ``text``: plain text with line breaks, for an e-mail or a printout.

A text says the time (or that it comes later), the point, the join link, the line test and
the help contacts. A recurring sitting's text gives its hours, the days it is held (a skipped
occurrence left out, a moved one at its new day) and what changed, in the words of
:mod:`meetlink.documents.held_dates`, as the notice and the invitations list them. It
never carries a password: the link is the one the invitation carried, and a point that
logs in with an account is told that its technical officer has it.

Example:
    >>> a = Announcement(title="Hội nghị", language="vi", link="https://meet.jit.si/q3-ab")
    >>> "https://meet.jit.si/q3-ab" in render_announcement(a, "zalo")  # doctest: +SKIP
    True
    >>> unaccented("Giờ sinh hoạt toàn Đảng bộ — Quý III")
    'Gio sinh hoat toan Dang bo - Quy III'
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from meetlink.documents.held_dates import changed_days, held, held_days, sitting_occurrences
from meetlink.documents.when import MAX_DATES, short_date
from meetlink.invites.templates import Templates
from meetlink.invites.wording import help_line, hours, moment, span
from meetlink.loading.meeting import ConferenceMode
from meetlink.loading.occurrences import Occurrence
from meetlink.planning import Plan

__all__ = [
    "FORMATS",
    "SMS_LENGTH",
    "Announcement",
    "Format",
    "announcements_for",
    "render_announcement",
    "sms_parts",
    "unaccented",
]

Format = Literal["zalo", "sms", "text"]
FORMATS: tuple[Format, ...] = ("zalo", "sms", "text")
SMS_LENGTH = 160
"""Characters of one SMS in the GSM alphabet."""


@dataclass(frozen=True, kw_only=True)
class Announcement:
    """What one text says: one sitting, and one bridge point or every point of a conference.

    ``point_name`` is empty for a text to a whole conference (``point_count`` points);
    ``help_contacts`` are ``(name, position, phone)``;
    ``link`` is None when there is none to give (not made yet: ``links_later``; or the
    point's access goes to its officer: ``credentials``); ``occurrences`` are a recurring
    sitting's, as the plan lists them (exceptions applied).
    """

    title: str
    language: Literal["vi", "en"] = "vi"
    meeting_title: str = ""
    sitting: str = ""
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    recurrence: str | None = None
    occurrences: tuple[Occurrence, ...] = ()
    occurrences_complete: bool = True
    arrive_by: dt.datetime | None = None
    point: str = ""
    point_name: str = ""
    hall: str = ""
    point_count: int = 1
    link: str | None = None
    links_later: bool = False
    credentials: bool = False
    rehearsal: dt.datetime | None = None
    help_contacts: tuple[tuple[str, str, str], ...] = ()

    @property
    def for_group(self) -> bool:
        """Whether this text is for every point of a conference."""
        return not self.point_name


def announcements_for(
    plan: Plan,
    links: Mapping[tuple[str, str], str | None] | None = None,
    *,
    made: frozenset[tuple[str, str]] = frozenset(),
    credentials: frozenset[tuple[str, str]] = frozenset(),
    sitting: str | None = None,
) -> list[Announcement]:
    """The texts of a meeting (or of one ``sitting``: its id or ``track/sitting``).

    ``links`` maps ``(sitting key, point id)`` to the point's join link, from the ledger;
    ``made``: the ``(sitting key, point id)`` whose conference exists (the others' texts
    say the link comes later); ``credentials``: those whose access went to their officer.
    One text per conference when it is shared and all its points have the same link;
    otherwise one per point. Points without seats in a sitting get no text for it.

    >>> announcements_for(plan)  # doctest: +SKIP
    [Announcement(title='Giờ sinh hoạt toàn Đảng bộ', ..., links_later=True, ...)]
    """
    meeting = plan.meeting
    tracks = {t.id: t for t in meeting.tracks}
    sittings = {s.key: s for s in plan.sittings}
    points = {p.id: p for p in plan.bridge_points}
    helpers = tuple(
        (c.name, c.position, c.phone or "")
        for c in meeting.help_contacts
        if c.name or c.position or c.phone
    )
    out: list[Announcement] = []
    for conference in plan.conferences:
        planned = sittings[f"{conference.track}/{conference.sitting}"]
        if sitting is not None and sitting not in (planned.key, planned.id):
            continue
        seated = [p for p in conference.bridge_points if points[p].seats.get(planned.id, 0) > 0]
        if not seated:
            continue
        base = Announcement(
            title=planned.title,
            language=meeting.language,
            meeting_title=meeting.title,
            sitting=planned.key,
            start=planned.start,
            end=planned.end,
            recurrence=planned.recurrence,
            occurrences=planned.occurrences,
            occurrences_complete=planned.occurrences_complete,
            arrive_by=planned.arrive_by,
            rehearsal=plan.rehearsal,
            help_contacts=helpers,
            links_later=planned.start is not None
            and not any((planned.key, p) in made for p in seated),
        )
        found = {p: (links or {}).get((planned.key, p)) for p in seated}
        shared = tracks[conference.track].conference == ConferenceMode.SHARED
        if shared and len(seated) > 1 and len(set(found.values())) == 1:
            out.append(
                _with(
                    base,
                    point_count=len(seated),
                    link=found[seated[0]],
                    credentials=any((planned.key, p) in credentials for p in seated),
                )
            )
            continue
        for point_id in seated:
            point = points[point_id]
            out.append(
                _with(
                    base,
                    point=point.id,
                    point_name=point.name,
                    hall=point.location if point.location != point.name else "",
                    link=found[point_id],
                    credentials=(planned.key, point_id) in credentials,
                )
            )
    return out


def _with(base: Announcement, **changes: Any) -> Announcement:
    return dataclasses.replace(base, **changes)


def render_announcement(
    announcement: Announcement, form: Format, *, templates_folder: Path | None = None
) -> str:
    """The text of ``announcement`` in ``form`` (``zalo``, ``sms`` or ``text``).

    An ``sms`` is unaccented ASCII on one line, cut into parts (see :func:`sms_parts`) that
    are returned one a line.
    """
    templates = Templates.load(announcement.language, templates_folder)
    text = templates.render(f"announce_{form}.txt", **_context(announcement))
    if form == "sms":
        return "\n".join(sms_parts(unaccented(" ".join(text.split()))))
    lines = [line.rstrip() for line in text.strip("\n").split("\n")]
    return "\n".join(lines) + "\n"


def _context(a: Announcement) -> dict[str, Any]:
    """The template variables (listed in the templates' README)."""
    when = ""
    dates = ""
    changes = ""
    short_when = _short(a.start, a.end)
    if a.start is not None:
        when = span(a.start, a.end, a.language) if a.end else moment(a.start, a.language)
        if a.recurrence:
            found, complete = sitting_occurrences(
                a.start, a.end, a.recurrence, a.occurrences, a.occurrences_complete
            )
            days, more = held_days(found, a.language, complete=complete)
            dates = ", ".join(days) + (", …" if more else "")
            changes = "; ".join(changed_days(found, a.language))
            if a.end is not None:  # the days are listed: the time is the hours alone
                when = hours(a.start, a.end, a.language)
            short_when = _short_days(a.start, a.end, found, more)
    minutes = 0
    if a.start is not None and a.arrive_by is not None:
        minutes = int((a.start - a.arrive_by).total_seconds() // 60)
    return {
        "title": a.title,
        "meeting_title": a.meeting_title or a.title,
        "when": when,
        "dates": dates,
        "changes": changes,
        "arrive_minutes": max(0, minutes),
        "point_name": a.point_name,
        "hall": a.hall,
        "point_count": a.point_count,
        "for_group": a.for_group,
        "link": a.link or "",
        "links_later": a.links_later,
        "credentials": a.credentials,
        "rehearsal": moment(a.rehearsal, a.language) if a.rehearsal else "",
        "short_when": short_when,
        "short_rehearsal": f"{a.rehearsal:%H:%M} {a.rehearsal.day}/{a.rehearsal.month}"
        if a.rehearsal
        else "",
        "help_contacts": [
            help_line(name, position, phone, "", a.language)
            for name, position, phone in a.help_contacts
        ],
        # a phone number without spaces: an SMS reader's phone makes it a link to call
        "help_short": _phone(a.help_contacts[0]) if a.help_contacts else "",
    }


def _phone(contact: tuple[str, str, str]) -> str:
    name, position, phone = contact
    return "".join(phone.split()) if phone else name or position


def _short(start: dt.datetime | None, end: dt.datetime | None) -> str:
    """``08:00-10:00 10/9/2023``: a time for an SMS."""
    if start is None:
        return ""
    if end is None or end.date() != start.date():
        return f"{start:%H:%M} {short_date(start)}"
    return f"{start:%H:%M}-{end:%H:%M} {short_date(start)}"


def _short_days(
    start: dt.datetime, end: dt.datetime | None, found: tuple[Occurrence, ...], more: bool
) -> str:
    """``08:00-10:00 7/1/2024, 3/3/2024, 10/3/2024 14:00``: a recurring sitting for an SMS,
    the days it is held (a moved one with its hour when that changed)."""
    hours_text = f"{start:%H:%M}-{end:%H:%M}" if end is not None else f"{start:%H:%M}"
    days = []
    for o in held(found)[:MAX_DATES]:
        day = short_date(o.start.date())
        if (o.start.hour, o.start.minute) != (o.original.hour, o.original.minute):
            day += f" {o.start:%H:%M}"
        days.append(day)
    return f"{hours_text} {', '.join(days)}" + (", ..." if more else "")


_ASCII = str.maketrans(
    {"đ": "d", "Đ": "D", "—": "-", "–": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "..."}
)


def unaccented(text: str) -> str:
    """``text`` in plain ASCII: Vietnamese without its diacritics (``đ`` → ``d``), dashes
    and quotes made plain; anything else outside ASCII becomes ``?``."""
    decomposed = unicodedata.normalize("NFD", text.translate(_ASCII))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.encode("ascii", "replace").decode("ascii")


def sms_parts(text: str, limit: int = SMS_LENGTH) -> list[str]:
    """``text`` as SMS parts of at most ``limit`` characters, cut between words and each
    marked ``(1/2)``; one part, unmarked, when it fits. A single word longer than a part
    (a long link) is kept whole.

    >>> sms_parts("a " * 100)[0][:8]
    '(1/2) a '
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return [text]
    for total in range(2, 100):
        mark = len(f"({total}/{total}) ")
        parts: list[str] = []
        current = ""
        for word in text.split(" "):
            candidate = f"{current} {word}" if current else word
            if current and len(candidate) > limit - mark:
                parts.append(current)
                current = word
            else:
                current = candidate
        parts.append(current)
        if len(parts) <= total:
            return [f"({n}/{len(parts)}) {p}" for n, p in enumerate(parts, start=1)]
    return [text]  # pragma: no cover - a text of 100 parts is not an SMS
