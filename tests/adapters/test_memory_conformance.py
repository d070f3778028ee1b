"""The memory adapter passes the conformance suite, and its test hooks do what they say."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from pydantic import ValidationError

from meetlink.adapters import (
    AdapterSettings,
    AttendanceEntry,
    Capability,
    ConferenceAdapter,
    ConferenceInfo,
    ConferenceRequest,
    ConferenceStatus,
    PointAccess,
    PointRef,
)
from meetlink.adapters.memory import MemoryAdapter, MemorySettings, MemoryStore
from meetlink.errors import (
    InvalidRequest,
    NotFound,
    RateLimited,
    TransientError,
    UnsupportedFeature,
)
from meetlink.loading.roster import Equipment
from meetlink.planning import BridgePoint, PointRole
from meetlink.testing import AdapterConformance
from meetlink.testing.conformance import LEAK_CANARY, RequestFactory, sample_request

ZONE = dt.timezone(dt.timedelta(hours=7))


class TestMemoryAdapter(AdapterConformance):
    @pytest.fixture
    def adapter(self) -> Iterator[MemoryAdapter]:
        with MemoryAdapter() as adapter:
            yield adapter

    @pytest.fixture
    def invalid_settings(self) -> dict[str, Any]:
        return {"api_key": LEAK_CANARY, "password_length": LEAK_CANARY}


class TestMemoryAdapterThatRequiresATime(AdapterConformance):
    @pytest.fixture
    def adapter(self) -> Iterator[MemoryAdapter]:
        with MemoryAdapter({"require_time": True}) as adapter:
            yield adapter


@pytest.fixture
def adapter() -> MemoryAdapter:
    return MemoryAdapter()


@pytest.fixture
def make_request() -> RequestFactory:
    return sample_request


def test_join_url_and_external_id_are_deterministic(make_request: RequestFactory) -> None:
    request = make_request(key="main/s1", meeting_id="q3")
    first = MemoryAdapter().create(request)
    second = MemoryAdapter().create(request)
    assert first.join_url == "memory://q3/main/s1"
    assert first.external_id == second.external_id


def test_capabilities_are_all_but_platform_invites_and_batch() -> None:
    assert MemoryAdapter.capabilities == frozenset(Capability) - {
        Capability.PLATFORM_INVITES,
        Capability.BATCH,
    }
    assert MemoryAdapter.requires_officer


def test_fail_next_raises_then_lets_calls_through(
    adapter: MemoryAdapter, make_request: RequestFactory
) -> None:
    request = make_request()
    adapter.fail_next(2, operation="create")
    for _ in range(2):
        with pytest.raises(TransientError):
            adapter.create(request)
    assert adapter.find(request) is None
    assert adapter.create(request).key == request.key
    assert adapter.calls["create"] == 3


def test_fail_next_after_does_the_work_then_fails(
    adapter: MemoryAdapter, make_request: RequestFactory
) -> None:
    request = make_request()
    adapter.fail_next(error=RateLimited("slow down", retry_after=5), after=True)
    with pytest.raises(RateLimited) as caught:
        adapter.create(request)
    assert caught.value.retry_after == 5
    found = adapter.find(request)
    assert found is not None
    assert found.status == ConferenceStatus.READY


def test_fail_next_without_operation_hits_the_next_call_of_any_kind(
    adapter: MemoryAdapter, make_request: RequestFactory
) -> None:
    adapter.fail_next()
    with pytest.raises(TransientError):
        adapter.find(make_request())
    assert adapter.find(make_request()) is None


def test_fail_next_refuses_a_count_below_one(adapter: MemoryAdapter) -> None:
    with pytest.raises(ValueError, match="n >= 1"):
        adapter.fail_next(0)


def test_a_shared_store_outlives_the_adapter(make_request: RequestFactory) -> None:
    store = MemoryStore()
    request = make_request()
    with MemoryAdapter(http=store) as first:
        info = first.create(request)
    with MemoryAdapter(http=store) as second:
        assert second.create(request) == info
    assert store.conferences() == [info]
    assert store.calls["create"] == 2


def test_a_named_store_is_shared_by_settings(make_request: RequestFactory) -> None:
    request = make_request()
    try:
        info = MemoryAdapter({"store": "demo"}).create(request)
        assert MemoryAdapter({"store": "demo"}).find(request) == info
        assert MemoryAdapter().find(request) is None
    finally:
        MemoryStore.forget("demo")
    assert MemoryAdapter({"store": "demo"}).find(request) is None


def test_http_other_than_a_store_is_refused() -> None:
    with pytest.raises(TypeError, match="MemoryStore"):
        MemoryAdapter(http=object())


def test_cancel_revokes_handed_out_access(
    adapter: MemoryAdapter, make_request: RequestFactory
) -> None:
    request = make_request()
    info = adapter.create(request)
    access = adapter.issue_access(request, info, request.bridge_points[0])
    assert access.password is not None
    assert adapter.verify(request, access.point_id, access.password.reveal())
    adapter.cancel(request, info)
    assert not adapter.verify(request, access.point_id, access.password.reveal())
    with pytest.raises(NotFound, match="run `meetlink open`"):
        adapter.issue_access(request, info, request.bridge_points[0])


def test_issue_access_twice_gives_the_same_access(
    adapter: MemoryAdapter, make_request: RequestFactory
) -> None:
    request = make_request()
    info = adapter.create(request)
    point = request.bridge_points[1]
    first = adapter.issue_access(request, info, point)
    assert adapter.issue_access(request, info, point) == first
    assert first.join_url == f"{info.join_url}?point={point.id}"
    assert first.password is not None
    assert len(first.password.reveal()) == 16


def test_update_of_an_unknown_conference_is_not_found(
    adapter: MemoryAdapter, make_request: RequestFactory
) -> None:
    request = make_request()
    ghost = ConferenceInfo(key=request.key, external_id="mem-ghost", join_url="memory://x")
    with pytest.raises(NotFound):
        adapter.update(request, ghost)


def test_recorded_attendance_is_returned(
    adapter: MemoryAdapter, make_request: RequestFactory
) -> None:
    request = make_request()
    info = adapter.create(request)
    joined = dt.datetime(2030, 9, 10, 8, 1, tzinfo=ZONE)
    entry = AttendanceEntry(display_name="Điểm cầu X1", joined_at=joined)
    adapter.record_attendance(request, entry)
    assert adapter.attendance(request, info) == [entry]
    assert entry.minutes is None


def test_record_attendance_needs_the_conference(
    adapter: MemoryAdapter, make_request: RequestFactory
) -> None:
    with pytest.raises(NotFound):
        adapter.record_attendance(make_request())


def test_require_time_refuses_an_unscheduled_room(make_request: RequestFactory) -> None:
    adapter = MemoryAdapter(MemorySettings(require_time=True))
    with pytest.raises(InvalidRequest, match="no time yet"):
        adapter.create(make_request(start=None, end=None))


def test_settings_of_another_adapter_are_refused() -> None:
    class OtherSettings(AdapterSettings):
        pass

    with pytest.raises(TypeError, match="takes MemorySettings"):
        MemoryAdapter(OtherSettings())


def test_repr_shows_no_settings() -> None:
    adapter = MemoryAdapter({"api_key": "k-93ab-secret"})
    assert repr(adapter) == "<MemoryAdapter 'memory'>"


class TestContract:
    """The base class checks declarations when an adapter class is defined."""

    def test_capabilities_must_be_a_frozenset_of_capability(self) -> None:
        with pytest.raises(TypeError, match="frozenset of Capability"):

            class Bad(MemoryAdapter):
                capabilities: ClassVar[frozenset[Capability]] = frozenset({"create"})  # type: ignore[arg-type]

    def test_declaring_attendance_requires_overriding_it(self) -> None:
        with pytest.raises(TypeError, match="does not override attendance"):

            class Bad(ConferenceAdapter):
                name = "bad"
                capabilities = frozenset({Capability.ATTENDANCE})

    def test_request_end_must_follow_start(self, make_request: RequestFactory) -> None:
        start = dt.datetime(2030, 1, 1, 8, tzinfo=ZONE)
        with pytest.raises(ValidationError, match="end must come after"):
            make_request(start=start, end=start)

    def test_request_times_must_be_aware(self, make_request: RequestFactory) -> None:
        with pytest.raises(ValidationError, match="timezone"):
            make_request(start=dt.datetime(2030, 1, 1, 8), end=None)

    def test_request_point_lookup(self, make_request: RequestFactory) -> None:
        request = make_request()
        assert request.point("X1") == PointRef(id="X1", name="Đảng ủy xã Mỹ Hào", host_unit="X1")
        with pytest.raises(KeyError):
            request.point("nope")

    def test_a_ready_conference_needs_a_link(self) -> None:
        with pytest.raises(ValidationError, match="join_url"):
            ConferenceInfo(key="k", external_id="e")
        assert ConferenceInfo(key="k", external_id="e", status="pending").join_url == ""

    def test_point_access_masks_its_secrets(self) -> None:
        access = PointAccess(point_id="X1", join_url="memory://q", password="pw-secret-x1")
        assert "pw-secret-x1" not in repr(access) + access.model_dump_json()
        assert access.has_secret

    def test_a_request_is_frozen(self, make_request: RequestFactory) -> None:
        request: ConferenceRequest = make_request()
        with pytest.raises(ValidationError):
            request.title = "other"  # type: ignore[misc]

    def test_point_ref_of_a_planned_point(self) -> None:
        point = BridgePoint(
            id="X1",
            name="Đảng ủy xã",
            location="Hội trường xã",
            host_unit="X1",
            units=("X1", "X1-CA"),
            track="main",
            platform="memory",
            role=PointRole.COMMUNE,
            seats={"s1": 40},
            equipment=Equipment.HARDWARE,
        )
        ref = PointRef.of(point)
        assert (ref.id, ref.host_unit, ref.equipment) == ("X1", "X1", Equipment.HARDWARE)


class Minimal(ConferenceAdapter):
    """The least an adapter may be: create and find only, no optional capability."""

    name = "minimal"
    capabilities = frozenset({Capability.CREATE})

    def create(self, request: ConferenceRequest) -> ConferenceInfo:
        if request.title == "refuse":
            raise InvalidRequest("refused on purpose", adapter=self.name)
        return ConferenceInfo(key=request.key, external_id=request.key, join_url="x://y")

    def update(self, request: ConferenceRequest, info: ConferenceInfo) -> ConferenceInfo:
        self.require(Capability.UPDATE)
        return info

    def cancel(self, request: ConferenceRequest, info: ConferenceInfo) -> None:
        self.require(Capability.CANCEL)

    def find(self, request: ConferenceRequest) -> ConferenceInfo | None:
        return None

    def issue_access(
        self, request: ConferenceRequest, info: ConferenceInfo, point: PointRef
    ) -> PointAccess:
        return PointAccess(point_id=point.id, join_url=info.join_url)


def test_default_create_many_puts_each_failure_in_its_place(make_request: RequestFactory) -> None:
    requests = [make_request(), make_request(title="refuse"), make_request()]
    results = Minimal().create_many(requests)
    assert [type(r).__name__ for r in results] == [
        "ConferenceInfo",
        "InvalidRequest",
        "ConferenceInfo",
    ]


def test_default_attendance_is_unsupported_without_the_capability(
    make_request: RequestFactory,
) -> None:
    adapter = Minimal()
    request = make_request()
    with pytest.raises(UnsupportedFeature, match="'minimal' adapter cannot tell who attended"):
        adapter.attendance(request, adapter.create(request))


def test_an_adapter_without_settings_takes_an_empty_mapping_only() -> None:
    assert isinstance(Minimal().settings, AdapterSettings)
    with pytest.raises(ValidationError, match="Extra inputs"):
        Minimal({"anything": 1})
