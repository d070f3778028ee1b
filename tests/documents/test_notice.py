"""The notice as an office receives it: the Party's form, the words of seed 000, the list of
bridge points attached on landscape pages, every run in Times New Roman."""

from __future__ import annotations

import stat
import unicodedata
import zipfile
from collections.abc import Callable
from pathlib import Path

from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Mm
from tests.documents.docx_reading import (
    east_asian_font,
    full_text,
    open_docx,
    runs,
    table_rows,
    texts,
)

from meetlink.documents import write_notice
from meetlink.planning import Plan, plan_meeting
from meetlink.reconcile.setup import load_meeting

SmallNotice = Callable[..., tuple[Path, Plan]]
EXAMPLES = Path(__file__).parents[2] / "examples"
BLANK = "\u00a0" * 6  # the room left for a number written by hand


def test_the_notice_names_its_number_issuers_title_signer_and_recipients(
    myhao_notice: Path,
) -> None:
    lines = texts(open_docx(myhao_notice))
    for expected in (
        "ĐẢNG BỘ TỈNH HƯNG YÊN",
        "THỊ ỦY MỸ HÀO",
        "*",
        "Số 125-TB/ThU",
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "Mỹ Hào, ngày 05 tháng 9 năm 2023",
        "THÔNG BÁO",
        "Về việc tổ chức “Giờ sinh hoạt toàn Đảng bộ thị xã” Quý III/2023",
        "Nơi nhận:",
        "- Các chi, đảng bộ cơ sở,",
        "- Các đồng chí Thị ủy viên,",
        "- Lưu VPThU.",
        "T/L BAN THƯỜNG VỤ",
        "CHÁNH VĂN PHÒNG",
        "Kiều Thanh Khắc",
        "DANH SÁCH CÁC ĐIỂM CẦU TRONG TOÀN ĐẢNG BỘ THỊ XÃ",
        "(Kèm theo Thông báo số 125-TB/ThU ngày 5/9/2023)",
        "(Gửi kèm: Danh sách các điểm cầu trong toàn Đảng bộ thị xã).",
    ):
        assert expected in lines, expected


def test_the_header_sets_the_issuing_body_bold_and_the_higher_body_regular(
    myhao_notice: Path,
) -> None:
    header = open_docx(myhao_notice).tables[0]
    left = {p.text: p.runs[0] for p in header.cell(0, 0).paragraphs if p.runs and p.text}
    assert not left["ĐẢNG BỘ TỈNH HƯNG YÊN"].bold
    assert left["THỊ ỦY MỸ HÀO"].bold
    right = {p.text: p.runs[0] for p in header.cell(0, 1).paragraphs if p.runs and p.text}
    party = right["ĐẢNG CỘNG SẢN VIỆT NAM"]
    assert party.bold
    assert party.underline
    assert party.font.size.pt == 15
    assert right["Mỹ Hào, ngày 05 tháng 9 năm 2023"].italic


def test_the_body_follows_seed_000(myhao_notice: Path) -> None:
    text = full_text(open_docx(myhao_notice))
    for expected in (
        "Thực hiện Kế hoạch số 26-KH/ThU ngày 13/01/2022",
        "1- Thời gian",
        "Từ 08 giờ 00 đến 10 giờ 00, Chủ nhật, ngày 10/9/2023.",
        "Chạy thử đường truyền: 15 giờ 00, Thứ Bảy, ngày 9/9/2023.",
        "Đề nghị đảng viên có mặt trước 15 phút để ổn định tổ chức.",
        "2- Nội dung",
        "3- Hình thức",
        "3.1- Điểm cầu Thị ủy",
        "- Địa điểm: Hội trường tầng 3 - Nhà D - Trụ sở Thị ủy.",
        "- Thành phần: Các đồng chí Ủy viên Ban Thường vụ Thị ủy",
        "3.2- Điểm cầu các xã, phường",
        "- Thành phần: Toàn thể đảng viên chi bộ thôn, tổ dân phố.",
        "ĐT: 0900 000 101",
        "tuyệt đối không cung cấp cho người khác",
    ):
        assert expected in text, expected
    assert "10/09/2023" not in text  # the office writes 10/9/2023


