"""The columns of the registration forms: their Vietnamese headers, what each cell holds.

One table per sheet. The layout ``online_meetings`` (seed 004) has two: section I "Sinh hoạt
trực tuyến" (one row per organization that would meet online: the organization itself on
the first row, then, for a đảng bộ, its branches) and section II "Sinh hoạt tổ đảng" (one row
per party cell of a branch of 50 or more members). The layout ``points`` (seed 001) has one:
the district's own point on the first row, then the points it opens down to its communes.

The same definitions write the form (headers, widths, data validation) and read it back
(headers matched by their fold, so "SỐ ĐẢNG VIÊN" and "so dang vien" are the same column).

Example:
    >>> [f.title for f in CELLS.fields][:4]
    ['Số TT', 'Chi bộ', 'Tên tổ đảng', 'Tổ trưởng']
    >>> sections_of(RegistrationLayout.POINTS)[0].sheet
    'Điểm cầu'
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from meetlink.loading.registration import RegistrationLayout
from meetlink.text import fold

__all__ = [
    "BRANCH_KINDS",
    "CELLS",
    "ORGANIZATIONS",
    "POINTS",
    "REVIEW",
    "YES",
    "CellType",
    "FormField",
    "Section",
    "sections_of",
]

YES, NO = "có", "không"
BRANCH_KINDS = ("Chi bộ cơ sở", "Chi bộ trực thuộc")
"""The kinds of organization that may meet as party cells (cells belong to a chi bộ)."""
ORGANIZATION_KINDS = ("Đảng bộ cơ sở", *BRANCH_KINDS)
POINT_KINDS = ("Huyện", "Cấp xã", "Cơ quan")


class CellType(StrEnum):
    """What a cell holds, which decides its check and its data validation."""

    TEXT = "text"
    WHOLE = "whole"
    YES_NO = "yes_no"
    CHOICE = "choice"
    EMAIL = "email"
    EMAILS = "emails"
    HOUR = "hour"


@dataclass(frozen=True)
class FormField:
    """One column of a form: ``key`` in the register, ``title`` as printed."""

    key: str
    title: str
    type: CellType = CellType.TEXT
    required: bool = False
    width: float = 16
    choices: tuple[str, ...] = ()
    minimum: int = 0


@dataclass(frozen=True)
class Section:
    """One table of a form, on its own sheet."""

    key: str
    sheet: str
    heading: str
    fields: tuple[FormField, ...]

    def by_title(self) -> dict[str, FormField]:
        """Fields keyed by the fold of their header."""
        return {fold(f.title): f for f in self.fields}


_NUMBER = FormField("number", "Số TT", CellType.WHOLE, width=6)
_OFFICER = (
    FormField("officer_name", "Cán bộ kỹ thuật", width=20),
    FormField("officer_phone", "Điện thoại", width=14),
    FormField("officer_email", "Email cán bộ kỹ thuật", CellType.EMAIL, width=24),
    FormField("contact_emails", "Email nhận giấy mời", CellType.EMAILS, width=24),
)

ORGANIZATIONS = Section(
    "organizations",
    "I. Sinh hoạt trực tuyến",
    "I. SINH HOẠT TRỰC TUYẾN",
    (
        _NUMBER,
        FormField("id", "Mã", width=10),
        FormField("name", "Tên tổ chức đảng", required=True, width=30),
        FormField("kind", "Loại tổ chức", CellType.CHOICE, True, 16, ORGANIZATION_KINDS),
        FormField("members", "Số đảng viên", CellType.WHOLE, required=True, width=10),
        FormField("area", "Địa bàn công tác", width=22),
        FormField("branches", "Số chi bộ", CellType.WHOLE, width=9),
        FormField(
            "qualifies",
            "Đủ điều kiện về hạ tầng công nghệ thông tin",
            CellType.YES_NO,
            required=True,
            width=16,
        ),
        FormField("location", "Địa điểm sinh hoạt", width=24),
        *_OFFICER,
    ),
)
CELLS = Section(
    "cells",
    "II. Sinh hoạt tổ đảng",
    "II. SINH HOẠT TỔ ĐẢNG (chi bộ từ 50 đảng viên trở lên)",
    (
        _NUMBER,
        FormField("branch", "Chi bộ", required=True, width=28),
        FormField("name", "Tên tổ đảng", required=True, width=24),
        FormField("leader", "Tổ trưởng", required=True, width=20),
        FormField("leader_email", "Email tổ trưởng", CellType.EMAIL, width=24),
        FormField("members", "Số đảng viên", CellType.WHOLE, required=True, width=10, minimum=1),
        FormField("location", "Địa điểm sinh hoạt", width=24),
        FormField("meets_at", "Giờ sinh hoạt", CellType.HOUR, width=10),
        FormField("contact_emails", "Email nhận giấy mời", CellType.EMAILS, width=24),
    ),
)
POINTS = Section(
    "points",
    "Điểm cầu",
    "DANH SÁCH ĐIỂM CẦU VÀ ĐƠN VỊ KẾT NỐI",
    (
        _NUMBER,
        FormField("id", "Mã", width=10),
        FormField("name", "Tên điểm cầu", required=True, width=28),
        FormField("kind", "Cấp", CellType.CHOICE, True, 10, POINT_KINDS),
        FormField("location", "Địa điểm", required=True, width=26),
        FormField("units", "Đơn vị kết nối", width=30),
        FormField("delegates", "Số đại biểu", CellType.WHOLE, required=True, width=10),
        FormField("chair", "Đồng chí chủ trì", width=22),
        *_OFFICER,
    ),
)
REVIEW = Section(
    "review",
    "Xét duyệt",
    "XÉT DUYỆT ĐĂNG KÝ",
    (
        _NUMBER,
        FormField("id", "Mã", required=True, width=10),
        FormField("name", "Tên tổ chức đảng", width=30),
        FormField("received", "Ngày gửi", width=16),
        FormField("file", "Tệp", width=22),
        FormField("summary", "Nội dung đăng ký", width=40),
        FormField("notes", "Ghi chú", width=24),
        FormField("decision", "Quyết định", CellType.CHOICE, False, 14, ("đồng ý", "không đồng ý")),
        FormField("reason", "Lý do", width=30),
    ),
)


def sections_of(layout: RegistrationLayout) -> tuple[Section, ...]:
    """The tables of a layout's form, the main one first."""
    if layout == RegistrationLayout.POINTS:
        return (POINTS,)
    return (ORGANIZATIONS, CELLS)
