"""A google track with ``invites: email`` leaves one calendar entry per sitting per guest.

The emulator's event lists every guest (Google files its copy in a guest's calendar under the
event's ``iCalUID``) and meetlink mails its own REQUEST: both copies go into the guest's
calendar (one Radicale collection per guest) under their UID, as a calendar client files
them, the newer SEQUENCE winning. One entry per sitting is what a guest must see.
"""

from __future__ import annotations

import datetime as dt
import email
import urllib.parse
from collections.abc import Iterator
from email.message import Message
from email.utils import getaddresses
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar, Event
from tests.google_meeting import ONE_SITTING, agency_roster, google_meeting

from meetlink.credentials.vault import VaultKey
from meetlink.invites import uid_for
from meetlink.reconcile.desired import DesiredState
from meetlink.reconcile.run import open_meeting
from meetlink.testing.google import GoogleEmulator

pytestmark = pytest.mark.integration

ZONE = dt.timezone(dt.timedelta(hours=7))
SITTINGS = (
    "{id: s1, start: 2024-03-10T08:00, end: 2024-03-10T10:00}",
    "{id: s2, start: 2024-03-17T08:00, end: 2024-03-17T10:00}",
)


@pytest.fixture
def emu() -> Iterator[GoogleEmulator]:
    with GoogleEmulator() as emulator:
        yield emulator


def _meeting(folder: Path, sittings: tuple[str, ...] = SITTINGS) -> Path:
    agency_roster(folder, 3)
    return google_meeting(
        folder,
        "meet-one-entry",
        """
        invites: email
        settings: {retry_base_delay: 0.01}
        """,
        sittings=sittings,
    )


def _move_s2(path: Path) -> None:
    """The second sitting moves to the afternoon."""
    text = path.read_text(encoding="utf-8")
    moved = "start: 2024-03-17T14:00, end: 2024-03-17T16:00"
    before = "start: 2024-03-17T08:00, end: 2024-03-17T10:00"
    path.write_text(text.replace(before, moved), encoding="utf-8")


def _open(path: Path, emu: GoogleEmulator, key: VaultKey) -> None:
    open_meeting(path, env={"MEETLINK_GOOGLE_EMULATOR_HOST": emu.host}, vault_key=key)