def test_the_attachment_has_one_row_per_bridge_point_under_a_repeated_header(
    myhao_notice: Path, myhao_plan: Plan
) -> None:
    table = open_docx(myhao_notice).tables[-1]
    rows = table_rows(table)
    header, body = rows[0], rows[1:]
    assert header[:3] == ["STT", "Điểm cầu", "Địa điểm"]
    assert "Số đảng viên" in header
    assert "Cán bộ kỹ thuật" in header
    assert not any("toan-dang-bo" in label or "provisioned" in label for label in header)
    assert len(body) == len(myhao_plan.bridge_points) == 80
    assert [r[1] for r in body] == [p.name for p in myhao_plan.bridge_points]
    assert [r[0] for r in body] == [str(n) for n in range(1, 81)]
    seats = header.index("Số đảng viên")
    assert [int(r[seats]) for r in body] == [p.seats["q3"] for p in myhao_plan.bridge_points]
    first = table.rows[0]._tr.trPr
    assert first is not None
    assert first.find(qn("w:tblHeader")) is not None


def test_the_notice_is_a4_portrait_and_its_attachment_a4_landscape(myhao_notice: Path) -> None:
    sections = open_docx(myhao_notice).sections
    assert len(sections) == 2
    body, attachment = sections
    assert body.orientation == WD_ORIENT.PORTRAIT
    assert (round(body.page_width.mm), round(body.page_height.mm)) == (210, 297)
    assert 30 <= round(body.left_margin.mm) <= 35
    assert 15 <= round(body.right_margin.mm) <= 20
    assert 20 <= round(body.top_margin.mm) <= 25
    assert 20 <= round(body.bottom_margin.mm) <= 25
    assert attachment.orientation == WD_ORIENT.LANDSCAPE
    assert (round(attachment.page_width.mm), round(attachment.page_height.mm)) == (297, 210)


def test_every_run_is_times_new_roman_in_every_script(myhao_notice: Path) -> None:
    document = open_docx(myhao_notice)
    checked = 0
    for run in runs(document):
        assert run.font.name == "Times New Roman", run.text
        assert east_asian_font(run) == "Times New Roman", run.text
        checked += 1
    assert checked > 500  # the tables' cells are runs too
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    assert normal.font.size.pt == 14


def test_the_attachment_table_fits_the_landscape_page(myhao_notice: Path) -> None:
    document = open_docx(myhao_notice)
    table, section = document.tables[-1], document.sections[-1]
    width = sum(column.width for column in table.columns)
    room = section.page_width - section.left_margin - section.right_margin
    assert abs(width - room) < Mm(1)


def test_a_missing_number_and_date_leave_room_to_fill_in(small_notice: SmallNotice) -> None:
    path, _ = small_notice(
        notice={"issuers": ["ĐẢNG BỘ TỈNH HƯNG YÊN", "THỊ ỦY MỸ HÀO"], "place": "Mỹ Hào"}
    )
    lines = texts(open_docx(path))
    assert f"Số {BLANK}-TB/ThU" in lines
    assert "Mỹ Hào, ngày … tháng … năm …" in lines
    assert f"(Kèm theo Thông báo số {BLANK}-TB/ThU)" in lines


def test_a_sitting_without_a_time_says_it_will_be_announced(small_notice: SmallNotice) -> None:
    track = {
        "id": "main",
        "platform": "memory",
        "units": {"kinds": ["committee", "commune", "village", "agency"]},
        "sittings": [{"id": "q3"}],
    }
    path, _ = small_notice(tracks=[track])
    text = full_text(open_docx(path))
    assert "Thời gian cụ thể sẽ có thông báo sau." in text
    assert "Từ " not in text.split("2- Nội dung")[0].split("1- Thời gian")[1]


