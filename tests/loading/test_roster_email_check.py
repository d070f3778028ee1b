"""The roster's e-mail check: a cheap test for plain addresses, email-validator for the rest,
and the same answer from both (issue 19: 20,000 addresses at 10,000 bridge points)."""

from __future__ import annotations

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
    ],
)
def test_the_cheap_check_agrees_with_email_validator(value: str) -> None:
    assert _checked(value) == _full(value)


def test_a_plain_address_never_reaches_email_validator(monkeypatch: pytest.MonkeyPatch) -> None:
    import meetlink.loading.roster as roster

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("the full check ran for a plain address")

    monkeypatch.setattr(roster, "validate_email", refuse)
    assert roster.check_email.__wrapped__("ktv7@Xa.Example.org") == "ktv7@xa.example.org"


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