def _google_copy(event: dict[str, Any]) -> bytes:
    """The copy Google files in a guest's calendar: the event under its iCalUID."""
    calendar = Calendar()
    calendar.add("PRODID", "-//Google Inc//Google Calendar 70.9054//EN")
    calendar.add("VERSION", "2.0")
    calendar.add("METHOD", "REQUEST")
    vevent = Event()
    vevent.add("UID", event["iCalUID"])
    vevent.add("SEQUENCE", int(event.get("sequence", 0)))
    vevent.add("DTSTAMP", dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    vevent.add("DTSTART", dt.datetime.fromisoformat(event["start"]["dateTime"]))
    vevent.add("DTEND", dt.datetime.fromisoformat(event["end"]["dateTime"]))
    vevent.add("SUMMARY", event["summary"])
    for guest in event.get("attendees", ()):
        vevent.add("ATTENDEE", f"mailto:{guest['email']}")
    calendar.add_component(vevent)
    return calendar.to_ical()


class Guests:
    """Every guest's calendar: one Radicale collection each, filed by UID."""

    def __init__(self, caldav: Any) -> None:
        self.caldav = caldav
        self.folders: dict[str, str] = {}
        self.older: list[tuple[str, str, int, int]] = []  # (guest, uid, stored, received)

    def _folder(self, guest: str) -> str:
        address = guest.casefold()
        if address not in self.folders:
            folder = f"/meetlink/g{len(self.folders)}/"
            assert self.caldav.request("MKCALENDAR", folder)[0] == 201
            self.folders[address] = folder
        return self.folders[address]

    def receive(self, guest: str, data: bytes) -> None:
        """File ``data`` as a calendar client does: by UID, a lower SEQUENCE ignored."""
        (event,) = Calendar.from_ical(data).events
        uid, sequence = str(event["UID"]), int(event.get("SEQUENCE", 0))
        path = self._folder(guest) + urllib.parse.quote(uid, safe="") + ".ics"
        status, body = self.caldav.request("GET", path)
        if status == 200:
            (stored,) = Calendar.from_ical(body).events
            if int(stored.get("SEQUENCE", 0)) > sequence:
                self.older.append((guest, uid, int(stored["SEQUENCE"]), sequence))
                return
        assert self.caldav.request("PUT", path, data)[0] in (201, 204)

    def entries(self, guest: str) -> list[Event]:
        status, body = self.caldav.request("REPORT", self._folder(guest), _QUERY, depth="1")
        assert status == 207
        found = []
        for chunk in body.split(b"BEGIN:VCALENDAR")[1:]:
            text = b"BEGIN:VCALENDAR" + chunk.split(b"END:VCALENDAR")[0] + b"END:VCALENDAR"
            found += Calendar.from_ical(text.replace(b"&#13;", b"")).events
        return found


_QUERY = (
    b'<?xml version="1.0" encoding="utf-8"?>'
    b'<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
    b"<D:prop><C:calendar-data/></D:prop>"
    b'<C:filter><C:comp-filter name="VCALENDAR"/></C:filter></C:calendar-query>'
)


def _mailed(outbox: Path, names: set[str]) -> list[tuple[list[str], bytes]]:
    """(recipients, calendar) of every REQUEST among the outbox's ``names``."""
    out = []
    for name in sorted(names):
        if not name.endswith(".eml"):
            continue
        message: Message = email.message_from_bytes((outbox / name).read_bytes())
        to = [address for _, address in getaddresses(message.get_all("To", []))]
        data = (outbox / name.replace(".eml", ".ics")).read_bytes()
        out.append((to, data))
    return out


def _uids(mailed: list[tuple[list[str], bytes]]) -> set[str]:
    return {str(e["UID"]) for _, data in mailed for e in Calendar.from_ical(data).events}


def _deliver(guests: Guests, emu: GoogleEmulator, outbox: Path, names: set[str]) -> None:
    for event in emu.events():
        for guest in event.get("attendees", ()):
            guests.receive(guest["email"], _google_copy(event))
    for to, data in _mailed(outbox, names):
        for guest in to:
            guests.receive(guest, data)


def test_each_guest_has_one_entry_per_sitting_through_reruns_and_an_update(
    emu: GoogleEmulator, caldav: Any, tmp_path: Path
) -> None:
    path, key = _meeting(tmp_path), VaultKey.generate()
    outbox = tmp_path / ".meetlink" / "outbox"
    _open(path, emu, key)
    first = {p.name for p in outbox.iterdir()}
    events = emu.events()
    assert len(events) == 2  # one shared conference per sitting
    guests = Guests(caldav)
    _deliver(guests, emu, outbox, first)

    everyone = {g["email"].casefold() for e in events for g in e["attendees"]}
    assert len(everyone) == 6
    for guest in everyone:
        entries = guests.entries(guest)
        assert len(entries) == 2, (guest, [str(e["UID"]) for e in entries])
        assert {str(e["UID"]) for e in entries} == {e["iCalUID"] for e in events}
    assert guests.older == []  # no REQUEST mailed was older than Google's copy

    _open(path, emu, key)  # a re-run sends nothing
    assert {p.name for p in outbox.iterdir()} == first

    _move_s2(path)
    _open(path, emu, key)
    update = {p.name for p in outbox.iterdir()} - first
    assert update
    moved = next(e for e in emu.events() if e["start"]["dateTime"].startswith("2024-03-17"))
    assert int(moved["sequence"]) >= 1
    _deliver(guests, emu, outbox, update)
    for guest in everyone:
        entries = guests.entries(guest)
        assert len(entries) == 2
        (later,) = [e for e in entries if str(e["UID"]) == moved["iCalUID"]]
        assert later.start.astimezone(ZONE).hour == 14
        assert int(later["SEQUENCE"]) >= int(moved["sequence"])
    assert guests.older == []


def test_points_of_one_event_share_its_uid_and_list_only_their_own_guests(
    emu: GoogleEmulator, tmp_path: Path
) -> None:
    path = _meeting(tmp_path, (ONE_SITTING,))
    outbox = tmp_path / ".meetlink" / "outbox"
    _open(path, emu, VaultKey.generate())
    (event,) = emu.events()
    mailed = _mailed(outbox, {p.name for p in outbox.iterdir()})
    assert len(mailed) == 3  # one REQUEST per point, each under its own Message-ID
    for to, data in mailed:
        (vevent,) = Calendar.from_ical(data).events
        assert str(vevent["UID"]) == event["iCalUID"]
        attendees = {str(a).removeprefix("mailto:").casefold() for a in vevent["ATTENDEE"]}
        assert attendees == {address.casefold() for address in to}


def test_invitations_sent_under_their_own_uid_keep_it(
    emu: GoogleEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, key = _meeting(tmp_path), VaultKey.generate()
    outbox = tmp_path / ".meetlink" / "outbox"
    with monkeypatch.context() as earlier:  # as meetlink sent them before the Google UID
        earlier.setattr(DesiredState, "platform_events", lambda self, made: {})
        _open(path, emu, key)
    first = {p.name for p in outbox.iterdir()}
    own = {uid_for("meet-one-entry", "meet", s, f"A00{i}") for s in ("s1", "s2") for i in range(3)}
    assert _uids(_mailed(outbox, first)) == own

    _open(path, emu, key)  # nothing re-sent under another UID
    assert {p.name for p in outbox.iterdir()} == first

    _move_s2(path)
    _open(path, emu, key)
    update = _mailed(outbox, {p.name for p in outbox.iterdir()} - first)
    assert _uids(update) == {uid_for("meet-one-entry", "meet", "s2", f"A00{i}") for i in range(3)}
