"""Fixtures for the invitation tests: a small Mỹ Hào-like plan, and real local servers.

* ``make_plan``: meeting overrides + units → a :class:`~meetlink.planning.Plan`;
* ``smtp_server``: an aiosmtpd server on a free localhost port that records every message
  and can answer as told (a 451 once, a 550 for one address, a dropped connection);
* ``caldav``: Radicale in a subprocess (``--auth-type none``, storage in ``tmp_path``).
"""

from __future__ import annotations

import datetime as dt
import http.client
import ipaddress
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from meetlink.loading.meeting import Meeting
from meetlink.loading.roster import Contact, Roster, Unit
from meetlink.planning import Plan, plan_meeting

STAMP = dt.datetime(2023, 9, 1, 2, 0, tzinfo=dt.UTC)
ORGANIZER = "vanphong@thiuy.example"
LINK = "https://meet.example/myhao-2023q3-s1"


def base_meeting(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "myhao-2023q3",
        "title": "Giờ sinh hoạt toàn Đảng bộ thị xã Quý III/2023",
        "kind": "party_meeting",  # seed 000: "dự sinh hoạt", "đảng viên"
        "organizer": {"name": "Văn phòng Thị ủy", "email": ORGANIZER},
        "roster": "roster.csv",
        "agenda": ["Quán triệt Nghị quyết Trung ương", "Thông tin thời sự trong tỉnh"],
        "rehearsal": "2023-09-09T15:00",
        "help_contacts": [{"name": "Nguyễn Văn Kỹ", "phone": "0912 345 678"}],
        "tracks": [
            {
                "id": "main",
                "units": {"kinds": ["committee", "commune", "attached", "village", "agency"]},
                "sittings": [
                    {"id": "s1", "start": "2023-09-10T08:00", "end": "2023-09-10T10:00"},
                    {"id": "s2", "duration_minutes": 90},  # time announced later
                ],
            }
        ],
    }
    data.update(overrides)
    return data


def base_units() -> list[Unit]:
    return [
        Unit(
            id="TU",
            name="Đảng bộ cơ quan Thị ủy",
            kind="committee",
            members=30,
            location="Hội trường tầng 3, nhà D",
            officer=Contact(name="Trần Văn Kỹ", email="kythuat@thiuy.example"),
            contact_emails=("tu@thiuy.example",),
        ),
        Unit(
            id="DS",
            name="Đảng bộ xã Dị Sử",
            kind="commune",
            members=40,
            location="Hội trường trung tâm xã Dị Sử",
            officer=Contact(name="Lê Thị Hằng", email="kythuat@disu.example"),
            contact_emails=("vanphong@disu.example",),
        ),
        Unit(
            id="DS-CA",
            name="Chi bộ Công an xã Dị Sử",
            kind="attached",
            parent="DS",
            members=12,
            contact_emails=("congan@disu.example", "VanPhong@disu.example"),
        ),
        Unit(
            id="DS-HD",
            name="Chi bộ thôn Hòa Đam",
            kind="village",
            parent="DS",
            members=20,
            location="Nhà văn hóa thôn Hòa Đam",
            officer=Contact(name="Phạm Văn Đức", email="duc@hoadam.example"),
            contact_emails=("hoadam@disu.example",),
        ),
        Unit(
            id="DS-TT",
            name="Chi bộ thôn Trung Tâm",
            kind="village",
            parent="DS",
            members=25,
            hosts_commune_hq=True,
            contact_emails=("trungtam@disu.example",),
        ),
    ]


@pytest.fixture
def stamp() -> dt.datetime:
    """The DTSTAMP of a first invitation."""
    return STAMP


@pytest.fixture
def units() -> list[Unit]:
    """A commune point (with an attached branch and the HQ village), a village, the main point."""
    return base_units()


@pytest.fixture
def make_plan() -> Callable[..., Plan]:
    """``make_plan(units=None, **meeting_overrides)`` → a plan of the Mỹ Hào-like meeting."""

    def make(units: list[Unit] | None = None, **overrides: Any) -> Plan:
        data = base_meeting(**overrides)
        meeting = Meeting.model_validate(data, context={"timezone": "Asia/Ho_Chi_Minh"})
        return plan_meeting(meeting, Roster("roster.csv", tuple(units or base_units())))

    return make


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def unused_port() -> int:
    """A localhost port nothing listens on."""
    return free_port()


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    peer: Any


