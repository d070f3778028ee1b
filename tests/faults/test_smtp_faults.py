"""Issue 13's fault suite, mail: one recipient refused, and an SMTP server that is down.

Over real sockets: an aiosmtpd server that records every message with its envelope (and can
refuse an address with a 5xx), and a listener that accepts each connection and closes it at
once (an SMTP service that is down), counting the connections. ``meetlink open`` runs
in-process (the command line, or the Python API with a sender whose back-off is zero).

* One recipient refused with 550: every other recipient gets the invitation once, however
  many runs follow; each run retries the refused address alone, ``meetlink status`` shows
  it, and once the server takes it, that recipient gets it once too.
* A split hand-out refused: the password half goes to the hook once, not again on retry.
* The server down: three connections, then every message fails at once with one sentence;
  the next run sends everything, once.
"""

# ruff: noqa: E501 - roster rows read best one to a line

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from meetlink.adapters.memory import MemoryStore
from meetlink.cli import main
from meetlink.credentials.vault import VaultKey
from meetlink.errors import DeliveryError
from meetlink.invites import SmtpSender
from meetlink.loading.meeting import SmtpSettings
from meetlink.loading.roster import Contact
from meetlink.reconcile import open_meeting
from meetlink.reconcile.ledger import EffectState, Ledger

pytestmark = pytest.mark.integration

ROSTER = """\
mã,tên tổ chức đảng,loại,trực thuộc,số đảng viên,địa điểm,có trụ sở xã,ghép điểm cầu,cán bộ kỹ thuật,email,email nhận giấy mời
TU,Thị ủy,committee,,40,Hội trường tầng 3,,,Ngô Văn An,ktv.tu@thiuy.example.org,vp@thiuy.example.org
X1,Xã Hòa Phong,commune,,30,Hội trường xã,,,Lê Thị Bình,ktv.x1@xa.example.org,bithu.x1@xa.example.org
X1-CA,Chi bộ Công an xã,attached,X1,7,,,,,,ca.x1@xa.example.org
X1-T2,Chi bộ thôn 2,village,X1,18,NVH thôn 2,,,Đỗ Văn Cường,ktv.t2@xa.example.org,t2@xa.example.org
"""

MEETING = """\
id: smtp-faults
title: "Giờ sinh hoạt toàn Đảng bộ"
organizer: {{name: "Văn phòng Thị ủy", email: vp@thiuy.example.org}}
roster: roster.csv
delivery:
  smtp: {{host: 127.0.0.1, port: {port}, starttls: false, timeout_seconds: 5}}
tracks:
  - id: main
    platform: memory
    settings: {{store: {store}}}
    units: {{kinds: [committee, commune, attached, village, agency]}}
    attendance: split
    sittings:
      - {{id: s1, start: 2023-09-10T08:00, end: 2023-09-10T10:00}}
      - {{id: s2, start: 2023-09-11T08:00, end: 2023-09-11T10:00}}
"""

REFUSED = "ca.x1@xa.example.org"
REPLY = "550 5.1.1 No such user here"


@dataclass
class Received:
    message_id: str
    rcpt_tos: list[str]
    data: bytes


@dataclass
class Mailbox:
    """An aiosmtpd handler: records each message with its envelope; refuses as told."""

    messages: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.lock:
            self.messages.append(
                Received(
                    str(parsed["Message-ID"]), list(envelope.rcpt_tos), envelope.original_content
                )
            )
        return "250 OK"

    def copies(self) -> Counter[tuple[str, str]]:
        """How many times each (Message-ID, recipient) pair was delivered."""
        with self.lock:
            return Counter((m.message_id, r) for m in self.messages for r in m.rcpt_tos)

    def received_by(self, address: str) -> list[str]:
        with self.lock:
            return [m.message_id for m in self.messages if address in m.rcpt_tos]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


class DeadService:
    """A listener that accepts every connection and closes it at once: SMTP is down."""

    def __init__(self) -> None:
        self.connections = 0
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(64)
        self._socket.settimeout(0.05)
        self.port = int(self._socket.getsockname()[1])
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            self.connections += 1
            connection.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self._socket.close()


@pytest.fixture
def dead_service() -> Iterator[DeadService]:
    service = DeadService()
    yield service
    service.stop()


@dataclass
class Office:
    folder: Path
    store: str
    key: VaultKey

    @property
    def path(self) -> Path:
        return self.folder / "meeting.yaml"

    @property
    def state(self) -> Path:
        return self.folder / ".meetlink"

    def write(self, port: int, *, split: bool = False) -> None:
        text = MEETING.format(port=port, store=self.store)
        if split:
            text = text.replace(
                "    attendance: split\n", "    attendance: split\n    handout: split\n"
            )
        self.path.write_text(text, encoding="utf-8")
        (self.folder / "roster.csv").write_text(ROSTER, encoding="utf-8")

    def effects(self, kind: str) -> list[Any]:
        with Ledger(self.state / "ledger.sqlite3", read_only=True) as ledger:
            return ledger.effects("smtp-faults", kind=kind)


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Office]:
    key = VaultKey.generate()
    monkeypatch.setenv("MEETLINK_VAULT_KEY", key.reveal_text())
    monkeypatch.setenv("COLUMNS", "200")  # the status table on one line a row
    store = f"smtp-faults-{tmp_path.name}"
    yield Office(tmp_path, store, key)
    MemoryStore.forget(store)


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


