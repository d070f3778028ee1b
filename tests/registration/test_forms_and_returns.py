"""The form sent out, the files that come back (XLSX, CSV, the letter's table), the review
sheet's refusals, the reminders and the roster that is never overwritten."""

from __future__ import annotations

import email
import email.policy
import json
from pathlib import Path

import docx
import openpyxl
import pytest
from registration_forms import fill, header_row, run

from meetlink.registration.context import load_context
from meetlink.registration.status import registration_status


def test_the_form_has_vietnamese_headers_data_validation_and_prints_on_a4_landscape(
    bloc: Path, tmp_path: Path
) -> None:
    assert run("registration", "form", bloc, "-o", tmp_path, "--unit", "CB05") == 0

    book = openpyxl.load_workbook(tmp_path / "phieu-dang-ky-CB05.xlsx")
    sheet = book["I. Sinh hoạt trực tuyến"]
    top = header_row(sheet)
    titles = {c.value: c.column_letter for c in sheet[top] if c.value}
    assert "Đủ điều kiện về hạ tầng công nghệ thông tin" in titles
    first = [c.value for c in sheet[top + 1]]
    assert first[:5] == [1, "CB05", "Chi bộ Sở Y tế", "Chi bộ cơ sở", 62]
    rules = {
        str(rule.sqref).split(":")[0][:1]: (rule.type, rule.formula1)
        for rule in sheet.data_validations.dataValidation
    }
    assert rules[titles["Đủ điều kiện về hạ tầng công nghệ thông tin"]] == ("list", '"có,không"')
    assert rules[titles["Số đảng viên"]] == ("whole", "0")
    assert rules[titles["Loại tổ chức"]][0] == "list"
    assert "Đảng bộ cơ sở" in rules[titles["Loại tổ chức"]][1]
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.print_title_rows == f"${top}:${top}"
    assert sheet.cell(row=top, column=1).font.name == "Times New Roman"
    assert "Gửi về Văn phòng Đảng ủy Khối trước 17 giờ 00, ngày 10/4/2023" in [
        row[0].value for row in sheet.iter_rows(max_row=top)
    ]
    cells = book["II. Sinh hoạt tổ đảng"]
    member_rule = next(r for r in cells.data_validations.dataValidation if r.type == "whole")
    assert member_rule.formula1 == "1"


