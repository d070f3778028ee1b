"""One context for every file of a message: the same words as rendering each file alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from meetlink.invites import Templates
from meetlink.invites.variables import KINDS, sample_spec


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("kind", KINDS)
def test_a_messages_files_read_as_each_file_rendered_alone(language: str, kind: str) -> None:
    templates = Templates.load(language)
    spec = sample_spec()
    variables = templates.variables(spec, kind, 1)  # type: ignore[arg-type]
    assert "range" not in variables  # the globals are the templates', not the variables'
    text, html = templates.bodies(spec, kind, 1)  # type: ignore[arg-type]
    assert text == templates.render("body.txt", **variables) + "\n"
    assert html == templates.render("body.html", **variables) + "\n"
    assert templates.description(spec, kind, 1) == templates.render(  # type: ignore[arg-type]
        "description.txt", **variables
    )
    subject = templates.subject(spec, kind, 1)  # type: ignore[arg-type]
    assert subject == " ".join(templates.render("subject.txt", **variables).split())
    assert spec.title in subject


def test_a_set_in_one_file_does_not_reach_the_next(tmp_path: Path) -> None:
    """A file of the office's folder that sets a name leaves the shared context as it was."""
    (tmp_path / "subject.txt").write_text(
        '{% set title = "ĐÃ ĐỔI" %}{{ title }} — {{ point_name }}\n', encoding="utf-8"
    )
    templates = Templates.load("vi", tmp_path)
    spec = sample_spec()
    assert templates.subject(spec, "new", 0).startswith("ĐÃ ĐỔI")
    text, _ = templates.bodies(spec, "new", 0)
    assert "ĐÃ ĐỔI" not in text
    assert spec.title in templates.description(spec, "new", 0)
    assert templates.render("alarm.txt", point_name="Xã", title="Họp").endswith("Họp")
