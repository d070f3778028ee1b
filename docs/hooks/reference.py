"""mkdocs hook: reference tables generated from meetlink's own models, so they cannot drift.

A page asks for a table with a marker line; the hook replaces it at build time:

* ``<!-- reference: model meetlink.loading.meeting:Track -->`` — the model's docstring and a table of
  its fields: name, type, default, description;
* ``<!-- reference: columns meetlink.loading.roster:COLUMNS -->`` — a header table (column, the
  headers accepted for it, required or not, meaning) from a ``column → aliases`` mapping;
* ``<!-- reference: words meetlink.loading.roster:_KIND_WORDS -->`` — the words accepted for each
  value of an enum, from a ``word → value`` mapping;
* ``<!-- reference: enum meetlink.adapters.base:Capability -->`` — an enum's values, with
  each member's ``description``;
* ``<!-- reference: cli meetlink.cli:_parser -->`` — every command of the ``meetlink``
  command line, with its usage and options, from the argparse parser itself.

Names, types, defaults and aliases come from the code. A description comes from the field's
``Field(description=...)`` when it has one, else from ``reference_notes.yaml`` beside this
file. The build fails (strict or not) when a field or column has no description, when a
note names a field or column that no longer exists, or when a marker names nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import enum
import importlib
import re
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from mkdocs.exceptions import PluginError
from pydantic import AwareDatetime, BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

NOTES_FILE = Path(__file__).with_name("reference_notes.yaml")
MARKER = re.compile(
    r"^<!-- reference: (model|columns|words|enum|cli) ([\w.]+):(\w+) -->$", re.MULTILINE
)
ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"

_used_notes: set[str] = set()


def _notes() -> dict[str, dict[str, str]]:
    data = yaml.safe_load(NOTES_FILE.read_text(encoding="utf-8")) or {}
    return {str(k): {str(f): str(t).strip() for f, t in v.items()} for k, v in data.items()}


def _load(module: str, name: str) -> Any:
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise PluginError(f"reference marker {module}:{name}: {exc}") from None


def _markdown(text: str) -> str:
    """A docstring in the project's style as Markdown: ``x`` → `x`, roles dropped."""
    text = re.sub(r":(?:class|func|meth|mod|data|attr|exc):`~?([\w.]+)`", r"`\1`", text)
    text = re.sub(r"``([^`]+)``", r"`\1`", text)
    paragraphs = [" ".join(p.split()) for p in text.strip().split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p and not p.startswith(("Example", ">>>")))


def _docstring(obj: Any) -> str:
    doc = obj.__doc__ or ""
    # Only the part before the example: the reference states, the guides show.
    return _markdown(re.split(r"\n\s*Example", doc, maxsplit=1)[0])


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _constraints(metadata: list[Any]) -> list[str]:
    out = []
    for item in metadata:
        for attr, sign in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<")):
            value = getattr(item, attr, None)
            if value is not None:
                out.append(f"{sign} {value}")
        low = getattr(item, "min_length", None)
        high = getattr(item, "max_length", None)
        if low:
            out.append(f"at least {low} long")
        if high:
            out.append(f"at most {high} long")
        pattern = getattr(item, "pattern", None)
        if pattern == ID_PATTERN:
            out.append("lowercase a–z, digits and -, up to 63")
        elif pattern:
            out.append(f"matches `{pattern}`")
    return out


