"""Helpers for the report tests: a small meeting on disk, its plan, roll-call sheets.

The roster (seats worked out in the comments of the tests that use them):

* ``TU`` committee (40) hosts the main point; agency ``CQ`` (7) joins it;
* ``X1`` commune (30) hosts a point with its police branch ``X1-CA`` (10) and the village
  ``T2`` (9) where the commune headquarters stands; village ``T1`` (21) has its own point;
* ``DB`` agency (60) runs its own point.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

from meetlink.loading import load_meeting
from meetlink.planning import Plan, plan_meeting

ROSTER = """\
mã,tên tổ chức đảng,loại,trực thuộc,số đảng viên,địa điểm,có trụ sở xã,ghép điểm cầu
TU,Thị ủy Mỹ Hào,committee,,40,Hội trường tầng 3 nhà D,,
CQ,Chi bộ Cơ quan Ủy ban,agency,,7,,,TU
X1,Đảng bộ xã Hòa Phong,commune,,30,Hội trường trung tâm xã,,
X1-CA,Chi bộ Công an xã Hòa Phong,attached,X1,10,,,
T1,Chi bộ thôn Lỗ Xá,village,X1,21,Nhà văn hóa thôn Lỗ Xá,,
T2,Chi bộ thôn Trung,village,X1,9,,có,
DB,Đảng bộ Bệnh viện Phố Nối,agency,,60,Hội trường bệnh viện,,
"""

KINDS = ["committee", "commune", "attached", "village", "agency"]


def sittings(count: int, day: int = 10) -> list[dict[str, str]]:
    """``count`` sittings s1…sN on consecutive days, 08:00–10:00, titled "Lớp N"."""
    return [
        {
            "id": f"s{n}",
            "title": f"Lớp {n}",
            "start": f"2023-09-{day + n - 1:02d}T08:00",
            "end": f"2023-09-{day + n - 1:02d}T10:00",
        }
        for n in range(1, count + 1)
    ]


def one_track(attendance: str = "all", count: int = 1, **keys: Any) -> list[dict[str, Any]]:
    return [
        {
            "id": "main",
            "title": "Điểm cầu toàn Đảng bộ",
            "platform": "memory",
            "units": {"kinds": KINDS},
            "attendance": attendance,
            "sittings": sittings(count),
            **keys,
        }
    ]


def two_tracks() -> list[dict[str, Any]]:
    """``main``: committee/commune/village in 3 split classes; ``meet``: agency DB, 2 split."""
    return [
        {
            "id": "main",
            "title": "Đường truyền",
            "platform": "memory",
            "units": {"kinds": ["committee", "commune", "attached", "village"]},
            "attendance": "split",
            "sittings": sittings(3),
        },
        {
            "id": "meet",
            "title": "Google Meet",
            "platform": "memory",
            "units": {"kinds": ["agency"]},
            "rules": {"own_point_min_members": 1},
            "attendance": "split",
            "sittings": sittings(2, day=20),
        },
    ]


class Meeting:
    """A meeting folder: meeting.yaml + roster.csv, and roll-call sheets beside them."""

    ROSTER = ROSTER
    one_track = staticmethod(one_track)
    two_tracks = staticmethod(two_tracks)

    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, tracks: list[dict[str, Any]] | None = None, roster: str = ROSTER) -> Path:
        data = {
            "id": "demo-2023q3",
            "title": "Giờ sinh hoạt toàn Đảng bộ Quý III/2023",
            "organizer": {"name": "Ban Tuyên giáo Thị ủy", "email": "btg@thiuy.example"},
            "timezone": "Asia/Ho_Chi_Minh",
            "roster": "roster.csv",
            "tracks": tracks or one_track(),
        }
        (self.root / "roster.csv").write_text(roster, encoding="utf-8")
        path = self.root / "meeting.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
        return path

    def plan(self, tracks: list[dict[str, Any]] | None = None, roster: str = ROSTER) -> Plan:
        loaded = load_meeting(self.write(tracks, roster))
        return plan_meeting(loaded.meeting, loaded.roster)

    def csv(self, name: str, rows: Sequence[Sequence[Any]]) -> Path:
        """A CSV sheet; the first row is the header."""
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(buffer.getvalue(), encoding="utf-8")
        return path

    def xlsx(self, name: str, rows: Sequence[Sequence[Any]]) -> Path:
        import openpyxl

        book = openpyxl.Workbook()
        for row in rows:
            book.worksheets[0].append(list(row))
        path = self.root / name
        book.save(path)
        return path


@pytest.fixture
def meeting(tmp_path: Path) -> Meeting:
    return Meeting(tmp_path)
