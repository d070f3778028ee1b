"""`AdapterConformance`: the test suite every conference adapter must pass, shipped in the wheel.

As fsspec does for filesystems, a new adapter gets the whole suite by subclassing the mixin
in a test module and providing an ``adapter`` fixture (an instance, closed afterwards).
Override ``conference_request`` when the platform needs other request values (an organizer
its account may act for, say), and ``invalid_settings`` to aim the secret-leak check at a
secret field of its own settings. Each failure says which part of the contract broke.

Example (a test module)::

    import pytest
    from meetlink.adapters.memory import MemoryAdapter
    from meetlink.testing import AdapterConformance

    class TestMemory(AdapterConformance):
        @pytest.fixture
        def adapter(self):
            with MemoryAdapter() as adapter:
                yield adapter
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from meetlink.adapters.base import Capability, ConferenceAdapter, CredentialScope
from meetlink.adapters.models import (
    Attendee,
    ConferenceInfo,
    ConferenceRequest,
    ConferenceStatus,
    PointAccess,
    PointRef,
)
from meetlink.credentials.secret import Secret
from meetlink.errors import InvalidRequest, UnsupportedFeature
from meetlink.loading.meeting import DEFAULT_TIMEZONE

__all__ = ["LEAK_CANARY", "AdapterConformance", "RequestFactory", "sample_request"]

LEAK_CANARY = "canary-Zq81-do-not-echo"
"""The secret text the default ``invalid_settings`` hides in a bad settings mapping."""

_ZONE = ZoneInfo(DEFAULT_TIMEZONE)
_T = TypeVar("_T")


class RequestFactory(Protocol):
    """Makes a valid `ConferenceRequest` with a fresh key; keyword arguments override fields."""

    def __call__(self, **overrides: Any) -> ConferenceRequest: ...


def _expect(condition: object, message: str) -> None:
    # pytest.fail instead of assert: the suite lives in the package, where asserts may be
    # stripped (python -O) and are not rewritten; the message names the broken contract.
    if not condition:
        pytest.fail(message, pytrace=False)


def _present(value: _T | None, message: str) -> _T:
    if value is None:
        pytest.fail(message, pytrace=False)
    return value


def _reveal(secret: Secret | None) -> str:
    return secret.reveal() if secret is not None else ""


def sample_request(**overrides: Any) -> ConferenceRequest:
    """A valid request with a fresh key: two bridge points, a two-hour sitting in 2030.

    Example:
        >>> sample_request(title="Họp chi bộ").title
        'Họp chi bộ'
    """
    start = dt.datetime(2030, 9, 10, 8, 0, tzinfo=_ZONE)
    fields: dict[str, Any] = {
        "key": f"main/c{uuid.uuid4().hex[:10]}",
        "meeting_id": "conformance",
        "track": "main",
        "sitting": "s1",
        "title": "Giờ sinh hoạt toàn Đảng bộ Quý III",
        "description": "Chương trình: thông tin thời sự.",
        "start": start,
        "end": start + dt.timedelta(hours=2),
        "timezone": DEFAULT_TIMEZONE,
        "location": "Hội trường Thị ủy",
        "organizer_email": "vanphong@thiuy.example",
        "attendees": (Attendee(email="bithu.x1@thiuy.example", name="Bí thư xã"),),
        "bridge_points": (
            PointRef(id="TU", name="Thị ủy", host_unit="TU"),
            PointRef(id="X1", name="Đảng ủy xã Mỹ Hào", host_unit="X1"),
        ),
        "send_invites": False,
    }
    fields.update(overrides)
    return ConferenceRequest(**fields)


class AdapterConformance:
    """Mixin of tests for one `ConferenceAdapter`; needs an ``adapter`` fixture."""

    @pytest.fixture
    def conference_request(self) -> RequestFactory:
        """The request factory the tests use; :func:`sample_request` unless overridden."""
        return sample_request

    @pytest.fixture
    def invalid_settings(self) -> dict[str, Any]:
        """Bad settings holding ``LEAK_CANARY``: an unknown key every adapter must refuse."""
        return {"no_such_option_zz": LEAK_CANARY}

    # -- declarations ----------------------------------------------------------------------

    def test_declares_a_name_and_capabilities(self, adapter: ConferenceAdapter) -> None:
        caps = type(adapter).capabilities
        _expect(isinstance(adapter.name, str) and adapter.name, "set `name` to the platform.")
        _expect(isinstance(caps, frozenset), "capabilities must be a frozenset.")
        _expect(all(isinstance(c, Capability) for c in caps), "capabilities hold Capability.")
        _expect(Capability.CREATE in caps, "every adapter must declare Capability.CREATE.")

    def test_adapters_that_hand_out_secrets_require_an_officer(
        self, adapter: ConferenceAdapter
    ) -> None:
        _expect(
            adapter.requires_officer or not adapter.hands_out_secrets(),
            "an adapter declaring ACCESS_LOGIN, ACCESS_PIN or ACCESS_TOKEN hands out secrets, "
            "which only a technical officer may receive: set requires_officer = True.",
        )

    def test_require_names_the_adapter_and_the_capability(self, adapter: ConferenceAdapter) -> None:
        for cap in Capability:
            if cap in adapter.capabilities:
                _expect(adapter.require(cap) is None, f"require({cap}) must pass when declared.")
                continue
            with pytest.raises(UnsupportedFeature) as caught:
                adapter.require(cap)
            _expect(adapter.name in str(caught.value), "the message must name the adapter.")
            _expect(str(cap) in str(caught.value), "the message must name the capability.")

    def test_settings_errors_do_not_echo_secrets(
        self, adapter: ConferenceAdapter, invalid_settings: dict[str, Any]
    ) -> None:
        with pytest.raises(ValidationError) as caught:
            type(adapter).validate_settings(invalid_settings)
        error = caught.value
        shown = [str(error), repr(error), str(error.errors()), error.json()]
        secrets_given = [v for v in invalid_settings.values() if isinstance(v, str)]
        for text in secrets_given:
            _expect(
                all(text not in s for s in shown),
                "a settings error echoed a value it was given; derive the settings model from "
                "AdapterSettings and declare secrets as Secret.",
            )

    # -- create and find -------------------------------------------------------------------

    def test_create_returns_info_with_a_join_url(
        self, adapter: ConferenceAdapter, conference_request: RequestFactory
    ) -> None:
        request = conference_request()
        info = adapter.create(request)
        _expect(isinstance(info, ConferenceInfo), "create() must return a ConferenceInfo.")
        _expect(info.key == request.key, "the info must carry the request's key.")
        _expect(info.external_id, "the info must carry the platform's id.")
        _expect(info.status != ConferenceStatus.CANCELLED, "a new conference is not cancelled.")
        _expect(info.status == ConferenceStatus.PENDING or info.join_url, "ready needs a link.")

    def test_create_twice_with_the_same_key_returns_the_same_conference(
        self, adapter: ConferenceAdapter, conference_request: RequestFactory
    ) -> None:
        request = conference_request()
        first = adapter.create(request)
        second = adapter.create(request)
        _expect(
            second.external_id == first.external_id,
            "create() made a second conference for the same key; it must be idempotent.",
        )

    def test_find_after_create_returns_the_conference(
        self, adapter: ConferenceAdapter, conference_request: RequestFactory
    ) -> None:
        request = conference_request()
        info = adapter.create(request)
        found = _present(adapter.find(request), "find() did not find a conference just created.")
        _expect(found.external_id == info.external_id, "find() returned another conference.")
        _expect(found.key == request.key, "find() must return the request's key.")

    def test_find_on_an_unknown_key_returns_none(
        self, adapter: ConferenceAdapter, conference_request: RequestFactory
    ) -> None:
        _expect(adapter.find(conference_request()) is None, "find() invented a conference.")

    def test_create_many_gives_one_result_per_request_in_order(
        self, adapter: ConferenceAdapter, conference_request: RequestFactory
    ) -> None:
        requests = [conference_request(sitting=f"s{i}") for i in (1, 2, 3)]
        results = adapter.create_many(requests)
        _expect(len(results) == len(requests), "create_many() must answer every request.")
        for request, result in zip(requests, results, strict=True):
            _expect(
                isinstance(result, ConferenceInfo) and result.key == request.key,
                f"create_many() gave {result!r} for '{request.key}'.",
            )

    def test_a_request_without_a_time_is_created_or_refused_clearly(
        self, adapter: ConferenceAdapter, conference_request: RequestFactory
    ) -> None:
        request = conference_request(start=None, end=None)
        try:
            info: ConferenceInfo | None = adapter.create(request)
        except InvalidRequest as exc:
            _expect(str(exc), "the refusal must say why.")
            info = None
        if info is None:
            _expect(adapter.find(request) is None, "a refused create must leave nothing behind.")
        else:
            _expect(info.key == request.key, "an unscheduled room must carry the request's key.")

    # -- update and cancel -----------------------------------------------------------------

    def test_update_changes_title_and_time_of_the_same_conference(
        self, adapter: ConferenceAdapter, conference_request: RequestFactory
    ) -> None:
        request = conference_request()
        info = adapter.create(request)
        later = _present(request.start, "the request needs a start") + dt.timedelta(days=1)
        changed = request.model_copy(
            update={
                "title": "Giờ sinh hoạt (dời lịch)",
                "start": later,
                "end": later.replace(hour=11),
            }
        )
        if not adapter.supports(Capability.UPDATE):
            with pytest.raises(UnsupportedFeature):
                adapter.update(changed, info)
            return
        updated = adapter.update(changed, info)
        _expect(updated.external_id == info.external_id, "update() must keep the conference.")
        found = _present(adapter.find(changed), "find() lost the conference after update().")
        _expect(found.title in (None, changed.title), "update() did not change the title.")
        _expect(found.start in (None, later), "update() did not change the start.")

    def test_cancel_then_find_gives_cancelled_or_nothing(
        self, adapter: ConferenceAdapter, conference_request: RequestFactory
    ) -> None:
        request = conference_request()
        info = adapter.create(request)
        adapter.cancel(request, info)
        found = adapter.find(request)
        _expect(
            found is None or found.status == ConferenceStatus.CANCELLED,
            "find() after cancel() must say cancelled, or find nothing.",
        )

    def test_cancel_twice_is_not_an_error(
        self, adapter: ConferenceAdapter, conference_request: RequestFactory
    ) -> None:
        request = conference_request()
        info = adapter.create(request)
        adapter.cancel(request, info)
        adapter.cancel(request, info)
        found = adapter.find(request)
        _expect(found is None or found.status == ConferenceStatus.CANCELLED, "still cancelled.")

    def test_create_after_cancel_brings_the_conference_back(
        self, adapter: ConferenceAdapter, conference_request: RequestFactory
    ) -> None:
        request = conference_request()
        adapter.cancel(request, adapter.create(request))
        revived = adapter.create(request)
        _expect(revived.status != ConferenceStatus.CANCELLED, "create() must revive the key.")
        found = adapter.find(request)
        _expect(
            found is not None and found.status != ConferenceStatus.CANCELLED,
            "find() after reviving must give the live conference.",
        )

    # -- access and attendance -------------------------------------------------------------

    def _access(
        self, adapter: ConferenceAdapter, conference_request: RequestFactory
    ) -> list[tuple[PointRef, PointAccess]]:
        request = conference_request()
        info = adapter.create(request)
        return [(p, adapter.issue_access(request, info, p)) for p in request.bridge_points]

    def test_issue_access_gives_each_point_a_join_url(
        self, adapter: ConferenceAdapter, conference_request: RequestFactory
    ) -> None:
        for point, access in self._access(adapter, conference_request):
            _expect(access.point_id == point.id, "the access must name its bridge point.")
            _expect(access.join_url, f"point '{point.id}' got no join_url.")

    def test_issue_access_gives_declared_secrets_masked(
        self, adapter: ConferenceAdapter, conference_request: RequestFactory
    ) -> None:
        fields = {
            Capability.ACCESS_LOGIN: "password",
            Capability.ACCESS_PIN: "pin",
            Capability.ACCESS_TOKEN: "token",
        }
        for _, access in self._access(adapter, conference_request):
            shown = [repr(access), str(access), access.model_dump_json()]
            for cap, name in fields.items():
                value = getattr(access, name)
                if cap not in adapter.capabilities:
                    _expect(value is None, f"{name} given without declaring {cap.name}.")
                    continue
                _expect(isinstance(value, Secret), f"{name} must be a Secret ({cap.name}).")
                text = _reveal(value)
                _expect(text, f"{name} must not be empty.")
                _expect(all(text not in s for s in shown), f"the {name} shows when printed.")
            if Capability.ACCESS_LOGIN in adapter.capabilities:
                _expect(access.login, "ACCESS_LOGIN is declared but the access has no login.")

    def test_an_account_is_kept_as_the_vault_holds_it(
        self, adapter: ConferenceAdapter, conference_request: RequestFactory
    ) -> None:
        if adapter.credential_scope != CredentialScope.POINT:
            pytest.skip("access is per conference: nothing to keep across conferences")
        request = conference_request()
        info = adapter.create(request)
        for point in request.bridge_points:
            held = adapter.issue_access(request, info, point)
            kept = adapter.keep_access(request, info, point, held)
            again = adapter.issue_access(request, info, point)
            for name in ("login", "password", "pin"):
                _expect(
                    getattr(kept, name) == getattr(held, name),
                    f"keep_access changed the {name} of point '{point.id}'.",
                )
                _expect(
                    getattr(again, name) == getattr(held, name),
                    f"issue_access made point '{point.id}' a second {name} for one account.",
                )

    def test_a_rotation_gives_new_secrets(
        self, adapter: ConferenceAdapter, conference_request: RequestFactory
    ) -> None:
        if not adapter.hands_out_secrets():
            pytest.skip("no secrets to rotate")
        request = conference_request()
        info = adapter.create(request)
        point = request.bridge_points[0]
        held = adapter.issue_access(request, info, point)
        try:
            new = adapter.rotate_access(request, info, point, held)
        except UnsupportedFeature:
            return  # the provider owns the secrets (a sheet): said, not done
        changed = [
            name
            for name in ("password", "token")
            if getattr(held, name) is not None and getattr(new, name) != getattr(held, name)
        ]
        _expect(bool(changed), "rotate_access gave the same secrets back.")

    def test_revoke_access_names_at_most_one_account(
        self, adapter: ConferenceAdapter, conference_request: RequestFactory
    ) -> None:
        request = conference_request()
        info = adapter.create(request)
        point = request.bridge_points[0]
        adapter.issue_access(request, info, point)
        try:
            listed = adapter.revoke_access(request, point)
        except InvalidRequest:
            return  # nowhere to list it: said, not done
        _expect(listed is None or isinstance(listed, str), "revoke_access returns one account.")

    def test_every_point_gets_its_own_secrets(
        self, adapter: ConferenceAdapter, conference_request: RequestFactory
    ) -> None:
        accesses = [a for _, a in self._access(adapter, conference_request)]
        _expect(len(accesses) >= 2, "the request factory must give at least two points.")
        # A PIN is left out: it is short, and two points may draw the same one by chance.
        for name in ("password", "token"):
            texts = [_reveal(getattr(a, name)) for a in accesses if getattr(a, name) is not None]
            _expect(len(set(texts)) == len(texts), f"two bridge points share a {name}.")

    def test_attendance_is_a_list_or_unsupported(
        self, adapter: ConferenceAdapter, conference_request: RequestFactory
    ) -> None:
        request = conference_request()
        info = adapter.create(request)
        if adapter.supports(Capability.ATTENDANCE):
            _expect(isinstance(adapter.attendance(request, info), list), "give a list.")
            return
        with pytest.raises(UnsupportedFeature) as caught:
            adapter.attendance(request, info)
        _expect(adapter.name in str(caught.value), "the error must name the adapter.")

    # -- lifecycle ---------------------------------------------------------------------------

    def test_issue_access_refuses_a_point_outside_the_conference(
        self, adapter: ConferenceAdapter, conference_request: RequestFactory
    ) -> None:
        request = conference_request()
        info = adapter.create(request)
        stranger = PointRef(id="not-in-this-conference", name="Lạ", host_unit="ZZ")
        with pytest.raises(InvalidRequest) as caught:
            adapter.issue_access(request, info, stranger)
        _expect(stranger.id in str(caught.value), "the refusal must name the point.")

    def test_works_as_a_context_manager_and_closes_twice(self, adapter: ConferenceAdapter) -> None:
        with adapter as entered:
            _expect(entered is adapter, "__enter__ must return the adapter itself.")
        adapter.close()
        _expect(adapter.closed, "close() must set `closed` (call super().close()).")
