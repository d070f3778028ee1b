"""The static-rooms adapter passes meetlink's conformance suite and works with `open`."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from meetlink.adapters import get_adapter, register_adapter
from meetlink.credentials import VaultKey
from meetlink.errors import InvalidRequest, NotFound
from meetlink.reconcile import open_meeting
from meetlink.testing import AdapterConformance
from meetlink.testing.conformance import sample_request

from meetlink_example_adapter import StaticRoomsAdapter

HERE = Path(__file__).resolve().parent.parent
TARGET = "meetlink_example_adapter:StaticRoomsAdapter"


class TestStaticRooms(AdapterConformance):
    """The whole contract: one fixture is all a new adapter needs."""

    @pytest.fixture
    def adapter(self) -> Iterator[StaticRoomsAdapter]:
        with StaticRoomsAdapter({"server": "phonghop.example.org"}) as adapter:
            yield adapter


def test_the_entry_point_names_the_adapter_class() -> None:
    project = tomllib.loads((HERE / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["entry-points"]["meetlink.adapters"]["static-rooms"] == TARGET


def test_meetlink_finds_the_adapter_by_its_platform_name() -> None:
    installed = any(ep.name == "static-rooms" for ep in entry_points(group="meetlink.adapters"))
    if not installed:  # not pip-installed: register the same target the entry point names
        register_adapter("static-rooms", TARGET, replace=True)
    assert get_adapter("static-rooms") is StaticRoomsAdapter


def test_a_listed_key_gets_its_room() -> None:
    adapter = StaticRoomsAdapter({"server": "phonghop.example.org", "rooms": {"main/s1": "ht-3"}})
    info = adapter.create(sample_request(key="main/s1"))
    assert info.join_url == "https://phonghop.example.org/ht-3"


def test_an_unlisted_key_is_refused_without_derive_missing() -> None:
    adapter = StaticRoomsAdapter({"server": "phonghop.example.org", "derive_missing": False})
    with pytest.raises(InvalidRequest, match="no room is set for the conference"):
        adapter.create(sample_request(key="main/s9"))


def test_updating_a_cancelled_conference_is_not_found() -> None:
    adapter = StaticRoomsAdapter({"server": "phonghop.example.org"})
    request = sample_request()
    info = adapter.create(request)
    adapter.cancel(request, info)
    with pytest.raises(NotFound):
        adapter.update(request, info)


def test_meetlink_open_uses_the_rooms(tmp_path: Path) -> None:
    register_adapter("static-rooms", StaticRoomsAdapter, replace=True)
    (tmp_path / "roster.csv").write_text(
        "mã,tên tổ chức đảng,loại,số đảng viên,email nhận giấy mời\n"
        "TU,Thị ủy,committee,30,vanphong@thiuy.example.org\n"
        "X1,Đảng ủy xã 1,commune,40,bithu.x1@thiuy.example.org\n",
        encoding="utf-8",
    )
    (tmp_path / "meeting.yaml").write_text(
        "id: demo-static\n"
        'title: "Giờ sinh hoạt"\n'
        "organizer: {email: vanphong@thiuy.example.org}\n"
        "roster: roster.csv\n"
        "tracks:\n"
        "  - id: main\n"
        "    platform: static-rooms\n"
        "    units: {kinds: [committee, commune]}\n"
        "    settings: {server: phonghop.example.org, rooms: {main/s1: hoi-truong}}\n"
        "    sittings: [{id: s1, start: 2030-09-10T08:00, end: 2030-09-10T10:00}]\n",
        encoding="utf-8",
    )
    result = open_meeting(tmp_path / "meeting.yaml", vault_key=VaultKey.generate())
    assert result.ok, result.failures
    assert result.counts["invitation"] == {"create": 2}
    invitations = list((tmp_path / ".meetlink" / "outbox").glob("*.ics"))
    assert len(invitations) == 2
    unfolded = [p.read_bytes().replace(b"\r\n ", b"") for p in invitations]
    assert all(b"https://phonghop.example.org/hoi-truong" in text for text in unfolded)