@dataclass
class Recorder:
    """An aiosmtpd handler: records messages; ``data_replies`` are answered to DATA first."""

    messages: list[Received] = field(default_factory=list)
    data_replies: list[str] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    refuse_once: dict[str, str] = field(default_factory=dict)
    close_after: int | None = None  # messages per connection, then "421" at the next MAIL

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        if address in self.refuse_once:
            return self.refuse_once.pop(address)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        if self.data_replies:
            return self.data_replies.pop(0)
        self.messages.append(
            Received(
                envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content, session.peer
            )
        )
        return "250 OK"

    async def handle_MAIL(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        sent_here = sum(1 for m in self.messages if m.peer == session.peer)
        if self.close_after is not None and sent_here >= self.close_after:
            server.loop.call_soon(server.transport.close)  # after the reply is written
            return "421 4.7.0 Too many messages on one connection, closing"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"


@dataclass
class SmtpServer:
    host: str
    port: int
    recorder: Recorder
    controller: Controller

    @property
    def peers(self) -> set[Any]:
        return {m.peer for m in self.recorder.messages}


def _authenticate(logins: dict[str, str]) -> Callable[..., AuthResult]:
    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        if isinstance(data, LoginPassword):
            ok = logins.get(data.login.decode()) == data.password.decode()
            return AuthResult(success=ok, handled=False)
        return AuthResult(success=False, handled=False)

    return check


@pytest.fixture
def start_smtp() -> Iterator[Callable[..., SmtpServer]]:
    started: list[Controller] = []

    def start(logins: dict[str, str] | None = None, **kwargs: Any) -> SmtpServer:
        recorder = Recorder()
        port = free_port()
        if logins is not None:
            kwargs.setdefault("auth_require_tls", "tls_context" in kwargs)
            kwargs["authenticator"] = _authenticate(logins)
        controller = Controller(recorder, hostname="127.0.0.1", port=port, **kwargs)
        controller.start()
        started.append(controller)
        return SmtpServer("127.0.0.1", port, recorder, controller)

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture
def smtp_server(start_smtp: Callable[..., SmtpServer]) -> SmtpServer:
    return start_smtp()


@dataclass
class Tls:
    """A self-signed certificate for 127.0.0.1: the server's context and a client trusting it."""

    server: ssl.SSLContext
    client: ssl.SSLContext


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_file, key_file)
    return Tls(server, ssl.create_default_context(cafile=str(cert_file)))


@dataclass
class CalDav:
    """A Radicale server with one empty calendar at ``/meetlink/invites/``."""

    port: int

    def request(
        self, method: str, path: str, body: bytes | None = None, depth: str | None = None
    ) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            headers: dict[str, str] = {}
            if body:
                xml = body.startswith(b"<?xml")
                kind = "application/xml" if xml else "text/calendar"
                headers["Content-Type"] = f"{kind}; charset=utf-8"
            if depth is not None:
                headers["Depth"] = depth
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def put(self, uid: str, data: bytes) -> int:
        return self.request("PUT", f"/meetlink/invites/{uid}.ics", data)[0]

    def get(self, uid: str) -> bytes:
        status, body = self.request("GET", f"/meetlink/invites/{uid}.ics")
        assert status == 200, body
        return body

    def listing(self) -> bytes:
        return self.request("PROPFIND", "/meetlink/invites/", depth="1")[1]


@pytest.fixture
def caldav(tmp_path: Path) -> Iterator[CalDav]:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "radicale",
        "--server-hosts",
        f"127.0.0.1:{port}",
        "--auth-type",
        "none",
        "--storage-filesystem-folder",
        str(tmp_path / "radicale"),
        "--logging-level",
        "error",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    server = CalDav(port)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                server.request("OPTIONS", "/")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    error = process.stderr.read().decode() if process.stderr else ""
                    raise RuntimeError(f"Radicale did not start: {error}") from None
                time.sleep(0.05)
        assert server.request("MKCOL", "/meetlink/")[0] == 201
        assert server.request("MKCALENDAR", "/meetlink/invites/")[0] == 201
        yield server
    finally:
        process.terminate()
        try:
            process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
