"""The variables an invitation's templates receive. Pure, no I/O.

:func:`invitation_variables` is the one place they are made: every template of an invitation
(``subject.txt``, ``description.txt``, ``body.txt``, ``body.html``, ``alarm.txt``) gets the
same mapping, listed with their meaning in ``docs/reference/templates.md`` (a test checks
that the page names every one). Texts are ready to print in the template's language; the
template chooses the sentences around them.

Example:
    >>> variables = invitation_variables(sample_spec(), "new", 0)
    >>> variables["when"]
    'Từ 08 giờ 00 đến 10 giờ 00, Chủ nhật, ngày 7/1/2024'
    >>> variables["attend"], variables["member"], variables["share"]
    ('dự sinh hoạt', 'đảng viên', '1/3')
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any, Literal
from zoneinfo import ZoneInfo

from meetlink.documents.held_dates import changed_days, held_days
from meetlink.invites.specs import MAX_LISTED_DATES, InvitationSpec, Recipient, SeatedUnit
from meetlink.invites.wording import (
    clock,
    day,
    hours,
    moment,
    notice_reference,
    span,
    without_title,
    words,
)
from meetlink.loading.notice import DocumentKind, MeetingKind
from meetlink.loading.occurrences import Move, Occurrence, a_year_after, expand

__all__ = ["KINDS", "VARIABLES", "Kind", "invitation_variables", "sample_spec"]

Kind = Literal["new", "update", "cancel", "postpone", "uninvite"]
"""What a message does: a first invitation, an update, a cancellation of the whole event, a
postponement (the sitting lost its time, "thời gian tổ chức sẽ có thông báo sau"), an
un-invitation (some recipients moved to another point)."""
KINDS: tuple[Kind, ...] = ("new", "update", "cancel", "postpone", "uninvite")

VARIABLES = frozenset(
    {
        *("kind", "sequence", "title", "point_name", "hall", "organizer", "addressees"),
        *("meeting_kind", "attend", "member", "event", "events", "notice", "notice_number"),
        *("start", "end", "when", "hours", "day", "occurrences", "more_occurrences"),
        "changed_occurrences",
        *("arrive_minutes", "arrive_time", "rehearsal", "chair", "composition"),
        *("units", "share", "agenda", "notes", "link", "help_contacts"),
        *("relay", "relay_link"),
    }
)
"""The name of every variable :func:`invitation_variables` gives."""


def invitation_variables(
    spec: InvitationSpec,
    kind: Kind,
    sequence: int,
    recipients: Sequence[Recipient] | None = None,
) -> dict[str, Any]:
    """The variables of one message: ``kind`` of message, its SEQUENCE, and (for an
    un-invitation) the ``recipients`` it goes to, who are then its addressees.

    >>> invitation_variables(sample_spec(), "postpone", 1)["kind"]
    'postpone'
    """
    language = spec.language
    kind_words = words(MeetingKind(spec.meeting_kind), language)
    if kind == "uninvite" and recipients:
        addressees = ", ".join(dict.fromkeys(r.name or r.email for r in recipients))
    else:
        addressees = ", ".join(u.name for u in spec.units) or spec.point_name
    found, complete = _occurrences(spec)
    within = tuple(o for o in found if o.original < a_year_after(spec.start))  # a year's
    complete = complete and len(within) == len(found)
    dates, more = held_days(within, language, complete=complete, limit=MAX_LISTED_DATES)
    arrive = spec.arrive_by
    minutes = int((spec.start - arrive).total_seconds() // 60) if arrive is not None else 0
    return {
        "kind": kind,
        "sequence": sequence,
        "title": spec.title,
        "point_name": spec.point_name,
        "hall": spec.hall or spec.point_name,
        "organizer": spec.organizer_name or spec.organizer_email,
        "addressees": addressees,
        "meeting_kind": str(spec.meeting_kind),
        "attend": kind_words.attend,
        "member": kind_words.member,
        "event": kind_words.event,
        "events": kind_words.events,
        "notice": notice_reference(
            DocumentKind(spec.notice_kind), spec.notice_number, spec.notice_date, language
        ),
        "notice_number": spec.notice_number,
        "start": spec.start,
        "end": spec.end,
        "when": span(spec.start, spec.end, language),
        "hours": hours(spec.start, spec.end, language),
        "day": day(spec.start, language),
        "occurrences": dates,
        "more_occurrences": more,
        "changed_occurrences": changed_days(found, language),
        "arrive_minutes": max(minutes, 0),
        "arrive_time": clock(arrive, language) if arrive is not None and minutes > 0 else "",
        "rehearsal": moment(spec.rehearsal, language) if spec.rehearsal else "",
        "chair": without_title(spec.chair).rstrip(" .;"),
        "composition": spec.composition.rstrip(" .;"),
        "units": list(spec.units),
        "share": spec.share,
        "agenda": list(spec.agenda),
        "notes": spec.notes,
        "link": spec.join_link or "",
        "help_contacts": list(spec.help_contacts),
        "relay": _relay(spec),
        "relay_link": spec.relay_link or "",
    }


def _relay(spec: InvitationSpec) -> str:
    """The point's place in a tiered track, as a sentence: "Điểm cầu … tiếp sóng từ điểm cầu
    …" (and "… tiếp sóng cho N điểm cầu" for a relay point); "" in an untiered track."""
    name, source, count = spec.point_name, spec.relay_from, spec.relays_to
    if spec.language == "en":
        parts = [f"receives the meeting relayed by the {source} bridge point"] if source else []
        if count:
            parts.append(f"relays it to {count} bridge point{'s' if count > 1 else ''}")
        return f"The {name} bridge point {' and '.join(parts)}." if parts else ""
    parts = [f"tiếp sóng từ điểm cầu {source}"] if source else []
    if count:
        parts.append(f"tiếp sóng cho {count} điểm cầu trực thuộc")
    return f"Điểm cầu {name} {' và '.join(parts)}." if parts else ""


