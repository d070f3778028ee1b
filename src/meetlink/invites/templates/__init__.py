"""The words of an invitation, as Jinja2 files an office can edit: Vietnamese, and English.

Each language folder (``vi/``, ``en/``) holds the files of an invitation:

* ``subject.txt``: the mail's subject (one line; spaces and line breaks become one space);
* ``description.txt``: the calendar event's DESCRIPTION, also the heart of the plain mail;
* ``body.txt`` and ``body.html``: the mail's plain-text and HTML bodies (``body.txt``
  includes ``description.txt``);
* ``alarm.txt``: the reminder a calendar shows at the arrive-early time;

and the files of the other messages meetlink writes from the same folder and loader. Every
template receives the variables of :func:`~meetlink.invites.variables.invitation_variables`
(``docs/reference/templates.md`` lists them). ``.html`` files are autoescaped; an undefined
variable is an error, never an empty string. A text is tidied after rendering: spaces at the
end of a line go, and two or more blank lines become one.

A meeting's ``templates:`` folder is looked in first, the built-in language folder second: a
file missing there comes from the built-in one. The folder is checked when it is loaded,
before anything is sent: a syntax error, a variable meetlink does not give, a file name
meetlink does not use, or a template that fails on a sample invitation is an
:class:`~meetlink.errors.InputError` naming the file and line. Loaded templates are compiled
once and kept while the files are unchanged.

Example:
    >>> t = Templates.load("vi")
    >>> t.render("subject.txt", kind="new", title="Giờ sinh hoạt", point_name="Điểm cầu xã")
    'Giấy mời: Giờ sinh hoạt — Điểm cầu xã'
"""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
import re
import threading
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import jinja2
from jinja2 import meta, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from meetlink.errors import InputError, Problem
from meetlink.invites.templates.memo import remember_last_rendering
from meetlink.invites.variables import (
    KINDS,
    VARIABLES,
    Kind,
    invitation_variables,
    sample_spec,
)
from meetlink.invites.wording import LANGUAGES, Language, clock, day, moment, short_day

if TYPE_CHECKING:
    from meetlink.invites.specs import InvitationSpec, Recipient

__all__ = ["FILES", "FILTERS", "Kind", "Templates", "default_templates"]

FILES = ("subject.txt", "description.txt", "body.txt", "body.html", "alarm.txt")
"""The files of an invitation, in each language folder."""
FILTERS = {"clock": clock, "day": day, "short_day": short_day, "moment": moment}
"""The filters meetlink adds to Jinja2's: a date or time in the folder's language."""
_SUFFIXES = (".txt", ".html")
_LABELS = {"vi": "Phòng họp trực tuyến", "en": "Online meeting room"}
_BLANK_LINES = re.compile(r"\n{3,}")
_LINE_ENDS = re.compile(r"[ \t]+\n")