def test_a_csv_return_with_title_rows_is_read_and_its_errors_located_by_row_and_column(
    bloc: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    returned = tmp_path / "CB06.csv"
    returned.write_text(
        "DANH SÁCH\nĐăng ký tổ chức sinh hoạt đảng\n\n"
        "Số TT;Mã;Tên tổ chức đảng;Loại tổ chức;Số đảng viên;Đủ điều kiện về hạ tầng công "
        "nghệ thông tin;Email nhận giấy mời\n"
        "1;CB06;Chi bộ Sở Nội vụ;Chi bộ cơ sở;25;có;bithu.cb06@khoi\n",
        encoding="utf-8",
    )

    assert run("registration", "collect", bloc, returned) == 2

    err = capsys.readouterr().err
    assert f"{returned}:5:Email nhận giấy mời: 'bithu.cb06@khoi' is not a valid" in err
    returned.write_text(returned.read_text().replace("@khoi\n", "@khoi.example.org\n"))
    assert run("registration", "collect", bloc, returned) == 0
    rows = registration_status(load_context(bloc))
    assert [r.state for r in rows if r.id == "CB06"] == ["late"]


def test_the_table_of_the_letter_filled_in_by_hand_is_read_back(bloc: Path, tmp_path: Path) -> None:
    assert run("registration", "form", bloc, "-o", tmp_path, "--unit", "CB07") == 0
    letter = docx.Document(str(tmp_path / "cong-van-dang-ky.docx"))
    table = letter.tables[2]  # the letterhead, the signature block, then section I
    assert table.rows[0].cells[2].text == "Tên tổ chức đảng"
    values = {
        "Mã": "CB07",
        "Tên tổ chức đảng": "Chi bộ Sở Giáo dục và Đào tạo",
        "Loại tổ chức": "chi bộ cơ sở",
        "Số đảng viên": "38",
        "Đủ điều kiện về hạ tầng công nghệ thông tin": "Có",
    }
    for column, cell in enumerate(table.rows[0].cells):
        if cell.text in values:
            table.rows[1].cells[column].text = values[cell.text]
    letter.save(str(tmp_path / "CB07.docx"))

    assert run("registration", "collect", bloc, tmp_path / "CB07.docx") == 0

    register = json.loads((bloc.parent / ".meetlink" / "registration.json").read_text())
    assert register["returns"]["CB07"]["rows"]["organizations"][0]["members"] == 38


def test_a_refusal_without_its_reason_refuses_the_whole_review_sheet(
    bloc: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        run("registration", "form", bloc, "-o", tmp_path, "--unit", "CB01", "--unit", "CB02") == 0
    )
    for code, members in (("CB01", 44), ("CB02", 18)):
        fill(
            tmp_path / f"phieu-dang-ky-{code}.xlsx",
            {"Số đảng viên": members, "Đủ điều kiện về hạ tầng công nghệ thông tin": "có"},
        )
    assert run("registration", "collect", bloc, *tmp_path.glob("phieu-dang-ky-*.xlsx")) == 0
    review = tmp_path / "xet-duyet.xlsx"
    assert run("registration", "review", bloc, "-o", review) == 0
    book = openpyxl.load_workbook(review)
    sheet = book.active
    top = header_row(sheet)
    titles = {c.value: c.column for c in sheet[top]}
    sheet.cell(row=top + 1, column=titles["Quyết định"], value="đồng ý")
    sheet.cell(row=top + 2, column=titles["Quyết định"], value="không đồng ý")
    book.save(review)

    assert run("registration", "collect", bloc, review) == 2

    assert (
        f"xet-duyet.xlsx:Xét duyệt:{top + 2}:Lý do: a refusal says why" in capsys.readouterr().err
    )
    register = json.loads((bloc.parent / ".meetlink" / "registration.json").read_text())
    assert register["decisions"] == {}
    assert not (bloc.parent / "roster-dang-ky.csv").exists()


def test_remind_mails_every_organization_without_a_valid_return_through_the_outbox(
    bloc: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("registration", "form", bloc, "-o", tmp_path, "--unit", "CB01") == 0
    fill(
        tmp_path / "phieu-dang-ky-CB01.xlsx",
        {"Số đảng viên": 44, "Đủ điều kiện về hạ tầng công nghệ thông tin": "có"},
    )
    assert run("registration", "collect", bloc, tmp_path / "phieu-dang-ky-CB01.xlsx") == 0

    assert run("registration", "remind", bloc) == 0

    outbox = sorted((bloc.parent / ".meetlink" / "outbox").glob("*.eml"))
    assert len(outbox) == 11
    messages = [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in outbox
    ]
    to = {str(m["To"]) for m in messages}
    assert not any("cb01" in t for t in to)
    first = next(m for m in messages if "bithu.cb02@khoi.example.org" in str(m["To"]))
    assert "ktv.cb02@khoi.example.org" in str(first["To"])
    assert str(first["Subject"]).startswith("Đề nghị gửi phiếu:")
    body = first.get_body(("plain",)).get_content()
    assert "Kính gửi: Chi bộ Sở Tư pháp" in body
    attachment = next(first.iter_attachments())
    assert attachment.get_filename() == "phieu-dang-ky-CB02.xlsx"
    trail = (bloc.parent / ".meetlink" / "registration-audit.jsonl").read_text(encoding="utf-8")
    assert trail.count('"action": "remind"') == 11


def test_a_roster_someone_typed_is_never_overwritten(
    bloc: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    typed = bloc.parent / "roster-dang-ky.csv"
    typed.write_text("mã,tên tổ chức đảng,loại,số đảng viên\nX,Chi bộ X,agency,10\n")
    assert run("registration", "form", bloc, "-o", tmp_path, "--unit", "CB01") == 0
    fill(
        tmp_path / "phieu-dang-ky-CB01.xlsx",
        {"Số đảng viên": 44, "Đủ điều kiện về hạ tầng công nghệ thông tin": "có"},
    )
    assert run("registration", "collect", bloc, tmp_path / "phieu-dang-ky-CB01.xlsx") == 0
    review = tmp_path / "xet-duyet.xlsx"
    assert run("registration", "review", bloc, "-o", review) == 0
    book = openpyxl.load_workbook(review)
    top = header_row(book.active)
    titles = {c.value: c.column for c in book.active[top]}
    book.active.cell(row=top + 1, column=titles["Quyết định"], value="đồng ý")
    book.save(review)

    assert run("registration", "collect", bloc, review) == 2

    assert "was not written by meetlink registration" in capsys.readouterr().err
    assert typed.read_text().startswith("mã,tên tổ chức đảng,loại,số đảng viên\nX,")
