"""Invitations of a 10,000-bridge-point meeting: messages per second, each beside its floor.

The roster is generated here: one town committee, 99 communes, and 100 villages per commune,
each village at its own culture house (one of them hosts the commune headquarters and sits
at the commune's point), which gives 10,000 bridge points for one sitting.

Each row is measured against a floor in the same run, in alternating rounds (the best round
of each counts), so the ratio holds on a noisy shared machine:

* spec → wire bytes: ``build_invitation`` + ``build_message`` + ``message_bytes``; the floor
  renders meetlink's own templates once each (one set of variables), writes the calendar with
  a minimal writer (f-strings, folding without any check) and the MIME with bare joins;
* spec → outbox, durable per chunk of 500: the same, written by ``OutboxSender(sync_each=
  False)`` and ``sync()`` after each chunk; the floor writes the floor's bytes to two files a
  message with bare ``os.open``/``write``/``rename`` and one ``syncfs`` a chunk;
* spec → outbox, durable per message (the default until the ledger commits per chunk), on
  ``--sample`` messages, beside the same bare writes fsynced per message;
* for the record: icalendar's own builder and serializer for the same properties.

Each row gives wall-clock figures and, beside them, the CPU time of this process: on a
machine shared with other work the second is the steadier measure of meetlink's own cost.

Run:  python benchmarks/bench_invitations.py [--points 10000] [--rounds 3] [--sample 300]
"""

from __future__ import annotations

import argparse
import base64
import binascii
import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from importlib.metadata import version
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).parent))

from _machine import machine_line
from icalendar import Alarm, Calendar, Event, vCalAddress

from meetlink.invites import (
    InvitationSpec,
    OutboxSender,
    build_invitation,
    build_message,
    invitations_for,
    message_bytes,
)
from meetlink.invites.templates import default_templates
from meetlink.invites.variables import invitation_variables
from meetlink.loading.meeting import Meeting
from meetlink.loading.roster import Contact, Roster, Unit
from meetlink.mail.outbox import _syncfs
from meetlink.planning import Plan, plan_meeting

STAMP = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
CHUNK = 500


