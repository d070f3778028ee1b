"""The per-platform rate limit, and split hand-out (login by e-mail, password by a hook)."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable
from typing import Any

from meetlink.credentials.vault import Vault
from meetlink.loading.roster import Contact
from meetlink.reconcile.pacing import Throttle


def test_the_throttle_spaces_calls_by_the_rate() -> None:
    slept: list[float] = []
    throttle = Throttle(2.0, clock=lambda: 0.0, sleep=slept.append)
    for _ in range(3):
        throttle.wait()
    assert slept == [0.5, 1.0]


def test_no_rate_means_no_waiting() -> None:
    slept: list[float] = []
    throttle = Throttle(None, clock=lambda: 0.0, sleep=slept.append)
    throttle.wait()
    throttle.wait()
    assert slept == []


def test_a_rate_limit_on_the_platform_still_opens_everything(
    meeting: Any, open_it: Callable[..., Any]
) -> None:
    result = open_it(rate_limits={"memory": 500.0})
    assert result.ok
    assert result.counts["conference"] == {"create": 2}


def test_split_hand_out_sends_the_login_by_e_mail_and_the_password_by_the_hook(
    meeting: Any, open_it: Callable[..., Any]
) -> None:
    meeting.edit("    attendance: split\n", "    attendance: split\n    handout: split\n")
    delivered: list[tuple[str, str]] = []

    def sms(officer: Contact, card: Any, text: str) -> str:
        delivered.append((officer.email or "", text))
        return f"sms-{len(delivered)}"

    result = open_it(secret_hook=sms)
    assert result.ok, result.failures
    with Vault.open(meeting.state / "ledger.sqlite3", meeting.key) as vault:
        passwords = [
            vault.get("demo-open", s.unit_id, s.kind).password for s in vault.list("demo-open")
        ]
        channels = {
            e.channel for e in vault.audit.entries("demo-open") if e.action.value == "deliver"
        }
    secrets = [p.reveal() for p in passwords if p is not None]
    assert len(secrets) == 6
    assert len(delivered) == 6
    assert channels == {"email", "hook"}
    mails = [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in meeting.outbox.glob("handout-*.eml")
    ]
    bodies = [m.get_body(preferencelist=("plain",)).get_content() for m in mails]
    assert len(bodies) == 6
    assert not any(secret in body for secret in secrets for body in bodies)
    assert all("Tên đăng nhập" in body for body in bodies)
    for secret in secrets:
        assert sum(secret in text for _, text in delivered) == 1
