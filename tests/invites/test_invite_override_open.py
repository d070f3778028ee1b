"""The meeting file's ``templates:`` folder, end to end: `meetlink open` sends its words, and
a mistake in it stops `open` with exit code 2 before anything is done."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from meetlink.cli import main
from meetlink.credentials.vault import VaultKey

UNITS = [
    {
        "id": "DS",
        "name": "Đảng bộ xã Dị Sử",
        "kind": "commune",
        "members": 40,
        "location": "Hội trường trung tâm xã Dị Sử",
        "contact_emails": "vanphong@disu.example",
        "officer_name": "Lê Thị Hằng",
        "officer_email": "kythuat@disu.example",
    },
    {
        "id": "DS-HD",
        "name": "Chi bộ thôn Hòa Đam",
        "kind": "village",
        "parent": "DS",
        "members": 20,
        "contact_emails": "hoadam@disu.example",
        "officer_name": "Phạm Văn Đức",
        "officer_email": "duc@hoadam.example",
    },
]


MEETING = {
    "id": "myhao-2023q3",
    "title": "Giờ sinh hoạt toàn Đảng bộ",
    "kind": "party_meeting",
    "organizer": {"name": "Văn phòng Thị ủy", "email": "vanphong@thiuy.example"},
    "roster": "roster.csv",
    "templates": "mau-giay-moi/",
    "tracks": [
        {
            "id": "main",
            "platform": "memory",
            "units": {"kinds": ["commune", "village"]},
            "sittings": [{"id": "s1", "start": "2023-09-10T08:00", "end": "2023-09-10T10:00"}],
        }
    ],
}


@pytest.fixture
def meeting(files: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MEETLINK_VAULT_KEY", VaultKey.generate().reveal_text())
    files.roster_csv(UNITS)
    folder = files.path("mau-giay-moi")
    folder.mkdir()
    (folder / "subject.txt").write_text(
        "[Thị ủy Mỹ Hào] Giấy mời {{ attend }}: {{ title }}\n", encoding="utf-8"
    )
    path: Path = files.meeting(MEETING)
    return path


def sent(state: Path) -> list[EmailMessage]:
    """The invitations in the outbox (the hand-outs beside them have no calendar)."""
    out = []
    for path in sorted((state / "outbox").glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        if any(p.get_content_type() == "text/calendar" for p in message.walk()):
            out.append(message)
    return out


def test_open_sends_the_words_of_the_meetings_own_folder(meeting: Path) -> None:
    assert main(["open", str(meeting)]) == 0
    messages = sent(meeting.parent / ".meetlink")
    assert len(messages) == 2
    for message in messages:
        assert (
            message["Subject"]
            == "[Thị ủy Mỹ Hào] Giấy mời dự sinh hoạt: Giờ sinh hoạt toàn Đảng bộ"
        )
        body = message.get_body(("plain",))
        assert body is not None
        assert "trân trọng kính mời các đồng chí dự sinh hoạt:" in body.get_content()  # built-in


def test_an_edited_template_sends_every_point_an_update(meeting: Path) -> None:
    assert main(["open", str(meeting)]) == 0
    (meeting.parent / "mau-giay-moi" / "subject.txt").write_text(
        "Giấy mời (Thị ủy): {{ title }}\n", encoding="utf-8"
    )
    assert main(["open", str(meeting)]) == 0
    subjects = [str(m["Subject"]) for m in sent(meeting.parent / ".meetlink")]
    assert subjects.count("Giấy mời (Thị ủy): Giờ sinh hoạt toàn Đảng bộ") == 2


def test_a_broken_template_is_exit_2_with_its_file_and_line_and_nothing_is_done(
    meeting: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = meeting.parent / "mau-giay-moi" / "body.txt"
    broken.write_text("Kính gửi: {{ addressees }}\n\n{{ ten_don_vi }}\n", encoding="utf-8")
    assert main(["open", str(meeting)]) == 2
    error = capsys.readouterr().err
    assert f"{broken}:3: the template uses 'ten_don_vi'" in error
    assert "nothing was done" in error
    assert not (meeting.parent / ".meetlink").exists()
