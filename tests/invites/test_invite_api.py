"""The public surface of meetlink.invites: one sorted __all__, documented with examples."""

from __future__ import annotations

import doctest
import importlib
import inspect

import pytest

import meetlink.invites

MODULES = [
    "meetlink.invites",
    "meetlink.invites.calendar",
    "meetlink.invites.message",
    "meetlink.mail.outbox",
    "meetlink.mail.smtp",
    "meetlink.invites.specs",
    "meetlink.invites.templates",
    "meetlink.invites.variables",
    "meetlink.invites.wording",
    "meetlink.mail.headers",
    "meetlink.invites.seating",
]


def test_all_is_sorted_and_every_name_exists() -> None:
    names = meetlink.invites.__all__
    assert names == sorted(names)
    assert len(set(names)) == len(names)
    for name in names:
        assert hasattr(meetlink.invites, name), name


@pytest.mark.parametrize("name", meetlink.invites.__all__)
def test_every_public_name_has_a_docstring_with_an_example(name: str) -> None:
    doc = inspect.getdoc(getattr(meetlink.invites, name)) or ""
    assert ">>>" in doc, f"{name} needs an example in its docstring"


@pytest.mark.parametrize("module", MODULES)
def test_the_examples_that_run_alone_are_right(module: str) -> None:
    loaded = importlib.import_module(module)
    result = doctest.testmod(loaded, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0


@pytest.mark.parametrize("module", MODULES)
def test_every_module_documents_itself(module: str) -> None:
    assert (importlib.import_module(module).__doc__ or "").strip()
