"""The words of an invitation, as files an office can edit: Vietnamese by default, English too.

Each language folder (``vi/``, ``en/``) holds four files:

* ``strings.toml``: short phrases (subjects, notices, the date format, list lines);
* ``description.txt``: the calendar event's DESCRIPTION, also the heart of the mail;
* ``body.txt`` and ``body.html``: the mail's plain-text and HTML bodies.

They are :class:`string.Template` texts: ``$name`` is replaced by a value (see ``README.md``
beside them for the list). A paragraph (lines between blank lines) whose ``$names`` are all
empty is left out, and so is a line whose ``$names`` are all empty, so "Line test:" disappears
when there is no line test. To change the words, copy a language folder somewhere, edit it,
and pass that folder: files missing there are taken from the built-in language.

Example:
    >>> t = Templates.load("vi")
    >>> t.strings["weekdays"][6]
    'Chủ nhật'
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import importlib.resources
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any, Literal

from meetlink.errors import InputError

if TYPE_CHECKING:
    from meetlink.invites.specs import InvitationSpec

__all__ = ["FILES", "Kind", "Templates", "default_templates"]

Kind = Literal["new", "update", "cancel", "uninvite"]
FILES = ("strings.toml", "description.txt", "body.txt", "body.html")
_LANGUAGES = ("vi", "en")
_BODY_NAMES = (
    *("title", "point_name", "hall", "organizer_name", "addressees", "when", "end_time"),
    *("arrive", "rehearsal", "recurrence", "units", "agenda", "notes", "join", "link", "help"),
    *("notice", "sequence", "description"),
)
_STRING_NAMES: dict[str, Sequence[str]] = {
    "subject_new": _BODY_NAMES,
    "subject_update": _BODY_NAMES,
    "subject_cancel": _BODY_NAMES,
    "subject_uninvite": _BODY_NAMES,
    "notice_new": _BODY_NAMES,
    "notice_update": _BODY_NAMES,
    "notice_cancel": _BODY_NAMES,
    "notice_uninvite": _BODY_NAMES,
    "datetime": ["hour", "minute", "day", "month", "year", "weekday"],
    "time": ["hour", "minute", "day", "month", "year", "weekday"],
    "arrive": ["minutes", "time"],
    "rehearsal": ["when"],
    "recurrence": ["rule"],
    "unit_line": ["name", "seats"],
    "agenda_line": ["number", "item"],
    "help_line": ["item"],
    "join_link": ["link"],
    "join_without_link": [],
    "conference_label": [],
    "alarm": ["point_name", "title"],
}
_PARAGRAPH = re.compile(r"\n[ \t]*\n")


@dataclass(frozen=True, eq=False)
class Templates:
    """The loaded templates of one language; ``sources`` maps each file name to its text.

    Two loads compare by identity; compare :attr:`fingerprint` to know if the words differ.

    >>> Templates.load("en").strings["time"]
    '$hour:$minute'
    """

    language: str
    sources: Mapping[str, str]
    strings: Mapping[str, Any]

    @classmethod
    def load(cls, language: str = "vi", folder: str | Path | None = None) -> Templates:
        """Load a language's templates, files in ``folder`` (if given) replacing built-in ones.

        Raises :class:`~meetlink.errors.InputError` naming the file when a template uses an
        unknown ``$name`` or a phrase is missing.
        """
        if language not in _LANGUAGES:
            raise InputError.single(
                "templates", f"unknown language '{language}'; write one of {', '.join(_LANGUAGES)}."
            )
        if folder is not None and not Path(folder).is_dir():
            raise InputError.single(
                str(folder), "the templates folder does not exist; check the path."
            )
        sources: dict[str, str] = {}
        shown: dict[str, str] = {}
        builtin = importlib.resources.files(__name__).joinpath(language)
        for name in FILES:
            own = Path(folder) / name if folder is not None else None
            if own is not None and own.is_file():
                sources[name], shown[name] = _read(own), str(own)
            else:
                sources[name] = builtin.joinpath(name).read_text(encoding="utf-8")
                shown[name] = f"meetlink/invites/templates/{language}/{name}"
        strings = _load_strings(sources["strings.toml"], shown["strings.toml"], language)
        templates = cls(language, sources, strings)
        templates._check(shown)
        return templates

    @cached_property
    def fingerprint(self) -> str:
        """A hash of every template text: it changes when an office edits a word."""
        digest = hashlib.sha256()
        for name in FILES:
            digest.update(name.encode() + b"\0" + self.sources[name].encode() + b"\0")
        return digest.hexdigest()

    def description(self, spec: InvitationSpec) -> str:
        """The event's DESCRIPTION, plain text."""
        return _fill(self.sources["description.txt"], self._values(spec, False))

    def subject(self, spec: InvitationSpec, kind: Kind, sequence: int) -> str:
        """The mail's subject line for this kind of message."""
        values = self._values(spec, False, kind, sequence)
        return " ".join(_fill(self.strings[f"subject_{kind}"], values).split())

    def bodies(self, spec: InvitationSpec, kind: Kind, sequence: int) -> tuple[str, str]:
        """The mail's plain-text and HTML bodies."""
        text_values = self._values(spec, False, kind, sequence)
        text_values["description"] = self.description(spec)
        html_values = self._values(spec, True, kind, sequence)
        html_values["description"] = html.escape(text_values["description"]).replace("\n", "<br>\n")
        return (
            _fill(self.sources["body.txt"], text_values) + "\n",
            _fill(self.sources["body.html"], html_values) + "\n",
        )

    def phrase(self, name: str, **values: str) -> str:
        """One phrase from ``strings.toml`` with its ``$names`` filled in."""
        return Template(self.strings[name]).safe_substitute(values)

    def when(self, moment: dt.datetime, which: Literal["datetime", "time"] = "datetime") -> str:
        """A time in the words of ``strings.toml`` (its ``datetime`` or ``time`` format)."""
        return self.phrase(
            which,
            hour=f"{moment.hour:02d}",
            minute=f"{moment.minute:02d}",
            day=f"{moment.day:02d}",
            month=f"{moment.month:02d}",
            year=str(moment.year),
            weekday=self.strings["weekdays"][moment.weekday()],
        )

    def _values(
        self, spec: InvitationSpec, as_html: bool, kind: Kind = "new", sequence: int = 0
    ) -> dict[str, str]:
        esc = html.escape if as_html else _same

        def lines(template: str, items: Sequence[Mapping[str, str]]) -> str:
            rendered = [
                Template(esc(template)).safe_substitute({k: esc(v) for k, v in item.items()})
                for item in items
            ]
            if not rendered:
                return ""
            if as_html:  # the list's own bullets replace a leading "- "
                listed = "\n".join(f"<li>{r.removeprefix('- ')}</li>" for r in rendered)
                return f"<ul>\n{listed}\n</ul>"
            return "\n".join(rendered)

        link = spec.join_link or ""
        shown_link = f'<a href="{esc(link)}">{esc(link)}</a>' if as_html else link
        minutes = int((spec.start - spec.arrive_by).total_seconds() // 60) if spec.arrive_by else 0
        values = {
            "title": esc(spec.title),
            "point_name": esc(spec.point_name),
            "hall": esc(spec.hall),
            "organizer_name": esc(spec.organizer_name or spec.organizer_email),
            "addressees": esc(", ".join(u.name for u in spec.units) or spec.point_name),
            "when": esc(self.when(spec.start)),
            "end_time": esc(
                self.when(spec.end, "time" if spec.end.date() == spec.start.date() else "datetime")
            ),
            "arrive": esc(
                self.phrase("arrive", minutes=str(minutes), time=self.when(spec.arrive_by, "time"))
            )
            if spec.arrive_by and minutes > 0
            else "",
            "rehearsal": esc(self.phrase("rehearsal", when=self.when(spec.rehearsal)))
            if spec.rehearsal
            else "",
            "recurrence": esc(self.phrase("recurrence", rule=spec.recurrence))
            if spec.recurrence
            else "",
            "units": lines(
                self.strings["unit_line"],
                [{"name": u.name, "seats": str(u.seats)} for u in spec.units],
            ),
            "agenda": lines(
                self.strings["agenda_line"],
                [{"number": str(i), "item": a} for i, a in enumerate(spec.agenda, start=1)],
            ),
            "notes": esc(spec.notes),
            "link": shown_link,
            "join": (
                Template(esc(self.strings["join_link"])).safe_substitute(link=shown_link)
                if link
                else esc(self.strings["join_without_link"])
            ),
            "help": lines(self.strings["help_line"], [{"item": h} for h in spec.help_contacts]),
            "sequence": str(sequence),
            "description": "",
        }
        values["notice"] = esc(_fill(self.strings[f"notice_{kind}"], _unescaped(values, as_html)))
        return values

    def _check(self, shown: Mapping[str, str]) -> None:
        for name in ("description.txt", "body.txt", "body.html"):
            _check_names(self.sources[name], _BODY_NAMES, shown[name])
        for key, allowed in _STRING_NAMES.items():
            _check_names(self.strings[key], allowed, f"{shown['strings.toml']}: {key}")


@lru_cache(maxsize=8)
def default_templates(language: str = "vi") -> Templates:
    """The built-in templates of a language, loaded once.

    >>> default_templates("en").strings["subject_cancel"]
    'Cancelled: $title — $point_name'
    """
    return Templates.load(language)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError.single(
            str(path),
            "the template is not UTF-8; save it again as UTF-8 (in Notepad: Save As, "
            "Encoding: UTF-8).",
        ) from None


def _same(text: str) -> str:
    return text


def _unescaped(values: Mapping[str, str], as_html: bool) -> dict[str, str]:
    return {k: html.unescape(v) for k, v in values.items()} if as_html else dict(values)


def _load_strings(text: str, shown: str, language: str) -> dict[str, Any]:
    try:
        strings = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError.single(
            shown, f'this is not valid TOML ({exc}); keep every phrase as name = "text".'
        ) from None
    if any(not isinstance(v, str | list) for v in strings.values()):
        raise InputError.single(shown, 'every phrase must be written as name = "text".')
    builtin = importlib.resources.files(__name__).joinpath(language, "strings.toml")
    defaults = tomllib.loads(builtin.read_text(encoding="utf-8"))
    merged = {**defaults, **strings}  # a partial strings.toml keeps the built-in rest
    weekdays = merged.get("weekdays")
    if not isinstance(weekdays, list) or len(weekdays) != 7:
        raise InputError.single(
            shown, "weekdays must list seven names, Monday first; correct the list."
        )
    return merged


def _check_names(text: str, allowed: Sequence[str], shown: str) -> None:
    template = Template(text)
    unknown = sorted(set(template.get_identifiers()) - set(allowed))
    if unknown or not template.is_valid():
        what = f"${unknown[0]}, which meetlink does not fill" if unknown else "a stray $"
        known = ", ".join(f"${n}" for n in allowed) or "none"
        raise InputError.single(
            shown,
            f"the template uses {what}; use only {known} (write $$ for a dollar sign).",
        )


def _fill(source: str, values: Mapping[str, str]) -> str:
    """Substitute, leaving out paragraphs and lines whose every ``$name`` is empty."""
    kept: list[str] = []
    for paragraph in _PARAGRAPH.split(source.strip("\n")):
        if _all_empty(paragraph, values):
            continue
        lines = [line for line in paragraph.split("\n") if not _all_empty(line, values)]
        kept.append(Template("\n".join(lines)).safe_substitute(values).strip("\n"))
    return "\n\n".join(k for k in kept if k.strip())


def _all_empty(text: str, values: Mapping[str, str]) -> bool:
    names = Template(text).get_identifiers()
    return bool(names) and all(not values.get(n, "").strip() for n in names)
