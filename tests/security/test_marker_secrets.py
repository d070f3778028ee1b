"""Issue 4's marker test: a whole open of the Mỹ Hào example with provider accounts whose
passwords are markers. Each marker reaches only its own unit's technical officer (and the
slip): never an invitation, stdout/stderr, a log, an exception text, the ledger or a state
file in plain text."""

from __future__ import annotations

import email
import email.policy
import logging
import secrets
import shutil
from pathlib import Path
from typing import Any

import pytest

from meetlink.cli import main
from meetlink.credentials.vault import VaultKey
from meetlink.loading import load_meeting
from meetlink.planning import plan_meeting

EXAMPLE = Path(__file__).parents[2] / "examples" / "myhao-2023q3"


@pytest.fixture
def meeting_with_markers(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    folder = tmp_path / "myhao"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns(".meetlink"))
    loaded = load_meeting(folder / "meeting.yaml")
    plan = plan_meeting(loaded.meeting, loaded.roster)
    markers = {p.id: f"MARKER{secrets.token_hex(6).upper()}" for p in plan.bridge_points}
    rows = ["đơn vị,tài khoản,mật khẩu"]
    rows += [f"{point},vt-{point.lower()},{marker}" for point, marker in markers.items()]
    (folder / "viettel-accounts.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    text = (folder / "meeting.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "    invites: email\n",
        "    invites: email\n    settings: {accounts: viettel-accounts.csv}\n",
    )
    (folder / "meeting.yaml").write_text(text, encoding="utf-8")
    return folder, markers


def _messages(outbox: Path) -> list[tuple[Path, Any]]:
    return [
        (path, email.message_from_bytes(path.read_bytes(), policy=email.policy.default))
        for path in sorted(outbox.glob("*.eml"))
    ]


def _text(message: Any) -> str:
    return "\n".join(
        part.get_content() for part in message.walk() if part.get_content_maintype() == "text"
    )


