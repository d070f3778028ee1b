"""The pieces of the Party's form and the office's words for times and dates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from tests.documents.docx_reading import east_asian_font, open_docx, runs, texts

from meetlink.documents.party_form import (
    PartyDocument,
    TableColumn,
    filed_copy,
    number_text,
    place_and_date,
    symbol_tail,
)
from meetlink.documents.when import document_date, short_date, sitting_time

BLANK = "\u00a0" * 6


@pytest.mark.parametrize(
    ("symbol", "number", "issuers", "printed"),
    [
        ("TB", "125-TB/ThU", ("THỊ ỦY MỸ HÀO",), "Số 125-TB/ThU"),
        ("TB", "125", ("ĐẢNG BỘ TỈNH HƯNG YÊN", "THỊ ỦY MỸ HÀO"), "Số 125-TB/ThU"),
        ("GM", "", ("TỈNH ỦY HÀ TĨNH",), f"Số {BLANK}-GM/TU"),
        ("KH", "", ("HUYỆN ỦY BÙ ĐĂNG",), f"Số {BLANK}-KH/HU"),
        ("CV", "", ("ĐẢNG ỦY KHỐI CÁC CƠ QUAN TỈNH",), f"Số {BLANK}-CV/ĐUK"),
        ("TB", "", ("TỈNH ỦY HÀ TĨNH", "VĂN PHÒNG TỈNH ỦY"), f"Số {BLANK}-TB/VPTU"),
        ("KH", "-KH/BTGHU", ("BAN TUYÊN GIÁO",), f"Số {BLANK}-KH/BTGHU"),
        ("TB", "", ("BAN TỔ CHỨC HỘI NGHỊ",), f"Số {BLANK}-TB"),
        ("BC", "-BC/ThU", (), f"Số {BLANK}-BC/ThU"),
    ],
)
def test_the_number_is_printed_or_left_blank_with_its_symbol(
    symbol: str, number: str, issuers: tuple[str, ...], printed: str
) -> None:
    assert number_text(symbol, number, issuers) == printed


def test_the_symbol_tail_comes_from_the_number_before_the_issuer() -> None:
    assert symbol_tail("125-TB/ThU", ("TỈNH ỦY HÀ TĨNH",)) == "ThU"
    assert symbol_tail("", ("TỈNH ỦY HÀ TĨNH",)) == "TU"
    assert symbol_tail("", ()) == ""


def test_the_office_keeps_a_copy_named_after_the_tail() -> None:
    copies = [filed_copy(t) for t in ("ThU", "VPTU", "")]
    assert copies == ["Lưu VPThU", "Lưu VPTU", "Lưu Văn phòng"]


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (dt.date(2023, 9, 5), "ngày 05 tháng 9 năm 2023"),
        (dt.date(2023, 2, 14), "ngày 14 tháng 02 năm 2023"),
        (dt.date(2023, 1, 1), "ngày 01 tháng 01 năm 2023"),
        (dt.date(2023, 12, 25), "ngày 25 tháng 12 năm 2023"),
        (None, "ngày … tháng … năm …"),
    ],
)
def test_the_document_date_pads_the_day_and_the_first_two_months(
    day: dt.date | None, words: str
) -> None:
    assert document_date(day) == words


def test_a_place_without_a_name_keeps_the_blank_date() -> None:
    assert place_and_date("", document_date(None)) == "Ngày … tháng … năm …"
    assert place_and_date("Mỹ Hào", "ngày 05 tháng 9 năm 2023") == (
        "Mỹ Hào, ngày 05 tháng 9 năm 2023"
    )


def test_a_sitting_is_written_as_the_office_writes_it() -> None:
    start = dt.datetime(2023, 9, 10, 8, 0)
    assert sitting_time(start, start.replace(hour=10)) == (
        "Từ 08 giờ 00 đến 10 giờ 00, Chủ nhật, ngày 10/9/2023"
    )
    assert sitting_time(dt.datetime(2023, 12, 4, 14), dt.datetime(2023, 12, 5, 11, 30)) == (
        "Từ 14 giờ 00, Thứ Hai, ngày 4/12/2023 đến 11 giờ 30, Thứ Ba, ngày 5/12/2023"
    )
    assert short_date(dt.date(2022, 3, 5)) == "5/3/2022"


def test_a_table_keeps_its_cells_lines_in_times_new_roman(tmp_path: Path) -> None:
    doc = PartyDocument()
    doc.landscape_section()
    columns = [TableColumn("STT", mm=12, centered=True), TableColumn("Điểm cầu", weight=2)]
    doc.table(columns, [[1, "Thị ủy"], [2, "Phường\nXã"]])
    path = doc.save(tmp_path / "t.docx")
    document = open_docx(path)
    assert [c.text for c in document.tables[0].rows[2].cells] == ["2", "Phường\nXã"]
    assert all(r.font.name == "Times New Roman" for r in runs(document))
    assert all(east_asian_font(r) == "Times New Roman" for r in runs(document))
    assert "Điểm cầu" in texts(document)
