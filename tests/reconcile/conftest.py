"""A small meeting on the memory platform, a shared store, an outbox and a vault key."""

# ruff: noqa: E501 - roster rows read best one to a line

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from meetlink.adapters.memory import MemoryStore
from meetlink.credentials.vault import VaultKey
from meetlink.reconcile.desired import DesiredState

ROSTER = """\
mã,tên tổ chức đảng,loại,trực thuộc,số đảng viên,địa điểm,có trụ sở xã,ghép điểm cầu,cán bộ kỹ thuật,email,email nhận giấy mời
TU,Thị ủy,committee,,40,Hội trường tầng 3,,,Ngô Văn An,ktv.tu@thiuy.example.org,vp@thiuy.example.org
X1,Xã Hòa Phong,commune,,30,Hội trường xã,,,Lê Thị Bình,ktv.x1@xa.example.org,bithu.x1@xa.example.org
X1-CA,Chi bộ Công an xã,attached,X1,7,,,,,,ca.x1@xa.example.org
X1-T2,Chi bộ thôn 2,village,X1,18,NVH thôn 2,,,Đỗ Văn Cường,ktv.t2@xa.example.org,t2@xa.example.org
"""

MEETING = """\
id: demo-open
title: "Giờ sinh hoạt toàn Đảng bộ"
organizer: {name: "Văn phòng Thị ủy", email: vp@thiuy.example.org}
roster: roster.csv
tracks:
  - id: main
    platform: memory
    units: {kinds: [committee, commune, attached, village, agency]}
    attendance: split
    sittings:
      - {id: s1, start: 2023-09-10T08:00, end: 2023-09-10T10:00}
      - {id: s2, start: 2023-09-11T08:00, end: 2023-09-11T10:00}
"""


class Meeting:
    """A meeting folder the test can edit, and the run's shared pieces."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / "meeting.yaml"
        self.store = MemoryStore()
        self.key = VaultKey.generate()
        self.write(MEETING, ROSTER)

    def write(self, meeting: str | None = None, roster: str | None = None) -> None:
        if meeting is not None:
            self.path.write_text(textwrap.dedent(meeting), encoding="utf-8")
        if roster is not None:
            (self.folder / "roster.csv").write_text(roster, encoding="utf-8")

    def edit(self, old: str, new: str) -> None:
        text = self.path.read_text(encoding="utf-8")
        assert old in text
        self.path.write_text(text.replace(old, new), encoding="utf-8")

    @property
    def state(self) -> Path:
        return self.folder / ".meetlink"

    @property
    def outbox(self) -> Path:
        return self.state / "outbox"

    def calendars(self) -> list[str]:
        return sorted(p.read_text(encoding="utf-8") for p in self.outbox.glob("*.ics"))


@pytest.fixture
def meeting(tmp_path: Path) -> Meeting:
    return Meeting(tmp_path)


@pytest.fixture
def open_it(meeting: Meeting) -> Callable[..., object]:
    from meetlink.reconcile import open_meeting

    def run(**kw: object) -> object:
        kw.setdefault("http", meeting.store)
        kw.setdefault("vault_key", meeting.key)
        return open_meeting(meeting.path, **kw)  # type: ignore[arg-type]

    return run


@pytest.fixture
def worked_out(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times a run worked the desired state out (the full run does, once)."""
    calls: list[int] = []
    original = DesiredState.now

    def counting(self: DesiredState, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(DesiredState, "now", counting)
    return calls