@dataclass(frozen=True, eq=False)
class Templates:
    """The compiled templates of one language, the meeting's own files over the built-in ones.

    ``sources`` maps each file an invitation uses (``FILES`` and what they include) to the
    text in force. Two loads of unchanged files are the same object; compare
    :attr:`fingerprint` to know if the words differ.

    >>> Templates.load("en").render("alarm.txt", point_name="Commune hall", title="Briefing")
    'Time to go to the bridge point Commune hall: Briefing'
    """

    language: Language
    folder: Path | None
    sources: Mapping[str, str]
    _environment: jinja2.Environment = field(repr=False)
    _compiled: Mapping[str, jinja2.Template] = field(repr=False)
    _recent: threading.local = field(default_factory=threading.local, repr=False)

    @classmethod
    def load(cls, language: str = "vi", folder: str | Path | None = None) -> Templates:
        """The templates of ``language``, the files of ``folder`` (if given) first.

        Raises :class:`~meetlink.errors.InputError` naming the file and line of every
        problem in the folder.
        """
        if language not in LANGUAGES:
            raise InputError.single(
                "templates", f"unknown language '{language}'; write one of {', '.join(LANGUAGES)}."
            )
        if folder is None:
            return _built(language, None, ())
        return _from_folder(language, Path(folder))

    @cached_property
    def fingerprint(self) -> str:
        """A hash of the texts an invitation uses: it changes when an office edits a word."""
        return self.fingerprint_of(*FILES)

    def fingerprint_of(self, *names: str) -> str:
        """A hash of these templates' texts and of the files they include.

        >>> Templates.load("vi").fingerprint_of("subject.txt") == Templates.load(
        ...     "vi").fingerprint_of("subject.txt")
        True
        """
        digest = hashlib.sha256(self.language.encode())
        for name in sorted(_closure(self._environment, names)):
            source = _source(self._environment, name)
            digest.update(b"\0" + name.encode() + b"\0" + source.encode())
        return digest.hexdigest()

    def render(self, name: str, /, **context: Any) -> str:
        """Fill the template ``name`` with ``context``; the text tidied (see the module).

        Any template of the folders can be rendered, an invitation's or another message's.
        A mistake in it is an :class:`~meetlink.errors.InputError` naming its file and line.

        >>> Templates.load("vi").render("alarm.txt", point_name="Xã Dị Sử", title="Họp")
        'Đến giờ có mặt tại điểm cầu Xã Dị Sử: Họp'
        """
        return self._fill(name, context, shared=False)

    def _fill(self, name: str, context: dict[str, Any], *, shared: bool) -> str:
        """``name`` rendered with ``context``; ``shared``: ``context`` holds the globals
        already and is read as it is (one context for every file of a message, not a copy
        per file)."""
        template = self._compiled.get(name)
        try:
            if template is None:
                template = self._environment.get_template(name)
            filled = template.new_context(context, shared=shared)
            try:
                text = self._environment.concat(template.root_render_func(filled))
            except Exception:
                self._environment.handle_exception()  # the template's own lines in the traceback
        except jinja2.TemplateNotFound:
            raise InputError.single(
                f"templates/{self.language}/{name}",
                "meetlink has no template of this name; check the name.",
            ) from None
        except Exception as exc:  # a template's mistake, whatever it raised
            raise _located(exc, name, self._environment) from None
        return _tidy(text)

    def variables(
        self,
        spec: InvitationSpec,
        kind: Kind = "new",
        sequence: int = 0,
        recipients: Sequence[Recipient] | None = None,
    ) -> dict[str, Any]:
        """The variables of one message (see :mod:`meetlink.invites.variables`)."""
        return dict(self._variables(spec, kind, sequence, recipients)[0])

    def _variables(
        self,
        spec: InvitationSpec,
        kind: Kind,
        sequence: int,
        recipients: Sequence[Recipient] | None,
    ) -> tuple[Mapping[str, Any], dict[str, Any]]:
        """The variables of the message being written, computed once for its calendar, its
        alarm, its subject and its bodies, and the context its templates are filled with
        (the environment's globals and the variables): the last two sets asked for are kept,
        per thread, found by the very objects asked with (never an equal copy), and only
        read."""
        if kind != "uninvite":  # recipients count only for an un-invitation (the addressees)
            recipients = None
        key = (spec, kind, sequence, recipients)
        recent: list[tuple[tuple[object, ...], dict[str, Any], dict[str, Any]]] = getattr(
            self._recent, "entries", []
        )
        for known, variables, context in recent:
            if all(a is b for a, b in zip(known, key, strict=True)):
                return variables, context
        variables = invitation_variables(spec, kind, sequence, recipients)
        context = {**self._environment.globals, **variables}  # once for the message's files
        self._recent.entries = [(key, variables, context), *recent[:1]]
        return variables, context

    def description(
        self,
        spec: InvitationSpec,
        kind: Kind = "new",
        sequence: int = 0,
        recipients: Sequence[Recipient] | None = None,
    ) -> str:
        """The event's DESCRIPTION, plain text."""
        context = self._variables(spec, kind, sequence, recipients)[1]
        return self._fill("description.txt", context, shared=True)

    def subject(
        self,
        spec: InvitationSpec,
        kind: Kind,
        sequence: int,
        recipients: Sequence[Recipient] | None = None,
    ) -> str:
        """The mail's subject line for this kind of message."""
        context = self._variables(spec, kind, sequence, recipients)[1]
        text = self._fill("subject.txt", context, shared=True)
        return " ".join(text.split())

    def bodies(
        self,
        spec: InvitationSpec,
        kind: Kind,
        sequence: int,
        recipients: Sequence[Recipient] | None = None,
    ) -> tuple[str, str]:
        """The mail's plain-text and HTML bodies."""
        context = self._variables(spec, kind, sequence, recipients)[1]
        return (
            self._fill("body.txt", context, shared=True) + "\n",
            self._fill("body.html", context, shared=True) + "\n",
        )

    def alarm(self, spec: InvitationSpec) -> str:
        """The text of the reminder at the arrive-early time."""
        context = self._variables(spec, "new", 0, None)[1]
        return " ".join(self._fill("alarm.txt", context, shared=True).split())

    @property
    def conference_label(self) -> str:
        """The label of the join link in the calendar (CONFERENCE's LABEL)."""
        return _LABELS[self.language]


