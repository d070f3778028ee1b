"""Issue 18: `meetlink announce`, the short texts for the units' Zalo groups and for SMS.

Seed 002 hands the Meet link out in the units' chat groups: one text per point (or one per
shared conference), with the time, the point, the join link, the line test and the help
contact; `sms` is unaccented ASCII in parts of at most 160 characters.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from meetlink.cli import main
from meetlink.credentials.vault import VaultKey
from meetlink.invites.announce import (
    SMS_LENGTH,
    Announcement,
    announcements_for,
    render_announcement,
    sms_parts,
    unaccented,
)
from meetlink.loading import load_meeting
from meetlink.planning import plan_meeting

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
ROSTER = """\
id,name,kind,parent,members,location,officer_name,officer_email,contact_emails
TU,Thị ủy Mỹ Hào,committee,,40,Hội trường tầng 3 - Nhà D,Ngô Văn An,ktv.tu@thiuy.example.org,vp@thiuy.example.org
X1,Đảng bộ xã Hòa Phong,commune,,30,Hội trường xã Hòa Phong,Lê Thị Bình,ktv.x1@xa.example.org,bithu.x1@xa.example.org
X2,Đảng bộ xã Dị Sử,commune,,25,Hội trường xã Dị Sử,Trần Văn Cường,ktv.x2@xa.example.org,bithu.x2@xa.example.org
"""  # noqa: E501
MEETING = """\
id: announce-demo
title: "Hội nghị thông tin thời sự Quý I/2022"
organizer: {name: "Ban Tuyên giáo Huyện ủy", email: btg@huyenuy.example.org}
roster: roster.csv
kind: conference
rehearsal: 2022-03-19T15:00
help_contacts:
  - {name: "Nguyễn Văn Dũng", phone: "0966 666 262"}
tracks:
  - id: meet
    platform: jitsi
    units: {kinds: [committee, commune]}
    conference: CONFERENCE
    sittings:
      - {id: lop1, start: 2022-03-20T08:00, end: 2022-03-20T10:30}
      - {id: lop2}
