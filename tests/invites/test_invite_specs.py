"""Invitation specs: from a plan to one spec per (sitting with a start, bridge point)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import unicodedata
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from meetlink.errors import InputError
from meetlink.invites import (
    InvitationSpec,
    Recipient,
    invitations_for,
    points_without_recipients,
    uid_for,
)
from meetlink.loading.roster import Contact, Unit
from meetlink.planning import Plan

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
LINK = "https://meet.example/myhao-2023q3-s1"


def spec_kwargs(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "meeting_id": "m",
        "track": "main",
        "sitting": "s1",
        "point": "P1",
        "title": "Họp chi bộ",
        "start": dt.datetime(2026, 1, 4, 8, tzinfo=TZ),
        "end": dt.datetime(2026, 1, 4, 10, tzinfo=TZ),
        "organizer_email": "vp@thiuy.example",
        "point_name": "Chi bộ thôn Đông",
        "recipients": (Recipient("a@x.example", "Chi bộ thôn Đông", ("P1",)),),
    }
    data.update(overrides)
    return data


def test_uid_is_stable_and_differs_per_meeting_track_sitting_and_point() -> None:
    base = ("myhao-2023q3", "main", "s1", "DS")
    uids = {
        uid_for(*base),
        uid_for("myhao-2023q4", "main", "s1", "DS"),
        uid_for("myhao-2023q3", "meet", "s1", "DS"),
        uid_for("myhao-2023q3", "main", "s2", "DS"),
        uid_for("myhao-2023q3", "main", "s1", "TU"),
        uid_for("myhao-2023q3", "main/s1", "", "DS"),  # no ambiguity from separators
    }
    assert len(uids) == 6
    # Pinned: a UID that changed between releases would duplicate every event in calendars.
    assert uid_for(*base) == "0673e498-8158-5678-bb73-71a15a1fc76b"


def test_one_spec_per_point_of_each_scheduled_sitting(make_plan: Callable[..., Plan]) -> None:
    plan = make_plan()
    specs = invitations_for(plan, {"main/s1": LINK})
    assert [s.key for s in specs] == ["main/s1/TU", "main/s1/DS", "main/s1/DS-HD"]
    assert all(s.uid == uid_for("myhao-2023q3", s.track, s.sitting, s.point) for s in specs)


def test_a_sitting_without_a_start_gets_no_invitation_until_it_has_one(
    make_plan: Callable[..., Plan],
) -> None:
    before = invitations_for(make_plan(), {})
    assert {s.sitting for s in before} == {"s1"}
    later = make_plan(
        tracks=[
            {
                "id": "main",
                "units": {"kinds": ["committee", "commune", "attached", "village", "agency"]},
                "sittings": [
                    {"id": "s1", "start": "2023-09-10T08:00", "end": "2023-09-10T10:00"},
                    {"id": "s2", "start": "2023-09-17T14:00", "duration_minutes": 90},
                ],
            }
        ]
    )
    after = {s.key: s for s in invitations_for(later, {})}
    s2 = after["main/s2/DS"]
    assert s2.uid == uid_for("myhao-2023q3", "main", "s2", "DS")
    assert s2.start == dt.datetime(2023, 9, 17, 14, tzinfo=TZ)
    assert s2.end == dt.datetime(2023, 9, 17, 15, 30, tzinfo=TZ)


def test_recipients_are_every_seated_units_contacts_then_the_host_officer_once_each(
    make_plan: Callable[..., Plan],
) -> None:
    spec = {s.point: s for s in invitations_for(make_plan(), {})}["DS"]
    assert [r.email for r in spec.recipients] == [
        "vanphong@disu.example",  # DS, and DS-CA's "VanPhong@disu.example" merged into it
        "congan@disu.example",
        "trungtam@disu.example",
        "kythuat@disu.example",  # the host's officer
    ]
    shared = spec.recipients[0]
    assert shared.units == ("DS", "DS-CA")
    assert shared.name == "Đảng bộ xã Dị Sử"
    assert spec.recipients[-1].name == "Lê Thị Hằng"


def test_the_units_and_seats_of_the_point_are_listed(make_plan: Callable[..., Plan]) -> None:
    spec = {s.point: s for s in invitations_for(make_plan(), {})}["DS"]
    assert [(u.id, u.seats) for u in spec.units] == [("DS", 40), ("DS-CA", 12), ("DS-TT", 25)]
    assert spec.hall == "Hội trường trung tâm xã Dị Sử"
    assert spec.point_name == "Đảng bộ xã Dị Sử"


def test_a_unit_without_seats_in_a_sitting_is_not_invited_to_it(
    make_plan: Callable[..., Plan], units: list[Unit]
) -> None:
    units.append(
        Unit(
            id="DS-MN",
            name="Chi bộ Trường Mầm non",
            kind="attached",
            parent="DS",
            members=1,
            contact_emails=("mamnon@disu.example",),
        )
    )
    sittings = [
        {"id": "c1", "start": "2023-09-10T08:00", "end": "2023-09-10T10:00"},
        {"id": "c2", "start": "2023-09-10T14:00", "end": "2023-09-10T16:00"},
    ]
    track = {"id": "main", "units": {"kinds": ["committee", "commune", "attached", "village"]}}
    plan = make_plan(units, tracks=[{**track, "attendance": "split", "sittings": sittings}])
    specs = {s.key: s for s in invitations_for(plan, {})}
    assert "mamnon@disu.example" in [r.email for r in specs["main/c1/DS"].recipients]
    assert "mamnon@disu.example" not in [r.email for r in specs["main/c2/DS"].recipients]
    assert [u.id for u in specs["main/c2/DS"].units] == ["DS", "DS-CA", "DS-TT"]


def test_join_links_come_from_the_conference_or_the_point_of_a_shared_conference(
    make_plan: Callable[..., Plan],
) -> None:
    links = {"main/s1": LINK, ("main/s1", "DS-HD"): "https://meet.example/hoadam"}
    specs = {s.point: s for s in invitations_for(make_plan(), links)}
    assert specs["DS"].join_link == LINK
    assert specs["DS-HD"].join_link == "https://meet.example/hoadam"


def test_per_point_conferences_are_looked_up_by_their_own_key(
    make_plan: Callable[..., Plan],
) -> None:
    plan = make_plan(
        tracks=[
            {
                "id": "branch",
                "conference": "per_point",
                "units": {"kinds": ["committee", "commune", "attached", "village"]},
                "sittings": [{"id": "m9", "start": "2023-09-12T19:30", "duration_minutes": 60}],
            }
        ]
    )
    links = {"branch/m9/DS": "https://meet.example/ds", "branch/m9/TU": "https://meet.example/tu"}
    specs = {s.point: s for s in invitations_for(plan, links)}
    assert specs["DS"].join_link == "https://meet.example/ds"
    assert specs["TU"].join_link == "https://meet.example/tu"
    assert specs["DS-HD"].join_link is None


def test_a_point_without_any_address_is_skipped_and_reported(
    make_plan: Callable[..., Plan], units: list[Unit]
) -> None:
    units[3] = units[3].model_copy(update={"contact_emails": (), "officer": None})
    plan = make_plan(units)
    assert "DS-HD" not in {s.point for s in invitations_for(plan, {})}
    assert points_without_recipients(plan) == [("main/s1", "DS-HD")]


def test_the_organizer_and_a_different_sender_are_taken_from_the_meeting(
    make_plan: Callable[..., Plan],
) -> None:
    plan = make_plan(delivery={"sender": "noreply@thiuy.example"})
    spec = invitations_for(plan, {})[0]
    assert (spec.organizer_email, spec.organizer_name) == (
        "vanphong@thiuy.example",
        "Văn phòng Thị ủy",
    )
    assert spec.sent_by == "noreply@thiuy.example"
    assert invitations_for(make_plan(), {})[0].sent_by is None


def test_text_is_nfc_normalized() -> None:
    decomposed = unicodedata.normalize("NFD", "Chi bộ thôn Đông")
    spec = InvitationSpec(**spec_kwargs(title=decomposed, point_name=decomposed))
    assert spec.title == spec.point_name == "Chi bộ thôn Đông"
    assert unicodedata.is_normalized("NFC", spec.title)


def test_times_are_converted_to_the_meeting_zone() -> None:
    utc_start = dt.datetime(2026, 1, 4, 1, tzinfo=dt.UTC)
    spec = InvitationSpec(**spec_kwargs(start=utc_start, end=utc_start + dt.timedelta(hours=2)))
    assert spec.start.tzinfo == TZ
    assert spec.start.hour == 8


def test_a_spec_has_no_place_for_a_password() -> None:
    names = {f.name for f in dataclasses.fields(InvitationSpec)}
    assert not {n for n in names if "pass" in n or "secret" in n or "token" in n}
    with pytest.raises(TypeError):
        InvitationSpec(**spec_kwargs(password="s3cret"))


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        ({"start": dt.datetime(2026, 1, 4, 8)}, "has no time zone"),
        ({"end": dt.datetime(2026, 1, 4, 7, tzinfo=TZ)}, "not after the start"),
        ({"recipients": ()}, "nobody would receive"),
        (
            {"recipients": (Recipient("a@x.example"), Recipient("A@X.example"))},
            "listed twice",
        ),
        ({"recipients": (Recipient("not an address"),)}, "not an e-mail address"),
        ({"join_link": "https://user:pw@meet.example/x"}, "carries a password"),
        ({"join_link": "https://zoom.example/j/1?pwd=abc"}, "carries a password"),
        ({"join_link": "ftp://meet.example/x"}, "not an http(s) address"),
        (
            {
                "recurrence": "FREQ=MONTHLY;BYDAY=1SU;COUNT=3",
                "start": dt.datetime(2026, 1, 5, 8, tzinfo=TZ),
                "end": dt.datetime(2026, 1, 5, 9, tzinfo=TZ),
            },
            "not itself an occurrence",
        ),
        ({"recurrence": "FREQ=SOMETIMES"}, "not a valid RRULE"),
        ({"recurrence": "FREQ=WEEKLY;UNTIL=20260301T000000"}, "with UNTIL, write it in UTC"),
        ({"timezone": "UTC+07:00"}, "unknown time zone"),
        ({"arrive_by": dt.datetime(2026, 1, 4, 8, 5, tzinfo=TZ)}, "arrive-early time is after"),
        ({"organizer_email": "Văn phòng <vp@x.example>"}, "not an e-mail address"),
    ],
)
def test_a_bad_spec_is_refused_with_a_sentence_saying_what_to_correct(
    overrides: dict[str, Any], says: str
) -> None:
    with pytest.raises(InputError) as caught:
        InvitationSpec(**spec_kwargs(**overrides))
    message = str(caught.value)
    assert says in message
    assert message.startswith("meeting m: tracks.main.sittings.s1 (point P1).")
    assert message.rstrip().endswith(".")


def test_a_spec_survives_its_json_form(make_plan: Callable[..., Plan]) -> None:
    for spec in invitations_for(make_plan(), {"main/s1": LINK}):
        assert InvitationSpec.from_json(spec.to_json()) == spec


def test_recipients_of_a_unit_leave_out_addresses_shared_with_units_that_stay(
    make_plan: Callable[..., Plan],
) -> None:
    spec = {s.point: s for s in invitations_for(make_plan(), {})}["DS"]
    assert [r.email for r in spec.recipients_of(["DS-CA"])] == ["congan@disu.example"]
    both = [r.email for r in spec.recipients_of(["DS-CA", "DS"])]
    assert both == ["vanphong@disu.example", "congan@disu.example", "kythuat@disu.example"]


def test_a_village_officer_is_the_recipient_when_the_village_hosts_its_point(
    make_plan: Callable[..., Plan],
) -> None:
    spec = {s.point: s for s in invitations_for(make_plan(), {})}["DS-HD"]
    assert [(r.email, r.name) for r in spec.recipients] == [
        ("hoadam@disu.example", "Chi bộ thôn Hòa Đam"),
        ("duc@hoadam.example", "Phạm Văn Đức"),
    ]
    assert spec.hall == "Nhà văn hóa thôn Hòa Đam"


def test_an_officer_without_a_name_is_named_after_the_unit(
    make_plan: Callable[..., Plan], units: list[Unit]
) -> None:
    units[3] = units[3].model_copy(update={"officer": Contact(email="duc@hoadam.example")})
    spec = {s.point: s for s in invitations_for(make_plan(units), {})}["DS-HD"]
    assert spec.recipients[-1].name == "Chi bộ thôn Hòa Đam"


def test_a_spec_with_every_new_field_survives_its_json_form() -> None:
    from meetlink.invites.variables import sample_spec

    spec = dataclasses.replace(sample_spec(), postponed=True)
    again = InvitationSpec.from_json(spec.to_json())
    assert again == spec
    assert (again.notice_date, again.units[0].members) == (dt.date(2023, 12, 20), 40)


def test_json_stored_by_an_older_meetlink_still_loads_with_defaults(
    make_plan: Callable[..., Plan],
) -> None:
    spec = {s.point: s for s in invitations_for(make_plan(), {"main/s1": LINK})}["DS"]
    data = json.loads(spec.to_json())
    new = ("meeting_kind", "notice_kind", "notice_number", "notice_date", "chair")
    for key in (*new, "composition", "share", "postponed"):
        del data[key]
    for unit in data["units"]:
        del unit["members"]
    old = InvitationSpec.from_json(json.dumps(data))
    assert old.meeting_kind == "meeting"
    assert (old.notice_number, old.notice_date, old.chair, old.share) == ("", None, "", "")
    assert old.postponed is False
    assert [u.members for u in old.units] == [0, 0, 0]
    assert (old.uid, old.start, old.recipients) == (spec.uid, spec.start, spec.recipients)


def test_the_meeting_file_gives_each_spec_its_words(
    make_plan: Callable[..., Plan], units: list[Unit]
) -> None:
    units[1] = units[1].model_copy(update={"chair": "Nguyễn Văn An"})
    sittings = [
        {"id": f"c{n}", "start": f"2023-09-1{n}T08:00", "end": f"2023-09-1{n}T10:00"}
        for n in (1, 2, 3)
    ]
    track = {"id": "main", "units": {"kinds": ["committee", "commune", "attached", "village"]}}
    plan = make_plan(
        units,
        kind="hội nghị",
        notice={"kind": "kế hoạch", "number": "26-KH/ThU", "date": "2022-01-13"},
        composition={"commune": "Đảng viên các chi bộ trực thuộc xã", "main": "Lãnh đạo"},
        tracks=[{**track, "attendance": "split", "sittings": sittings}],
    )
    specs = {(s.sitting, s.point): s for s in invitations_for(plan, {})}
    ds = specs[("c1", "DS")]
    assert (ds.meeting_kind, ds.notice_kind) == ("conference", "plan")
    assert (ds.notice_number, ds.notice_date) == ("26-KH/ThU", dt.date(2022, 1, 13))
    assert (ds.chair, ds.composition, ds.share) == (
        "Nguyễn Văn An",
        "Đảng viên các chi bộ trực thuộc xã",
        "1/3",
    )
    assert [(u.id, u.seats, u.members) for u in ds.units] == [
        ("DS", 14, 40),
        ("DS-CA", 4, 12),
        ("DS-TT", 9, 25),
    ]
    assert specs[("c1", "TU")].composition == "Lãnh đạo"
    assert specs[("c1", "DS-HD")].composition == ""  # none written for villages
    assert specs[("c1", "DS-HD")].chair == ""


def test_a_party_cell_shares_out_its_own_members(make_plan: Callable[..., Plan]) -> None:
    big = Unit(
        id="CB",
        name="Chi bộ Bệnh viện",
        kind="agency",
        members=60,
        cells=2,
        contact_emails=("benhvien@x.example",),
    )
    sittings = [
        {"id": f"c{n}", "start": f"2023-09-1{n}T08:00", "end": f"2023-09-1{n}T10:00"}
        for n in (1, 2)
    ]
    track = {"id": "main", "units": {"kinds": ["agency"]}, "cells": True}
    plan = make_plan([big], tracks=[{**track, "attendance": "split", "sittings": sittings}])
    specs = {(s.sitting, s.point): s for s in invitations_for(plan, {})}
    cell = specs[("c1", "CB-cell1")]
    assert [(u.seats, u.members) for u in cell.units] == [(15, 30)]
    assert cell.share == "1/2"