@lru_cache(maxsize=8)
def default_templates(language: str = "vi") -> Templates:
    """The built-in templates of a language, loaded once.

    >>> default_templates("en") is default_templates("en")
    True
    """
    return Templates.load(language)


class _Sources(jinja2.BaseLoader):
    """Templates held in memory, each with the file name its errors and tracebacks show."""

    def __init__(self, sources: Mapping[str, str], where: str) -> None:
        self._sources, self._where = dict(sources), where

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        if template not in self._sources:
            raise jinja2.TemplateNotFound(template)
        return self._sources[template], str(Path(self._where) / template), _always

    def list_templates(self) -> list[str]:
        return sorted(self._sources)


def _always() -> bool:
    return True


_Files = tuple[tuple[str, str], ...]  # (file name, text) of an override folder
_seen: dict[tuple[str, str], tuple[tuple[tuple[str, int, int], ...], Templates]] = {}
_seen_lock = threading.Lock()


def _from_folder(language: str, folder: Path) -> Templates:
    """The templates with ``folder`` over the built-in ones, compiled again only when a file
    in it changed (its name, size or modification time)."""
    if not folder.is_dir():
        raise InputError.single(str(folder), "the templates folder does not exist; check the path.")
    paths = sorted(
        p for p in folder.iterdir() if p.suffix in _SUFFIXES and not p.name.startswith(".")
    )
    stamp = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in paths)
    key = (language, str(folder))
    with _seen_lock:
        known = _seen.get(key)
    if known is not None and known[0] == stamp:
        return known[1]
    templates = _built(language, str(folder), tuple((p.name, _read(p)) for p in paths))
    with _seen_lock:
        _seen[key] = (stamp, templates)
    return templates


