"""The command's Vietnamese catalog: every message translated, compiled, placeholders kept.

The messages are what Babel extracts from ``src/meetlink/cli`` (the same extraction as
``nox -s translations``); argparse's own words are in the catalog too and are held to the
same rules. A message added to the code without a translation, a ``.po`` edited without
compiling the ``.mo``, or a translation that loses a ``{name}`` fails here.
"""

from __future__ import annotations

import io
import re
import string
from pathlib import Path

import pytest

babel_extract = pytest.importorskip("babel.messages.extract", reason="babel (the test extra)")
from babel.messages.catalog import Catalog  # noqa: E402
from babel.messages.mofile import read_mo, write_mo  # noqa: E402
from babel.messages.pofile import read_po  # noqa: E402

CLI = Path(__file__).resolve().parents[2] / "src" / "meetlink" / "cli"
LOCALE = CLI / "locale"
PO = LOCALE / "vi" / "LC_MESSAGES" / "meetlink.po"
MO = LOCALE / "vi" / "LC_MESSAGES" / "meetlink.mo"
POT = LOCALE / "meetlink.pot"

MessageId = str | tuple[str, ...]
# A %-placeholder as Python's % operator reads it: %s, %r, %(name)s, %%. "90% or" is none.
_PERCENT = re.compile(r"%(?:\(\w+\))?[#0+-]?\d*(?:\.\d+)?[sdrifx%]")


def _read_po(path: Path) -> Catalog:
    with path.open("rb") as file:
        return read_po(file, locale="vi")


def _extracted() -> set[MessageId]:
    found = babel_extract.extract_from_dir(str(CLI))
    return {message for _file, _line, message, _comments, _context in found}


def _table(catalog: Catalog) -> dict[MessageId, MessageId]:
    """Message → translation; a plural's forms as tuples (read_mo gives lists)."""
    return {_key(m.id): _key(m.string) for m in catalog if m.id}


def _key(value: str | list[str] | tuple[str, ...]) -> MessageId:
    return value if isinstance(value, str) else tuple(value)


def _forms(string_: MessageId) -> tuple[str, ...]:
    return string_ if isinstance(string_, tuple) else (string_,)


def placeholders(text: str) -> tuple[list[str], list[str]]:
    """The ``{name}`` fields and the ``%`` placeholders of ``text``, each sorted."""
    fields = sorted(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)
    return fields, sorted(_PERCENT.findall(text))


def test_the_placeholder_reader_tells_a_lost_field_from_a_percent_sign() -> None:
    assert placeholders("{count} of %(prog)s, 90% or 90%%") == (["count"], ["%%", "%(prog)s"])
    assert placeholders("đã ghi vào {folder}") != placeholders("đã ghi vào {path}")
    assert placeholders("90% hoặc 0.9") == ([], [])


def test_babel_finds_the_commands_messages() -> None:
    extracted = _extracted()
    assert "{meeting} — status" in extracted  # a plain _()
    assert "Written: {path}" in extracted  # a translator(...).gettext() of the meeting's language
    assert (
        "{count} problem found; nothing was done.",
        "{count} problems found; nothing was done.",
    ) in extracted  # ngettext
    assert len(extracted) > 120


def test_every_message_of_the_command_has_a_vietnamese_translation() -> None:
    catalog = _read_po(PO)
    table = _table(catalog)
    missing = sorted(str(m) for m in _extracted() if m not in table)
    assert missing == [], "not in the .po: run `nox -s translations` and translate them"
    empty = sorted(str(i) for i, s in table.items() if not all(_forms(s)))
    assert empty == [], "translate these in the .po, then run `nox -s translations`"
    fuzzy = sorted(str(m.id) for m in catalog if m.id and m.fuzzy)
    assert fuzzy == [], "fuzzy translations are not compiled: check them and drop the flag"


def test_the_template_holds_every_message_and_argparses_words() -> None:
    template = _table(_read_po(POT))
    assert sorted(str(m) for m in _extracted() if m not in template) == []
    for word in ("usage: ", "options", "positional arguments", "show this help message and exit"):
        assert word in template


def test_the_committed_mo_is_the_po_compiled() -> None:
    # Compared message by message: the bytes also carry the compiling Babel's version.
    compiled = io.BytesIO()
    write_mo(compiled, _read_po(PO))
    compiled.seek(0)
    with MO.open("rb") as file:
        committed = read_mo(file)
    assert _table(committed) == _table(read_mo(compiled)), (
        "the .mo is not the .po compiled: run `nox -s translations` and commit the .mo"
    )
    assert committed.plural_forms == "nplurals=1; plural=0;"


def test_every_translation_keeps_the_placeholders_of_its_message() -> None:
    wrong = []
    for message in _read_po(PO):
        if not message.id:
            continue
        source = _forms(message.id)[-1]  # Vietnamese has one form, for every number
        for text in _forms(message.string):
            if placeholders(text) != placeholders(source):
                wrong.append(f"{source!r} → {text!r}")
    assert wrong == []


def test_nothing_the_command_says_carries_the_secret_mark() -> None:
    text = PO.read_text(encoding="utf-8")
    assert "Mật" not in text
    assert "MẬT" not in text
