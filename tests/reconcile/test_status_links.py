"""Issue 18: `meetlink status --links` shows every point's join link per sitting, from the
ledger, as a table with Vietnamese labels for a Vietnamese meeting; never a password, a
token or a marker secret (and neither does `meetlink announce`)."""

from __future__ import annotations

import contextlib
import email
import email.policy
import json
import secrets
import shutil
import sqlite3
from pathlib import Path

import pytest

from meetlink.cli import main
from meetlink.credentials.vault import VaultKey
from meetlink.loading import load_meeting
from meetlink.planning import plan_meeting
from meetlink.reconcile.ledger import Ledger
from meetlink.reconcile.links import point_links

EXAMPLE = Path(__file__).parents[2] / "examples" / "myhao-2023q3"
ROSTER = """\
id,name,kind,members,location,officer_name,officer_email,contact_emails
TU,Thị ủy,committee,40,Hội trường tầng 3,Ngô Văn An,ktv.tu@thiuy.example.org,vp@thiuy.example.org
X1,Xã Hòa Phong,commune,30,Hội trường xã,Lê Thị Bình,ktv.x1@xa.example.org,bithu.x1@xa.example.org
"""
MEETING = """\
id: links-demo
title: "Giờ sinh hoạt toàn Đảng bộ"
organizer: {name: "Văn phòng Thị ủy", email: vp@thiuy.example.org}
roster: roster.csv
tracks:
  - id: main
    platform: jitsi
    units: {kinds: [committee, commune]}
    sittings:
      - {id: s1, start: 2023-09-10T08:00, end: 2023-09-10T10:00}
      - {id: s2}
"""


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MEETLINK_VAULT_KEY", VaultKey.generate().reveal_text())
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "200")
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    path = tmp_path / "meeting.yaml"
    path.write_text(MEETING, encoding="utf-8")
    return path


def _links(meeting: Path) -> dict[tuple[str, str], str | None]:
    loaded = load_meeting(meeting)
    plan = plan_meeting(loaded.meeting, loaded.roster)
    with Ledger(meeting.parent / ".meetlink" / "ledger.sqlite3", read_only=True) as ledger:
        return {(r.sitting, r.point): r.link for r in point_links(plan, ledger)}


def test_status_links_shows_every_points_link_with_vietnamese_labels(
    office: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["open", str(office)]) == 0
    capsys.readouterr()
    links = _links(office)
    link = links[("main/s1", "TU")]
    assert link is not None
    assert link.startswith("https://meet.jit.si/linksdemo-")
    assert links[("main/s1", "X1")] == link  # one shared conference
    assert links[("main/s2", "TU")] is None  # no time, no conference yet

    assert main(["status", str(office), "--links"]) == 0
    out = capsys.readouterr().out
    assert "Đường dẫn tham gia" in out
    assert "Điểm cầu" in out
    rows = [line for line in out.splitlines() if "main/s1" in line]
    assert len(rows) == 2
    assert all(link in row for row in rows)  # whole, never cut or wrapped
    assert out.count("chờ thời gian") == 2


def test_status_links_speaks_english_for_an_english_meeting(
    office: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    office.write_text(MEETING + "language: en\n", encoding="utf-8")
    assert main(["open", str(office)]) == 0
    capsys.readouterr()
    assert main(["status", str(office), "--links"]) == 0
    out = capsys.readouterr().out
    assert "Join link" in out
    assert "Bridge point" in out
    assert "awaiting the time" in out
    assert "Đường dẫn" not in out


def test_a_link_with_a_password_in_the_ledger_is_never_shown(
    office: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["open", str(office)]) == 0
    link = _links(office)[("main/s1", "TU")]
    assert link is not None
    ledger = office.parent / ".meetlink" / "ledger.sqlite3"
    with contextlib.closing(sqlite3.connect(ledger)) as db, db:
        for key, detail in db.execute(
            "SELECT key, detail FROM effects WHERE kind = 'invitation'"
        ).fetchall():
            data = json.loads(detail)
            spec = json.loads(data["spec"])
            spec["join_link"] = f"{link}?pwd=HUNTER2SECRET"
            data["spec"] = json.dumps(spec)
            db.execute("UPDATE effects SET detail = ? WHERE key = ?", (json.dumps(data), key))
    capsys.readouterr()
    assert main(["status", str(office), "--links"]) == 0
    assert main(["announce", str(office)]) == 0
    out = capsys.readouterr().out
    assert "HUNTER2SECRET" not in out
    assert "pwd=" not in out


def test_a_token_platform_shows_no_link_and_no_token(
    office: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    office.write_text(
        MEETING.replace(
            "    platform: jitsi\n",
            "    platform: jitsi\n"
            "    settings: {server: meet.example.org, app_id: meetlink, "
            f"app_secret: {secrets.token_hex(24)}}}\n",
        ),
        encoding="utf-8",
    )
    assert main(["open", str(office)]) == 0
    handouts = [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in (office.parent / ".meetlink" / "outbox").glob("handout-*.eml")
    ]
    texts = [m.get_body(preferencelist=("plain",)).get_content() for m in handouts]
    tokens = [w for t in texts for w in t.split() if w.startswith("eyJ")]
    assert len(tokens) == len(texts) == 2  # each officer has the point's token
    capsys.readouterr()
    assert main(["status", str(office), "--links"]) == 0
    for form in ("zalo", "sms", "text"):
        assert main(["announce", str(office), "--format", form]) == 0
    out = capsys.readouterr().out
    assert not any(token in out for token in tokens)
    assert "jwt" not in out
    assert "eyJ" not in out
    assert "gửi riêng cho cán bộ kỹ thuật" in out
    assert "Tài khoản đăng nhập đã gửi riêng cho cán bộ kỹ thuật" in out


def test_links_and_announcements_never_carry_a_provider_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "myhao"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns(".meetlink"))
    loaded = load_meeting(folder / "meeting.yaml")
    plan = plan_meeting(loaded.meeting, loaded.roster)
    markers = {p.id: f"MARKER{secrets.token_hex(6).upper()}" for p in plan.bridge_points}
    rows = ["đơn vị,tài khoản,mật khẩu"]
    rows += [f"{point},vt-{point.lower()},{marker}" for point, marker in markers.items()]
    (folder / "viettel-accounts.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    text = (folder / "meeting.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "    invites: email\n",
        "    invites: email\n    settings: {accounts: viettel-accounts.csv}\n",
    )
    (folder / "meeting.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("MEETLINK_VAULT_KEY", VaultKey.generate().reveal_text())
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    meeting = str(folder / "meeting.yaml")
    assert main(["open", meeting]) == 0
    capsys.readouterr()

    assert main(["status", meeting, "--links"]) == 0
    for form in ("zalo", "sms", "text"):
        assert main(["announce", meeting, "--format", form]) == 0
    target = tmp_path / "texts.txt"
    assert main(["announce", meeting, "-o", str(target)]) == 0
    printed = capsys.readouterr()
    shown = printed.out + printed.err + target.read_text(encoding="utf-8")
    assert "https://" in shown  # the provider's room link is there
    leaked = [m for m in markers.values() if m in shown]
    assert leaked == []
    assert "Mật khẩu" not in shown
    assert "mat khau" not in shown.casefold()
