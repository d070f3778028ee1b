"""The outbox sender: one .eml (and .ics) per message, overwritten on a resend."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import stat
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

import pytest

from meetlink.errors import DeliveryError
from meetlink.invites import (
    InviteSender,
    OutboxSender,
    SmtpSender,
    build_cancellation,
    build_invitation,
    build_message,
    file_stem,
    invitations_for,
    message_bytes,
    sender_for,
)
from meetlink.loading.meeting import Delivery, InviteMode, SmtpSettings
from meetlink.planning import Plan


@pytest.fixture
def messages(make_plan: Callable[..., Plan], stamp: dt.datetime) -> list[EmailMessage]:
    specs = invitations_for(make_plan(), {"main/s1": "https://meet.example/x"})
    return [build_message(build_invitation(s, sequence=0, dtstamp=stamp)) for s in specs]


def test_each_message_becomes_an_eml_and_its_calendar_an_ics(
    messages: list[EmailMessage], tmp_path: Path
) -> None:
    outbox = OutboxSender(tmp_path / "outbox")
    for message in messages:
        result = outbox.send(message)
        assert result.ok
        stem = file_stem(str(message["Message-ID"]))
        eml = (tmp_path / "outbox" / f"{stem}.eml").read_bytes()
        assert eml == message_bytes(message)
        ics = (tmp_path / "outbox" / f"{stem}.ics").read_bytes()
        parsed = email.message_from_bytes(eml, policy=email.policy.default)
        part = next(p for p in parsed.walk() if p.get_content_type() == "text/calendar")
        assert ics == part.get_payload(decode=True)
        assert ics.startswith(b"BEGIN:VCALENDAR\r\n")
    assert len(list((tmp_path / "outbox").iterdir())) == 2 * len(messages)


def test_a_resend_overwrites_the_same_files(
    make_plan: Callable[..., Plan], stamp: dt.datetime, tmp_path: Path
) -> None:
    spec = invitations_for(make_plan(), {})[0]
    outbox = OutboxSender(tmp_path)
    outbox.send(build_message(build_invitation(spec, sequence=0, dtstamp=stamp)))
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    outbox.send(build_message(build_invitation(spec, sequence=0, dtstamp=stamp)))
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    outbox.send(build_message(build_cancellation(spec, sequence=1, dtstamp=stamp)))
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(
        [f"{spec.uid}-0.request@thiuy.example{s}" for s in (".eml", ".ics")]
        + [f"{spec.uid}-1.cancel@thiuy.example{s}" for s in (".eml", ".ics")]
    )


def test_outbox_files_are_readable_by_their_owner_only(
    messages: list[EmailMessage], tmp_path: Path
) -> None:
    OutboxSender(tmp_path / "outbox").send(messages[0])
    assert stat.S_IMODE((tmp_path / "outbox").stat().st_mode) == 0o700
    for path in (tmp_path / "outbox").iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert not path.name.startswith(".")  # no temporary file left behind


def test_a_message_without_a_calendar_is_written_alone(tmp_path: Path) -> None:
    message = EmailMessage()
    message["From"] = "vanphong@thiuy.example"
    message["To"] = "kythuat@disu.example"
    message["Message-ID"] = "<handout-DS-1@thiuy.example>"
    message.set_content("Thông tin đăng nhập của điểm cầu")
    result = OutboxSender(tmp_path).send(message)
    assert result.accepted == ("kythuat@disu.example",)
    assert [p.name for p in tmp_path.iterdir()] == ["handout-DS-1@thiuy.example.eml"]


def test_a_bcc_recipient_is_counted_but_not_written(tmp_path: Path) -> None:
    message = EmailMessage()
    message["From"] = "vanphong@thiuy.example"
    message["To"] = "kythuat@disu.example"
    message["Bcc"] = "luutru@thiuy.example"
    message["Message-ID"] = "<handout-DS-2@thiuy.example>"
    message.set_content("Bản lưu")
    result = OutboxSender(tmp_path).send(message)
    assert result.accepted == ("kythuat@disu.example", "luutru@thiuy.example")
    written = (tmp_path / "handout-DS-2@thiuy.example.eml").read_bytes()
    assert b"luutru@" not in written
    assert message["Bcc"] == "luutru@thiuy.example"  # the caller's message is untouched


def test_a_message_without_a_message_id_is_refused(tmp_path: Path) -> None:
    message = EmailMessage()
    message["From"] = "vanphong@thiuy.example"
    message["To"] = "kythuat@disu.example"
    with pytest.raises(DeliveryError, match="has no Message-ID"):
        OutboxSender(tmp_path).send(message)


def test_an_unwritable_outbox_says_what_to_check(
    messages: list[EmailMessage], tmp_path: Path
) -> None:
    blocker = tmp_path / "outbox"
    blocker.write_text("a file where the folder should be", encoding="utf-8")
    with pytest.raises(DeliveryError, match="Cannot write to the outbox"):
        OutboxSender(blocker).send(messages[0])


@pytest.mark.parametrize(
    ("message_id", "stem"),
    [
        ("<abc-0.request@thiuy.example>", "abc-0.request@thiuy.example"),
        ("<../../etc/passwd>", "_.._etc_passwd-"),
        ("<a/b@x>", "a_b@x-"),
    ],
)
def test_file_names_are_safe_and_stable(message_id: str, stem: str) -> None:
    made = file_stem(message_id)
    assert made.startswith(stem)
    assert "/" not in made
    assert not made.startswith(".")
    assert file_stem(message_id) == made


def test_unsafe_ids_that_differ_only_in_replaced_characters_get_different_files() -> None:
    assert file_stem("<a/b@x>") != file_stem("<a:b@x>")


def test_the_outbox_is_the_default_without_smtp(tmp_path: Path) -> None:
    sender = sender_for(Delivery(), tmp_path)
    assert isinstance(sender, OutboxSender)
    assert isinstance(sender, InviteSender)
    assert sender.folder == tmp_path / "outbox"


def test_smtp_is_used_when_configured_unless_the_track_asks_for_the_outbox(
    tmp_path: Path,
) -> None:
    delivery = Delivery(smtp=SmtpSettings(host="smtp.thiuy.example"))
    assert isinstance(sender_for(delivery, tmp_path), SmtpSender)
    assert isinstance(sender_for(delivery, tmp_path, InviteMode.OUTBOX), OutboxSender)


def test_a_platform_track_has_no_sender(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="adapter send the invitations"):
        sender_for(Delivery(), tmp_path, InviteMode.PLATFORM)
