"""The words of an invitation as Jinja2 files, and the meeting's override folder."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

import pytest

from meetlink.errors import InputError
from meetlink.invites import (
    InvitationSpec,
    Templates,
    build_invitation,
    build_message,
    content_hash,
    default_templates,
    invitations_for,
    message_bytes,
    verify_calendar,
)
from meetlink.invites.templates import FILES
from meetlink.loading.roster import Unit
from meetlink.planning import Plan


@pytest.fixture
def spec(make_plan: Callable[..., Plan]) -> InvitationSpec:
    return {s.point: s for s in invitations_for(make_plan(), {})}["DS"]


def mail(invitation_spec: InvitationSpec, stamp: dt.datetime, templates: Templates) -> EmailMessage:
    invitation = build_invitation(invitation_spec, sequence=0, dtstamp=stamp, templates=templates)
    parsed = email.message_from_bytes(
        message_bytes(build_message(invitation)), policy=email.policy.default
    )
    assert isinstance(parsed, EmailMessage)
    return parsed


def bodies(message: EmailMessage) -> tuple[str, str]:
    plain, html = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None
    assert html is not None
    return plain.get_content(), html.get_content()


@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_language_ships_every_template_file_as_jinja(language: str) -> None:
    templates = Templates.load(language)
    assert set(FILES) <= set(templates.sources)
    assert all("{{" in templates.sources[name] for name in FILES)
    folder = Path(__file__).parents[2] / "src/meetlink/invites/templates" / language
    assert not list(folder.glob("*.toml"))  # the string.Template phrases are gone


def test_a_folder_replaces_the_files_it_holds_and_keeps_the_rest(
    spec: InvitationSpec, stamp: dt.datetime, tmp_path: Path
) -> None:
    (tmp_path / "subject.txt").write_text("[Thị ủy] Mời dự: {{ title }}\n", encoding="utf-8")
    templates = Templates.load("vi", tmp_path)
    message = mail(spec, stamp, templates)
    assert message["Subject"] == f"[Thị ủy] Mời dự: {spec.title}"
    text, html = bodies(message)
    builtin_text, builtin_html = bodies(mail(spec, stamp, default_templates("vi")))
    assert (text, html) == (builtin_text, builtin_html)  # the rest is the built-in words
    assert templates.sources["body.html"] == default_templates("vi").sources["body.html"]


def test_an_edited_description_reaches_the_calendar_and_the_plain_mail(
    spec: InvitationSpec, stamp: dt.datetime, tmp_path: Path
) -> None:
    (tmp_path / "description.txt").write_text(
        "{{ title }}\n\nHội trường: {{ hall }}\n", encoding="utf-8"
    )
    templates = Templates.load("vi", tmp_path)
    invitation = build_invitation(spec, sequence=0, dtstamp=stamp, templates=templates)
    (event,) = verify_calendar(invitation.calendar).events
    assert event["DESCRIPTION"] == f"{spec.title}\n\nHội trường: Hội trường trung tâm xã Dị Sử"
    text, _ = bodies(mail(spec, stamp, templates))
    assert "Hội trường: Hội trường trung tâm xã Dị Sử" in text  # body.txt includes it
    assert "Cách tham gia" not in text


def test_the_html_mail_escapes_every_value(
    make_plan: Callable[..., Plan], units: list[Unit], stamp: dt.datetime
) -> None:
    units[2] = units[2].model_copy(update={"name": "Chi bộ <b>Công an</b> & Quân sự"})
    spec = {s.point: s for s in invitations_for(make_plan(units), {})}["DS"]
    text, html = bodies(mail(spec, stamp, default_templates("vi")))
    assert "Chi bộ &lt;b&gt;Công an&lt;/b&gt; &amp; Quân sự" in html
    assert "<b>" not in html
    assert "- Chi bộ <b>Công an</b> & Quân sự: 12 đảng viên" in text  # plain text as written


def test_an_html_override_is_escaped_too(
    make_plan: Callable[..., Plan], stamp: dt.datetime, tmp_path: Path
) -> None:
    (tmp_path / "body.html").write_text("<p>{{ title }}</p>\n", encoding="utf-8")
    spec = {s.point: s for s in invitations_for(make_plan(title="Họp <i>khẩn</i>"), {})}["DS"]
    _, html = bodies(mail(spec, stamp, Templates.load("vi", tmp_path)))
    assert html.strip() == "<p>Họp &lt;i&gt;khẩn&lt;/i&gt;</p>"


@pytest.mark.parametrize(
    ("name", "text", "line", "says"),
    [
        ("body.txt", "Kính gửi: {{ addressees }}\n{% if kind %}\n", 2, "Unexpected end"),
        ("body.html", "<p>\n{{ title }\n</p>\n", 2, "unexpected '}'"),
        ("description.txt", "{{ title }}\n\n{{ don_vi }}\n", 3, "'don_vi', which meetlink"),
        (
            "description.txt",
            "{% for unit in units %}\n- {{ unit.ten }}\n{% endfor %}\n",
            2,
            "has no attribute 'ten'",
        ),
        ("subject.txt", "{{ title.__class__ }}\n", 1, "cannot be filled in"),
        ("alarm.txt", "{{ title | khong_co }}\n", 1, "No filter named 'khong_co'"),
    ],
)
def test_a_broken_override_is_reported_with_its_file_and_line(
    tmp_path: Path, name: str, text: str, line: int, says: str
) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        Templates.load("vi", tmp_path)
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / name}:{line}: "), message
    assert says in message
    assert message.rstrip().endswith(".")


def test_every_broken_file_is_reported_at_once(tmp_path: Path) -> None:
    (tmp_path / "body.txt").write_text("{% if %}\n", encoding="utf-8")
    (tmp_path / "subject.txt").write_text("{{ }}\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        Templates.load("vi", tmp_path)
    assert {p.file for p in caught.value.problems} == {
        str(tmp_path / "body.txt"),
        str(tmp_path / "subject.txt"),
    }


def test_a_file_meetlink_does_not_use_is_reported_unless_a_template_includes_it(
    spec: InvitationSpec, tmp_path: Path
) -> None:
    (tmp_path / "descripton.txt").write_text("{{ title }}\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"descripton\.txt: meetlink uses no template"):
        Templates.load("vi", tmp_path)
    (tmp_path / "descripton.txt").rename(tmp_path / "footer.txt")
    (tmp_path / "body.txt").write_text(
        '{% include "description.txt" %}\n\n{% include "footer.txt" %}\n', encoding="utf-8"
    )
    templates = Templates.load("vi", tmp_path)
    assert templates.bodies(spec, "new", 0)[0].endswith(f"\n\n{spec.title}\n")
    assert "footer.txt" in templates.sources  # part of the fingerprint


def test_a_missing_folder_or_a_file_not_in_utf8_is_reported(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="the templates folder does not exist"):
        Templates.load("vi", tmp_path / "nowhere")
    (tmp_path / "body.txt").write_bytes("Kính gửi: {{ addressees }}\n".encode("utf-16"))
    with pytest.raises(InputError, match="not UTF-8; save it again as UTF-8"):
        Templates.load("vi", tmp_path)


def test_a_file_saved_with_a_bom_by_notepad_is_read_without_it(
    spec: InvitationSpec, tmp_path: Path
) -> None:
    (tmp_path / "subject.txt").write_bytes("\ufeffMời họp: {{ title }}\n".encode())
    assert Templates.load("vi", tmp_path).subject(spec, "new", 0) == f"Mời họp: {spec.title}"


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(InputError, match=r"unknown language 'fr'; write one of vi, en\."):
        Templates.load("fr")


def test_the_fingerprint_follows_the_words_and_an_edit_is_seen(
    spec: InvitationSpec, tmp_path: Path
) -> None:
    assert Templates.load("vi").fingerprint == default_templates("vi").fingerprint
    (tmp_path / "alarm.txt").write_text("Nhắc: {{ title }}\n", encoding="utf-8")
    first = Templates.load("vi", tmp_path)
    assert first.fingerprint != default_templates("vi").fingerprint
    assert Templates.load("vi", tmp_path) is first  # compiled once while unchanged
    (tmp_path / "alarm.txt").write_text("Nhắc lịch họp: {{ title }}\n", encoding="utf-8")
    again = Templates.load("vi", tmp_path)
    assert again.fingerprint != first.fingerprint
    assert again.alarm(spec) == f"Nhắc lịch họp: {spec.title}"
    assert content_hash(spec, again) != content_hash(spec, first)


def test_any_template_of_the_folders_renders_by_name() -> None:
    templates = Templates.load("en")
    text = templates.render(
        "subject.txt", kind="postpone", title="Quarterly briefing", point_name="Commune hall"
    )
    assert text == "Postponed: Quarterly briefing — Commune hall"
    with pytest.raises(InputError, match="no template of this name"):
        templates.render("nothing.txt")
    with pytest.raises(InputError, match=r"subject\.txt:\d+: .*'kind' is undefined"):
        templates.render("subject.txt", title="x")  # StrictUndefined: never an empty string


def test_blank_lines_left_by_empty_parts_collapse_to_one(make_plan: Callable[..., Plan]) -> None:
    plan = make_plan(agenda=[], rehearsal=None, help_contacts=[], arrive_early_minutes=0)
    spec = {s.point: s for s in invitations_for(plan, {})}["DS"]
    description = default_templates("vi").description(spec)
    for gone in ("Nội dung:", "Chạy thử", "có mặt trước", "Liên hệ hỗ trợ"):
        assert gone not in description
    assert "\n\n\n" not in description
    assert not any(line != line.rstrip() for line in description.split("\n"))
    assert description.startswith(
        spec.title + "\n\nThời gian: Từ 08 giờ 00 đến 10 giờ 00, Chủ nhật, ngày 10/9/2023.\n\n"
    )


def test_the_date_filters_write_in_the_folders_language(
    spec: InvitationSpec, tmp_path: Path
) -> None:
    (tmp_path / "alarm.txt").write_text(
        "{{ start | clock }} | {{ end | day }} | {{ start | short_day }} | {{ end | moment }}\n",
        encoding="utf-8",
    )
    assert Templates.load("vi", tmp_path).alarm(spec) == (
        "08 giờ 00 | Chủ nhật, ngày 10/9/2023 | Chủ nhật 10/9/2023 | "
        "10 giờ 00, Chủ nhật, ngày 10/9/2023"
    )
    assert Templates.load("en", tmp_path).alarm(spec) == (
        "08:00 | Sunday 10 September 2023 | Sunday 10 September 2023 | "
        "10:00, Sunday 10 September 2023"
    )