def _type(annotation: Any, metadata: list[Any], linked: set[type]) -> str:
    """The type as a reader of a YAML file or a spreadsheet understands it."""
    extra = list(metadata)
    while typing.get_origin(annotation) is typing.Annotated:
        annotation, *more = typing.get_args(annotation)
        extra.extend(more)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    validators = {getattr(getattr(m, "func", None), "__name__", "") for m in extra}
    if origin in (typing.Union, types.UnionType):
        kept = [a for a in args if a is not type(None)]
        text = " or ".join(_type(a, [], linked) for a in kept)
        return f"{text}; {', '.join(_constraints(extra))}" if _constraints(extra) else text
    if origin is typing.Literal:
        base = "one of " + ", ".join(f"`{a}`" for a in args)
    elif origin in (tuple, list):
        base = f"list of {_type(args[0], [], linked)}"
    elif origin is dict:
        base = "mapping" if args[1] is Any else f"mapping to {_type(args[1], [], linked)}"
    elif annotation is str and "check_email" in validators:
        base = "e-mail address"
    elif isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        base = "one of " + ", ".join(f"`{m.value}`" for m in annotation)
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        name = annotation.__name__
        base = f"[{name}](#{name.lower()})" if annotation in linked else name
    elif annotation is AwareDatetime or annotation is dt.datetime:
        base = "date and time"
    else:
        base = {
            str: "text",
            int: "whole number",
            float: "number",
            bool: "`true` or `false`",
            Path: "file path",
        }.get(annotation, getattr(annotation, "__name__", str(annotation)))
        if base == "Secret":
            base = "secret text (shown as `***`)"
    limits = _constraints(extra)
    return f"{base}; {', '.join(limits)}" if limits else base


def _default(info: FieldInfo) -> str:
    if info.default is PydanticUndefined and info.default_factory is None:
        return "**required**"
    value = info.default_factory() if info.default_factory is not None else info.default  # type: ignore[call-arg]
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, enum.Enum):
        return f"`{value.value}`"
    if isinstance(value, BaseModel):
        return "its defaults"
    if isinstance(value, tuple | list):
        return "`[]`" if not value else f"`{list(value)}`"
    if isinstance(value, dict):
        return "`{}`" if not value else f"`{value}`"
    if value == "":
        return '`""`'
    return f"`{value}`"


def render_model(
    key: str, model: type[BaseModel], notes: Mapping[str, str], linked: set[type]
) -> str:
    """The docstring and the field table of a pydantic model."""
    fields = {n: f for n, f in model.model_fields.items() if not f.exclude}
    unknown = sorted(set(notes) - set(fields))
    if unknown:
        raise PluginError(f"reference_notes.yaml: {key} has no field {', '.join(unknown)}")
    rows = ["| field | type | default | description |", "| --- | --- | --- | --- |"]
    for name, info in fields.items():
        text = info.description or notes.get(name)
        if not text:
            raise PluginError(
                f"{key}.{name} has no description: give it Field(description=...) or add it "
                f"to {NOTES_FILE.name}."
            )
        kind = _type(info.annotation, list(info.metadata), linked)
        rows.append(f"| `{name}` | {_cell(kind)} | {_cell(_default(info))} | {_cell(text)} |")
    return f"{_docstring(model)}\n\n" + "\n".join(rows) + "\n"


def render_columns(
    key: str,
    columns: Mapping[str, tuple[str, ...]],
    notes: Mapping[str, str],
    required: tuple[str, ...],
) -> str:
    """A header table: canonical column, other accepted headers, required, meaning."""
    unknown = sorted(set(notes) - set(columns))
    if unknown:
        raise PluginError(f"reference_notes.yaml: {key} has no column {', '.join(unknown)}")
    rows = ["| column | also accepted | required | meaning |", "| --- | --- | --- | --- |"]
    for column, aliases in columns.items():
        text = notes.get(column)
        if not text:
            raise PluginError(f"{key} column '{column}' has no meaning in {NOTES_FILE.name}.")
        others = ", ".join(f"`{a}`" for a in aliases if a != column)
        need = "yes" if column in required else ""
        rows.append(f"| `{column}` | {_cell(others)} | {need} | {_cell(text)} |")
    return "\n".join(rows) + "\n"


def render_words(words: Mapping[str, enum.Enum]) -> str:
    """The words accepted for each value (matched without accents or case)."""
    by_value: dict[str, list[str]] = {}
    for word, value in words.items():
        if word != value.value:
            by_value.setdefault(value.value, []).append(word)
    rows = ["| value | also accepted (written with or without accents) |", "| --- | --- |"]
    for member in type(next(iter(words.values()))):
        rows.append(f"| `{member.value}` | {', '.join(by_value.get(member.value, [])) or '—'} |")
    return "\n".join(rows) + "\n"