def test_a_recurring_sitting_lists_its_dates(small_notice: SmallNotice) -> None:
    sitting = {
        "id": "monthly",
        "start": "2023-10-01T08:00",
        "end": "2023-10-01T10:00",
        "recurrence": "FREQ=MONTHLY;BYDAY=1SU;COUNT=3",
    }
    track = {"id": "main", "platform": "memory", "units": {"kinds": ["committee"]}}
    path, _ = small_notice(tracks=[{**track, "sittings": [sitting]}])
    assert (
        "Từ 08 giờ 00 đến 10 giờ 00, các ngày Chủ nhật 1/10/2023, Chủ nhật 5/11/2023 và "
        "Chủ nhật 3/12/2023." in texts(open_docx(path))
    )


def test_a_recurring_sitting_lists_the_days_it_is_held_not_the_skipped_one(
    small_notice: SmallNotice,
) -> None:
    """An office's notice of a series lists the days the members come: November skipped,
    December moved to the 10th at 14:00 (issue 16's exceptions)."""
    sitting = {
        "id": "monthly",
        "start": "2023-10-01T08:00",
        "end": "2023-10-01T10:00",
        "recurrence": "FREQ=MONTHLY;BYDAY=1SU;COUNT=3",
        "exceptions": {
            "2023-11-05": "skip",
            "2023-12-03": {"start": "2023-12-10T14:00", "end": "2023-12-10T16:00"},
        },
    }
    track = {"id": "main", "platform": "memory", "units": {"kinds": ["committee"]}}
    path, _ = small_notice(tracks=[{**track, "sittings": [sitting]}])
    text = texts(open_docx(path))
    assert (
        "Từ 08 giờ 00 đến 10 giờ 00, các ngày Chủ nhật 1/10/2023 và "
        "Chủ nhật 10/12/2023 (từ 14 giờ 00)." in text
    )
    assert "5/11/2023" not in text
    assert "3/12/2023" not in text


def test_the_meeting_kind_chooses_the_words(small_notice: SmallNotice) -> None:
    path, _ = small_notice(kind="conference", arrive_early_minutes=30)
    text = full_text(open_docx(path))
    assert "Đề nghị đại biểu có mặt trước 30 phút để ổn định tổ chức." in text
    assert "Tổ chức Hội nghị trực tuyến" in text
    assert "Số đại biểu" in text


def test_the_composition_and_chair_of_each_kind_of_point_are_printed(
    small_notice: SmallNotice,
) -> None:
    path, _ = small_notice(
        composition={"main": "Các đồng chí Ủy viên Ban Thường vụ", "village": "Toàn thể đảng viên"}
    )
    lines = texts(open_docx(path))
    assert "2.1- Điểm cầu Thị ủy Mỹ Hào" in lines  # no agenda: no "Nội dung"
    assert "- Thành phần: Các đồng chí Ủy viên Ban Thường vụ." in lines
    assert "- Chủ trì: Đồng chí Bí thư Thị ủy." in lines
    assert "- Thành phần: Toàn thể đảng viên." in lines
    header = table_rows(open_docx(path).tables[-1])[0]
    assert "Chủ trì" in header


def test_an_invitation_is_a_giay_moi_that_invites_each_chair(tmp_path: Path) -> None:
    loaded = load_meeting(EXAMPLES / "hatinh-2023-12" / "meeting.yaml")
    plan = plan_meeting(loaded.meeting, loaded.roster)
    document = open_docx(write_notice(loaded, tmp_path / "giay-moi.docx"))
    lines = texts(document)
    assert "GIẤY MỜI" in lines
    assert f"Số {BLANK}-GM/TU" in lines
    assert (
        "Kính mời: Đồng chí Dương Tất Thắng, Ủy viên Ban Thường vụ Tỉnh ủy, Bí thư Thành ủy "
        "chủ trì điểm cầu Thành ủy Hà Tĩnh." in lines
    )
    assert "3.2- Điểm cầu các huyện, thành, thị ủy" in lines
    rows = table_rows(document.tables[-1])
    assert len(rows) - 1 == len(plan.bridge_points)
    chair = rows[0].index("Chủ trì")
    assert rows[1][chair] == "Các đồng chí Thường trực Tỉnh ủy"


