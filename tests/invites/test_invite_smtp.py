"""SMTP delivery through a real aiosmtpd server on localhost."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import logging
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import pytest
from icalendar import Calendar

from meetlink.errors import DeliveryError, RecipientRefused
from meetlink.invites import (
    InvitationSpec,
    SmtpSender,
    build_invitation,
    build_message,
    invitations_for,
    message_bytes,
)
from meetlink.loading.meeting import SmtpSettings
from meetlink.planning import Plan

pytestmark = pytest.mark.integration

PASSWORD = "ngựa-đúng-pin-kẹp-giấy-7431"
LINK = "https://meet.example/myhao-2023q3-s1"


@pytest.fixture
def specs(make_plan: Callable[..., Plan]) -> dict[str, InvitationSpec]:
    return {s.point: s for s in invitations_for(make_plan(), {"main/s1": LINK})}


@pytest.fixture
def message(specs: dict[str, InvitationSpec], stamp: dt.datetime) -> EmailMessage:
    return build_message(build_invitation(specs["DS"], sequence=0, dtstamp=stamp))


def settings_for(server: Any, **overrides: Any) -> SmtpSettings:
    values: dict[str, Any] = {
        "host": server.host,
        "port": server.port,
        "starttls": False,
        "timeout_seconds": 5,
    }
    values.update(overrides)
    return SmtpSettings(**values)


def test_the_server_receives_the_message_byte_for_byte(
    smtp_server: Any, message: EmailMessage, specs: dict[str, InvitationSpec]
) -> None:
    with SmtpSender(settings_for(smtp_server)) as sender:
        result = sender.send(message)
    assert result.ok
    assert result.accepted == tuple(r.email for r in specs["DS"].recipients)
    (received,) = smtp_server.recorder.messages
    assert received.data == message_bytes(message)
    assert received.mail_from == "vanphong@thiuy.example"
    assert received.rcpt_tos == [r.email for r in specs["DS"].recipients]


def test_the_received_mime_tree_and_calendar_part_are_intact(
    smtp_server: Any, message: EmailMessage, stamp: dt.datetime, specs: dict[str, InvitationSpec]
) -> None:
    with SmtpSender(settings_for(smtp_server)) as sender:
        sender.send(message)
    raw = smtp_server.recorder.messages[0].data
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    alternative, attachment = parsed.iter_parts()
    plain, html, calendar_part = alternative.iter_parts()
    assert [p.get_content_type() for p in (plain, html, calendar_part, attachment)] == [
        "text/plain",
        "text/html",
        "text/calendar",
        "application/ics",
    ]
    expected = build_invitation(specs["DS"], sequence=0, dtstamp=stamp).calendar
    assert calendar_part.get_payload(decode=True) == expected  # CRLF and all
    assert attachment.get_payload(decode=True) == expected
    calendar = Calendar.from_ical(expected)
    assert calendar_part.get_param("method") == calendar["METHOD"] == "REQUEST"
    (event,) = calendar.events
    organizer = str(event["ORGANIZER"]).removeprefix("mailto:")
    assert parsed["From"].addresses[0].addr_spec == organizer
    assert {str(a).removeprefix("mailto:") for a in event.attendees} == set(
        smtp_server.recorder.messages[0].rcpt_tos
    )


def test_a_handout_style_message_is_sent_with_its_bcc_hidden(smtp_server: Any) -> None:
    message = EmailMessage()  # the default policy, as other modules build their messages
    message["From"] = "Văn phòng Thị ủy <vanphong@thiuy.example>"
    message["To"] = "Lê Thị Hằng <kythuat@disu.example>"
    message["Bcc"] = "luutru@thiuy.example"
    message["Subject"] = "Thông tin đăng nhập điểm cầu Đảng bộ xã Dị Sử"
    message["Message-ID"] = "<handout-DS-1@thiuy.example>"
    message.set_content("Tài khoản của điểm cầu")
    with SmtpSender(settings_for(smtp_server)) as sender:
        result = sender.send(message)
    assert result.accepted == ("kythuat@disu.example", "luutru@thiuy.example")
    (received,) = smtp_server.recorder.messages
    assert received.rcpt_tos == ["kythuat@disu.example", "luutru@thiuy.example"]
    assert b"luutru@" not in received.data
    assert b"\r\n\r\n" in received.data


def test_one_connection_carries_many_messages(
    smtp_server: Any, specs: dict[str, InvitationSpec], stamp: dt.datetime
) -> None:
    with SmtpSender(settings_for(smtp_server)) as sender:
        for spec in specs.values():
            sender.send(build_message(build_invitation(spec, sequence=0, dtstamp=stamp)))
    assert len(smtp_server.recorder.messages) == 3
    assert len(smtp_server.peers) == 1


def test_a_temporary_451_is_retried_and_then_delivered_once(
    smtp_server: Any, message: EmailMessage, caplog: pytest.LogCaptureFixture
) -> None:
    smtp_server.recorder.data_replies = ["451 4.3.0 Mailbox busy, try again"]
    with SmtpSender(settings_for(smtp_server), backoff_seconds=0) as sender:
        result = sender.send(message)
    assert result.ok
    assert len(smtp_server.recorder.messages) == 1
    assert "attempt 1 failed (451 4.3.0 Mailbox busy" in caplog.text


def test_a_permanent_550_for_one_recipient_spares_the_others(
    smtp_server: Any, message: EmailMessage, specs: dict[str, InvitationSpec]
) -> None:
    smtp_server.recorder.refuse = {"congan@disu.example": "550 5.1.1 No such user here"}
    with SmtpSender(settings_for(smtp_server), backoff_seconds=0) as sender:
        result = sender.send(message)
    assert result.refused == {"congan@disu.example": "550 5.1.1 No such user here"}
    others = [r.email for r in specs["DS"].recipients if r.email != "congan@disu.example"]
    assert list(result.accepted) == others
    (received,) = smtp_server.recorder.messages
    assert received.rcpt_tos == others
    with pytest.raises(RecipientRefused) as caught:
        result.raise_for_refused()
    assert caught.value.refused == {"congan@disu.example": "550 5.1.1 No such user here"}
    assert "correct the refused addresses in the roster" in str(caught.value)


def test_a_recipient_refused_for_now_is_retried_alone(
    smtp_server: Any, message: EmailMessage
) -> None:
    smtp_server.recorder.refuse_once = {"congan@disu.example": "450 4.2.1 Slow down"}
    with SmtpSender(settings_for(smtp_server), backoff_seconds=0) as sender:
        result = sender.send(message)
    assert result.ok
    first, second = smtp_server.recorder.messages
    assert "congan@disu.example" not in first.rcpt_tos
    assert second.rcpt_tos == ["congan@disu.example"]
    assert first.data == second.data  # the same bytes, not a rebuilt message


def test_a_recipient_still_refused_for_now_after_the_retries_is_deferred(
    smtp_server: Any, message: EmailMessage
) -> None:
    smtp_server.recorder.refuse = {"congan@disu.example": "452 4.2.2 Mailbox full"}
    with SmtpSender(settings_for(smtp_server), attempts=2, backoff_seconds=0) as sender:
        result = sender.send(message)
    assert result.deferred == {"congan@disu.example": "452 4.2.2 Mailbox full"}
    assert not result.refused
    assert len(result.accepted) == 3


def test_a_server_that_keeps_failing_raises_a_retryable_error(
    smtp_server: Any, message: EmailMessage
) -> None:
    smtp_server.recorder.data_replies = ["421 4.3.2 System not accepting messages"] * 5
    with (
        SmtpSender(settings_for(smtp_server), attempts=3, backoff_seconds=0) as sender,
        pytest.raises(DeliveryError) as caught,
    ):
        sender.send(message)
    assert caught.value.retryable
    assert "after 3 attempts" in str(caught.value)
    assert "the same message is sent again, unchanged" in str(caught.value)
    assert not smtp_server.recorder.messages


def test_a_connection_the_server_closes_is_reopened(
    smtp_server: Any, specs: dict[str, InvitationSpec], stamp: dt.datetime
) -> None:
    smtp_server.recorder.close_after = 2
    with SmtpSender(settings_for(smtp_server), backoff_seconds=0) as sender:
        for spec in specs.values():
            sender.send(build_message(build_invitation(spec, sequence=0, dtstamp=stamp)))
    assert len(smtp_server.recorder.messages) == 3
    assert len(smtp_server.peers) == 2


def test_no_server_listening_is_retried_then_reported(
    message: EmailMessage, unused_port: int
) -> None:
    settings = SmtpSettings(host="127.0.0.1", port=unused_port, starttls=False, timeout_seconds=2)
    with pytest.raises(DeliveryError, match="did not take message") as caught:
        SmtpSender(settings, attempts=2, backoff_seconds=0).send(message)
    assert "cannot connect: ConnectionRefusedError" in str(caught.value)


def test_the_login_uses_the_password_from_the_named_environment_variable(
    start_smtp: Callable[..., Any], message: EmailMessage
) -> None:
    server = start_smtp(logins={"vanphong": PASSWORD})
    settings = settings_for(server, username="vanphong", password_env="MEETLINK_SMTP_PASSWORD")
    environ = {"MEETLINK_SMTP_PASSWORD": PASSWORD}
    with SmtpSender(settings, environ=environ) as sender:
        assert sender.send(message).ok
    assert len(server.recorder.messages) == 1


def test_a_refused_login_never_shows_the_password(
    start_smtp: Callable[..., Any], message: EmailMessage, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server = start_smtp(logins={"vanphong": "something-else"})
    settings = settings_for(server, username="vanphong", password_env="MEETLINK_SMTP_PASSWORD")
    sender = SmtpSender(settings, environ={"MEETLINK_SMTP_PASSWORD": PASSWORD})
    with pytest.raises(DeliveryError) as caught:
        sender.send(message)
    shown = f"{caught.value!s} {caught.value!r} {vars(caught.value)} {caplog.text}"
    assert "refused the login of 'vanphong'" in str(caught.value)
    assert "MEETLINK_SMTP_PASSWORD" in str(caught.value)
    assert PASSWORD not in shown
    assert caught.value.__cause__ is None
    assert repr(sender) == f"SmtpSender(127.0.0.1:{server.port}, username='vanphong')"


@pytest.mark.parametrize(
    ("overrides", "environ", "says"),
    [
        ({"username": "vanphong"}, {}, "no password_env"),
        (
            {"username": "vanphong", "password_env": "MEETLINK_SMTP_PASSWORD"},
            {},
            "environment variable MEETLINK_SMTP_PASSWORD is not set",
        ),
    ],
)
def test_a_missing_password_says_where_to_put_it(
    smtp_server: Any,
    message: EmailMessage,
    overrides: dict[str, Any],
    environ: dict[str, str],
    says: str,
) -> None:
    sender = SmtpSender(settings_for(smtp_server, **overrides), environ=environ)
    with pytest.raises(DeliveryError, match=says):
        sender.send(message)


def test_starttls_is_used_and_the_login_travels_encrypted(
    start_smtp: Callable[..., Any], tls: Any, message: EmailMessage
) -> None:
    server = start_smtp(
        logins={"vanphong": PASSWORD}, tls_context=tls.server, require_starttls=True
    )
    settings = settings_for(
        server, starttls=True, username="vanphong", password_env="MEETLINK_SMTP_PASSWORD"
    )
    environ = {"MEETLINK_SMTP_PASSWORD": PASSWORD}
    with SmtpSender(settings, environ=environ, ssl_context=tls.client) as sender:
        assert sender.send(message).ok
    assert server.recorder.messages[0].data == message_bytes(message)


def test_starttls_required_but_not_offered_is_an_error_that_says_what_to_do(
    smtp_server: Any, message: EmailMessage
) -> None:
    sender = SmtpSender(settings_for(smtp_server, starttls=True))
    with pytest.raises(DeliveryError, match="does not offer STARTTLS"):
        sender.send(message)
    assert not smtp_server.recorder.messages


def test_an_untrusted_certificate_is_refused(
    start_smtp: Callable[..., Any], tls: Any, message: EmailMessage
) -> None:
    server = start_smtp(tls_context=tls.server)
    sender = SmtpSender(settings_for(server, starttls=True))  # the system's authorities
    with pytest.raises(DeliveryError, match="TLS with the SMTP server"):
        sender.send(message)


def test_ssl_from_the_first_byte_is_supported(
    start_smtp: Callable[..., Any], tls: Any, message: EmailMessage
) -> None:
    server = start_smtp(ssl_context=tls.server)
    with SmtpSender(settings_for(server, ssl=True), ssl_context=tls.client) as sender:
        assert sender.send(message).ok
    assert len(server.recorder.messages) == 1
