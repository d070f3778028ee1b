"""Build the iCalendar (RFC 5545 / iTIP RFC 5546) object of an invitation. Pure, no I/O.

Everything that varies between two builds is passed in: the SEQUENCE and the DTSTAMP come
from the caller (the ledger), so rebuilding an invitation for a resend yields the same bytes.
They are written directly, line by line (:mod:`~meetlink.invites.content_lines`, the zone from
:mod:`~meetlink.invites.timezones`), not through icalendar's objects, and not parsed again:
the tests prove them against icalendar, vobject and a strict reader (docs/decisions.md).
The lifecycle the caller drives:

* first invitation: :func:`build_invitation` with ``sequence=0``;
* moved, retitled or re-described sitting (:func:`content_hash` changed): the same spec
  key, ``sequence + 1``, a new ``dtstamp``;
* cancelled sitting: :func:`build_cancellation` with ``sequence + 1`` (STATUS:CANCELLED,
  no VALARM, no join link); a sitting whose time was withdrawn is postponed, not cancelled:
  pass ``dataclasses.replace(spec, postponed=True)`` and the words say so ("hoãn, thời gian
  tổ chức sẽ có thông báo sau");
* a unit moved to another point: :func:`build_cancellation` for the old point with
  ``recipients=old_spec.recipients_of([unit])`` (no STATUS: only those are un-invited) and a
  REQUEST for the new point;
* a resend after a failure: the same ``sequence`` and ``dtstamp`` as the failed attempt;
* a recurring sitting's exceptions: the series' VEVENT carries an EXDATE for each skipped
  occurrence, and each moved occurrence is a VEVENT of its own in the same calendar object
  (same UID, RECURRENCE-ID its original start, no EXDATE for it: an excluded instance has
  nothing left to override, and recurring-ical-events then drops the moved one too);
  an occurrence skipped after the series went out: :func:`build_occurrence_cancellation`
  (METHOD:CANCEL with RECURRENCE-ID, that instance only). See docs/guides/recurring.md.

Example:
    >>> import datetime as dt
    >>> stamp = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    >>> invitation = build_invitation(spec, sequence=0, dtstamp=stamp)  # doctest: +SKIP
    >>> invitation.calendar.startswith(b"BEGIN:VCALENDAR\\r\\n")        # doctest: +SKIP
    True
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from meetlink.invites.content_lines import (
    MAX_OCTETS,
    duration,
    fold,
    local_time,
    param,
    text,
    utc_time,
)
from meetlink.invites.specs import InvitationSpec, Recipient
from meetlink.invites.templates import Kind, Templates, default_templates
from meetlink.invites.timezones import vtimezone

if TYPE_CHECKING:  # icalendar is loaded where it is used (issue 19: not by every `open`)
    from icalendar import Calendar

__all__ = [
    "Invitation",
    "Method",
    "build_cancellation",
    "build_invitation",
    "build_occurrence_cancellation",
    "content_hash",
    "verify_calendar",
]

PRODID = "-//meetlink//meetlink invitations//{language}"  # no version: upgrades keep the bytes


class Method(StrEnum):
    """The iTIP method of an invitation message.

    >>> Method("CANCEL") is Method.CANCEL
    True
    """

    REQUEST = "REQUEST"
    CANCEL = "CANCEL"


@dataclass(frozen=True)
class Invitation:
    """One built invitation: the calendar bytes and what the mail around them needs.

    >>> invitation = build_invitation(spec, sequence=0, dtstamp=stamp)  # doctest: +SKIP
    >>> invitation.kind, invitation.method.value                       # doctest: +SKIP
    ('new', 'REQUEST')
    """

    spec: InvitationSpec
    method: Method
    sequence: int
    dtstamp: dt.datetime
    recipients: tuple[Recipient, ...]
    calendar: bytes
    templates: Templates

    @property
    def uid(self) -> str:
        """The event's UID (the spec's)."""
        return self.spec.uid

    @property
    def kind(self) -> Kind:
        """``new``, ``update``, ``cancel`` (the whole event), ``postpone`` (the whole event,
        its time withdrawn) or ``uninvite`` (some recipients)."""
        return _kind(self.spec, self.method, self.sequence, self.recipients)


def content_hash(spec: InvitationSpec, templates: Templates | None = None) -> str:
    """A hash of everything the invitation says; when it changes, send an update.

    It covers the spec and the template texts (an edited DESCRIPTION is a change), not the
    SEQUENCE or DTSTAMP.

    >>> content_hash(spec) == content_hash(spec)  # doctest: +SKIP
    True
    """
    templates = templates or default_templates(spec.language)
    digest = hashlib.sha256(spec.to_json().encode("utf-8"))
    digest.update(b"\0" + templates.fingerprint.encode("ascii"))
    return digest.hexdigest()


def build_invitation(
    spec: InvitationSpec,
    *,
    sequence: int,
    dtstamp: dt.datetime,
    templates: Templates | None = None,
    verify: bool = False,
) -> Invitation:
    """A METHOD:REQUEST invitation of ``spec`` to all its recipients.

    ``dtstamp`` must be aware (it is written in UTC). The bytes are written directly
    (:mod:`~meetlink.invites.content_lines`), proven in the tests against icalendar, vobject
    and a strict parser; ``verify=True`` re-parses them too (:func:`verify_calendar`), for a
    check by hand: it costs more than building them.

    >>> invitation = build_invitation(spec, sequence=1, dtstamp=stamp)  # doctest: +SKIP
    >>> invitation.kind                                                # doctest: +SKIP
    'update'
    """
    return _build(spec, Method.REQUEST, sequence, dtstamp, spec.recipients, templates, verify)


def build_cancellation(
    spec: InvitationSpec,
    *,
    sequence: int,
    dtstamp: dt.datetime,
    recipients: Sequence[Recipient] | None = None,
    templates: Templates | None = None,
    verify: bool = False,
) -> Invitation:
    """A METHOD:CANCEL of ``spec``'s event, with no VALARM.

    Without ``recipients`` the whole event is cancelled (STATUS:CANCELLED, every recipient).
    With ``recipients`` (a subset, e.g. ``spec.recipients_of(["unit-id"])``) only those are
    un-invited: RFC 5546 forbids STATUS then. ``sequence`` must be one more than the last one
    sent for this UID.

    >>> build_cancellation(spec, sequence=2, dtstamp=stamp).kind  # doctest: +SKIP
    'cancel'
    """
    chosen = spec.recipients if recipients is None else tuple(recipients)
    known = {r.email.casefold() for r in spec.recipients}
    strangers = [r.email for r in chosen if r.email.casefold() not in known]
    if strangers or not chosen:
        what = f"'{strangers[0]}' was never invited" if strangers else "no recipients were given"
        raise ValueError(
            f"cannot cancel {spec.key} for these recipients: {what}; pass recipients taken "
            "from the spec that was sent (spec.recipients_of([...]))."
        )
    return _build(spec, Method.CANCEL, sequence, dtstamp, chosen, templates, verify)


def build_occurrence_cancellation(
    spec: InvitationSpec,
    original: dt.datetime,
    *,
    sequence: int,
    dtstamp: dt.datetime,
    templates: Templates | None = None,
    verify: bool = False,
) -> Invitation:
    """A METHOD:CANCEL of one occurrence of ``spec``'s recurring event (RFC 5546 §3.2.5):
    the series' UID with RECURRENCE-ID ``original`` (the start the rule gave it),
    STATUS:CANCELLED, every recipient; the rest of the series stays as it was.

    The returned invitation's ``spec`` is that one occurrence (its words say that date).

    >>> one = build_occurrence_cancellation(spec, day, sequence=1, dtstamp=stamp)  # doctest: +SKIP
    >>> one.kind                                                                 # doctest: +SKIP
    'cancel'
    """
    if not spec.recurrence:
        raise ValueError(f"{spec.key} does not recur: cancel it with build_cancellation.")
    zone = ZoneInfo(spec.timezone)
    original = original.astimezone(zone)
    near = dt.timedelta(seconds=1)
    rule = rrulestr(spec.recurrence, dtstart=spec.start)
    if original not in rule.between(original - near, original + near, inc=True):
        raise ValueError(
            f"{original:%Y-%m-%d %H:%M} is not an occurrence of {spec.key} "
            f"('{spec.recurrence}'); pass the start the rule gives it."
        )
    length = spec.end.astimezone(dt.UTC) - spec.start.astimezone(dt.UTC)
    one = dataclasses.replace(
        spec,
        start=original,
        end=(original.astimezone(dt.UTC) + length).astimezone(zone),
        recurrence=None,
        skipped=(),
        moved=(),
        arrive_by=None,
    )
    return _build(
        one, Method.CANCEL, sequence, dtstamp, one.recipients, templates, verify, original
    )


def verify_calendar(data: bytes) -> Calendar:
    """Parse calendar bytes and check them; return the parsed calendar. A check by hand (and
    by the tests): building an invitation does not call it.

    Raises ``ValueError`` on a bare LF, a physical line over 75 octets or one that splits a
    UTF-8 character (not UTF-8 on its own), or any property icalendar cannot read back.

    >>> verify_calendar(invitation.calendar).get("METHOD")  # doctest: +SKIP
    'REQUEST'
    """
    if b"\n" in data.replace(b"\r\n", b"") or not data.endswith(b"\r\n"):
        raise ValueError("the calendar has a line not ended by CRLF; rebuild it from bytes.")
    for number, line in enumerate(data.split(b"\r\n")[:-1], start=1):
        if len(line) > MAX_OCTETS:
            raise ValueError(f"calendar line {number} is {len(line)} octets, more than 75.")
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"calendar line {number} splits a UTF-8 character.") from None
    from icalendar import Calendar

    calendar = Calendar.from_ical(data)
    for component in calendar.walk():
        if component.errors:
            raise ValueError(f"{component.name} does not read back: {component.errors}.")
    return calendar


def _build(
    spec: InvitationSpec,
    method: Method,
    sequence: int,
    dtstamp: dt.datetime,
    recipients: tuple[Recipient, ...],
    templates: Templates | None,
    verify: bool,
    recurrence_id: dt.datetime | None = None,
) -> Invitation:
    if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 0:
        raise ValueError(f"SEQUENCE must be a whole number ≥ 0, not {sequence!r}.")
    if dtstamp.tzinfo is None or dtstamp.utcoffset() is None:
        raise ValueError("dtstamp has no time zone; pass an aware time such as now(UTC).")
    templates = templates or default_templates(spec.language)
    kind = _kind(spec, method, sequence, recipients)
    stamp = dtstamp.astimezone(dt.UTC)
    when = _When(spec.timezone)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:" + PRODID.format(language=spec.language.upper()),
        "CALSCALE:GREGORIAN",
        "METHOD:" + method.value,
    ]
    if not when.utc:  # UTC times are written as …Z, with no VTIMEZONE
        lines += vtimezone(spec.timezone, spec.start.year)
    description = templates.description(spec, kind, sequence, recipients)
    people = _people(spec, recipients)
    alarm = templates.alarm(spec) if method == Method.REQUEST and spec.arrive_by else ""
    common = (spec, method, sequence, stamp, recipients, templates, description, people)
    head = [f"RECURRENCE-ID{when.value(recurrence_id)}"] if recurrence_id is not None else []
    if spec.recurrence:
        head.append("RRULE:" + _rule(spec.recurrence))
        if spec.skipped:
            head.append("EXDATE" + when.values(spec.skipped))
    lines += _event(*common, when, head, alarm)
    if method == Method.REQUEST:
        for override in spec.moved:  # the series and its overrides: one calendar object
            moved = dataclasses.replace(
                spec,
                start=override.start,
                end=override.end,
                arrive_by=_shifted(spec.arrive_by, spec.start, override.start),
                recurrence=None,
                skipped=(),
                moved=(),
            )
            moved_alarm = templates.alarm(moved) if moved.arrive_by else ""
            extra = [f"RECURRENCE-ID{when.value(override.original)}"]
            lines += _event(moved, *common[1:], when, extra, moved_alarm)
    lines.append("END:VCALENDAR")
    data = b"".join(map(fold, lines))
    if verify:
        verify_calendar(data)
    return Invitation(spec, method, sequence, stamp, recipients, data, templates)


@dataclass(frozen=True)
class _When:
    """How times of one zone are written: ``;TZID=zone:local`` or UTC ``…Z``."""

    zone: str

    @cached_property
    def utc(self) -> bool:
        return _is_utc(self.zone)

    def value(self, moment: dt.datetime) -> str:
        """``;TZID=…:20260104T080000`` (or ``:20260104T010000Z``) of an aware time."""
        if self.utc:
            return ":" + utc_time(moment)
        return f";TZID={self.zone}:{local_time(moment.astimezone(ZoneInfo(self.zone)))}"

    def values(self, moments: Sequence[dt.datetime]) -> str:
        """Several times of one property (EXDATE), in order."""
        if self.utc:
            return ":" + ",".join(utc_time(m) for m in sorted(moments))
        zone = ZoneInfo(self.zone)
        written = ",".join(local_time(m.astimezone(zone)) for m in sorted(moments))
        return f";TZID={self.zone}:{written}"


@lru_cache(maxsize=64)
def _is_utc(zone: str) -> bool:
    from icalendar.timezone import tzid_from_dt

    return tzid_from_dt(dt.datetime(2000, 1, 1, tzinfo=ZoneInfo(zone))) == "UTC"


@lru_cache(maxsize=256)
def _rule(recurrence: str) -> str:
    """The RRULE value as icalendar writes it (its order of parts), computed once per rule."""
    from icalendar import vRecur

    written: bytes = vRecur.from_ical(recurrence).to_ical()
    return written.decode("ascii")


def _people(spec: InvitationSpec, recipients: tuple[Recipient, ...]) -> list[str]:
    """The ORGANIZER and ATTENDEE lines."""
    organizer = "ORGANIZER"
    if spec.organizer_name:
        organizer += param("CN", spec.organizer_name)
    if spec.sent_by:
        organizer += param("SENT-BY", f"mailto:{spec.sent_by}")
    lines = [f"{organizer}:mailto:{spec.organizer_email}"]
    for recipient in recipients:
        name = param("CN", recipient.name) if recipient.name else ""
        lines.append(
            f"ATTENDEE{name};PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;RSVP=TRUE"
            f":mailto:{recipient.email}"
        )
    return lines


def _event(
    spec: InvitationSpec,
    method: Method,
    sequence: int,
    stamp: dt.datetime,
    recipients: tuple[Recipient, ...],
    templates: Templates,
    description: str,
    people: list[str],
    when: _When,
    extra: list[str],
    alarm: str,
) -> list[str]:
    """One VEVENT of ``spec`` at its own start and end, with ``extra`` lines (RECURRENCE-ID,
    RRULE, EXDATE) after its times; a VALARM when ``alarm`` has words."""
    lines = [
        "BEGIN:VEVENT",
        "UID:" + text(spec.uid),
        f"SEQUENCE:{sequence}",
        "DTSTAMP:" + utc_time(stamp),
        "DTSTART" + when.value(spec.start),
        "DTEND" + when.value(spec.end),
        *extra,
        "SUMMARY:" + text(spec.title),
        "DESCRIPTION:" + text(description),
        "LOCATION:" + text(spec.hall or spec.point_name),
        *people,
    ]
    if method == Method.REQUEST:
        lines.append("STATUS:CONFIRMED")
    elif recipients == spec.recipients:
        lines.append("STATUS:CANCELLED")  # the whole event; un-inviting some carries no STATUS
    if spec.join_link and method == Method.REQUEST:  # a cancellation gives no way in
        label = param("LABEL", templates.conference_label)
        lines.append(f"CONFERENCE;FEATURE=AUDIO,VIDEO{label};VALUE=URI:{spec.join_link}")
    if alarm and spec.arrive_by is not None:
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            "DESCRIPTION:" + text(alarm),
            "TRIGGER:" + duration(spec.arrive_by - spec.start),
            "END:VALARM",
        ]
    lines.append("END:VEVENT")
    return lines


def _shifted(
    moment: dt.datetime | None, start: dt.datetime, new_start: dt.datetime
) -> dt.datetime | None:
    """``moment`` (the arrive-early time) kept as far before ``new_start`` as before ``start``."""
    if moment is None:
        return None
    return new_start - (start.astimezone(dt.UTC) - moment.astimezone(dt.UTC))


def _kind(
    spec: InvitationSpec, method: Method, sequence: int, recipients: tuple[Recipient, ...]
) -> Kind:
    if method == Method.REQUEST:
        return "new" if sequence == 0 else "update"
    if recipients != spec.recipients:
        return "uninvite"
    return "postpone" if spec.postponed else "cancel"
