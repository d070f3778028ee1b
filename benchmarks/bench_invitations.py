"""Build the invitations of a 10,000-bridge-point meeting and report messages per second.

The roster is generated here: one town committee, 99 communes, and 100 villages per commune,
each village at its own culture house (one of them hosts the commune headquarters and sits
at the commune's point), which gives 10,000 bridge points for one sitting. Every invitation is
built as iCalendar bytes (re-parsed to check it, as in production), wrapped in its iMIP
message and serialized to the bytes SMTP would carry; then the same messages are written to
an outbox folder.

Run:  python benchmarks/bench_invitations.py [--points 10000] [--no-verify]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _machine import machine_line

from meetlink.invites import (
    OutboxSender,
    build_invitation,
    build_message,
    invitations_for,
    message_bytes,
)
from meetlink.loading.meeting import Meeting
from meetlink.loading.roster import Contact, Roster, Unit
from meetlink.planning import Plan, plan_meeting

STAMP = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--no-verify", action="store_true", help="skip the re-parse check")
    args = parser.parse_args()

    print(machine_line())
    print(f"icalendar {version('icalendar')}")

    started = time.perf_counter()
    plan = make_plan(args.points)
    planned = time.perf_counter()
    specs = invitations_for(plan, {"main/s1": "https://meet.example/myhao-bench-s1"})
    specified = time.perf_counter()
    print(f"points:   {len(plan.bridge_points)}; invitations: {len(specs)}")
    print(f"plan:     {planned - started:.2f} s; specs: {specified - planned:.2f} s")

    verify = not args.no_verify
    # One invitation at a time, as `meetlink open` does: build, wrap, serialize, write.
    spent = {"calendar": 0.0, "MIME": 0.0, "outbox": 0.0}
    size = 0
    with tempfile.TemporaryDirectory() as folder:
        outbox = OutboxSender(folder)
        for spec in specs:
            t0 = time.perf_counter()
            invitation = build_invitation(spec, sequence=0, dtstamp=STAMP, verify=verify)
            t1 = time.perf_counter()
            message = build_message(invitation)
            size += len(message_bytes(message))
            t2 = time.perf_counter()
            outbox.send(message)
            t3 = time.perf_counter()
            spent["calendar"] += t1 - t0
            spent["MIME"] += t2 - t1
            spent["outbox"] += t3 - t2
    count = len(specs)
    check = "on" if verify else "off"
    print(
        f"calendar: {spent['calendar']:.2f} s ({count / spent['calendar']:,.0f}/s, check {check})"
    )
    print(f"MIME:     {spent['MIME']:.2f} s ({count / spent['MIME']:,.0f}/s, to wire bytes)")
    print(f"outbox:   {spent['outbox']:.2f} s ({count / spent['outbox']:,.0f}/s, .eml + .ics)")
    built = spent["calendar"] + spent["MIME"]
    print(f"messages per second, spec → wire bytes: {count / built:,.0f}")
    print(f"messages per second, spec → outbox files: {count / sum(spent.values()):,.0f}")
    print(f"average message: {size / count / 1024:.1f} KiB")


if __name__ == "__main__":
    main()
