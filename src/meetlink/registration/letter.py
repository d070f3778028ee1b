"""The letter the form goes with: a công văn in the Party's form, the form's table attached.

Seed 004 is the model: the issuing bodies, the star and "Số 828-CV/ĐUK" top left with
"V/v …" under them, "ĐẢNG CỘNG SẢN VIỆT NAM" and the place and date top right, "Kính gửi:",
the body, the sentence with the deadline, "Nơi nhận" and the signature block; then, on a
landscape page, the attached list ("DANH SÁCH", its title, "kèm theo Công văn số …") with
the form's tables (section I "Sinh hoạt trực tuyến" and section II "Sinh hoạt tổ đảng", or
the points), a few empty rows to fill in by hand, and the signature line of the organization
("T/M ĐẢNG ỦY (CHI BỘ)"). An office that fills in that table instead of the XLSX returns a
document ``collect`` can read too.

Example:
    >>> DEFAULT_BODY[0][:40]
    'Thực hiện Hướng dẫn số 03-HD/TW ngày 27/'
"""

from __future__ import annotations

from pathlib import Path

from docx.shared import Pt

from meetlink.documents.party_form import (
    FONT,
    PartyDocument,
    TableColumn,
    number_text,
    place_and_date,
)
from meetlink.documents.when import document_date
from meetlink.loading.meeting import Meeting
from meetlink.loading.registration import RegistrationLayout
from meetlink.registration.form import deadline_text
from meetlink.registration.layout import CellType, sections_of

__all__ = ["DEFAULT_BODY", "registration_letter"]

DEFAULT_BODY = (
    "Thực hiện Hướng dẫn số 03-HD/TW ngày 27/12/2022 của Ban Bí thư về thí điểm sinh hoạt "
    "đảng trực tuyến ở các đảng bộ cơ sở, chi bộ có tính chất đặc thù hoặc trong hoàn cảnh "
    "đặc biệt và sinh hoạt theo tổ đảng ở chi bộ đông đảng viên, đề nghị các chi, đảng bộ "
    "cơ sở rà soát, lựa chọn các tổ chức đảng có đủ điều kiện sinh hoạt trực tuyến, sinh "
    "hoạt đảng theo tổ đảng ở chi bộ từ 50 đảng viên trở lên.",
)
_POINTS_BODY = (
    "Các huyện, thành, thị ủy, đảng ủy trực thuộc đăng ký tổ chức điểm cầu trực tuyến đến "
    "cấp xã, kèm theo danh sách các đơn vị kết nối các điểm cầu, và báo cáo số lượng đại "
    "biểu dự tại mỗi điểm cầu.",
)
_BLANK_ROWS = 4


def registration_letter(meeting: Meeting, path: Path) -> Path:
    """Write the letter and its attached form as DOCX (0600)."""
    registration = meeting.registration
    if registration is None:
        raise ValueError("the meeting file has no registration: section")
    letter = registration.letter
    issuers = letter.issuers or (meeting.organizer.name.upper(),)
    number = number_text("CV", letter.number, issuers)
    doc = PartyDocument()
    doc.letterhead(issuers, number, place_and_date(letter.place, document_date(letter.date)))
    left = doc.document.tables[-1].rows[0].cells[0]
    subject = left.add_paragraph()
    subject.alignment = 1  # centred under the number, as the seed writes it
    run = subject.add_run(f"V/v {letter.subject}")
    run.font.name, run.font.size, run.font.italic = FONT, Pt(12), True
    doc.paragraph(f"Kính gửi: {letter.addressee}", align="center")
    default = _POINTS_BODY if registration.layout == RegistrationLayout.POINTS else DEFAULT_BODY
    for paragraph in letter.body or default:
        doc.paragraph(paragraph)
    sender = meeting.organizer.name or "cơ quan tổng hợp"
    doc.paragraph(
        f"Đề nghị các đơn vị điền phiếu đăng ký (có biểu mẫu kèm theo) và gửi về {sender} "
        f"{deadline_text(registration.deadline)} (thư điện tử: {meeting.organizer.email}) "
        "để tổng hợp, trình xem xét, quyết định trước khi thực hiện."
    )
    doc.closing(
        letter.recipients or ("Như kính gửi", "Lưu Văn phòng"),
        letter.signer.lines,
        letter.signer.name,
    )
    doc.landscape_section()
    doc.paragraph("DANH SÁCH", bold=True, align="center")
    doc.paragraph(letter.list_title, bold=True, align="center")
    if letter.number:
        doc.paragraph(f"(kèm theo Công văn số {letter.number})", italic=True, align="center")
    doc.paragraph(f"Hạn gửi: {deadline_text(registration.deadline)}", italic=True, align="center")
    for section in sections_of(registration.layout):
        doc.paragraph(section.heading, bold=True, align="left")
        columns = [
            TableColumn(
                f.title,
                mm=12 if f.key == "number" else None,
                weight=max(f.width / 10, 1.0),
                centered=f.type in (CellType.WHOLE, CellType.YES_NO),
            )
            for f in section.fields
        ]
        rows = [[""] * len(columns) for _ in range(_BLANK_ROWS)]
        doc.table(columns, rows, size=10)
    doc.paragraph("")
    doc.paragraph("T/M ĐẢNG ỦY (CHI BỘ)", bold=True, align="center")
    doc.paragraph("(Ký tên, đóng dấu)", italic=True, align="center")
    return doc.save(path)
