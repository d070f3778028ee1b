"""Invitation specs: what one bridge point is invited to for one sitting. Pure, no I/O.

An :class:`InvitationSpec` holds everything an invitation says and nothing it must not: there
is no field for a password, so none can leak into a calendar or a mail body. The join link is
checked too (no ``user:password@`` part, no ``pwd=``/``password=`` parameter): passwords reach
a unit's technical officer through the credentials hand-out, never through an invitation.

:func:`meetlink.invites.planned.invitations_for` maps a :class:`~meetlink.planning.Plan` to one
spec per (sitting with a start, bridge point with seats). A sitting without a start yet gets
no spec until it has one.

Example:
    >>> uid_for("myhao-2023q3", "main", "s1", "XA-01")
    '139375a2-c649-5a85-a39b-f4ed26c7ea12'
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import urllib.parse
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrulestr

from meetlink.errors import InputError, Problem
from meetlink.invites.seating import Recipient, SeatedUnit
from meetlink.loading.notice import DocumentKind, MeetingKind
from meetlink.text import control_problem, nfc

__all__ = [
    "InvitationSpec",
    "Override",
    "Recipient",
    "SeatedUnit",
    "join_link_problem",
    "uid_for",
]

# Fixed forever: changing it would change every UID and duplicate every event in calendars.
_NAMESPACE = uuid.UUID("0b7f3c52-6a4e-4d2f-9a57-5f1c2e0d9e61")
_SECRET_PARAMS = frozenset(
    {"pwd", "pass", "passwd", "password", "passcode", "pin", "secret", "token", "jwt"}
    | {"access_token", "auth"}
)
MAX_LISTED_DATES = 53
"""A recurring sitting's invitation lists its dates for a year at most, and 53 at most."""
_TEXTS = (
    *("title", "point_name", "hall", "notes", "organizer_name"),
    *("notice_number", "chair", "composition", "share", "relay_from"),
)


@lru_cache(maxsize=65536)  # asked again for every message of a point (message_key)
def uid_for(meeting_id: str, track: str, sitting: str, point: str) -> str:
    """The stable UID of one (meeting, track, sitting, bridge point): a name-based UUID.

    A bare UUID, as RFC 7986 §5.3 recommends: no host, domain or person in it, and the same
    every time, so a rebuilt invitation updates the event instead of duplicating it.

    >>> uid_for("m", "main", "s1", "P1") == uid_for("m", "main", "s1", "P1")
    True
    """
    name = json.dumps([meeting_id, track, sitting, point], ensure_ascii=False)
    return str(uuid.uuid5(_NAMESPACE, name))


