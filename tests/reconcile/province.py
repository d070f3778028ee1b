"""A province's roster for the ``open --scope`` tests (imported by name: ``from
tests.reconcile.province import province_roster``): the province (T), two districts (H1, H2)
and their communes, each with its hall, its technical officer and the address its
invitation goes to. The SQLite and PostgreSQL scope runs use two communes a district; the
tiers tests three (so no conference of capacity 4 holds every point).

Example:
    >>> roster = province_roster(2)
    >>> [line.split(",")[0] for line in roster.splitlines()[1:]]
    ['T', 'H1', 'X11', 'X12', 'H2', 'X21', 'X22']
"""

# ruff: noqa: E501 - roster rows read best one to a line

from __future__ import annotations

__all__ = ["province_roster"]

_HEADER = "mã,tên tổ chức đảng,loại,trực thuộc,số đảng viên,địa điểm,cán bộ kỹ thuật,email,email nhận giấy mời\n"

_PROVINCE = "T,Tỉnh ủy Hà Tĩnh,committee,,40,Hội trường Tỉnh ủy,Ngô Văn An,ktv.t@tinhuy.example.org,vp@tinhuy.example.org\n"

_DISTRICTS = (
    (
        "H1,Huyện ủy Cẩm Xuyên,district,T,30,Hội trường Huyện ủy Cẩm Xuyên,Lê Thị Bình,ktv.h1@cx.example.org,vp.h1@cx.example.org\n",
        (
            "X11,Đảng ủy xã Cẩm Thành,commune,H1,25,Hội trường xã Cẩm Thành,Đỗ Văn Cường,ktv.x11@cx.example.org,bt.x11@cx.example.org\n",
            "X12,Đảng ủy xã Cẩm Quang,commune,H1,22,Hội trường xã Cẩm Quang,Phan Văn Dũng,ktv.x12@cx.example.org,bt.x12@cx.example.org\n",
            "X13,Đảng ủy xã Cẩm Bình,commune,H1,23,Hội trường xã Cẩm Bình,Lê Văn Khánh,ktv.x13@cx.example.org,bt.x13@cx.example.org\n",
        ),
    ),
    (
        "H2,Huyện ủy Can Lộc,district,T,28,Hội trường Huyện ủy Can Lộc,Trần Thị Em,ktv.h2@cl.example.org,vp.h2@cl.example.org\n",
        (
            "X21,Đảng ủy xã Thiên Lộc,commune,H2,24,Hội trường xã Thiên Lộc,Võ Văn Giang,ktv.x21@cl.example.org,bt.x21@cl.example.org\n",
            "X22,Đảng ủy xã Kim Song Trường,commune,H2,21,Hội trường xã Kim Song Trường,Hồ Thị Hoa,ktv.x22@cl.example.org,bt.x22@cl.example.org\n",
            "X23,Đảng ủy xã Vượng Lộc,commune,H2,26,Hội trường xã Vượng Lộc,Nguyễn Văn Long,ktv.x23@cl.example.org,bt.x23@cl.example.org\n",
        ),
    ),
)


def province_roster(communes: int) -> str:
    """The roster's text: T, then each district followed by its first ``communes`` (2 or 3)."""
    if communes not in (2, 3):
        raise ValueError("the province's districts have two or three communes here.")
    rows = "".join(district + "".join(cells[:communes]) for district, cells in _DISTRICTS)
    return _HEADER + _PROVINCE + rows
