"""Issue 13, the command line's input and output: a rate above 0 only, an unknown ``--unit``
refused by every credentials action, no traceback when the reader of the output goes away,
and no terminal escape sequence or rich markup from a cell value on the screen.

Each test failed on the code before the fix (the ``--unit`` one guards a fix made earlier).
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from meetlink.cli import main
from meetlink.credentials.vault import VaultKey
from meetlink.loading import load_meeting
from meetlink.planning import plan_meeting
from meetlink.planning.table import render_plan, terminal_text
from meetlink.reconcile import open_meeting
from meetlink.reconcile.status import StatusRow

EXAMPLE = Path(__file__).parents[2] / "examples" / "myhao-2023q3"
HEADER = (
    "mã,tên tổ chức đảng,loại,số đảng viên,địa điểm,cán bộ kỹ thuật,email,email nhận giấy mời\n"
)
MEETING = """\
id: lien-thong
title: "Hội nghị thông tin thời sự"
organizer: {name: "Văn phòng Thị ủy", email: vp@thiuy.example.org}
roster: roster.csv
tracks:
  - id: chinh
    platform: provisioned
    units: {kinds: [commune]}
    conference: shared
    attendance: all
    sittings:
      - {id: s1, start: 2023-09-10T08:00, end: 2023-09-10T10:00}
"""


def unit_row(code: str) -> str:
    mail = f"ktv.{re.sub(r'[^a-z0-9]', '-', code.lower())}@xa.example.org"
    return (
        f"{code},Đảng bộ xã {code},commune,30,Hội trường xã {code},Cán bộ kỹ thuật,{mail},"
        "bt@xa.example.org\n"
    )


class Office:
    """A small meeting, opened; its vault key in the environment."""

    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.folder = folder
        self.path = folder / "meeting.yaml"
        self.path.write_text(textwrap.dedent(MEETING), encoding="utf-8")
        roster = HEADER + "".join(unit_row(f"X{n}") for n in range(1, 4))
        (folder / "roster.csv").write_text(roster, encoding="utf-8")
        self.key = VaultKey.generate()
        monkeypatch.setenv("MEETLINK_VAULT_KEY", self.key.reveal_text())
        assert open_meeting(self.path, vault_key=self.key).ok

    @property
    def state(self) -> Path:
        return self.folder / ".meetlink"


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Office:
    return Office(tmp_path, monkeypatch)


def tree(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder`` with its size and modification time (not the run lock,
    which every run takes, nor SQLite's own side files)."""
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file() and not p.name.endswith((".lock", "-wal", "-shm"))
    }


# -- 3. --rate: a number of calls per second above 0 ------------------------------------------


@pytest.mark.parametrize("rate", ["google=0", "google=-1", "google=nan", "google=inf", "=5"])
def test_a_rate_that_is_not_a_number_above_zero_is_bad_input(
    rate: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "meeting.yaml").write_text(textwrap.dedent(MEETING), encoding="utf-8")
    roster = HEADER + unit_row("X1")
    (tmp_path / "roster.csv").write_text(roster, encoding="utf-8")
    code = main(["open", str(tmp_path / "meeting.yaml"), "--rate", rate])
    printed = capsys.readouterr()
    assert code == 2, printed.err
    assert f"--rate '{rate}'" in printed.err
    assert "--rate google=5" in printed.err  # says what to write instead
    assert "nothing was done" in printed.err
    assert not (tmp_path / ".meetlink").exists()


def test_a_rate_above_zero_is_taken(office: Office, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["open", str(office.path), "--rate", "google=0.5", "--dry-run"]) == 0
    assert "nothing was done (dry run)" in capsys.readouterr().out


# -- 4. an unknown --unit is refused by every credentials action -----------------------------


