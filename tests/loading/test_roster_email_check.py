"""The roster's e-mail check: a cheap test for plain addresses, email-validator for the rest,
and the same answer from both (issue 19: 20,000 addresses at 10,000 bridge points)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from meetlink.loading.roster import _PLAIN_ADDRESS, check_email


def _full(value: str) -> str | None:
    try:
        return validate_email(value, check_deliverability=False, test_environment=True).normalized
    except EmailNotValidError:
        return None


def _checked(value: str) -> str | None:
    try:
        return check_email.__wrapped__(value)
    except ValueError:
        return None


@pytest.mark.parametrize(
    "value",
    [
        "ktv1@xa.example.org",
        "VanPhong@ThiUy.Example",
        "bi.thu+q3@dang-uy.vn",
        "a_b%c@x.co",
        "ktv@host.test",
        "ktv@host.local",
        "ktv@localhost",
        "ktv@1.2.3.4",
        "ktv@xa.123",
        "ktv..a@xa.vn",
        ".ktv@xa.vn",
        "ktv.@xa.vn",
        "ktv@-xa.vn",
        "ktv@xa-.vn",
        "ktv@xa..vn",
        "ktv@xa.vn.",
        "k" * 64 + "@xa.vn",
        "k" * 65 + "@xa.vn",
        "ktv@" + "a" * 63 + ".vn",
        "ktv@" + "a" * 64 + ".vn",
        "ktv@" + ".".join(["a" * 60] * 5) + ".vn",
        "cán.bộ@xã.vn",
        "ktv@xa.onion",
        "ktv@in-addr.arpa",
        "ktv@invalid",
        "ktv@x.invalid",
        "0@00--0.ZZ",  # RFC 5890: two hyphens after two characters (found by hypothesis)
        "ktv@ab--cd.vn",
        "ktv@xn--xa-1ia.vn",
        "ktv@xa.ab--c.vn",
    ],
)
def test_the_cheap_check_agrees_with_email_validator(value: str) -> None:
    assert _checked(value) == _full(value)


def test_a_plain_address_never_reaches_email_validator(monkeypatch: pytest.MonkeyPatch) -> None:
    import email_validator

    import meetlink.loading.roster as roster

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("the full check ran for a plain address")

    monkeypatch.setattr(email_validator, "validate_email", refuse)
    assert roster.check_email.__wrapped__("ktv7@Xa.Example.org") == "ktv7@xa.example.org"
    with pytest.raises(AssertionError, match="the full check ran"):
        roster.check_email.__wrapped__("cán.bộ@xã.vn")  # the full check: asked at call time


def test_reading_a_roster_of_plain_addresses_does_not_load_email_validator(
    tmp_path: Path,
) -> None:
    roster = tmp_path / "r.csv"
    roster.write_text(
        "id,name,kind,members,officer_email,contact_emails\n"
        "TU,Thị ủy,committee,40,ktv@thiuy.example.org,vp@thiuy.example.org\n",
        encoding="utf-8",
    )
    code = (
        "import sys; from meetlink.loading.roster import load_roster; "
        f"units = load_roster({str(roster)!r}).units; "
        "print(units[0].officer.email, 'email_validator' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["ktv@thiuy.example.org", "False"]


_ATOM = st.text("abcXYZ019._%+-", min_size=1, max_size=70)
_LABEL = st.text("abcXYZ019-_", min_size=1, max_size=66)


@settings(max_examples=400, deadline=None)
@given(
    local=_ATOM, labels=st.lists(_LABEL, min_size=1, max_size=4), top=st.text("abcZ1", max_size=5)
)
def test_every_address_the_cheap_check_takes_is_what_email_validator_says(
    local: str, labels: list[str], top: str
) -> None:
    value = f"{local}@{'.'.join([*labels, top])}"
    if _PLAIN_ADDRESS.fullmatch(value):
        assert _checked(value) == _full(value)
