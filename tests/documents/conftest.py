"""Fixtures of the documents tests: the Mỹ Hào example's notice, and small meetings whose
``notice:`` a test chooses."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from meetlink.documents import write_notice
from meetlink.loading import MeetingFile
from meetlink.planning import Plan, plan_meeting
from meetlink.reconcile.setup import load_meeting

EXAMPLES = Path(__file__).parents[2] / "examples"

SMALL_ROSTER = [
    {"id": "TU", "name": "Thị ủy Mỹ Hào", "kind": "committee", "members": 30,
     "location": "Hội trường tầng 3 - Nhà D", "officer_name": "Bùi Hữu Yến",
     "officer_phone": "0956 584 356", "chair": "Đồng chí Bí thư Thị ủy"},
    {"id": "P1", "name": "Đảng bộ Phường Bần Yên Nhân", "kind": "commune", "members": 30,
     "location": "Hội trường trung tâm phường", "officer_name": "Lê Hữu Long",
     "officer_phone": "0973 671 741"},
    {"id": "P1-V1", "name": "Chi bộ Tổ dân phố số 1", "kind": "village", "parent": "P1",
     "members": 40, "location": "Nhà văn hóa Tổ dân phố số 1"},
    {"id": "CB-DL", "name": "Chi bộ Điện lực", "kind": "agency", "members": 20,
     "location": "Hội trường Điện lực"},
]  # fmt: skip


def meeting_data(**overrides: Any) -> dict[str, Any]:
    """A one-sitting party meeting on the memory platform; keys replaced by ``overrides``."""
    data: dict[str, Any] = {
        "id": "demo-2023q3",
        "title": "Giờ sinh hoạt toàn Đảng bộ thị xã Quý III/2023",
        "organizer": {"name": "Văn phòng Thị ủy Mỹ Hào", "email": "vanphong@thiuy.example"},
        "roster": "roster.csv",
        "kind": "party_meeting",
        "rehearsal": "2023-09-09T15:00",
        "help_contacts": [{"name": "Văn phòng Thị ủy", "phone": "0900 000 101"}],
        "tracks": [
            {
                "id": "main",
                "platform": "memory",
                "units": {"kinds": ["committee", "commune", "attached", "village", "agency"]},
                "sittings": [{"id": "s1", "start": "2023-09-10T08:00", "end": "2023-09-10T10:00"}],
            }
        ],
    }
    data.update(overrides)
    return data


@pytest.fixture(scope="session")
def myhao() -> MeetingFile:
    return load_meeting(EXAMPLES / "myhao-2023q3" / "meeting.yaml")


@pytest.fixture(scope="session")
def myhao_plan(myhao: MeetingFile) -> Plan:
    return plan_meeting(myhao.meeting, myhao.roster)


@pytest.fixture(scope="session")
def myhao_notice(myhao_plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_notice(myhao_plan, tmp_path_factory.mktemp("notice") / "thong-bao.docx")


@pytest.fixture
def small_notice(files: Any) -> Callable[..., tuple[Path, Plan]]:
    """``small_notice(notice={...}, **meeting_keys)``: a four-point meeting's notice."""

    def make(**overrides: Any) -> tuple[Path, Plan]:
        files.roster_csv(SMALL_ROSTER)
        data = meeting_data(**overrides)
        loaded = load_meeting(files.meeting(data))
        plan = plan_meeting(loaded.meeting, loaded.roster)
        return write_notice(loaded, files.path("notice.docx")), plan

    return make