@pytest.mark.parametrize("action", ["list", "rotate", "revoke", "slip"])
def test_an_unknown_unit_is_bad_input_for_every_credentials_action(
    action: str, office: Office, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = tree(office.state)
    slips = tmp_path / "slips"
    argv = ["credentials", str(office.path), action, "--unit", "KHONG-CO"]
    code = main([*argv, "-o", str(slips)] if action == "slip" else argv)
    printed = capsys.readouterr()
    assert code == 2
    assert "--unit 'KHONG-CO'" in printed.err
    assert "meetlink plan" in printed.err  # what to do next
    assert printed.out == ""
    assert not slips.exists()
    assert tree(office.state) == before


# -- 5. the reader goes away: no traceback --------------------------------------------------


def run_into_a_closed_pipe(argv: list[str]) -> subprocess.CompletedProcess[bytes]:
    """Run ``meetlink ARGV`` with its output into a pipe nobody reads any more, as
    ``meetlink ... | head -1`` leaves it once ``head`` has its line."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line
    try:
        return subprocess.run(
            [sys.executable, "-m", "meetlink", *argv],
            stdout=write_end,
            stderr=subprocess.PIPE,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)


@pytest.mark.parametrize("command", ["plan", "status", "credentials list", "report"])
def test_piping_into_head_ends_without_a_traceback(command: str, office: Office) -> None:
    meeting = str(office.path)
    argv = {
        "plan": ["plan", str(EXAMPLE / "meeting.yaml")],
        "status": ["status", meeting],
        "credentials list": ["credentials", meeting, "list"],
        "report": [
            "report",
            str(EXAMPLE / "meeting.yaml"),
            "--attendance",
            str(EXAMPLE / "roll-call.csv"),
        ],
    }[command]
    done = run_into_a_closed_pipe(argv)
    err = done.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err
    assert "BrokenPipeError" not in err
    assert "Exception ignored" not in err
    assert done.returncode == 1, err  # as a failed run: the output was cut short


def test_a_reader_that_stops_after_one_line_sees_no_traceback(office: Office) -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "meetlink", "plan", str(EXAMPLE / "meeting.yaml")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        assert process.stdout.readline()
        process.stdout.close()
        err = process.stderr.read().decode("utf-8", "replace")
        code = process.wait(timeout=120)
    assert "Traceback" not in err
    assert code in (0, 1)


# -- 6. cell values never reach the terminal as escape sequences or markup ------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("Đảng bộ \x1b[31mĐỎ", "Đảng bộ ␛[31mĐỎ"),
        ("a\x00b\x7fc", "a␀b␡c"),
        ("tab\tand\nnew line\r", "tab␉and␊new line␍"),
        ("C1 \x9b31m and \x85", "C1 <U+009B>31m and <U+0085>"),
        ("bidi \u202eabc\u202c \u2066x\u2069", "bidi <U+202E>abc<U+202C> <U+2066>x<U+2069>"),
        ("zero\u200bwidth\ufeff", "zero<U+200B>width<U+FEFF>"),
        ("line\u2028sep", "line<U+2028>sep"),
        ("Nguyễn Thị Hường", "Nguyễn Thị Hường"),
        ("Nguye\u0302\u0303n", "Nguye\u0302\u0303n"),  # combining marks are letters
        ("[bold]x[/bold] [/i]", "[bold]x[/bold] [/i]"),  # markup is escaped where printed
    ],
)
def test_terminal_text_makes_every_control_character_visible(raw: str, shown: str) -> None:
    assert terminal_text(raw) == shown


HOSTILE_NAME = "Đảng bộ \x1b[31mĐỎ\x1b]0;pwned\x07 [bold]to[/bold] [/i] \u202eabc"
HOSTILE_PLACE = "Hội trường \x9b2J\x1b[2J\x00"


def test_the_plan_table_shows_no_escape_sequence_and_no_markup(tmp_path: Path) -> None:
    (tmp_path / "meeting.yaml").write_text(textwrap.dedent(MEETING), encoding="utf-8")
    (tmp_path / "roster.csv").write_text(HEADER + unit_row("X1"), encoding="utf-8")
    loaded = load_meeting(tmp_path / "meeting.yaml")
    # built here, past the loader: the output rule must hold whatever loading lets through
    units = tuple(
        u.model_copy(update={"name": HOSTILE_NAME, "location": HOSTILE_PLACE})
        for u in loaded.roster.units
    )
    plan = plan_meeting(loaded.meeting, replace(loaded.roster, units=units))
    out = io.StringIO()
    render_plan(plan, out)
    text = out.getvalue()
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", text)
    assert "␛[31mĐỎ␛]0;pwned␇" in text
    assert "[bold]to[/bold]" in text  # shown as written, not taken as markup
    assert "[/i]" in text
    assert "<U+202E>abc" in text
    assert "Hội trường <U+009B>2J␛[2J␀" in text


def test_the_status_table_shows_no_escape_sequence_and_no_markup(
    office: Office, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import meetlink.cli.commands

    rows = [
        StatusRow("chinh/s1", "X1\x1b[31m", "done", "done", "sent (0)", ""),
        StatusRow(
            "chinh/s1", "X2 [/i]", "failed", "done", "pending", "refused \x1b]0;t\x07 [bold]x"
        ),
    ]
    monkeypatch.setattr(
        meetlink.cli.commands, "meeting_status", lambda plan, ledger, part=None: rows
    )
    assert main(["status", str(office.path)]) == 1
    out = capsys.readouterr().out
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", out)
    assert "X1␛[31m" in out
    assert "X2 [/i]" in out
    assert "FAILED chinh/s1 X2 [/i]: refused ␛]0;t␇ [bold]x" in out