def _occurrences(spec: InvitationSpec) -> tuple[tuple[Occurrence, ...], bool]:
    """A recurring invitation's occurrences with its exceptions, for
    :mod:`meetlink.documents.held_dates` (the one wording of the days a sitting is held):
    "Chủ nhật 4/2/2024 không tổ chức", "Chủ nhật 1/9/2024 chuyển sang Chủ nhật 8/9/2024"."""
    if not spec.recurrence:
        return (), True
    zone = spec.start.tzinfo  # the rule's dates are the start's; keyed by the day there
    changes: dict[dt.date, Literal["skip"] | Move] = {
        s.astimezone(zone).date(): "skip" for s in spec.skipped
    }
    changes.update({o.original.astimezone(zone).date(): Move(o.start, o.end) for o in spec.moved})
    expansion = expand(spec.start, spec.end, spec.recurrence, changes)
    return expansion.occurrences, expansion.complete


def sample_spec(*, full: bool = True, language: Literal["vi", "en"] = "vi") -> InvitationSpec:
    """An invitation with every part filled in (``full``) or none of the optional ones: what
    an office's own templates are tried on before anything is sent.

    >>> sample_spec(full=False).recurrence is None
    True
    """
    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    start = dt.datetime(2024, 1, 7, 8, 0, tzinfo=zone)
    spec = InvitationSpec(
        meeting_id="mau",
        track="main",
        sitting="s1",
        point="DS",
        title="Giờ sinh hoạt toàn Đảng bộ thị xã",
        start=start,
        end=start + dt.timedelta(hours=2),
        organizer_email="vanphong@thiuy.example",
        organizer_name="Văn phòng Thị ủy",
        point_name="Đảng bộ xã Dị Sử",
        hall="Hội trường trung tâm xã Dị Sử",
        recipients=(
            Recipient("vanphong@disu.example", "Đảng bộ xã Dị Sử", ("DS",)),
            Recipient("congan@disu.example", "Chi bộ Công an xã Dị Sử", ("DS-CA",)),
        ),
        units=(
            SeatedUnit("DS", "Đảng bộ xã Dị Sử", 14, 40),
            SeatedUnit("DS-CA", "Chi bộ Công an xã Dị Sử", 4, 12),
        ),
        language=language,
    )
    if not full:
        return spec
    return dataclasses.replace(
        spec,
        agenda=("Quán triệt Nghị quyết", "Thông tin thời sự"),
        notes="Đề nghị các đồng chí mang theo sổ tay đảng viên.",
        arrive_by=start - dt.timedelta(minutes=15),
        rehearsal=start - dt.timedelta(hours=17),
        join_link="https://meet.example/mau",
        recurrence="FREQ=MONTHLY;BYDAY=1SU;COUNT=3",
        help_contacts=("Đ/c Đặng Tuấn Chiến, Phó Chánh Văn phòng Thị ủy, ĐT: 0913 311 969",),
        meeting_kind=MeetingKind.PARTY_MEETING,
        notice_number="125-TB/ThU",
        notice_date=dt.date(2023, 12, 20),
        chair="Nguyễn Văn An, Bí thư Đảng ủy xã",
        composition="Toàn thể đảng viên các chi bộ trực thuộc",
        share="1/3",
    )