def test_a_meeting_of_two_forms_attaches_one_table_per_form(tmp_path: Path) -> None:
    loaded = load_meeting(EXAMPLES / "budang-2022q1" / "meeting.yaml")
    plan = plan_meeting(loaded.meeting, loaded.roster)
    document = open_docx(write_notice(loaded, tmp_path / "ke-hoach.docx"))
    lines = texts(document)
    for expected in ("KẾ HOẠCH", f"Số {BLANK}-KH/BTGHU", "K/T TRƯỞNG BAN", "PHÓ TRƯỞNG BAN"):
        assert expected in lines, expected
    line, meet = document.tables[-2], document.tables[-1]
    assert len(line.rows) - 1 == len(plan.points_of("duong-truyen"))
    assert len(meet.rows) - 1 == len(plan.points_of("google-meet"))
    labels = [f"Số đại biểu – Lớp {n}" for n in (1, 2, 3)]
    assert table_rows(line)[0][4:7] == labels
    assert table_rows(meet)[1][0] == "1"  # each form numbered from 1
    assert "I. Trực tuyến bằng đường truyền (17 điểm cầu)" in lines


def test_the_text_is_nfc_even_from_a_decomposed_meeting_file(small_notice: SmallNotice) -> None:
    decomposed = unicodedata.normalize("NFD", "Giờ sinh hoạt toàn Đảng bộ Quý III/2023")
    path, _ = small_notice(title=decomposed, notice={"subject": decomposed})
    for line in texts(open_docx(path)):
        assert line == unicodedata.normalize("NFC", line)
    assert "Giờ sinh hoạt toàn Đảng bộ Quý III/2023" in texts(open_docx(path))


def test_no_file_path_and_no_secret_marking_in_the_document(myhao_notice: Path) -> None:
    with zipfile.ZipFile(myhao_notice) as archive:
        parts = {
            name: archive.read(name).decode("utf-8", "replace")
            for name in archive.namelist()
            if name.endswith((".xml", ".rels"))
        }
    forbidden = (str(EXAMPLES), "meeting.yaml", "roster.csv", str(myhao_notice.parent))
    # "mật khẩu" (password) is a word; "Mật" the secret classification never appears
    forbidden += ("Mật", "MẬT")
    for name, xml in parts.items():
        for word in forbidden:
            assert word not in xml, (name, word)
    assert "python-docx" not in parts["docProps/core.xml"]


def test_the_file_is_for_its_owner_only(myhao_notice: Path) -> None:
    assert stat.S_IMODE(myhao_notice.stat().st_mode) == 0o600


def test_a_help_contact_is_named_with_their_post_and_phone(small_notice: SmallNotice) -> None:
    contacts = [
        {
            "name": "Đặng Tuấn Chiến",
            "position": "Phó Chánh Văn phòng Thị ủy",
            "phone": "0913 311 969",
        },
        {"name": "Viettel Hưng Yên", "phone": "0986 686 211"},
    ]
    path, _ = small_notice(help_contacts=contacts)
    assert (
        "Đề nghị các đơn vị cử cán bộ phụ trách kỹ thuật liên hệ: đồng chí Đặng Tuấn Chiến - "
        "Phó Chánh Văn phòng Thị ủy, ĐT: 0913 311 969; Viettel Hưng Yên, ĐT: 0986 686 211 để "
        "được hỗ trợ kỹ thuật." in texts(open_docx(path))
    )
