"""What the crash tests share (imported by name: ``from crash_harness import …``; the folder is
on ``sys.path`` through its conftest, for the tests of ``postgres/`` too): a real SMTP server
that keeps what it receives, the meeting they open (a Google track of agencies and a provider
track of villages, e-mailed over that server), and readers of the messages received."""

from __future__ import annotations

import contextlib
import email
import email.policy
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Mailbox:
    """What the SMTP server received, as parsed messages."""

    messages: list[Any] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.lock:
            self.messages.append(parsed)
        return "250 OK"

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()

    def received(self) -> list[Any]:
        with self.lock:
            return list(self.messages)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server on 127.0.0.1 for the block: its mailbox and its port."""
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


def write_meeting(
    folder: Path, smtp_port: int, *, meeting_id: str, points: int, google_sittings: int
) -> Path:
    """``points`` agencies on a Google track of ``google_sittings`` sittings, and ``points``
    villages on a provider track of one sitting, each with its officer; e-mailed over the
    SMTP server at ``smtp_port``. Returns the meeting file."""
    header = "id,name,kind,members,location,equipment,officer_name,officer_email,contact_emails\n"
    rows = []
    for i in range(points):
        rows.append(
            f"A{i:03d},Chi bộ cơ quan {i},agency,{20 + i % 7},Phòng họp {i},computer,"
            f"Cán bộ A{i},ktv.a{i}@coquan.example.org,bt.a{i}@coquan.example.org\n"
        )
        rows.append(
            f"V{i:03d},Chi bộ thôn {i},village,{15 + i % 9},Nhà văn hóa {i},computer,"
            f"Cán bộ V{i},ktv.v{i}@xa.example.org,bt.v{i}@xa.example.org\n"
        )
    (folder / "roster.csv").write_text(header + "".join(rows), encoding="utf-8")
    sittings = "".join(
        f"      - {{id: s{n}, start: 2024-03-{9 + n}T08:00, end: 2024-03-{9 + n}T10:00}}\n"
        for n in range(1, google_sittings + 1)
    )
    day = 10 + google_sittings
    meeting = folder / "meeting.yaml"
    meeting.write_text(
        f"""\
id: {meeting_id}
title: "Hội nghị trực tuyến"
organizer: {{name: "Văn phòng", email: vp@thiuy.example.org}}
roster: roster.csv
rules: {{own_point_min_members: 1}}
delivery:
  smtp: {{host: 127.0.0.1, port: {smtp_port}, starttls: false}}
tracks:
  - id: meet
    platform: google
    units: {{kinds: [agency]}}
    settings: {{retry_base_delay: 0.01, max_retry_seconds: 20}}
    sittings:
{sittings}  - id: line
    platform: provisioned
    units: {{kinds: [village]}}
    sittings:
      - {{id: s1, start: 2024-03-{day}T08:00, end: 2024-03-{day}T10:00}}
""",
        encoding="utf-8",
    )
    return meeting


def start_open(meeting: Path, env: dict[str, str], *options: str) -> subprocess.Popen[bytes]:
    """``meetlink open MEETING`` in a process of its own."""
    return subprocess.Popen(
        [sys.executable, "-m", "meetlink", "open", str(meeting), *options],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL, then reap it and close its pipes."""
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)


def calendar_of(message: Any) -> str:
    """The text of a message's calendar part ("" for a hand-out, which has none)."""
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            payload = part.get_payload(decode=True)
            return payload.decode("utf-8") if isinstance(payload, bytes) else ""
    return ""


def calendar_field(calendar: str, name: str) -> str:
    """One property of a calendar's text (``UID``, ``SEQUENCE``), "" when absent."""
    found = re.search(rf"^{name}:(.*?)\r?$", calendar, flags=re.MULTILINE)
    return found.group(1) if found else ""


def handout_password(message: Any) -> str:
    """The password a hand-out carries (it must carry one)."""
    body = message.get_body(preferencelist=("plain",)).get_content()
    found = re.search(r"Mật khẩu: (\S+)", body)
    assert found is not None, str(message["Subject"])
    return found.group(1)