def make_plan(points: int) -> Plan:
    """A meeting with ``points`` bridge points (one committee, communes, villages)."""
    communes = max(1, round((points - 1) / 101))
    villages_each = max(1, (points - 1 - communes) // communes + 1)  # one sits at the commune
    units = [
        Unit(
            id="TU",
            name="Đảng bộ Thị xã Mỹ Hào",
            kind="committee",
            members=120,
            location="Hội trường tầng 3, nhà D, Thị ủy",
            officer=Contact(name="Trần Văn Kỹ", email="kythuat@thiuy.example"),
            contact_emails=("vanphong@thiuy.example",),
        )
    ]
    for c in range(communes):
        commune = f"X{c:03d}"
        units.append(
            Unit(
                id=commune,
                name=f"Đảng bộ xã Nhân Hòa {c}",
                kind="commune",
                members=60,
                location=f"Hội trường trung tâm xã Nhân Hòa {c}",
                officer=Contact(name=f"Lê Thị Hằng {c}", email=f"kythuat.{commune}@xa.example"),
                contact_emails=(f"vanphong.{commune}@xa.example",),
            )
        )
        for v in range(villages_each):
            village = f"{commune}-T{v:03d}"
            units.append(
                Unit(
                    id=village,
                    name=f"Chi bộ thôn Phúc Thọ {c}-{v}",
                    kind="village",
                    parent=commune,
                    members=20 + v % 30,
                    location=f"Nhà văn hóa thôn Phúc Thọ {c}-{v}",
                    hosts_commune_hq=v == 0,
                    officer=Contact(name=f"Phạm Văn Đức {v}", email=f"kt.{village}@thon.example"),
                    contact_emails=(f"chibo.{village}@thon.example",),
                )
            )
    meeting = Meeting.model_validate(
        {
            "id": "myhao-bench",
            "title": "Giờ sinh hoạt toàn Đảng bộ thị xã Quý I/2026",
            "organizer": {"name": "Văn phòng Thị ủy", "email": "vanphong@thiuy.example"},
            "roster": "generated",
            "agenda": ["Quán triệt Nghị quyết Trung ương", "Thông tin thời sự trong tỉnh"],
            "rehearsal": "2026-01-03T15:00",
            "tracks": [
                {
                    "id": "main",
                    "units": {"kinds": ["committee", "commune", "village"]},
                    "sittings": [
                        {"id": "s1", "start": "2026-01-04T08:00", "duration_minutes": 120}
                    ],
                }
            ],
        },
        context={"timezone": "Asia/Ho_Chi_Minh"},
    )
    return plan_meeting(meeting, Roster("generated", tuple(units)))


# ------------------------------------------------------------------------------ the floor
def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> bytes:
    data = line.encode()
    if len(data) <= 75:
        return data + b"\r\n"
    out, start, limit = [], 0, 75
    while len(data) - start > limit:
        end = start + limit
        while data[end] & 0xC0 == 0x80:
            end -= 1
        out.append(data[start:end])
        start, limit = end, 74
    out.append(data[start:])
    return b"\r\n ".join(out) + b"\r\n"


def _t(moment: dt.datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")


def floor_message(spec: InvitationSpec) -> tuple[bytes, bytes, str]:
    """The least work that writes the same invitation: (message bytes, calendar, file stem)."""
    templates = default_templates(spec.language)
    variables = invitation_variables(spec, "new", 0, spec.recipients)
    description = templates.render("description.txt", **variables)
    alarm = templates.render("alarm.txt", **variables)
    subject = templates.render("subject.txt", **variables)
    text = templates.render("body.txt", **variables)
    html = templates.render("body.html", **variables)
    zone = spec.timezone
    local = ZoneInfo(zone)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//meetlink//meetlink invitations//VI",
        "METHOD:REQUEST",
        "BEGIN:VTIMEZONE",
        f"TZID:{zone}",
        "BEGIN:STANDARD",
        "DTSTART:20260101T000000",
        "TZOFFSETFROM:+0700",
        "TZOFFSETTO:+0700",
        "END:STANDARD",
        "END:VTIMEZONE",
        "BEGIN:VEVENT",
        f"UID:{spec.uid}",
        "SEQUENCE:0",
        f"DTSTAMP:{_t(STAMP)}Z",
        f"DTSTART;TZID={zone}:{_t(spec.start.astimezone(local))}",
        f"DTEND;TZID={zone}:{_t(spec.end.astimezone(local))}",
        f"SUMMARY:{_esc(spec.title)}",
        f"DESCRIPTION:{_esc(description)}",
        f"LOCATION:{_esc(spec.hall or spec.point_name)}",
        f'ORGANIZER;CN="{spec.organizer_name}":mailto:{spec.organizer_email}',
        *(
            f'ATTENDEE;CN="{r.name}";PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;RSVP=TRUE'
            f":mailto:{r.email}"
            for r in spec.recipients
        ),
        "STATUS:CONFIRMED",
        f"CONFERENCE;FEATURE=AUDIO,VIDEO;VALUE=URI:{spec.join_link}",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        f"DESCRIPTION:{_esc(alarm)}",
        "TRIGGER:-PT15M",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    calendar = b"".join(map(_fold, lines))
    encoded = base64.encodebytes(calendar).replace(b"\n", b"\r\n")
    word = base64.b64encode(subject.encode()).decode()
    to = ",\r\n ".join(f"<{r.email}>" for r in spec.recipients)
    head = (
        f"From: <{spec.organizer_email}>\r\nTo: {to}\r\nSubject: =?utf-8?b?{word}?=\r\n"
        f"Message-ID: <{spec.uid}-0.request@x>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="=_m"\r\n\r\n--=_m\r\n'
        'Content-Type: multipart/alternative; boundary="=_a"\r\n\r\n'
    ).encode()
    qp = b'--=_a\r\nContent-Type: text/plain; charset="utf-8"\r\n'
    qp += b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    data = b"".join(
        [
            head,
            qp,
            binascii.b2a_qp(text.encode(), istext=True).replace(b"\n", b"\r\n"),
            b"\r\n",
            qp.replace(b"plain", b"html"),
            binascii.b2a_qp(html.encode(), istext=True).replace(b"\n", b"\r\n"),
            b"\r\n--=_a\r\nContent-Type: text/calendar; method=REQUEST\r\n",
            b"Content-Transfer-Encoding: base64\r\n\r\n",
            encoded,
            b"\r\n--=_a--\r\n\r\n--=_m\r\nContent-Type: application/ics\r\n",
            b"Content-Transfer-Encoding: base64\r\n\r\n",
            encoded,
            b"\r\n--=_m--\r\n",
        ]
    )
    return data, calendar, f"{spec.uid}-0.request@x"


def icalendar_build(spec: InvitationSpec) -> bytes:
    """The same event with icalendar's own builder and serializer (no VTIMEZONE)."""
    templates = default_templates(spec.language)
    variables = invitation_variables(spec, "new", 0, spec.recipients)
    calendar = Calendar()
    calendar.add("prodid", "-//meetlink//bench//VI")
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    event = Event.new(
        uid=spec.uid,
        sequence=0,
        stamp=STAMP,
        start=spec.start,
        end=spec.end,
        summary=spec.title,
        description=templates.render("description.txt", **variables),
        location=spec.hall or spec.point_name,
        organizer=vCalAddress.new(spec.organizer_email, cn=spec.organizer_name),
        attendees=[vCalAddress.new(r.email, cn=r.name) for r in spec.recipients],
    )
    event.add_component(Alarm.new_display(description="x", trigger=dt.timedelta(minutes=-15)))
    calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data


# ------------------------------------------------------------------------------ the runs
def meetlink_bytes(specs: Sequence[InvitationSpec]) -> int:
    size = 0
    for spec in specs:
        size += len(message_bytes(build_message(build_invitation(spec, sequence=0, dtstamp=STAMP))))
    return size


def floor_bytes(specs: Sequence[InvitationSpec]) -> int:
    return sum(len(floor_message(spec)[0]) for spec in specs)


def meetlink_outbox(specs: Sequence[InvitationSpec], folder: Path, chunk: int) -> None:
    outbox = OutboxSender(folder, sync_each=chunk == 1)
    for number, spec in enumerate(specs, start=1):
        outbox.send(build_message(build_invitation(spec, sequence=0, dtstamp=STAMP)))
        if number % chunk == 0:
            outbox.sync()
    outbox.close()


def floor_outbox(specs: Sequence[InvitationSpec], folder: Path, chunk: int) -> None:
    folder.mkdir(mode=0o700, exist_ok=True)
    pending: list[str] = []
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    for number, spec in enumerate(specs, start=1):
        data, calendar, stem = floor_message(spec)
        for suffix, content in ((".eml", data), (".ics", calendar)):
            path = str(folder / f"{stem}{suffix}")
            descriptor = os.open(f"{path}.part", flags, 0o600)
            os.write(descriptor, content)
            if chunk == 1:
                os.fsync(descriptor)
            os.close(descriptor)
            os.replace(f"{path}.part", path)
            pending.append(path)
        if number % chunk == 0 or number == len(specs):
            descriptor = os.open(folder, os.O_RDONLY)
            if chunk > 1 and _syncfs is not None:
                _syncfs(descriptor)  # the cheapest durable chunk: one syncfs
            else:
                for path in pending if chunk > 1 else ():
                    handle = os.open(path, os.O_RDONLY)
                    os.fsync(handle)
                    os.close(handle)
                os.fsync(descriptor)
            os.close(descriptor)
            pending.clear()


Timing = tuple[float, float]  # (wall-clock seconds, CPU seconds of this process)


def best_of(rounds: int, runs: dict[str, Callable[[], object]]) -> dict[str, Timing]:
    """Each run ``rounds`` times, alternating; the best wall-clock and CPU time of each."""
    best = dict.fromkeys(runs, (float("inf"), float("inf")))
    for number in range(rounds):
        order = list(runs.items())
        for name, run in order if number % 2 == 0 else order[::-1]:  # neither always first
            wall, cpu = time.perf_counter(), time.process_time()
            run()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            best[name] = (min(best[name][0], wall), min(best[name][1], cpu))
    return best


def row(label: str, count: int, mine: Timing, floor: Timing) -> None:
    """One figure beside its floor: wall clock first, CPU time (the machine's load aside)."""
    print(
        f"{label}: {count / mine[0]:,.0f} msg/s; floor {count / floor[0]:,.0f} msg/s "
        f"(same run); ratio {mine[0] / floor[0]:.2f} | CPU time: {count / mine[1]:,.0f} "
        f"vs {count / floor[1]:,.0f} msg/s, ratio {mine[1] / floor[1]:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sample", type=int, default=300, help="messages fsynced one by one")
    args = parser.parse_args()

    print(machine_line())
    print(f"icalendar {version('icalendar')}; {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    started = time.perf_counter()
    plan = make_plan(args.points)
    specs = invitations_for(plan, {"main/s1": "https://meet.example/myhao-bench-s1"})
    print(f"points: {len(plan.bridge_points)}; invitations: {len(specs)}; ", end="")
    print(f"plan and specs: {time.perf_counter() - started:.2f} s")
    count = len(specs)
    size = meetlink_bytes(specs[:50]) / 50  # warm the caches (templates, zones)
    floor_bytes(specs[:50])

    best = best_of(
        args.rounds,
        {"meetlink": lambda: meetlink_bytes(specs), "floor": lambda: floor_bytes(specs)},
    )
    row("spec → wire bytes", count, best["meetlink"], best["floor"])

    with tempfile.TemporaryDirectory() as root:
        rounds = iter(range(10**6))

        def fresh() -> Path:
            return Path(root) / f"r{next(rounds)}"

        best = best_of(
            args.rounds,
            {
                "meetlink": lambda: meetlink_outbox(specs, fresh(), CHUNK),
                "floor": lambda: floor_outbox(specs, fresh(), CHUNK),
            },
        )
        row(f"spec → outbox, fsynced per chunk of {CHUNK}", count, best["meetlink"], best["floor"])
        sample = specs[: args.sample]
        best = best_of(
            args.rounds,
            {
                "meetlink": lambda: meetlink_outbox(sample, fresh(), 1),
                "floor": lambda: floor_outbox(sample, fresh(), 1),
            },
        )
        row(f"spec → outbox, fsynced per message ({len(sample)})", len(sample), *best.values())

    sample = specs[: args.sample]
    best = best_of(args.rounds, {"icalendar": lambda: [icalendar_build(s) for s in sample]})
    print(
        f"for the record: icalendar's builder + serializer, the calendar alone: "
        f"{len(sample) / best['icalendar'][0]:,.0f}/s ({len(sample)} events; CPU time: "
        f"{len(sample) / best['icalendar'][1]:,.0f}/s)"
    )
    print(f"average message: {size / 1024:.1f} KiB")


if __name__ == "__main__":
    main()
