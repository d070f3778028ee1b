"""`open` of a track relayed in tiers (issue 17): one conference per planned conference on
the platform, each point given access to its own conference(s), and each invitation naming
the point that relays the meeting to it."""

# ruff: noqa: E501 - roster rows read best one to a line

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from tests.province_conference import province_conference

from meetlink.planning import plan_meeting
from meetlink.reconcile.setup import load_meeting

ROSTER = """\
mã,tên tổ chức đảng,loại,trực thuộc,số đảng viên,địa điểm,cán bộ kỹ thuật,email,email nhận giấy mời
TU,Tỉnh ủy,committee,,40,Hội trường Tỉnh ủy,Ngô Văn An,ktv.tu@tinhuy.example.org,vp@tinhuy.example.org
H1,Huyện ủy Cẩm Xuyên,district,TU,30,Hội trường Huyện ủy Cẩm Xuyên,Lê Văn Bình,ktv.h1@camxuyen.example.org,vp.h1@camxuyen.example.org
H1-X1,Đảng ủy xã Cẩm Hưng,commune,H1,20,Hội trường xã Cẩm Hưng,Đỗ Thị Cúc,ktv.x1@camhung.example.org,vp.x1@camhung.example.org
H1-X2,Đảng ủy xã Cẩm Thịnh,commune,H1,20,Hội trường xã Cẩm Thịnh,Hồ Văn Dũng,ktv.x2@camthinh.example.org,vp.x2@camthinh.example.org
H2,Huyện ủy Kỳ Anh,district,TU,30,Hội trường Huyện ủy Kỳ Anh,Phan Văn Em,ktv.h2@kyanh.example.org,vp.h2@kyanh.example.org
H2-X1,Đảng ủy xã Kỳ Tân,commune,H2,20,Hội trường xã Kỳ Tân,Trần Thị Gấm,ktv.x3@kytan.example.org,vp.x3@kytan.example.org
"""


def write(meeting: Any, capacity: str) -> None:
    meeting.write(province_conference("tiers-open", tail=capacity), ROSTER)


def invitations(outbox: Path) -> dict[str, str]:
    """The plain text of each invitation in the outbox, by its bridge point's name."""
    out: dict[str, str] = {}
    for path in sorted(outbox.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        if not any(p.get_content_type() == "text/calendar" for p in message.walk()):
            continue  # a hand-out of access to a technical officer
        part = message.get_body(preferencelist=("plain",))
        assert part is not None
        text = str(part.get_content())
        point = next(line for line in text.splitlines() if line.startswith("Điểm cầu: "))
        out[point.removeprefix("Điểm cầu: ")] = text
    return out


@pytest.mark.parametrize(
    "capacity", ["capacity: 3", "settings: {capacity: 3}"], ids=["track", "platform"]
)
def test_open_creates_each_planned_conference_and_each_invitation_names_its_relay(
    meeting: Any, open_it: Callable[..., Any], capacity: str
) -> None:
    write(meeting, capacity)
    loaded = load_meeting(meeting.path)
    plan = plan_meeting(loaded.meeting, loaded.roster)
    assert sorted(c.key for c in plan.conferences) == ["main/s1", "main/s1/H1", "main/s1/H2"]

    result = open_it()
    assert result.ok, result.failures
    assert result.counts["conference"] == {"create": 3}
    made = {info.key: info.title for info in meeting.store.conferences("tiers-open")}
    assert made == {
        "main/s1": "Hội nghị quán triệt Nghị quyết",
        "main/s1/H1": "Hội nghị quán triệt Nghị quyết — Huyện ủy Cẩm Xuyên",
        "main/s1/H2": "Hội nghị quán triệt Nghị quyết — Huyện ủy Kỳ Anh",
    }
    # an access per point and conference it sits in: the relays H1 and H2 sit in two
    # (the memory platform refuses access to a point its conference does not hold)
    assert result.counts["access"] == {"create": 3 + 3 + 2}

    sent = invitations(meeting.outbox)
    assert len(sent) == 6  # one per point, the relays included
    commune = sent["Đảng ủy xã Cẩm Hưng"]
    assert "Điểm cầu Đảng ủy xã Cẩm Hưng tiếp sóng từ điểm cầu Huyện ủy Cẩm Xuyên." in commune
    assert (
        "Điểm cầu Huyện ủy Cẩm Xuyên tiếp sóng cho 2 điểm cầu trực thuộc."
        in sent["Huyện ủy Cẩm Xuyên"]
    )
    assert (
        "Điểm cầu Đảng ủy xã Kỳ Tân tiếp sóng từ điểm cầu Huyện ủy Kỳ Anh."
        in sent["Đảng ủy xã Kỳ Tân"]
    )
    assert "tiếp sóng" not in sent["Tỉnh ủy"]

    again = open_it()
    assert again.ok
    assert again.counts == {}


def test_an_untiered_track_invites_without_relay_words(
    meeting: Any, open_it: Callable[..., Any]
) -> None:
    write(meeting, "")
    result = open_it()
    assert result.ok, result.failures
    assert result.counts["conference"] == {"create": 1}
    sent = invitations(meeting.outbox)
    assert len(sent) == 6
    assert all("tiếp sóng" not in text for text in sent.values())


def test_the_relay_sentence_in_both_languages() -> None:
    import dataclasses

    from meetlink.invites.variables import invitation_variables, sample_spec

    relayed = dataclasses.replace(
        sample_spec(), relay_from="Huyện ủy Mỹ Hào", relays_to=12, relay_link="https://m.example/r"
    )
    words = invitation_variables(relayed, "new", 0)
    assert words["relay"] == (
        "Điểm cầu Đảng bộ xã Dị Sử tiếp sóng từ điểm cầu Huyện ủy Mỹ Hào "
        "và tiếp sóng cho 12 điểm cầu trực thuộc."
    )
    assert words["relay_link"] == "https://m.example/r"
    english = dataclasses.replace(relayed, language="en", relays_to=1)
    assert invitation_variables(english, "new", 0)["relay"] == (
        "The Đảng bộ xã Dị Sử bridge point receives the meeting relayed by the "
        "Huyện ủy Mỹ Hào bridge point and relays it to 1 bridge point."
    )
    assert invitation_variables(sample_spec(), "new", 0)["relay"] == ""
    # an untiered invitation keeps the bytes (and the content hash) it had before tiers
    assert "relay" not in sample_spec().to_json()


def test_a_relay_point_is_sent_the_link_of_the_conference_it_relays(meeting: Any) -> None:
    from meetlink.reconcile import open_meeting

    text = province_conference("tiers-open", tail="capacity: 3")
    meeting.write(text.replace("memory", "jitsi"), ROSTER)
    result = open_meeting(meeting.path, vault_key=meeting.key)
    assert result.ok, result.failures
    sent = invitations(meeting.outbox)
    district, commune = sent["Huyện ủy Cẩm Xuyên"], sent["Đảng ủy xã Cẩm Hưng"]
    main_link = sent["Tỉnh ủy"].split("Tham gia trực tuyến tại: ")[1].split()[0]
    relayed = commune.split("Tham gia trực tuyến tại: ")[1].split()[0]
    assert district.split("Tham gia trực tuyến tại: ")[1].split()[0] == main_link
    assert f"Kết nối tiếp sóng cho các điểm cầu trực thuộc: {relayed}" in district
    assert relayed != main_link
    assert "Kết nối tiếp sóng" not in commune