"""


def _write(folder: Path, conference: str = "shared", language: str = "vi") -> Path:
    (folder / "roster.csv").write_text(ROSTER, encoding="utf-8")
    text = MEETING.replace("CONFERENCE", conference)
    if language != "vi":
        text += f"language: {language}\n"
    path = folder / "meeting.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MEETLINK_VAULT_KEY", VaultKey.generate().reveal_text())
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path


def _texts(output: str) -> list[str]:
    """The texts printed, without the lines that say where each goes."""
    blocks = [b for b in output.split("==== ") if b.strip()]
    return [b.split("====\n", 1)[1].strip() for b in blocks]


def _sample(**changes: object) -> Announcement:
    base = Announcement(
        title="Giờ sinh hoạt toàn Đảng bộ thị xã Quý III/2023",
        meeting_title="Giờ sinh hoạt toàn Đảng bộ thị xã Quý III/2023",
        start=dt.datetime(2023, 9, 10, 8, tzinfo=ZONE),
        end=dt.datetime(2023, 9, 10, 10, tzinfo=ZONE),
        arrive_by=dt.datetime(2023, 9, 10, 7, 45, tzinfo=ZONE),
        point="X1",
        point_name="Xã Hòa Phong",
        hall="Hội trường xã",
        link="https://meet.jit.si/myhao-q3-abcdefghij",
        rehearsal=dt.datetime(2023, 9, 9, 15, tzinfo=ZONE),
        help_contacts=(("Đặng Tuấn Chiến", "Phó Chánh Văn phòng", "0913 311 969"),),
    )
    return Announcement(**{**base.__dict__, **changes})  # type: ignore[arg-type]


# -- the builder ----------------------------------------------------------------------


def test_unaccented_gives_vietnamese_without_its_diacritics_in_ascii() -> None:
    text = unaccented("Đảng bộ xã Hòa Phong — “Giờ sinh hoạt” Quý III…")
    assert text == 'Dang bo xa Hoa Phong - "Gio sinh hoat" Quy III...'
    assert text.isascii()


def test_sms_parts_are_at_most_160_characters_and_numbered() -> None:
    text = " ".join(f"word{n}" for n in range(80))
    parts = sms_parts(text)
    assert len(parts) > 1
    assert all(len(p) <= SMS_LENGTH for p in parts)
    assert [p.split(" ", 1)[0] for p in parts] == [f"({n}/{len(parts)})" for n in range(1, 7)][
        : len(parts)
    ]
    assert " ".join(p.split(" ", 1)[1] for p in parts) == text
    assert sms_parts("Ngắn gọn") == ["Ngắn gọn"]


def test_a_zalo_text_keeps_vietnamese_and_line_breaks_and_has_no_markdown() -> None:
    text = render_announcement(_sample(), "zalo")
    lines = text.strip().split("\n")
    assert lines[0] == "Giờ sinh hoạt toàn Đảng bộ thị xã Quý III/2023"
    assert "Thời gian: Từ 08 giờ 00 đến 10 giờ 00, Chủ nhật, ngày 10/9/2023" in text
    assert "có mặt trước 15 phút" in text
    assert "Điểm cầu: Xã Hòa Phong (Hội trường xã)." in lines
    assert "Đường dẫn tham gia: https://meet.jit.si/myhao-q3-abcdefghij" in lines
    assert "Chạy thử đường truyền: 15 giờ 00, Thứ Bảy, ngày 9/9/2023." in lines
    assert "Hỗ trợ kỹ thuật: Đ/c Đặng Tuấn Chiến, Phó Chánh Văn phòng, ĐT: 0913 311 969." in lines
    assert not any(mark in text for mark in ("*", "#", "`", "[", "]("))


def test_an_sms_is_unaccented_ascii_and_fits_one_part() -> None:
    text = render_announcement(_sample(meeting_title="Giờ sinh hoạt Quý III/2023"), "sms")
    assert text.isascii()
    assert "\n" not in text
    assert len(text) <= SMS_LENGTH
    assert text.startswith("Gio sinh hoat Quy III/2023: 08:00-10:00 10/9/2023. Diem cau Xa Hoa")
    assert "https://meet.jit.si/myhao-q3-abcdefghij" in text
    assert "Chay thu: 15:00 9/9." in text
    assert text.endswith("Ho tro: 0913311969")  # no spaces: the phone offers to call it


def test_a_long_sms_is_cut_into_numbered_parts_of_160() -> None:
    long = _sample(link="https://meet.jit.si/" + "x" * 90, point_name="Đảng bộ " + "y" * 40)
    parts = render_announcement(long, "sms").split("\n")
    assert len(parts) >= 2
    assert all(len(p) <= SMS_LENGTH and p.isascii() for p in parts)
    assert parts[0].startswith(f"(1/{len(parts)}) ")


def test_a_text_whose_time_comes_later_says_so_and_has_no_link() -> None:
    later = _sample(start=None, end=None, arrive_by=None, link=None)
    zalo = render_announcement(later, "zalo")
    assert "Thời gian: thời gian cụ thể sẽ có thông báo sau." in zalo
    assert "Đường dẫn" not in zalo
    assert "thoi gian thong bao sau" in render_announcement(later, "sms")


def test_a_text_before_the_conference_exists_says_the_link_follows() -> None:
    text = render_announcement(_sample(link=None, links_later=True), "text")
    assert "- Đường dẫn tham gia trực tuyến: sẽ gửi sau." in text


def test_a_point_with_a_login_is_told_its_officer_has_it() -> None:
    text = render_announcement(_sample(link=None, credentials=True), "zalo")
    assert "Tài khoản đăng nhập đã gửi riêng cho cán bộ kỹ thuật" in text
    assert "Mật" not in text


def test_the_english_texts() -> None:
    text = render_announcement(_sample(language="en"), "zalo")
    assert "Time: From 08:00 to 10:00, Sunday 10 September 2023" in text
    assert "Join link: https://meet.jit.si/myhao-q3-abcdefghij" in text


def test_a_shared_conference_gets_one_text_for_the_group(tmp_path: Path) -> None:
    loaded = load_meeting(_write(tmp_path))
    plan = plan_meeting(loaded.meeting, loaded.roster)
    link = "https://meet.jit.si/announcedemo-abc"
    made = frozenset(("meet/lop1", p) for p in ("TU", "X1", "X2"))
    found = announcements_for(plan, dict.fromkeys(made, link), made=made, sitting="lop1")
    assert len(found) == 1
    assert found[0].for_group
    assert found[0].point_count == 3
    assert found[0].link == link
    assert not found[0].links_later
    before = announcements_for(plan, sitting="lop1")
    assert [(a.link, a.links_later) for a in before] == [(None, True)]


def test_points_with_their_own_links_get_a_text_each(tmp_path: Path) -> None:
    loaded = load_meeting(_write(tmp_path, conference="per_point"))
    plan = plan_meeting(loaded.meeting, loaded.roster)
    links = {("meet/lop1", p): f"https://meet.jit.si/r-{p.lower()}" for p in ("TU", "X1", "X2")}
    found = announcements_for(plan, links, made=frozenset(links), sitting="meet/lop1")
    assert [(a.point, a.link) for a in found] == [
        ("TU", "https://meet.jit.si/r-tu"),
        ("X1", "https://meet.jit.si/r-x1"),
        ("X2", "https://meet.jit.si/r-x2"),
    ]


# -- the command ----------------------------------------------------------------------


def test_before_open_the_texts_have_no_link_and_say_to_run_open(
    office: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    meeting = _write(office)
    assert main(["announce", str(meeting)]) == 0
    out, err = capsys.readouterr()
    assert "after `meetlink open`" in err
    texts = _texts(out)
    assert len(texts) == 2  # one per sitting: the conference is shared
    assert "Đường dẫn tham gia: sẽ gửi sau." in texts[0]
    assert "https://" not in out
    assert "thời gian cụ thể sẽ có thông báo sau" in texts[1]


def test_after_open_every_format_carries_the_conferences_link(
    office: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    meeting = _write(office)
    assert main(["open", str(meeting)]) == 0
    capsys.readouterr()
    assert main(["announce", str(meeting), "--sitting", "lop1"]) == 0
    out, err = capsys.readouterr()
    assert "meetlink open" not in err
    (zalo,) = _texts(out)
    link = next(w for w in zalo.split() if w.startswith("https://meet.jit.si/"))
    assert "Điểm cầu: tất cả 3 điểm cầu." in zalo
    for form in ("sms", "text"):
        assert main(["announce", str(meeting), "--sitting", "lop1", "--format", form]) == 0
        (text,) = _texts(capsys.readouterr().out)
        assert link in text
        if form == "sms":
            assert text.isascii()
            assert all(len(part) <= SMS_LENGTH for part in text.split("\n"))


def test_per_point_conferences_give_one_text_per_point_into_a_file(
    office: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    meeting = _write(office, conference="per_point")
    assert main(["open", str(meeting)]) == 0
    target = office / "zalo.txt"
    assert main(["announce", str(meeting), "--sitting", "lop1", "-o", str(target)]) == 0
    assert "3 text(s) written" in capsys.readouterr().out
    texts = _texts(target.read_text(encoding="utf-8"))
    assert len(texts) == 3
    links = {next(w for w in t.split() if w.startswith("https://")) for t in texts}
    assert len(links) == 3  # each point its own room
    assert any("Điểm cầu: Đảng bộ xã Dị Sử (Hội trường xã Dị Sử)." in t for t in texts)


def test_an_unknown_sitting_is_bad_input_with_a_sentence(
    office: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    meeting = _write(office)
    assert main(["announce", str(meeting), "--sitting", "lop9"]) == 2
    err = capsys.readouterr().err
    assert "has no sitting 'lop9'" in err
    assert "lop1" in err
    assert "meet/lop2" in err


def test_an_english_meeting_gets_english_texts(
    office: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    meeting = _write(office, language="en")
    assert main(["announce", str(meeting), "--sitting", "lop2"]) == 0
    (text,) = _texts(capsys.readouterr().out)
    lines = text.split("\n")
    assert "Time: the exact time will be announced later." in lines
    assert "Bridge points: all 3 bridge points." in lines
    assert "Line test: 15:00, Saturday 19 March 2022." in lines
