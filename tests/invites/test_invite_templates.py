"""The words of an invitation as editable files, and their override folder."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from meetlink.errors import InputError
from meetlink.invites import (
    InvitationSpec,
    Templates,
    build_invitation,
    build_message,
    default_templates,
    invitations_for,
    verify_calendar,
)
from meetlink.invites.templates import FILES
from meetlink.planning import Plan


@pytest.fixture
def spec(make_plan: Callable[..., Plan]) -> InvitationSpec:
    return {s.point: s for s in invitations_for(make_plan(), {})}["DS"]


@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_language_ships_every_template_file(language: str) -> None:
    templates = Templates.load(language)
    assert set(templates.sources) == set(FILES)
    assert len(templates.strings["weekdays"]) == 7


def test_a_folder_overrides_only_the_files_it_holds(
    spec: InvitationSpec, stamp: dt.datetime, tmp_path: Path
) -> None:
    (tmp_path / "description.txt").write_text(
        "$title\n\nHội trường: $hall\n\n$join\n", encoding="utf-8"
    )
    (tmp_path / "strings.toml").write_text(
        'subject_new = "[Thị ủy] Mời họp: $title"\n', encoding="utf-8"
    )
    templates = Templates.load("vi", tmp_path)
    invitation = build_invitation(spec, sequence=0, dtstamp=stamp, templates=templates)
    (event,) = verify_calendar(invitation.calendar).events
    assert event["DESCRIPTION"].split("\n")[2] == "Hội trường: Hội trường trung tâm xã Dị Sử"
    message = build_message(invitation)
    assert str(message["Subject"]) == f"[Thị ủy] Mời họp: {spec.title}"
    assert templates.strings["subject_cancel"] == default_templates("vi").strings["subject_cancel"]
    assert templates.sources["body.html"] == default_templates("vi").sources["body.html"]


def test_paragraphs_and_lines_whose_values_are_all_empty_are_left_out(
    make_plan: Callable[..., Plan],
) -> None:
    plan = make_plan(agenda=[], rehearsal=None, help_contacts=[], arrive_early_minutes=0)
    spec = {s.point: s for s in invitations_for(plan, {})}["DS"]
    description = default_templates("vi").description(spec)
    assert "Nội dung:" not in description  # the agenda paragraph, heading included
    assert "Chạy thử" not in description
    assert "có mặt trước" not in description
    assert "Hỗ trợ kỹ thuật" not in description
    assert "\n\n\n" not in description
    assert description.startswith(spec.title + "\n\nThời gian: từ 08 giờ 00")


@pytest.mark.parametrize(
    ("name", "text", "says"),
    [
        ("body.txt", "Kính gửi $addresees\n", "$addresees, which meetlink does not fill"),
        ("body.html", "<p>Giá 100$</p>\n", "a stray $"),
        ("strings.toml", 'unit_line = "$name ($members)"\n', "$members"),
        ("strings.toml", 'weekdays = ["Hai", "Ba"]\n', "seven names"),
        ("strings.toml", "subject_new = Giấy mời\n", "not valid TOML"),
        ("strings.toml", "subject_new = 3\n", 'name = "text"'),
    ],
)
def test_a_broken_template_is_reported_with_its_file_and_what_to_do(
    tmp_path: Path, name: str, text: str, says: str
) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        Templates.load("vi", tmp_path)
    message = str(caught.value)
    assert says in message
    assert str(tmp_path / name) in message


def test_a_missing_folder_or_a_file_not_in_utf8_is_reported(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="the templates folder does not exist"):
        Templates.load("vi", tmp_path / "nowhere")
    (tmp_path / "body.txt").write_bytes("Kính gửi: $addressees\n".encode("utf-16"))
    with pytest.raises(InputError, match="not UTF-8; save it again as UTF-8"):
        Templates.load("vi", tmp_path)


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(InputError, match=r"unknown language 'fr'; write one of vi, en\."):
        Templates.load("fr")


def test_a_dollar_sign_is_written_twice(spec: InvitationSpec, tmp_path: Path) -> None:
    (tmp_path / "description.txt").write_text("$title — phí $$0\n", encoding="utf-8")
    assert Templates.load("vi", tmp_path).description(spec) == f"{spec.title} — phí $0"


def test_the_fingerprint_follows_the_words(tmp_path: Path) -> None:
    (tmp_path / "body.txt").write_text("$description\n", encoding="utf-8")
    assert Templates.load("vi", tmp_path).fingerprint != default_templates("vi").fingerprint
    assert Templates.load("vi").fingerprint == default_templates("vi").fingerprint
