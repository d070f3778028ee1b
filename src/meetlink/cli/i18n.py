"""The command's language: Vietnamese or English, from ``--lang``, ``MEETLINK_LANG`` or the
locale (a ``vi_VN`` locale gives Vietnamese; anything else English).

The words live in gettext catalogs beside this module (``locale/vi/LC_MESSAGES/meetlink.po``,
compiled to ``.mo``); English is the source text. argparse's own words ("usage:", "options",
its error messages) are in the same catalog: argparse looks its words up in the program's
gettext domain, so :func:`speaking` binds that domain and the language for the time of one
command, and puts back what it found afterwards (a program that imports meetlink keeps its
own).

Only the command's own sentences are translated; the library's error sentences (the
``FILE:ROW:COLUMN: …`` lines) stay in English for now. What an office reads or copies as
it is (the join-link table, the headings of chat texts, the report's list of files written,
the registration lines) follows the meeting file's ``language`` instead: :func:`translator`.
The rules, and how to translate: docs/reference/languages.md.

Example:
    >>> choose_language(["--lang", "vi", "plan", "m.yaml"], {})
    'vi'
    >>> choose_language(["plan", "m.yaml"], {"LANG": "vi_VN.UTF-8"})
    'vi'
    >>> choose_language(["plan", "m.yaml"], {"LANG": "C.UTF-8"})
    'en'
"""

from __future__ import annotations

import contextlib
import gettext as _gettext
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Literal

__all__ = [
    "DOMAIN",
    "LANGUAGES",
    "LOCALE_DIR",
    "Language",
    "choose_language",
    "gettext",
    "meeting_help",
    "ngettext",
    "speaking",
    "spoken_language",
    "translator",
]

Language = Literal["vi", "en"]
LANGUAGES: tuple[Language, ...] = ("vi", "en")
DOMAIN = "meetlink"
LOCALE_DIR = Path(__file__).parent / "locale"
_LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
_current: _gettext.NullTranslations = _gettext.NullTranslations()
_spoken: Language = "en"


def choose_language(argv: Sequence[str], environ: Mapping[str, str]) -> Language:
    """The language asked for: ``--lang`` on the command line, else ``MEETLINK_LANG``, else
    the first locale variable that is set (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``,
    ``LANG``, as gettext reads them)."""
    given: str | None = None
    for i, word in enumerate(argv):
        if word == "--":
            break
        if word == "--lang" and i + 1 < len(argv):
            given = argv[i + 1]
        elif word.startswith("--lang="):
            given = word.split("=", 1)[1]
    if given is None:
        given = environ.get("MEETLINK_LANG") or None
    if given is None:
        for name in _LOCALE_VARIABLES:
            value = environ.get(name, "")
            if value:
                given = value.split(":", 1)[0]
                break
    return "vi" if (given or "").lower().startswith("vi") else "en"


def gettext(message: str) -> str:
    """``message`` in the command's language (itself in English)."""
    return _current.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural of a message, in the command's language."""
    return _current.ngettext(singular, plural, n)


def meeting_help() -> str:
    """The help of every command's ``MEETING.yaml`` argument."""
    return gettext("the meeting file; its roster is read from beside it")


def spoken_language() -> Language:
    """The language the command speaks now (English outside :func:`speaking`)."""
    return _spoken


def translator(language: str) -> _gettext.NullTranslations:
    """The catalog of ``language`` (``vi``; anything else is English), for the lines that
    follow the meeting's language rather than the command's.

    >>> translator("vi").gettext("Written: {path}")
    'Đã ghi: {path}'
    """
    chosen = "vi" if language == "vi" else "en"
    return _gettext.translation(DOMAIN, LOCALE_DIR, languages=[chosen], fallback=True)


@contextlib.contextmanager
def speaking(language: Language) -> Iterator[None]:
    """Speak ``language`` for the time of one command: this module's :func:`gettext` and
    argparse's words; what was set before is put back on leaving."""
    global _current, _spoken
    before = (_current, _spoken, _gettext.textdomain(), os.environ.get("LANGUAGE"))
    _current, _spoken = translator(language), language
    _gettext.bindtextdomain(DOMAIN, str(LOCALE_DIR))
    _gettext.textdomain(DOMAIN)
    os.environ["LANGUAGE"] = language  # argparse looks up its words by the environment's
    try:
        yield
    finally:
        _current, _spoken = before[0], before[1]
        _gettext.textdomain(before[2])
        if before[3] is None:
            os.environ.pop("LANGUAGE", None)
        else:
            os.environ["LANGUAGE"] = before[3]
