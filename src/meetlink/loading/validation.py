"""pydantic's validation errors as meetlink's problems: one sentence each, at its line.

pydantic says ``Input should be a valid integer``; an officer editing a meeting file needs
``tracks[0].sittings[1].seats: 'mười' is not a whole number; write digits only.`` at the line
where it was written, and for a misspelt key the one it probably meant.

Example:
    >>> from pydantic import BaseModel, ConfigDict, ValidationError
    >>> class Room(BaseModel):
    ...     model_config = ConfigDict(extra="forbid")
    ...     seats: int
    >>> try:
    ...     Room.model_validate({"seat": 3})
    ... except ValidationError as exc:
    ...     print(*validation_problems(exc, {("seat",): 2}, "m.yaml", Room), sep="\\n")
    m.yaml:1: seats: 'seats' is required; add it.
    m.yaml:2: seat: unknown key 'seat'; did you mean 'seats'?
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any, get_args

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from meetlink.errors import Problem
from meetlink.loading.yaml_file import KeyPath, dotted, line_for

__all__ = ["validation_problems", "validation_sentence"]


def validation_problems(
    exc: ValidationError, lines: dict[KeyPath, int], shown: str, model: type[BaseModel]
) -> Iterator[Problem]:
    """A problem per error of ``exc`` (raised validating ``model``), each at its line.

    A list's "too short" that only echoes its items' own errors is left out. See the
    module's example.
    """
    errors = exc.errors(include_url=False, include_input=True)
    failed = [tuple(e["loc"]) for e in errors]
    for error in errors:
        loc: KeyPath = tuple(p for p in error["loc"] if not str(p).startswith("function-"))
        nested = any(len(other) > len(loc) and other[: len(loc)] == loc for other in failed)
        if error["type"] == "too_short" and nested:
            continue  # pydantic's echo of its items' errors, not a problem of its own
        yield Problem(
            shown,
            line_for(lines, loc),
            dotted(loc) or "(top)",
            validation_sentence(error, loc, model),
            yaml=True,
        )


def validation_sentence(error: ErrorDetails, loc: KeyPath, model: type[BaseModel]) -> str:
    """What one pydantic error at ``loc`` means, and what to do, as a sentence.

    >>> error = {"type": "missing", "loc": ("title",), "msg": "Field required", "input": {}}
    >>> validation_sentence(error, ("title",), BaseModel)
    "'title' is required; add it."
    """
    kind, given = error["type"], error.get("input")
    ctx = error.get("ctx") or {}
    name = str(loc[-1]) if loc else "value"
    if kind == "missing":
        return f"'{name}' is required; add it."
    if kind == "extra_forbidden":
        hint = difflib.get_close_matches(name, _known_keys(model, loc[:-1]), n=1)
        return f"unknown key '{name}'" + (
            f"; did you mean '{hint[0]}'?" if hint else "; remove it or check its spelling."
        )
    if kind == "enum":
        return f"'{given}' is not allowed here; use one of: {ctx.get('expected', '')}."
    if kind == "literal_error":
        return f"'{given}' is not allowed here; use {ctx.get('expected', '')}."
    if kind.startswith("int_"):
        return f"'{given}' is not a whole number; write digits only."
    if kind in ("greater_than_equal", "greater_than", "less_than", "less_than_equal"):
        shown = f"{given} is out of range" if given is not None else f"'{name}' is out of range"
        return f"{shown}: {error['msg'].lower()}."
    if kind == "string_pattern_mismatch" and name == "id":
        return (
            f"'{given}' is not a valid id; use lowercase letters a–z, digits and hyphens "
            "(it keys the ledger, event ids and invitation UIDs)."
        )
    if kind == "string_pattern_mismatch":  # a setting's input may be hidden (a secret's)
        shown = f"'{given}'" if given is not None else "the value"
        return f"{shown} is not in the form '{name}' needs; check it against the documentation."
    if kind == "too_short" and isinstance(given, list | tuple):
        return f"'{name}' needs at least one entry."
    if kind == "value_error":
        # settings hide their input, and pydantic then drops the context: cut its prefix
        message = str(ctx.get("error", error["msg"])).removeprefix("Value error, ")
        return message[:1].lower() + message[1:] if message else error["msg"]
    return f"{error['msg']}."


def _known_keys(model: type[BaseModel], loc: KeyPath) -> list[str]:
    """The field names a model accepts at a location (for "did you mean")."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        info = getattr(current, "model_fields", {}).get(part)
        if info is None:
            return []
        current = _inner_model(info.annotation)
    return list(getattr(current, "model_fields", {}))


def _inner_model(annotation: Any) -> Any:
    """The pydantic model inside an annotation such as ``tuple[Track, ...]`` or ``X | None``."""
    pending = [annotation]
    while pending:
        current = pending.pop(0)
        if isinstance(current, type) and issubclass(current, BaseModel):
            return current
        pending.extend(get_args(current))
    return None
