"""`SecretRedactor`: no registered secret reaches log output, wherever it hides in a record."""

from __future__ import annotations

import gc
import io
import logging
from collections.abc import Iterator

import pytest

from meetlink.credentials import (
    Credential,
    Secret,
    SecretRedactor,
    Vault,
    VaultKey,
    contains_secret,
    install_redaction,
    redact,
    register,
)

MARKER = "MARKER-log-8Ka3pV"


@pytest.fixture
def log() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger writing to a string, with redaction installed, detached afterwards."""
    logger = logging.getLogger(f"test.redaction.{id(object())}")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger.addHandler(handler)
    install_redaction(logger)
    yield logger, stream
    logger.removeHandler(handler)
    for f in list(logger.filters):
        logger.removeFilter(f)


def test_secret_in_log_arguments_is_redacted(log: tuple[logging.Logger, io.StringIO]) -> None:
    logger, out = log
    secret = Secret(MARKER)
    logger.info("logging in with %s and %r", secret.reveal(), secret.reveal())
    assert MARKER not in out.getvalue()
    assert "logging in with *** and '***'" in out.getvalue()


def test_secret_in_log_message_is_redacted(log: tuple[logging.Logger, io.StringIO]) -> None:
    logger, out = log
    secret = Secret(MARKER)
    logger.warning(f"the password is {secret.reveal()}")
    assert out.getvalue() == "WARNING the password is ***\n"


def test_secret_in_exception_traceback_is_redacted(
    log: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, out = log
    secret = Secret(MARKER)
    try:
        raise RuntimeError(f"login rejected for password {secret.reveal()}")
    except RuntimeError:
        logger.exception("the provider refused the login")
    text = out.getvalue()
    assert MARKER not in text
    assert "RuntimeError: login rejected for password ***" in text
    assert "Traceback" in text


def test_secret_in_stack_info_is_redacted(log: tuple[logging.Logger, io.StringIO]) -> None:
    logger, out = log
    secret = Secret(MARKER)
    plain = secret.reveal()  # the local variable's line appears in the stack dump  # noqa: F841
    logger.info("where am I", stack_info=True)
    assert MARKER not in out.getvalue()
    assert "Stack (most recent call last)" in out.getvalue()


def test_secret_in_extra_attributes_is_redacted(log: tuple[logging.Logger, io.StringIO]) -> None:
    logger, out = log
    logger.handlers[0].setFormatter(logging.Formatter("%(message)s token=%(token)s"))
    secret = Secret(MARKER)
    logger.info("call", extra={"token": secret.reveal()})
    assert out.getvalue() == "call token=***\n"


def test_arguments_that_break_the_format_are_dropped_not_printed(
    log: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, out = log
    secret = Secret(MARKER)
    logger.info("count: %d", secret.reveal())
    assert MARKER not in out.getvalue()
    assert "log arguments dropped" in out.getvalue()


def test_records_from_child_loggers_are_redacted_by_the_parents_handlers(
    log: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, out = log
    child = logging.getLogger(f"{logger.name}.adapter")
    secret = Secret(MARKER)
    child.error("sdk said: bad password %s", secret.reveal())
    assert out.getvalue() == "ERROR sdk said: bad password ***\n"


def test_a_revealed_text_stays_redacted_after_its_secret_is_gone() -> None:
    text = Secret(MARKER + "-revealed").reveal()
    gc.collect()
    assert redact(f"x {text} y") == "x *** y"


def test_a_secret_never_revealed_is_forgotten_when_it_is_gone() -> None:
    text = "never-revealed-5Tg2wq"  # shares nothing with the texts other tests reveal
    secret = Secret(text)
    assert contains_secret(f"x {text} y")
    del secret
    gc.collect()
    assert not contains_secret(f"x {text} y")


def test_register_pins_a_plain_text_secret() -> None:
    register(MARKER + "-smtp")
    assert redact(f"AUTH {MARKER}-smtp") == "AUTH ***"


def test_a_longer_secret_containing_a_shorter_one_is_redacted_whole() -> None:
    short, long = Secret("abcd-1234"), Secret("abcd-1234-efgh")
    assert redact("abcd-1234-efgh") == "***"
    assert short != long


def test_texts_shorter_than_four_characters_are_not_redacted() -> None:
    tiny = Secret("7z!")
    assert redact("a 7z! b") == "a 7z! b"
    assert tiny.reveal() == "7z!"


def test_installing_twice_adds_one_filter() -> None:
    logger = logging.getLogger("test.redaction.twice")
    handler = logging.NullHandler()
    logger.addHandler(handler)
    try:
        install_redaction(logger)
        install_redaction(logger)
        assert sum(isinstance(f, SecretRedactor) for f in logger.filters) == 1
        assert sum(isinstance(f, SecretRedactor) for f in handler.filters) == 1
    finally:
        logger.removeHandler(handler)
        logger.filters.clear()


def test_credentials_read_from_the_vault_are_redacted(
    log: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, out = log
    with Vault.open(":memory:", VaultKey.generate()) as vault:
        vault.put("q3", "u1", "endpoint", Credential(password=MARKER + "-vault"))
        password = vault.get("q3", "u1", "endpoint").password
        assert password is not None
        logger.info("connecting with %s", password.reveal())
    assert out.getvalue() == "INFO connecting with ***\n"


def test_the_longest_registered_secret_is_masked_whole() -> None:
    from meetlink.credentials.redaction import redact
    from meetlink.credentials.secret import Secret

    short, long = Secret("abcd-1234"), Secret("abcd-1234-extended")
    assert redact("x abcd-1234-extended y abcd-1234 z") == "x *** y *** z"
    assert short.reveal()
    assert long.reveal()


def test_a_dropped_secret_that_was_never_revealed_is_no_longer_masked() -> None:
    import gc

    from meetlink.credentials.redaction import contains_secret
    from meetlink.credentials.secret import Secret

    kept = Secret("kept-7781-q")
    dropped = Secret("dropped-5512-q")
    assert contains_secret("dropped-5512-q")
    del dropped
    gc.collect()
    assert not contains_secret("dropped-5512-q")
    assert contains_secret("kept-7781-q")
    assert kept.reveal() == "kept-7781-q"


def test_many_secrets_are_all_found() -> None:
    from meetlink.credentials.redaction import redact
    from meetlink.credentials.secret import Secret

    many = [Secret(f"pw-{i:06d}-zz") for i in range(20_000)]
    assert redact("a pw-019999-zz b pw-000000-zz c") == "a *** b *** c"
    assert len(many) == 20_000