def render_enum(key: str, members: type[enum.Enum]) -> str:
    """An enum's values and what each means (its ``description``), for capability tables."""
    rows = ["| value | name | meaning |", "| --- | --- | --- |"]
    for member in members:
        text = getattr(member, "description", "")
        if not text:
            raise PluginError(f"{key}.{member.name} has no description.")
        rows.append(f"| `{member.value}` | `{member.name}` | {_cell(text)} |")
    return "\n".join(rows) + "\n"


# Arguments whose parser gives no help text.
_CLI_HELP = {
    "meeting": "the meeting file; its roster is read from beside it",
    "state": "the state folder (default `.meetlink/` beside the meeting file)",
}


def render_cli(make_parser: Any) -> str:
    """Each subcommand: a heading, its help, its usage and a table of its arguments."""
    parser = make_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {a.dest: a.help for a in commands._choices_actions}
    out = []
    for name, sub in commands.choices.items():
        sub.prog = f"meetlink {name}"
        usage = " ".join(sub.format_usage().removeprefix("usage: ").split())
        summary = helps.get(name) or ""
        out += [f"### `meetlink {name}`", "", f"{summary[:1].upper()}{summary[1:]}.", ""]
        out += ["```text", usage, "```", ""]
        rows = ["| argument | meaning |", "| --- | --- |"]
        for action in sub._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            names = ", ".join(action.option_strings) or (action.metavar or action.dest)
            if action.option_strings and action.nargs != 0:
                names += f" {action.metavar or action.dest.upper()}"
            text = action.help or _CLI_HELP.get(action.dest, "")
            if action.choices and not action.option_strings:
                text = "one of " + ", ".join(f"`{c}`" for c in action.choices)
            elif action.choices:
                text = (
                    (text + "; " if text else "")
                    + "one of "
                    + ", ".join(f"`{c}`" for c in action.choices)
                )
            shown = action.default not in (None, False, argparse.SUPPRESS)
            said = "default" in text or f"({action.default})" in text
            if shown and action.option_strings and not said:
                text += f" (default `{action.default}`)"
            rows.append(f"| `{_cell(names)}` | {_cell(text.replace('%%', '%'))} |")
        out += [*rows, ""]
    return "\n".join(out)


def expand(markdown: str, notes: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """Replace every marker of a page; raise PluginError when one names nothing."""
    notes = _notes() if notes is None else notes
    found = MARKER.findall(markdown)
    linked = {
        obj
        for kind, module, name in found
        if kind == "model" and isinstance(obj := _load(module, name), type)
    }

    def replace(match: re.Match[str]) -> str:
        kind, module, name = match.groups()
        key = f"{module}:{name}"
        obj = _load(module, name)
        _used_notes.add(key)
        mine = notes.get(key, {})
        if kind == "model":
            if not (isinstance(obj, type) and issubclass(obj, BaseModel)):
                raise PluginError(f"reference marker {key} is not a pydantic model.")
            return render_model(key, obj, mine, linked)
        if kind == "columns":
            module_obj = importlib.import_module(module)
            required = tuple(getattr(module_obj, "_REQUIRED", ()))
            return render_columns(key, obj, mine, required)
        if kind == "cli":
            return render_cli(obj)
        if kind == "enum":
            if not (isinstance(obj, type) and issubclass(obj, enum.Enum)):
                raise PluginError(f"reference marker {key} is not an enum.")
            return render_enum(key, obj)
        return render_words(obj)

    if "<!-- reference:" in MARKER.sub("", markdown):
        raise PluginError("a `<!-- reference: ... -->` marker is malformed; see docs/hooks.")
    return MARKER.sub(replace, markdown)


# -- mkdocs hook events ---------------------------------------------------------------------


def on_pre_build(config: Any) -> None:
    _used_notes.clear()


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    return expand(markdown)


def on_post_build(config: Any) -> None:
    unused = sorted(set(_notes()) - _used_notes)
    if unused:
        raise PluginError(
            f"{NOTES_FILE.name} describes {', '.join(unused)}, which no page renders; "
            "remove the notes or add a marker."
        )