# --------------------------------------------------------------------- one recipient refused


def test_one_refused_recipient_does_not_make_the_others_get_the_invitation_again(
    office: Office, mailbox: tuple[Mailbox, int], capsys: pytest.CaptureFixture[str]
) -> None:
    box, port = mailbox
    office.write(port)
    box.refuse = {REFUSED: REPLY}
    for _ in range(3):
        code, out, _ = _cli(capsys, "open", str(office.path))
        assert code == 1  # the refusal is reported every time
        assert REFUSED in out
        assert REPLY in out
    copies = box.copies()
    assert copies, "nothing was delivered"
    assert set(copies.values()) == {1}, "someone got a message twice"
    assert box.received_by(REFUSED) == []
    # the refused address was tried again in each run, alone
    refused_invitations = [e for e in office.effects("invitation") if e.detail.get("not_reached")]
    assert len(refused_invitations) == 2  # X1's point, in each sitting
    for effect in refused_invitations:
        assert effect.state == EffectState.FAILED
        assert effect.detail["not_reached"] == {REFUSED: REPLY}
        assert REFUSED not in effect.detail["accepted"]
        assert effect.attempts == 3

    code, out, _ = _cli(capsys, "status", str(office.path))
    assert code == 1
    assert out.count("failed (1 of 3 not reached)") == 2
    assert REFUSED in out
    assert REPLY in out

    box.refuse = {}  # the mail administrator made the mailbox
    before = box.copies()
    code, out, _ = _cli(capsys, "open", str(office.path))
    assert code == 0, out
    new = box.copies() - before
    assert set(new) == {(m, REFUSED) for m, _ in new}  # nobody else got anything
    assert sorted(new.values()) == [1, 1]  # one per sitting
    assert set(box.copies().values()) == {1}
    code, out, _ = _cli(capsys, "status", str(office.path))
    assert code == 0, out
    assert "not reached" not in out


def test_a_refused_split_hand_out_gives_the_password_to_the_hook_once(
    office: Office, mailbox: tuple[Mailbox, int]
) -> None:
    box, port = mailbox
    office.write(port, split=True)
    box.refuse = {"ktv.x1@xa.example.org": REPLY}
    texts: list[str] = []

    def sms(officer: Contact, card: Any, text: str) -> str:
        texts.append(officer.email or "")
        return f"sms-{len(texts)}"

    for _ in range(2):
        sender = SmtpSender(SmtpSettings(host="127.0.0.1", port=port, starttls=False))
        with sender:
            result = open_meeting(office.path, sender=sender, secret_hook=sms)
        assert not result.ok
    # X1's officer is refused by e-mail; its password half went by the hook once per sitting
    assert Counter(texts)["ktv.x1@xa.example.org"] == 2
    assert set(Counter(texts).values()) == {2}
    assert set(box.copies().values()) == {1}


# --------------------------------------------------------------------------- server down


def _message(number: int) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "vp@thiuy.example.org"
    message["To"] = f"ktv.{number}@xa.example.org"
    message["Subject"] = f"Giấy mời {number}"
    message["Message-ID"] = f"<down-{number}@thiuy.example.org>"
    message.set_content("Kính mời")
    return message


def test_after_three_failed_connections_every_later_message_fails_at_once(
    dead_service: DeadService,
) -> None:
    settings = SmtpSettings(
        host="127.0.0.1", port=dead_service.port, starttls=False, timeout_seconds=5
    )
    errors: list[DeliveryError] = []
    with SmtpSender(settings, attempts=4, backoff_seconds=0) as sender:
        for number in range(10):
            with pytest.raises(DeliveryError) as caught:
                sender.send(_message(number))
            errors.append(caught.value)
    assert dead_service.connections == 3  # not 4 attempts × 10 messages
    assert len({str(e) for e in errors}) == 1  # the same clear sentence for every message
    assert all(e.retryable for e in errors)
    assert "cannot be reached" in str(errors[0])
    assert "run meetlink open again" in str(errors[0])


def test_an_open_with_smtp_down_fails_fast_and_the_next_run_sends_everything_once(
    office: Office, dead_service: DeadService, mailbox: tuple[Mailbox, int]
) -> None:
    box, port = mailbox
    office.write(dead_service.port)
    down = SmtpSettings(host="127.0.0.1", port=dead_service.port, starttls=False)
    with SmtpSender(down, backoff_seconds=0) as sender:
        first = open_meeting(office.path, sender=sender)
    messages = [f for f in first.failures if f.what in ("handout", "invitation")]
    assert len(messages) == 12  # 3 points × 2 sittings, a hand-out and an invitation each
    assert dead_service.connections == 3
    assert len({f.error for f in messages}) == 1
    assert "cannot be reached" in messages[0].error
    for kind in ("handout", "invitation"):
        assert {e.state for e in office.effects(kind)} == {EffectState.FAILED}

    up = SmtpSettings(host="127.0.0.1", port=port, starttls=False)
    with SmtpSender(up, backoff_seconds=0) as sender:
        second = open_meeting(office.path, sender=sender)
    assert second.ok, second.failures
    assert len(box.messages) == 12
    assert set(box.copies().values()) == {1}
    for kind in ("handout", "invitation"):
        assert {e.state for e in office.effects(kind)} == {EffectState.DONE}