@dataclass(frozen=True)
class Override:
    """One occurrence of a recurring invitation held elsewhere: the ``original`` start the
    rule gives (its RECURRENCE-ID) and the new ``start`` and ``end``."""

    original: dt.datetime
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True, kw_only=True)
class InvitationSpec:
    """Everything one invitation (one sitting, one bridge point) says. Immutable and hashable.

    Times must be aware; they are converted to ``timezone`` (an IANA name). Text is
    NFC-normalized. Building raises :class:`~meetlink.errors.InputError` with a sentence that
    says what to correct.

    The words come with it: ``meeting_kind`` ("dự sinh hoạt" / "dự Hội nghị" / "dự họp"), the
    notice it follows (``notice_kind``, ``notice_number``, ``notice_date``), the point's
    ``chair`` and ``composition`` (Thành phần), a class's ``share`` ("1/3"; the units carry
    the members their seats are drawn from), and ``help_contacts`` as an office lists them.
    ``postponed`` marks the cancellation of a sitting whose time was withdrawn ("hoãn, thời
    gian tổ chức sẽ có thông báo sau"), not of one removed. A recurring one's ``skipped``
    occurrences (their original starts: EXDATE) and ``moved`` ones (:class:`Override`:
    a VEVENT with RECURRENCE-ID each) come from the meeting file's ``exceptions``.

    >>> import datetime as dt, zoneinfo
    >>> tz = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
    >>> spec = InvitationSpec(
    ...     meeting_id="m", track="main", sitting="s1", point="P1", title="Họp chi bộ",
    ...     start=dt.datetime(2026, 1, 4, 8, tzinfo=tz), end=dt.datetime(2026, 1, 4, 10, tzinfo=tz),
    ...     organizer_email="vp@thiuy.example", point_name="Chi bộ thôn Đông",
    ...     recipients=(Recipient("a@x.example", "Chi bộ thôn Đông", ("P1",)),))
    >>> spec.uid == uid_for("m", "main", "s1", "P1")
    True
    """

    meeting_id: str
    track: str
    sitting: str
    point: str
    title: str
    start: dt.datetime
    end: dt.datetime
    organizer_email: str
    point_name: str
    recipients: tuple[Recipient, ...]
    timezone: str = "Asia/Ho_Chi_Minh"
    organizer_name: str = ""
    sent_by: str | None = None
    hall: str = ""
    units: tuple[SeatedUnit, ...] = ()
    agenda: tuple[str, ...] = ()
    notes: str = ""
    arrive_by: dt.datetime | None = None
    rehearsal: dt.datetime | None = None
    join_link: str | None = None
    recurrence: str | None = None
    help_contacts: tuple[str, ...] = ()
    language: Literal["vi", "en"] = "vi"
    meeting_kind: MeetingKind = MeetingKind.MEETING
    notice_kind: DocumentKind = DocumentKind.NOTICE
    notice_number: str = ""
    notice_date: dt.date | None = None
    chair: str = ""
    composition: str = ""
    share: str = ""
    postponed: bool = False
    skipped: tuple[dt.datetime, ...] = ()
    moved: tuple[Override, ...] = ()
    uid: str = field(default="")
    relay_from: str = ""  # a tiered track: the point that relays the meeting to this one
    relays_to: int = 0  # … the points this one relays it to, through ``relay_link``
    relay_link: str | None = None

    def __post_init__(self) -> None:
        put = object.__setattr__
        try:
            zone = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            self._fail("timezone", f"unknown time zone '{self.timezone}'; give an IANA name.")
        for name in _TEXTS:
            put(self, name, nfc(getattr(self, name)))
        put(self, "agenda", tuple(nfc(a) for a in self.agenda))
        put(self, "help_contacts", tuple(nfc(h) for h in self.help_contacts))
        put(
            self,
            "units",
            tuple(SeatedUnit(u.id, nfc(u.name), u.seats, u.members) for u in self.units),
        )
        try:
            put(self, "meeting_kind", MeetingKind(self.meeting_kind))
            put(self, "notice_kind", DocumentKind(self.notice_kind))
        except ValueError as exc:
            self._fail("meeting_kind", f"{exc}; write a kind the meeting file takes.")
        put(
            self,
            "recipients",
            tuple(Recipient(r.email, nfc(r.name), r.units) for r in self.recipients),
        )
        self._check_text()
        for name in ("start", "end", "arrive_by", "rehearsal"):
            value = getattr(self, name)
            if value is None:
                continue
            if value.tzinfo is None or value.utcoffset() is None:
                self._fail(name, f"{name} {value} has no time zone; give an aware time.")
            put(self, name, value.astimezone(zone))
        if self.end <= self.start:
            self._fail("end", "the end is not after the start; correct one of them.")
        if self.arrive_by is not None and self.arrive_by > self.start:
            self._fail("arrive_by", "the arrive-early time is after the start; correct it.")
        if not self.uid:
            put(self, "uid", uid_for(self.meeting_id, self.track, self.sitting, self.point))
        self._check_recipients()
        for name in ("organizer_email", "sent_by"):
            address = getattr(self, name)
            if address is not None and not _is_address(address):
                self._fail(name, f"'{address}' is not an e-mail address; correct it.")
        if self.join_link is not None:
            put(self, "join_link", self.join_link.strip())
            self._check_link(self.join_link.strip())
        if self.relay_link is not None:
            put(self, "relay_link", self.relay_link.strip())
            self._check_link(self.relay_link.strip())
        if self.recurrence is not None:
            put(self, "recurrence", self.recurrence.removeprefix("RRULE:").strip())
            self._check_recurrence()
        self._check_exceptions(zone)

    @property
    def key(self) -> str:
        """``track/sitting/point``: unique within a meeting."""
        return f"{self.track}/{self.sitting}/{self.point}"

    @property
    def message_key(self) -> str:
        """What names this invitation's messages (Message-ID, outbox files): its UID when
        the UID is its own (:func:`uid_for`); when it carries a platform event's UID (a
        Google event's ``iCalUID``, shared by every point of the event and holding an
        ``@``), a name-based UUID of that UID and the point, so each point's messages stay
        apart.

        >>> spec.message_key == spec.uid  # doctest: +SKIP
        True
        """
        if self.uid == uid_for(self.meeting_id, self.track, self.sitting, self.point):
            return self.uid
        name = json.dumps([self.uid, self.point], ensure_ascii=False)
        return str(uuid.uuid5(_NAMESPACE, name))

    @property
    def changed_occurrences(self) -> tuple[tuple[dt.datetime, dt.datetime | None], ...]:
        """``(original start, new start)`` of every changed occurrence, by original start;
        the new start is None for a skipped one."""
        changes: list[tuple[dt.datetime, dt.datetime | None]] = [(s, None) for s in self.skipped]
        changes += [(o.original, o.start) for o in self.moved]
        return tuple(sorted(changes, key=lambda c: c[0]))

    def recipients_of(self, unit_ids: Sequence[str]) -> tuple[Recipient, ...]:
        """The recipients who receive this invitation only for the given units.

        Use it to un-invite a unit that moved to another point: an address shared with a
        unit that stays is left out, so that unit keeps its invitation.
        """
        wanted = set(unit_ids)
        return tuple(r for r in self.recipients if r.units and set(r.units) <= wanted)

    def to_json(self) -> str:
        """Canonical JSON (sorted keys, UTF-8 text): what the ledger stores to rebuild it.

        >>> InvitationSpec.from_json(spec.to_json()) == spec  # doctest: +SKIP
        True
        """
        return self._json

    @functools.cached_property
    def _json(self) -> str:
        """:meth:`to_json`, made once per spec: a first ``open`` needs it for the content
        hash and again for the ledger's record (the spec is frozen: it never changes)."""
        # Built by hand: dataclasses.asdict deep-copies, and `open` hashes every spec on
        # every run (10,000 points: seconds).
        data: dict[str, Any] = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["recipients"] = [
            {"email": r.email, "name": r.name, "units": list(r.units)} for r in self.recipients
        ]
        data["units"] = [
            {"id": u.id, "name": u.name, "seats": u.seats, "members": u.members} for u in self.units
        ]
        for name in ("agenda", "help_contacts"):
            data[name] = list(data[name])
        for name in ("start", "end", "arrive_by", "rehearsal", "notice_date"):
            if data[name] is not None:
                data[name] = data[name].isoformat()
        # Left out when empty: a spec without exceptions keeps the bytes (and the content
        # hash) it had before they existed, so nothing already sent is sent again.
        data["skipped"] = [s.isoformat() for s in self.skipped]
        data["moved"] = [
            [o.original.isoformat(), o.start.isoformat(), o.end.isoformat()] for o in self.moved
        ]
        for name in ("skipped", "moved", "relay_from", "relays_to", "relay_link"):
            if not data[name]:
                del data[name]
        return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> InvitationSpec:
        """Rebuild a spec from :meth:`to_json` output; a key an older meetlink did not write
        takes its default."""
        data: dict[str, Any] = json.loads(text)
        for name in ("start", "end", "arrive_by", "rehearsal"):
            if data[name] is not None:
                data[name] = dt.datetime.fromisoformat(data[name])
        if data.get("notice_date") is not None:
            data["notice_date"] = dt.date.fromisoformat(data["notice_date"])
        data["recipients"] = tuple(
            Recipient(r["email"], r["name"], tuple(r["units"])) for r in data["recipients"]
        )
        data["units"] = tuple(SeatedUnit(**u) for u in data["units"])
        data["agenda"] = tuple(data["agenda"])
        data["help_contacts"] = tuple(data["help_contacts"])
        data["skipped"] = tuple(dt.datetime.fromisoformat(s) for s in data.get("skipped", ()))
        data["moved"] = tuple(
            Override(*(dt.datetime.fromisoformat(t) for t in o)) for o in data.get("moved", ())
        )
        return cls(**data)

    def _fail(self, what: str, message: str) -> NoReturn:
        where = f"tracks.{self.track}.sittings.{self.sitting} (point {self.point}).{what}"
        raise InputError([Problem(f"meeting {self.meeting_id}", 0, where, message, yaml=True)])

    def _check_text(self) -> None:
        """No control character in any text the invitation carries (the loaders refuse them
        at their line; a spec built in code gets the same rule): one would break the
        calendar's lines and parameters, or a mail header."""
        texts: list[tuple[str, str, str]] = [
            (name, getattr(self, name), "\n" if name == "notes" else "") for name in _TEXTS
        ]
        texts += [("agenda", a, "") for a in self.agenda]
        texts += [("help_contacts", h, "") for h in self.help_contacts]
        texts += [("units", u.name, "") for u in self.units]
        texts += [("recipients", f"{r.name}{r.email}", "") for r in self.recipients]
        for name, text, allow in texts:
            message = control_problem(text, allow=allow)
            if message is not None:
                self._fail(name, f"the text {message}")

    def _check_recipients(self) -> None:
        if not self.recipients:
            self._fail(
                "recipients",
                "nobody would receive this invitation; give the units at this point "
                "contact_emails (email nhận giấy mời) or an officer_email.",
            )
        seen: set[str] = set()
        for r in self.recipients:
            address = r.email.casefold()
            if not _is_address(address):
                self._fail("recipients", f"'{r.email}' is not an e-mail address; correct it.")
            if address in seen:
                self._fail("recipients", f"'{r.email}' is listed twice; list it once.")
            seen.add(address)

    def _check_link(self, link: str) -> None:
        problem = join_link_problem(link)
        if problem is not None:
            self._fail("join_link", problem)

    def _check_recurrence(self) -> None:
        try:
            first = next(iter(rrulestr(self.recurrence or "", dtstart=self.start)), None)
        except (ValueError, TypeError) as exc:
            self._fail(
                "recurrence",
                f"'{self.recurrence}' is not a valid RRULE ({exc}); correct it, for example "
                "FREQ=MONTHLY;BYDAY=1SU;COUNT=3 (with UNTIL, write it in UTC: …T000000Z).",
            )
        if first != self.start:
            shown = f"{first:%Y-%m-%d %H:%M}" if first else "none"
            self._fail(
                "recurrence",
                f"the start {self.start:%Y-%m-%d %H:%M} is not itself an occurrence of "
                f"'{self.recurrence}' (the first one is {shown}); calendars disagree on such "
                "series, so move the start to the first occurrence.",
            )

    def _check_exceptions(self, zone: ZoneInfo) -> None:
        if not (self.skipped or self.moved):
            return
        if not self.recurrence:
            self._fail("exceptions", "only a recurring sitting has occurrences to move or skip.")
        for name, moments in (
            ("skipped", self.skipped),
            ("moved", tuple(m for o in self.moved for m in (o.original, o.start, o.end))),
        ):
            if any(m.tzinfo is None or m.utcoffset() is None for m in moments):
                self._fail(name, f"a time in {name} has no time zone; give aware times.")
        put = object.__setattr__
        put(self, "skipped", tuple(sorted(s.astimezone(zone) for s in self.skipped)))
        moved = (
            Override(o.original.astimezone(zone), o.start.astimezone(zone), o.end.astimezone(zone))
            for o in self.moved
        )
        put(self, "moved", tuple(sorted(moved, key=lambda o: o.original)))
        for override in self.moved:
            if override.end <= override.start:
                self._fail("moved", "a moved occurrence ends before it starts; correct it.")


def join_link_problem(link: str) -> str | None:
    """Why ``link`` may not be shown to a bridge point, or None: the rule of every join link
    meetlink prints or sends (an http(s) address, no ``user:password@`` part, no password,
    PIN or token parameter).

    >>> join_link_problem("https://meet.example/abc") is None
    True
    >>> join_link_problem("https://meet.example/abc?pwd=x")[:32]
    'the join link carries a password'
    """
    parts = urllib.parse.urlsplit(link)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return f"the join link '{link}' is not an http(s) address; correct it."
    query = {k.casefold() for k, _ in urllib.parse.parse_qsl(parts.query)}
    if parts.password is not None or query & _SECRET_PARAMS:
        return (
            "the join link carries a password; give the bare link here and let the "
            "credentials hand-out bring the password to the technical officer."
        )
    return None


def _is_address(text: str) -> bool:
    # The roster validated the addresses; this only keeps a header or calendar line whole.
    return "@" in text and not any(c in text for c in "\r\n\t <>\"',;")