def test_each_marker_reaches_only_its_officer(
    meeting_with_markers: tuple[Path, dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    folder, markers = meeting_with_markers
    monkeypatch.setenv("MEETLINK_VAULT_KEY", VaultKey.generate().reveal_text())
    caplog.set_level(logging.DEBUG)
    assert main(["open", str(folder / "meeting.yaml")]) == 0
    assert main(["status", str(folder / "meeting.yaml")]) == 0
    assert main(["credentials", str(folder / "meeting.yaml"), "list"]) == 0
    printed = capsys.readouterr()
    loaded = load_meeting(folder / "meeting.yaml")
    plan = plan_meeting(loaded.meeting, loaded.roster)

    # seed 000: units joining from a computer get a login and password; a provider's
    # hardware endpoint gets its room details only
    computers = {p.id for p in plan.bridge_points if p.equipment.value != "hardware"}
    assert computers
    assert computers != set(markers)
    handouts: dict[str, list[str]] = {}
    for path, message in _messages(folder / ".meetlink" / "outbox"):
        body = _text(message) + str(message)
        carried = [p for p, m in markers.items() if m in body]
        if "handout-" in path.name:
            assert len(carried) <= 1, path.name
            for point_id in carried:
                handouts.setdefault(point_id, []).append(str(message["To"]))
        else:  # an invitation: no marker in the text, the calendar or the headers
            assert carried == [], path.name
            assert path.with_suffix(".ics").exists()
    for ics in (folder / ".meetlink" / "outbox").glob("*.ics"):
        calendar = ics.read_text(encoding="utf-8")
        assert not any(m in calendar for m in markers.values())
    # every computer point's marker went to exactly its host's officer, alone
    assert set(handouts) == computers
    for point_id, recipients in handouts.items():
        officer = plan.units[plan.point(point_id).host_unit].officer
        assert officer is not None
        assert officer.email
        assert all(officer.email in to and "," not in to for to in recipients)

    leaked = [
        m for m in markers.values() if m in printed.out or m in printed.err or m in caplog.text
    ]
    assert leaked == []
    for path in (folder / ".meetlink").rglob("*"):
        if path.is_file() and path.suffix not in (".eml",):
            data = path.read_bytes()
            assert not any(m.encode() in data for m in markers.values()), path.name


def test_the_slip_carries_the_marker_and_nothing_else_does(
    meeting_with_markers: tuple[Path, dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    folder, markers = meeting_with_markers
    monkeypatch.setenv("MEETLINK_VAULT_KEY", VaultKey.generate().reveal_text())
    assert main(["open", str(folder / "meeting.yaml")]) == 0
    capsys.readouterr()
    slips = tmp_path / "slips"
    assert (
        main(
            [
                "credentials",
                str(folder / "meeting.yaml"),
                "slip",
                "--unit",
                "X-HP-V1",
                "-o",
                str(slips),
            ]
        )
        == 0
    )
    written = list(slips.iterdir())
    assert len(written) == 1
    assert oct(written[0].stat().st_mode & 0o777) == "0o600"
    import docx  # the slip is a DOCX: its paragraphs and table cells

    document = docx.Document(str(written[0]))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    text = "\n".join([p.text for p in document.paragraphs] + cells)
    assert markers["X-HP-V1"] in text
    assert "tuyệt đối không cung cấp cho người khác" in text
    assert sum(m in text for m in markers.values()) == 1
    assert markers["X-HP-V1"] not in capsys.readouterr().out


def test_a_failed_hand_out_names_no_secret(
    meeting_with_markers: tuple[Path, dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from meetlink.errors import DeliveryError
    from meetlink.mail.outbox import OutboxSender

    folder, markers = meeting_with_markers
    monkeypatch.setenv("MEETLINK_VAULT_KEY", VaultKey.generate().reveal_text())
    real = OutboxSender.send

    def refuse_handouts(self: OutboxSender, message: Any) -> Any:
        if "handout-" in str(message["Message-ID"]):
            raise DeliveryError(f"the server refused the message to {message['To']}.")
        return real(self, message)

    monkeypatch.setattr(OutboxSender, "send", refuse_handouts)
    assert main(["open", str(folder / "meeting.yaml")]) == 1
    printed = capsys.readouterr()
    assert "FAILED handout:" in printed.out
    assert not any(m in printed.out + printed.err for m in markers.values())


def test_the_command_line_masks_a_secret_that_reaches_a_log(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from meetlink.credentials.secret import Secret

    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])  # as in a plain `meetlink` process
    marker = Secret("MARKER-LOG-4411-zz")
    main(["plan", str(tmp_path / "missing.yaml")])  # sets up logging with the redaction
    try:
        logging.getLogger("googleapiclient.discovery").warning("token %s", marker.reveal())
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
    printed = capsys.readouterr()
    assert "meetlink: WARNING: token ***" in printed.err
    assert "MARKER-LOG-4411-zz" not in printed.err + printed.out


def test_an_openings_repr_holds_neither_the_vault_key_nor_the_environment(tmp_path: Path) -> None:
    """``Opening`` (what a run and its workers open their sessions over) is a dataclass: its
    repr, in a traceback or a log, shows neither the key nor ``MEETLINK_*`` variables."""
    from meetlink.reconcile.opening import Opening
    from meetlink.reconcile.state import StateWhere

    loaded = load_meeting(EXAMPLE / "meeting.yaml")
    plan = plan_meeting(loaded.meeting, loaded.roster)
    key = VaultKey.generate()
    marker = f"MARKER{secrets.token_hex(6).upper()}"
    environ = {"MEETLINK_VAULT_KEY": key.reveal_text(), "MEETLINK_SMTP_PASSWORD": marker}
    opening = Opening(loaded, plan, StateWhere(tmp_path), {}, key, environ)
    shown = repr(opening)
    assert "Opening(" in shown
    assert marker not in shown
    assert key.reveal_text() not in shown
