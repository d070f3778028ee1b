"""Seed 004's registration for the tests: twelve organizations, their meeting file, and how an
office fills in a form (imported by name: ``from registration_forms import fill``)."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import openpyxl

from meetlink.cli import main

ORGANIZATIONS = [
    # id, name, members, officer e-mail
    ("CB01", "Chi bộ Sở Tài chính", 44),
    ("CB02", "Chi bộ Sở Tư pháp", 18),
    ("CB03", "Chi bộ Sở Công Thương", 30),
    ("CB04", "Chi bộ Sở Xây dựng", 21),
    ("CB05", "Chi bộ Sở Y tế", 62),
    ("CB06", "Chi bộ Sở Nội vụ", 25),
    ("CB07", "Chi bộ Sở Giáo dục và Đào tạo", 38),
    ("CB08", "Chi bộ Sở Giao thông vận tải", 27),
    ("CB09", "Chi bộ Sở Tài nguyên và Môi trường", 33),
    ("CB10", "Chi bộ Sở Văn hóa, Thể thao và Du lịch", 29),
    ("CB11", "Chi bộ Sở Khoa học và Công nghệ", 16),
    ("CB12", "Chi bộ Sở Lao động - Thương binh và Xã hội", 24),
]

MEETING = """\
id: khoi-2023q2
title: "Sinh hoạt chi bộ định kỳ trực tuyến Quý II/2023"
kind: party_meeting
organizer: {name: "Văn phòng Đảng ủy Khối", email: vanphong@khoi-yenbai.example.org}
roster: roster-dang-ky.csv
rules: {own_point_min_members: 1}
registration:
  layout: sinh hoạt trực tuyến
  organizations: to-chuc.csv
  deadline: 2023-04-10T17:00
  letter:
    number: "828-CV/ĐUK"
    issuers: ["ĐẢNG BỘ TỈNH YÊN BÁI", "ĐẢNG ỦY KHỐI CƠ QUAN VÀ DOANH NGHIỆP TỈNH"]
    place: Yên Bái
    date: 2023-03-23
    signer: {authority: T/M, body: BAN THƯỜNG VỤ, position: BÍ THƯ, name: Đỗ Quang Minh}
    recipients: ["Ban Tổ chức Tỉnh ủy (b/c)", "Như kính gửi (t/h)", "Lưu Văn phòng ĐUK"]
    list_title: "Đăng ký tổ chức sinh hoạt đảng theo Hướng dẫn số 03-HD/TW"
tracks:
  - id: chi-bo
    platform: memory
    units: {kinds: [agency]}
    conference: per_point
    attendance: all
    sittings:
      - {id: thang-5, title: "Tháng 5", start: 2023-05-04T14:00, end: 2023-05-04T16:00}
"""


def run(*argv: str | Path) -> int:
    """The command line, as a user runs it."""
    return main([str(a) for a in argv])


def write_bloc(folder: Path) -> Path:
    """Write the meeting file of seed 004's bloc committee and its list of twelve organizations
    into ``folder``; return the meeting file's path."""
    with (folder / "to-chuc.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "mã",
                "tên tổ chức đảng",
                "loại",
                "số đảng viên",
                "cán bộ kỹ thuật",
                "email",
                "email nhận giấy mời",
            ]
        )
        for code, name, members in ORGANIZATIONS:
            low = code.lower()
            writer.writerow(
                [
                    code,
                    name,
                    "agency",
                    members,
                    f"Cán bộ {code}",
                    f"ktv.{low}@khoi.example.org",
                    f"bithu.{low}@khoi.example.org",
                ]
            )
    path = folder / "meeting.yaml"
    path.write_text(MEETING, encoding="utf-8")
    return path


def header_row(sheet: Any, first_title: str = "Số TT") -> int:
    """The row of a sheet's header (below the title rows)."""
    for row in sheet.iter_rows():
        if row[0].value == first_title:
            return int(row[0].row)
    raise AssertionError(f"no header in sheet {sheet.title}")


def fill(
    path: Path,
    organization: Mapping[str, Any],
    cells: Sequence[Mapping[str, Any]] = (),
    *,
    out: Path | None = None,
) -> Path:
    """Fill in a form as an office does: the first row of sheet I, then the cells of II."""
    book = openpyxl.load_workbook(path)
    for sheet, rows in ((book.worksheets[0], [organization]), (book.worksheets[1], cells)):
        top = header_row(sheet)
        titles = {cell.value: cell.column for cell in sheet[top] if cell.value}
        for offset, values in enumerate(rows, start=1):
            for title, value in values.items():
                sheet.cell(row=top + offset, column=titles[title], value=value)
    target = out or path
    book.save(target)
    return target


def decide(sheet_path: Path, refused: Mapping[str, str] | None = None) -> Path:
    """Fill in the review sheet as the committee does: "đồng ý" for every registration,
    "không đồng ý" with its reason for the codes of ``refused``."""
    book = openpyxl.load_workbook(sheet_path)
    sheet = book.active
    top = header_row(sheet)
    titles = {c.value: c.column for c in sheet[top]}
    for row in range(top + 1, sheet.max_row + 1):
        code = sheet.cell(row=row, column=titles["Mã"]).value
        if not code:
            continue
        reason = (refused or {}).get(code)
        decision = "không đồng ý" if reason else "đồng ý"
        sheet.cell(row=row, column=titles["Quyết định"], value=decision)
        if reason:
            sheet.cell(row=row, column=titles["Lý do"], value=reason)
    book.save(sheet_path)
    return sheet_path
