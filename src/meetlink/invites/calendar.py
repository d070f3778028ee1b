"""Build the iCalendar (RFC 5545 / iTIP RFC 5546) object of an invitation. Pure, no I/O.

Everything that varies between two builds is passed in: the SEQUENCE and the DTSTAMP come
from the caller (the ledger), so rebuilding an invitation for a resend yields the same bytes.
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
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from icalendar import (
    Alarm,
    Calendar,
    Event,
    Timezone,
    TimezoneStandard,
    vCalAddress,
    vRecur,
    vUri,
)
from icalendar.timezone import tzid_from_dt

from meetlink.invites.specs import InvitationSpec, Recipient
from meetlink.invites.templates import Kind, Templates, default_templates

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
_MAX_OCTETS = 75
_ICALENDAR_LAST_DATE = dt.date(2038, 1, 1)  # Timezone.from_tzid's own default


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
    verify: bool = True,
) -> Invitation:
    """A METHOD:REQUEST invitation of ``spec`` to all its recipients.

    ``dtstamp`` must be aware (it is written in UTC); ``verify`` re-parses the bytes and
    raises if anything would not read back cleanly.

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
    verify: bool = True,
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
    verify: bool = True,
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
    """Parse calendar bytes and check them; return the parsed calendar.

    Raises ``ValueError`` on a bare LF, a physical line over 75 octets or one that splits a
    UTF-8 character (not UTF-8 on its own), or any property icalendar cannot read back.

    >>> verify_calendar(invitation.calendar).get("METHOD")  # doctest: +SKIP
    'REQUEST'
    """
    if b"\n" in data.replace(b"\r\n", b"") or not data.endswith(b"\r\n"):
        raise ValueError("the calendar has a line not ended by CRLF; rebuild it from bytes.")
    for number, line in enumerate(data.split(b"\r\n")[:-1], start=1):
        if len(line) > _MAX_OCTETS:
            raise ValueError(f"calendar line {number} is {len(line)} octets, more than 75.")
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"calendar line {number} splits a UTF-8 character.") from None
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
    calendar = Calendar()
    calendar.add("prodid", PRODID.format(language=spec.language.upper()))
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method.value)
    if tzid_from_dt(spec.start) != "UTC":  # icalendar writes UTC times as …Z, no VTIMEZONE
        calendar.add_component(_timezone(spec.timezone, spec.start.year))
    description = templates.description(spec, kind, sequence, recipients)
    event = _event(spec, method, sequence, stamp, recipients, templates, description)
    if recurrence_id is not None:
        event.add("recurrence-id", recurrence_id)
    if spec.recurrence:
        event.add("rrule", vRecur.from_ical(spec.recurrence))
        if spec.skipped:
            event.add("exdate", list(spec.skipped))
    calendar.add_component(event)
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
            instance = _event(moved, method, sequence, stamp, recipients, templates, description)
            instance.add("recurrence-id", override.original)
            calendar.add_component(instance)
    data = calendar.to_ical()
    if verify:
        verify_calendar(data)
    return Invitation(spec, method, sequence, stamp, recipients, data, templates)


def _event(
    spec: InvitationSpec,
    method: Method,
    sequence: int,
    stamp: dt.datetime,
    recipients: tuple[Recipient, ...],
    templates: Templates,
    description: str,
) -> Event:
    """One VEVENT of ``spec`` at its own start and end (no RRULE, EXDATE or RECURRENCE-ID)."""
    event = Event.new(
        uid=spec.uid,
        sequence=sequence,
        stamp=stamp,
        start=spec.start,
        end=spec.end,
        summary=spec.title,
        description=description,
        location=spec.hall or spec.point_name,
        organizer=_organizer(spec),
        attendees=[_attendee(r) for r in recipients],
    )
    if method == Method.REQUEST:
        event.add("status", "CONFIRMED")
    elif recipients == spec.recipients:
        event.add("status", "CANCELLED")  # the whole event; un-inviting some carries no STATUS
    if spec.join_link and method == Method.REQUEST:  # a cancellation gives no way in
        # Added by hand: icalendar's Conference quotes FEATURE="AUDIO,VIDEO" as one value.
        params = {
            "VALUE": "URI",
            "FEATURE": ["AUDIO", "VIDEO"],
            "LABEL": templates.conference_label,
        }
        event.add("conference", vUri(spec.join_link, params=params))
    if method == Method.REQUEST and spec.arrive_by is not None:
        event.add_component(
            Alarm.new_display(
                description=templates.alarm(spec), trigger=spec.arrive_by - spec.start
            )
        )
    return event


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


def _organizer(spec: InvitationSpec) -> vCalAddress:
    organizer = vCalAddress.new(spec.organizer_email, cn=spec.organizer_name or None)
    if spec.sent_by:
        organizer.params["SENT-BY"] = f"mailto:{spec.sent_by}"
    return organizer


def _attendee(recipient: Recipient) -> vCalAddress:
    return vCalAddress.new(
        recipient.email,
        cn=recipient.name or None,
        role="REQ-PARTICIPANT",
        partstat="NEEDS-ACTION",
        rsvp=True,
    )


@lru_cache(maxsize=64)
def _timezone(tzid: str, year: int) -> Timezone:
    # Starting the VTIMEZONE at the event's year keeps it to the rules in force (Vietnam: one
    # STANDARD block at +07 instead of the 1970s +08 history); cached, it is slow to compute.
    # icalendar stops at 2038 unless told otherwise, and an event from then on would get a
    # VTIMEZONE with no observance at all, which strict parsers refuse (RFC 5545 needs one):
    # it runs two years past the event's, and always has a STANDARD block.
    first = dt.date(year, 1, 1)
    last = max(_ICALENDAR_LAST_DATE, dt.date(year + 2, 1, 1))
    timezone = Timezone.from_tzid(tzid, first_date=first, last_date=last)
    if not any(c.name in ("STANDARD", "DAYLIGHT") for c in timezone.subcomponents):
        timezone.add_component(_standard(tzid, first))
    return timezone


def _standard(tzid: str, first: dt.date) -> TimezoneStandard:
    """One STANDARD observance: the zone's offset and name at ``first``, from then on."""
    start = dt.datetime(first.year, first.month, first.day)
    offset = start.replace(tzinfo=ZoneInfo(tzid)).utcoffset() or dt.timedelta(0)
    observance = TimezoneStandard()
    observance.add("dtstart", start)
    observance.add("tzoffsetfrom", offset)
    observance.add("tzoffsetto", offset)
    observance.add("tzname", start.replace(tzinfo=ZoneInfo(tzid)).tzname() or tzid)
    return observance
