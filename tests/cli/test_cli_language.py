"""`meetlink` in Vietnamese or English: ``--lang``, ``MEETLINK_LANG``, the locale.

Help, argparse's own words and the command's messages follow the chosen language; the
library's located problems stay English; nothing of the choice outlives one ``main()``.
"""

from __future__ import annotations

import gettext
import os
import subprocess
import sys
from pathlib import Path

import pytest

from meetlink.cli import main
from meetlink.cli.i18n import choose_language, speaking, spoken_language, translator
from meetlink.cli.outcome import open_summary, status_word
from meetlink.reconcile import Failure, OpenResult, summary_lines
from meetlink.reconcile.status import NOTICE_ONLY, POSTPONED, WAITING

LOCALE_VARIABLES = ("MEETLINK_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


@pytest.fixture
def locale(monkeypatch: pytest.MonkeyPatch):
    """``locale(LANG=...)``: only these language variables are set."""

    def set_to(**variables: str) -> None:
        for name in LOCALE_VARIABLES:
            monkeypatch.delenv(name, raising=False)
        for name, value in variables.items():
            monkeypatch.setenv(name, value)

    return set_to


def help_of(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """``meetlink ARGV plan --help``, its lines joined (argparse wraps to the terminal)."""
    with pytest.raises(SystemExit) as stopped:
        main([*argv, "plan", "--help"])
    assert stopped.value.code == 0
    return " ".join(capsys.readouterr().out.split())


def test_lang_vi_gives_the_help_in_vietnamese(locale, capsys) -> None:
    locale(LANG="en_US.UTF-8")

    out = help_of(capsys, "--lang", "vi")

    assert out.startswith("cách dùng: meetlink plan")  # argparse's own word
    assert "đối số vị trí:" in out
    assert "tùy chọn:" in out
    assert "hiện trợ giúp này rồi thoát" in out
    assert "ghi vào FILE thay vì in ra màn hình (bắt buộc với xlsx)" in out  # the command's
    assert "usage" not in out
    assert "write to FILE" not in out


def test_a_vietnamese_locale_alone_gives_vietnamese(locale, capsys) -> None:
    locale(LANG="vi_VN.UTF-8")

    out = help_of(capsys)

    assert out.startswith("cách dùng: ")
    assert "thư mục trạng thái (để biết những việc sẽ làm)" in out


def test_an_english_locale_gives_english(locale, capsys) -> None:
    locale(LANG="en_US.UTF-8")

    out = help_of(capsys)

    assert out.startswith("usage: meetlink plan")
    assert "options:" in out
    assert "write to FILE instead of standard output (required for xlsx)" in out


def test_lang_en_wins_over_a_vietnamese_locale(locale, capsys) -> None:
    locale(LANG="vi_VN.UTF-8", LC_ALL="vi_VN.UTF-8")

    out = help_of(capsys, "--lang", "en")

    assert out.startswith("usage: ")
    assert "cách dùng" not in out


def test_meetlink_lang_wins_over_the_locale(locale, capsys) -> None:
    locale(LANG="en_US.UTF-8", MEETLINK_LANG="vi")
    assert help_of(capsys).startswith("cách dùng: ")
    locale(LANG="vi_VN.UTF-8", MEETLINK_LANG="en")
    assert help_of(capsys).startswith("usage: ")


@pytest.mark.parametrize(
    ("argv", "environ", "language"),
    [
        (["--lang=vi", "plan"], {}, "vi"),
        (["--lang", "en", "plan"], {"LANG": "vi_VN.UTF-8"}, "en"),
        (["plan"], {"LANGUAGE": "vi:en", "LANG": "en_US.UTF-8"}, "vi"),
        (["plan"], {"LC_ALL": "C.UTF-8", "LANG": "vi_VN.UTF-8"}, "en"),  # LC_ALL comes first
        (["plan"], {"LANG": "C.UTF-8"}, "en"),
        (["plan"], {}, "en"),
        (["plan", "--", "--lang", "vi"], {}, "en"),  # after "--" it is a file name
    ],
)
def test_the_language_is_chosen_as_gettext_reads_the_environment(argv, environ, language):
    assert choose_language(argv, environ) == language


def test_argparse_errors_are_in_vietnamese_too(locale, capsys) -> None:
    locale(LANG="C.UTF-8")

    with pytest.raises(SystemExit) as stopped:
        main(["--lang", "vi", "plan"])

    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "meetlink plan: lỗi: thiếu các đối số bắt buộc: MEETING.yaml" in err
    assert err.startswith("cách dùng: ")


def test_the_installed_command_reads_the_locale(tmp_path: Path) -> None:
    environ = {k: v for k, v in os.environ.items() if k not in LOCALE_VARIABLES}
    environ["LANG"] = "vi_VN.UTF-8"

    done = subprocess.run(
        [sys.executable, "-m", "meetlink", "--help"],
        env=environ,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    out = " ".join(done.stdout.split())
    assert "Lập kế hoạch, mở và báo cáo các cuộc họp trực tuyến đồng thời tại nhiều điểm" in out
    assert "hiện số phiên bản của chương trình rồi thoát" in out


def test_a_bad_meeting_file_lists_english_problems_under_a_vietnamese_summary(
    locale, files, capsys
) -> None:
    locale(LANG="vi_VN.UTF-8")
    meeting = files.meeting("id: x\ntitle: 5\n")

    code = main(["plan", str(meeting)])

    assert code == 2
    out, err = capsys.readouterr()
    assert out == ""
    *problems, summary = err.splitlines()
    assert len(problems) == 4
    assert all(line.startswith(f"{meeting}:") for line in problems)
    assert f"{meeting}:1: tracks: 'tracks' is required; add it." in problems  # English
    assert f"{meeting}:2: title: Input should be a valid string." in problems
    assert summary == "meetlink: phát hiện 4 lỗi; chưa thực hiện thao tác nào."


def test_one_problem_in_english_is_one_problem(locale, files, capsys) -> None:
    locale(LANG="C.UTF-8")
    missing = files.path("nowhere.yaml")

    assert main(["plan", str(missing)]) == 2

    assert capsys.readouterr().err.splitlines()[-1] == (
        "meetlink: 1 problem found; nothing was done."
    )


def test_nothing_of_the_language_outlives_the_command(locale, files, capsys) -> None:
    locale(LANG="vi_VN.UTF-8", LANGUAGE="fr:de")
    domain = gettext.textdomain()
    gettext.textdomain("host-program")  # a program that imports meetlink has its own domain
    try:
        main(["plan", str(files.path("nowhere.yaml"))])
        with pytest.raises(SystemExit):
            main(["--lang", "vi", "plan", "--help"])  # argparse leaves by SystemExit
        capsys.readouterr()

        assert gettext.textdomain() == "host-program"
        assert os.environ["LANGUAGE"] == "fr:de"
        assert spoken_language() == "en"
    finally:
        gettext.textdomain(domain)


def test_a_language_variable_that_was_not_set_stays_unset(locale, files, capsys) -> None:
    locale(LANG="vi_VN.UTF-8")

    main(["plan", str(files.path("nowhere.yaml"))])

    assert "LANGUAGE" not in os.environ


def test_the_end_of_open_is_the_librarys_summary_word_for_word_in_english() -> None:
    counts = {
        kind: {"create": 3, "update": 1, "cancel": 2}
        for kind in ("conference", "credential", "access", "handout", "notice", "invitation")
    }
    done = OpenResult("m", Path("state"), Path("outbox"), False, counts=counts)
    done.fail(Failure("invitation:main/s1/X1", "invitation", "DeliveryError: refused"))
    nothing = OpenResult("m", Path("state"), None, False)

    for result in (done, nothing):
        assert open_summary(result) == summary_lines(result)
    with speaking("vi"):
        said = open_summary(done)
    assert said[0] == "phòng họp trực tuyến: hủy 2, thêm mới 3, cập nhật 1"
    assert "giấy báo (thời gian thông báo sau): thôi dùng 2 (giấy mời sẽ gửi tiếp)" in said[4]
    assert said[-3] == "KHÔNG THÀNH CÔNG invitation:main/s1/X1: DeliveryError: refused"


def test_every_word_of_the_status_table_is_translated() -> None:
    words = ["done", "pending", "failed", "cancelled", "revoked", "intent", "waiting"]
    words += ["unknown (next open checks)", "pending (new officer)", "pending (postponement)"]
    words += ["handed out", "not yet handed out", WAITING, NOTICE_ONLY, POSTPONED]
    words += ["sent (2)", "failed (1 of 4 not reached)"]

    assert [status_word(w) for w in words] == words  # English: the library's own words
    with speaking("vi"):
        said = {w: status_word(w) for w in words}
    assert [w for w, s in said.items() if s == w] == []
    assert said[NOTICE_ONLY] == "chỉ có giấy báo, chờ thời gian"
    assert said["failed (1 of 4 not reached)"] == "không thành công (1/4 địa chỉ chưa nhận được)"


def test_what_the_office_copies_follows_the_meetings_language() -> None:
    assert translator("vi").gettext("Written: {path}") == "Đã ghi: {path}"
    assert translator("en").gettext("Written: {path}") == "Written: {path}"
    with speaking("en"):  # the command's language does not choose it
        assert translator("vi").gettext("Join link") == "Đường dẫn tham gia"
