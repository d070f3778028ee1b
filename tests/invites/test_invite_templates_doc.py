"""docs/reference/templates.md names every variable, field and filter the templates get: an
office writing its own words must find each one there."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from meetlink.invites.specs import SeatedUnit
from meetlink.invites.templates import FILES, FILTERS
from meetlink.invites.variables import KINDS, VARIABLES, invitation_variables, sample_spec

ROOT = Path(__file__).parents[2]
PAGE = (ROOT / "docs" / "reference" / "templates.md").read_text(encoding="utf-8")
README = (ROOT / "src" / "meetlink" / "invites" / "templates" / "README.md").read_text(
    encoding="utf-8"
)


def given_variables() -> set[str]:
    """Every name the code passes, over every kind of message and every sample."""
    names: set[str] = set()
    for full in (True, False):
        for language in ("vi", "en"):
            spec = sample_spec(full=full, language=language)
            for kind in KINDS:
                names |= set(invitation_variables(spec, kind, 1, spec.recipients[:1]))
    return names


def test_the_list_of_variables_is_what_the_code_passes() -> None:
    assert given_variables() == VARIABLES


@pytest.mark.parametrize("name", sorted(given_variables()))
def test_the_page_names_every_variable(name: str) -> None:
    assert f"`{name}`" in PAGE


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(SeatedUnit)])
def test_the_page_names_every_field_of_a_unit(field: str) -> None:
    assert f"`unit.{field}`" in PAGE


@pytest.mark.parametrize("name", sorted(FILTERS))
def test_the_page_names_every_filter_meetlink_adds(name: str) -> None:
    assert f"| `{name}` |" in PAGE


@pytest.mark.parametrize("name", FILES)
def test_the_page_and_the_readme_name_every_file(name: str) -> None:
    assert f"`{name}`" in PAGE
    assert f"`{name}`" in README


@pytest.mark.parametrize("kind", KINDS)
def test_the_page_explains_every_kind_of_message(kind: str) -> None:
    assert f"| `{kind}` |" in PAGE


def test_the_page_shows_an_override_from_the_meeting_file() -> None:
    assert "templates: mau-giay-moi/" in PAGE
