"""`Secret` and `SecretModel`: masked everywhere, compared in constant time, never echoed."""

from __future__ import annotations

import copy
import hmac
import pickle
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from meetlink.credentials import Credential, Secret, SecretModel

MARKER = "MARKER-secret-4Qz9wX"


class Plain(BaseModel):
    """A model that is not a SecretModel: only the Secret type guards it."""

    password: Secret | None = None


class Login(SecretModel):
    user: str
    attempts: int = 0
    password: Secret

    @model_validator(mode="after")
    def _not_the_user_name(self) -> Login:
        if self.password == Secret(self.user):
            raise ValueError(f"the password {self.password.reveal()} equals the user name")
        return self


RENDERERS = {
    "repr": repr,
    "str": str,
    "format": lambda s: format(s, ">40"),
    "f-string": lambda s: f"{s} {s!s} {s!r}",
    "percent": lambda s: "%s %r" % (s, s),  # noqa: UP031 - the old style must mask too
    "str.format": lambda s: "{} {!r}".format(s, s),  # noqa: UP032
    "inside-a-list": lambda s: repr([s]),
    "inside-a-model": lambda s: repr(Credential(password=s)),
    "model_dump_json": lambda s: Credential(password=s).model_dump_json(),
}


@pytest.mark.parametrize("render", RENDERERS.values(), ids=RENDERERS.keys())
def test_secret_never_shows_its_text_when_printed(render: Any) -> None:
    text = render(Secret(MARKER))
    assert MARKER not in text
    assert "***" in text


def test_reveal_returns_the_plain_text() -> None:
    assert Secret(MARKER).reveal() == MARKER


def test_secrets_with_the_same_text_are_equal() -> None:
    assert Secret(MARKER) == Secret(MARKER)
    assert Secret(MARKER) != Secret(MARKER + "x")


def test_secret_never_equals_plain_text() -> None:
    assert Secret(MARKER) != MARKER


def test_equality_is_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert Secret("abc-def") == Secret("abc-def")
    assert calls == [(b"abc-def", b"abc-def")]


def test_secret_is_not_hashable() -> None:
    with pytest.raises(TypeError):
        hash(Secret(MARKER))
    with pytest.raises(TypeError):
        {Secret(MARKER)}


def test_pickling_a_secret_is_refused_without_showing_it() -> None:
    with pytest.raises(TypeError, match="cannot be pickled") as caught:
        pickle.dumps(Secret(MARKER))
    assert MARKER not in str(caught.value)


def test_pickling_a_credential_is_refused() -> None:
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(Credential(password=MARKER))


def test_copies_of_a_secret_are_the_same_object() -> None:
    secret = Secret(MARKER)
    assert copy.copy(secret) is secret
    assert copy.deepcopy(secret) is secret
    assert Credential(pin=secret).model_copy(deep=True).pin is secret


def test_secret_cannot_be_changed() -> None:
    secret = Secret(MARKER)
    with pytest.raises(AttributeError, match="immutable"):
        secret._value = "other"
    with pytest.raises(AttributeError, match="immutable"):
        del secret._value
    assert secret.reveal() == MARKER


def test_secret_holds_only_text() -> None:
    with pytest.raises(TypeError, match="str"):
        Secret(b"bytes")  # type: ignore[arg-type]


def test_pydantic_field_takes_text_or_a_secret() -> None:
    secret = Secret(MARKER)
    assert Plain(password=MARKER).password == secret
    assert Plain(password=secret).password is secret
    assert Plain.model_validate_json(f'{{"password": "{MARKER}"}}').password == secret


def test_python_dump_keeps_the_secret_object_and_json_dump_masks_it() -> None:
    model = Plain(password=Secret(MARKER))
    assert model.model_dump() == {"password": Secret(MARKER)}
    assert model.model_dump_json() == '{"password":"***"}'


def test_json_schema_marks_a_secret_as_a_write_only_password() -> None:
    schema = Plain.model_json_schema()["properties"]["password"]["anyOf"][0]
    assert schema == {"type": "string", "format": "password", "writeOnly": True}


def _leaks(exc: ValidationError) -> list[str]:
    views = {
        "str": str(exc),
        "repr": repr(exc),
        "errors": repr(exc.errors()),
        "json": exc.json(),
    }
    return [name for name, text in views.items() if MARKER in text]


BAD_INPUTS = {
    "plain-model-bytes": (Plain, {"password": MARKER.encode()}),
    "plain-model-list": (Plain, {"password": [MARKER]}),
    "plain-model-json-number": (Plain, '{"password": [1, "' + MARKER + '"]}'),
    "secret-model-missing-field": (Login, {"password": MARKER}),
    "secret-model-other-field-bad": (Login, {"user": "a", "password": MARKER, "attempts": "x"}),
    "secret-model-extra-field": (Credential, {"password": MARKER, "pasword": MARKER}),
    "secret-model-not-a-mapping": (Login, [("password", MARKER)]),
    "secret-model-model-validator": (Login, {"user": MARKER, "password": MARKER}),
    "secret-model-json": (Login, '{"password": "' + MARKER + '", "attempts": "x"}'),
}


@pytest.mark.parametrize(("model", "data"), BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_validation_errors_never_echo_the_secret(model: type[BaseModel], data: Any) -> None:
    validate = model.model_validate_json if isinstance(data, str) else model.model_validate
    with pytest.raises(ValidationError) as caught:
        validate(data)
    assert _leaks(caught.value) == []


def test_secret_model_errors_still_say_where_and_what() -> None:
    with pytest.raises(ValidationError) as caught:
        Login.model_validate({"password": MARKER, "attempts": "x"})
    found = {(err["loc"], err["type"]) for err in caught.value.errors()}
    assert found == {(("user",), "missing"), (("attempts",), "int_parsing")}
    assert {err["input"] for err in caught.value.errors()} == {"<hidden>"}


def test_assigning_to_a_frozen_credential_does_not_echo_the_value() -> None:
    credential = Credential(login="u1")
    with pytest.raises(ValidationError) as caught:
        credential.login = MARKER  # type: ignore[misc]
    assert _leaks(caught.value) == []


def test_a_nested_secret_model_keeps_its_errors_hidden() -> None:
    class Outer(BaseModel):
        model_config = ConfigDict(hide_input_in_errors=True)
        credential: Credential

    with pytest.raises(ValidationError) as caught:
        Outer.model_validate({"credential": {"password": MARKER, "room": 5}})
    assert _leaks(caught.value) == []
    assert caught.value.errors()[0]["loc"] == ("credential", "room")


def test_a_secret_freed_while_the_registry_is_busy_does_not_hang_its_thread() -> None:
    """The garbage collector may run a Secret's finalizer in the middle of a redaction that
    holds the registry's lock, in the same thread: the release must wait its turn, never
    the thread (it hung a whole test session once)."""
    import secrets
    import threading

    from meetlink.credentials import secret as registry
    from meetlink.credentials.secret import contains_registered

    value = "release-" + secrets.token_hex(8)
    finished = threading.Event()

    def free_it_while_busy() -> None:
        held = Secret(value)
        with registry._lock:  # what a redaction holds while the collector strikes
            del held  # the last reference: the finalizer runs here, in this thread
        finished.set()

    worker = threading.Thread(target=free_it_while_busy, daemon=True)
    worker.start()
    worker.join(timeout=10)
    assert finished.is_set(), "the finalizer waited for a lock its own thread held"
    contains_registered(value)  # the next holder of the lock counts the queued release out
    # (not `assert not contains_registered(value)`: a marker secret another test registered,
    # such as "marker", may stand inside this text)
    assert value not in registry._counts