def _read(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")  # a BOM (Notepad) is not part of the text
    except UnicodeDecodeError:
        raise InputError.single(
            str(path),
            "the template is not UTF-8; save it again as UTF-8 (in Notepad: Save As, "
            "Encoding: UTF-8).",
        ) from None


@lru_cache(maxsize=16)
def _built(language: str, folder: str | None, files: _Files) -> Templates:
    builtin = _builtin(language)
    own = dict(files)
    environment = ImmutableSandboxedEnvironment(
        loader=jinja2.ChoiceLoader(
            [
                _Sources(own, folder or ""),
                _Sources(builtin, f"meetlink/invites/templates/{language}"),
            ]
        ),
        autoescape=jinja2.select_autoescape(("html", "htm"), default_for_string=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    lang: Language = "vi" if language == "vi" else "en"
    environment.filters.update(
        {name: functools.partial(write, language=lang) for name, write in FILTERS.items()}
    )
    if own:
        _check(environment, lang, own, builtin, folder or "")
    compiled = {name: environment.get_template(name) for name in FILES}
    remember_last_rendering(compiled["description.txt"])  # once for calendar and mail
    used = _closure(environment, FILES)
    sources = {name: _source(environment, name) for name in sorted(used)}
    return Templates(lang, Path(folder) if folder else None, sources, environment, compiled)


@lru_cache(maxsize=4)
def _builtin(language: str) -> dict[str, str]:
    root = importlib.resources.files(__name__).joinpath(language)
    return {
        entry.name: entry.read_text(encoding="utf-8")
        for entry in root.iterdir()
        if entry.name.endswith(_SUFFIXES)
    }


def _check(
    environment: jinja2.Environment,
    language: Language,
    own: Mapping[str, str],
    builtin: Mapping[str, str],
    folder: str,
) -> None:
    """Every problem of an office's files, at once: syntax, unknown names and variables,
    then a trial on sample invitations of every kind."""
    problems: list[Problem] = []
    parsed: dict[str, nodes.Template] = {}
    for name, text in own.items():
        try:
            parsed[name] = environment.parse(text, name)
            environment.compile(parsed[name], name)  # an unknown filter or test shows here
        except jinja2.TemplateSyntaxError as exc:
            what = (exc.message or "a syntax error").rstrip(".")
            problems.append(_problem(folder, name, exc.lineno, f"{what}; correct it."))
    if problems:
        raise InputError(problems)
    used = _closure(environment, FILES)
    for name in sorted(set(own) - _closure(environment, {*builtin, *FILES})):
        problems.append(
            _problem(
                folder,
                name,
                0,
                "meetlink uses no template of this name; name it as one of "
                f"{', '.join(sorted(builtin))}, or remove it.",
            )
        )
    known = VARIABLES | set(environment.globals)
    for name in FILES:
        if name in parsed:
            problems.extend(_unknown_variables(parsed[name], known, folder, name))
    if used & set(own):
        found = {p.file for p in problems}
        problems.extend(p for p in _rehearse(environment, language) if p.file not in found)
    if problems:
        raise InputError(problems)


def _unknown_variables(
    tree: nodes.Template, known: Iterable[str], folder: str, name: str
) -> list[Problem]:
    unknown = sorted(meta.find_undeclared_variables(tree) - set(known))
    out = []
    for variable in unknown:
        line = min((n.lineno for n in tree.find_all(nodes.Name) if n.name == variable), default=0)
        out.append(
            _problem(
                folder,
                name,
                line,
                f"the template uses '{variable}', which meetlink does not give; use one of "
                f"the variables listed in docs/reference/templates.md ({_some(known)}).",
            )
        )
    return out


def _rehearse(environment: jinja2.Environment, language: Language) -> list[Problem]:
    """Render every file of an invitation for sample invitations of every kind: a mistake
    that only shows when a template is filled in is found now, not halfway through a run."""
    problems: dict[str, Problem] = {}
    for full in (True, False):
        spec = sample_spec(full=full, language=language)
        for kind in KINDS:
            recipients = spec.recipients[:1] if kind == "uninvite" else None
            variables = invitation_variables(spec, kind, 1, recipients)
            for name in FILES:
                try:
                    environment.get_template(name).render(variables)
                except Exception as exc:  # a template's mistake, whatever it raised
                    error = _located(exc, name, environment)
                    for problem in error.problems:
                        problems.setdefault(problem.file, problem)
    return list(problems.values())


def _located(exc: BaseException, name: str, environment: jinja2.Environment) -> InputError:
    """The template file and line where rendering ``name`` failed, in a sentence."""
    file, line = _where(exc.__traceback__, environment)
    if not file:
        file = f"templates/{name}"
    what = exc.message if isinstance(exc, jinja2.TemplateError) and exc.message else str(exc)
    what = what.rstrip(".")
    return InputError.single(
        file,
        f"the template cannot be filled in: {what}; correct it (the variables are listed "
        "in docs/reference/templates.md).",
        where=line,
    )


def _where(tb: TracebackType | None, environment: jinja2.Environment) -> tuple[str, int]:
    files = {_filename(environment, n) for n in _loader(environment).list_templates()}
    found = ("", 0)
    for frame, line in traceback.walk_tb(tb):
        if frame.f_code.co_filename in files:
            found = (frame.f_code.co_filename, line)
    return found


def _loader(environment: jinja2.Environment) -> jinja2.BaseLoader:
    if environment.loader is None:  # pragma: no cover - every environment here has one
        raise RuntimeError("a templates environment without a loader")
    return environment.loader


def _filename(environment: jinja2.Environment, name: str) -> str:
    return _loader(environment).get_source(environment, name)[1] or name


def _source(environment: jinja2.Environment, name: str) -> str:
    return _loader(environment).get_source(environment, name)[0]


def _closure(environment: jinja2.Environment, names: Iterable[str]) -> set[str]:
    """These templates and every template they include, import or extend."""
    found: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in found:
            continue
        found.add(name)
        try:
            tree = environment.parse(_source(environment, name))
        except (jinja2.TemplateNotFound, jinja2.TemplateSyntaxError):
            continue
        todo.extend(n for n in meta.find_referenced_templates(tree) if n is not None)
    return found


def _problem(folder: str, name: str, line: int, message: str) -> Problem:
    return Problem(str(Path(folder) / name), line, "", message)


def _some(names: Iterable[str]) -> str:
    shown = sorted(n for n in names if n in VARIABLES)
    return ", ".join(shown[:8]) + ", …"


def _tidy(text: str) -> str:
    return _BLANK_LINES.sub("\n\n", _LINE_ENDS.sub("\n", text)).strip("\n").rstrip()
