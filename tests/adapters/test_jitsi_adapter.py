"""The jitsi adapter: public unguessable rooms, per-point JWTs, local room bookkeeping."""

from __future__ import annotations

import base64
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import jwt
import pytest
from pydantic import ValidationError

from meetlink.adapters.base import Capability
from meetlink.adapters.jitsi import (
    JitsiAdapter,
    JitsiSettings,
    JitsiTokenAdapter,
    signed_link,
)
from meetlink.adapters.models import ConferenceRequest, PointAccess
from meetlink.adapters.registry import get_adapter
from meetlink.adapters.rooms import RoomBook
from meetlink.errors import InvalidRequest, NotFound
from meetlink.testing import AdapterConformance
from meetlink.testing.conformance import LEAK_CANARY, RequestFactory, sample_request

SECRET = "s3cr3t-app-key-0123456789abcdef-jitsi"
TOKENS = {"server": "meet.thiuy.example", "app_id": "meetlink", "app_secret": SECRET}
UTC = dt.UTC


class TestJitsiPublic(AdapterConformance):
    @pytest.fixture
    def adapter(self) -> Iterator[JitsiAdapter]:
        with JitsiAdapter() as adapter:
            yield adapter


class TestJitsiTokens(AdapterConformance):
    @pytest.fixture
    def adapter(self, tmp_path: Path) -> Iterator[JitsiAdapter]:
        with JitsiAdapter(TOKENS | {"state_dir": tmp_path}) as adapter:
            yield adapter

    @pytest.fixture
    def invalid_settings(self) -> dict[str, Any]:
        return {"server": "meet.thiuy.example", "app_id": "meetlink", "app_secret": LEAK_CANARY}


@pytest.fixture
def make_request() -> RequestFactory:
    return sample_request


def around_now(start_minutes: int, hours: int = 2, **more: Any) -> ConferenceRequest:
    start = dt.datetime.now(UTC).replace(microsecond=0) + dt.timedelta(minutes=start_minutes)
    return sample_request(start=start, end=start + dt.timedelta(hours=hours), **more)


def decode(token: str, **options: Any) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(
        token,
        SECRET,
        algorithms=["HS256"],
        audience="jitsi",
        issuer="meetlink",
        leeway=0,
        options=cast(Any, {"require": ["aud", "iss", "sub", "room", "exp", "nbf"], **options}),
    )
    return claims


def token_of(access: PointAccess) -> str:
    assert access.token is not None
    return access.token.reveal()


class TestModes:
    def test_no_settings_give_public_rooms_needing_no_officer(self) -> None:
        adapter = JitsiAdapter()
        assert type(adapter) is JitsiAdapter
        assert not adapter.requires_officer
        assert not adapter.hands_out_secrets()
        assert Capability.ACCESS_TOKEN not in adapter.capabilities

    def test_an_app_id_gives_the_token_adapter_with_an_officer(self) -> None:
        for settings in (TOKENS, JitsiSettings.model_validate(TOKENS)):
            adapter = JitsiAdapter(settings)
            assert isinstance(adapter, JitsiTokenAdapter)
            assert adapter.requires_officer
            assert adapter.supports(Capability.ACCESS_TOKEN)

    def test_the_registry_gives_the_jitsi_class(self) -> None:
        assert get_adapter("jitsi") is JitsiAdapter

    @pytest.mark.parametrize(
        ("settings", "message"),
        [
            ({"app_id": "meetlink", "server": "meet.x.example"}, "give both `app_id`"),
            (TOKENS | {"app_secret": "short-secret"}, "shorter than 32 characters"),
            ({"app_id": "m", "app_secret": SECRET}, "meet.jit.si does not accept"),
            ({"server": "https://meet.x.example/"}, "host name of the Jitsi server"),
            ({"early_minutes": -5}, "greater than or equal to 0"),
        ],
    )
    def test_bad_settings_are_refused_with_a_sentence(
        self, settings: dict[str, Any], message: str
    ) -> None:
        with pytest.raises(ValidationError, match=message) as caught:
            JitsiSettings.model_validate(settings)
        assert SECRET not in str(caught.value) + caught.value.json()

    def test_the_app_secret_is_masked_in_settings_and_adapter(self) -> None:
        adapter = JitsiAdapter(TOKENS)
        shown = repr(adapter) + repr(adapter.settings) + adapter.settings.model_dump_json()
        assert SECRET not in shown
        assert "Secret('***')" in repr(adapter.settings)


class TestPublicRooms:
    def test_two_meetings_get_different_unguessable_rooms(
        self, make_request: RequestFactory
    ) -> None:
        adapter = JitsiAdapter()
        rooms = [adapter.create(make_request(meeting_id=f"m{i}")).external_id for i in range(200)]
        assert len(set(rooms)) == 200
        for room in rooms:
            prefix, random = room.split("-")
            assert re.fullmatch(r"[a-z2-7]{26}", random)
            assert len(base64.b32decode(random.upper() + "======")) == 16  # 128 bits
            assert prefix.startswith("m")

    def test_the_room_has_a_readable_prefix_and_a_public_link(
        self, make_request: RequestFactory
    ) -> None:
        info = JitsiAdapter().create(make_request(meeting_id="MyHao-2023Q3"))
        assert info.external_id.startswith("myhao2023q3-")
        assert info.join_url == f"https://meet.jit.si/{info.external_id}"

    def test_access_is_the_link_alone(self, make_request: RequestFactory) -> None:
        adapter = JitsiAdapter({"server": "meet.thiuy.example", "room_prefix": "thiuy"})
        request = make_request()
        info = adapter.create(request)
        access = adapter.issue_access(request, info, request.point("X1"))
        assert access.join_url == info.join_url
        assert not access.has_secret
        assert info.external_id.startswith("thiuy-")

    def test_rooms_are_stable_per_key_across_adapters_sharing_a_state_dir(
        self, tmp_path: Path, make_request: RequestFactory
    ) -> None:
        request = make_request()
        first = JitsiAdapter({"state_dir": tmp_path}).create(request)
        second = JitsiAdapter({"state_dir": tmp_path})
        assert second.find(request) == first
        assert second.create(request) == first
        assert JitsiAdapter().create(request).external_id != first.external_id  # no state

    def test_a_shared_book_in_memory_also_keeps_the_room(
        self, make_request: RequestFactory
    ) -> None:
        book = RoomBook(None, "jitsi")
        request = make_request()
        info = JitsiAdapter(http=book).create(request)
        assert JitsiAdapter(http=book).create(request) == info

    def test_a_cancelled_room_comes_back_with_the_same_name(
        self, tmp_path: Path, make_request: RequestFactory
    ) -> None:
        adapter = JitsiAdapter({"state_dir": tmp_path})
        request = make_request()
        info = adapter.create(request)
        adapter.cancel(request, info)
        assert adapter.create(request).external_id == info.external_id


class TestTokens:
    @pytest.fixture
    def adapter(self, tmp_path: Path) -> JitsiAdapter:
        return JitsiAdapter(TOKENS | {"state_dir": tmp_path})

    def test_each_point_gets_a_token_that_verifies_and_names_it(
        self, adapter: JitsiAdapter
    ) -> None:
        request = around_now(-10)
        info = adapter.create(request)
        for point in request.bridge_points:
            access = adapter.issue_access(request, info, point)
            claims = decode(token_of(access))
            assert claims["aud"] == "jitsi"
            assert claims["iss"] == "meetlink"
            assert claims["sub"] == "meet.thiuy.example"
            assert claims["room"] == info.external_id
            assert claims["context"]["user"] == {"id": point.id, "name": point.name}
            assert access.join_url == f"https://meet.thiuy.example/{info.external_id}"
            assert token_of(access) not in access.join_url + repr(access)

    def test_the_token_window_is_the_sitting_from_arrive_early_to_the_margin(
        self, adapter: JitsiAdapter
    ) -> None:
        request = around_now(-10)
        access = adapter.issue_access(request, adapter.create(request), request.point("TU"))
        claims = decode(token_of(access))
        assert request.start is not None
        assert request.end is not None
        assert claims["nbf"] == int((request.start - dt.timedelta(minutes=30)).timestamp())
        assert claims["exp"] == int((request.end + dt.timedelta(minutes=60)).timestamp())
        assert access.expires_at == request.end + dt.timedelta(minutes=60)

    def test_a_token_after_the_sitting_and_its_margin_is_expired(
        self, adapter: JitsiAdapter
    ) -> None:
        request = around_now(-5 * 60, hours=2)  # ended three hours ago, margin one hour
        access = adapter.issue_access(request, adapter.create(request), request.point("X1"))
        with pytest.raises(jwt.ExpiredSignatureError):
            decode(token_of(access))

    def test_a_token_before_the_arrive_early_window_is_not_yet_valid(
        self, adapter: JitsiAdapter
    ) -> None:
        request = around_now(24 * 60)
        access = adapter.issue_access(request, adapter.create(request), request.point("X1"))
        with pytest.raises(jwt.ImmatureSignatureError):
            decode(token_of(access))
        assert decode(token_of(access), verify_nbf=False)["room"]  # otherwise it is sound

    def test_a_token_signed_with_another_secret_is_rejected(self, adapter: JitsiAdapter) -> None:
        request = around_now(-10)
        token = token_of(
            adapter.issue_access(request, adapter.create(request), request.point("TU"))
        )
        with pytest.raises(jwt.InvalidSignatureError):
            jwt.decode(token, "x" * 40, algorithms=["HS256"], audience="jitsi")

    def test_the_early_and_margin_settings_move_the_window(self) -> None:
        adapter = JitsiAdapter(TOKENS | {"early_minutes": 15, "token_margin_minutes": 0})
        request = around_now(-10)
        claims = decode(
            token_of(adapter.issue_access(request, adapter.create(request), request.point("TU")))
        )
        assert request.start is not None
        assert request.end is not None
        assert claims["nbf"] == int(request.start.timestamp()) - 15 * 60
        assert claims["exp"] == int(request.end.timestamp())

    def test_a_conference_without_a_time_gets_no_token(
        self, adapter: JitsiAdapter, make_request: RequestFactory
    ) -> None:
        request = make_request(start=None, end=None)
        info = adapter.create(request)
        with pytest.raises(InvalidRequest, match="a token must expire"):
            adapter.issue_access(request, info, request.point("X1"))

    def test_a_cancelled_conference_gets_no_more_tokens(self, adapter: JitsiAdapter) -> None:
        request = around_now(-10)
        info = adapter.create(request)
        adapter.cancel(request, info)
        with pytest.raises(NotFound, match="cancelled"):
            adapter.issue_access(request, info, request.point("X1"))

    def test_the_state_file_holds_no_secret_and_no_token(
        self, adapter: JitsiAdapter, tmp_path: Path
    ) -> None:
        request = around_now(-10)
        info = adapter.create(request)
        token = token_of(adapter.issue_access(request, info, request.point("X1")))
        raw = (tmp_path / "jitsi.json").read_bytes()
        assert info.external_id.encode() in raw
        assert SECRET.encode() not in raw
        assert token.encode() not in raw

    def test_the_signed_link_is_a_secret_carrying_the_token(self, adapter: JitsiAdapter) -> None:
        request = around_now(-10)
        access = adapter.issue_access(request, adapter.create(request), request.point("X1"))
        link = signed_link(access)
        assert repr(link) == "Secret('***')"
        assert link.reveal() == f"{access.join_url}?jwt={token_of(access)}"
        public = PointAccess(point_id="X1", join_url="https://meet.jit.si/r")
        assert signed_link(public).reveal() == "https://meet.jit.si/r"


def test_the_app_secret_can_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from meetlink.adapters.jitsi import JitsiSettings

    secret = "env-secret-" + "x" * 40
    monkeypatch.setenv("MEETLINK_JITSI_SECRET", secret)
    settings = JitsiSettings.model_validate(
        {
            "server": "meet.example.org",
            "app_id": "meetlink",
            "app_secret_env": "MEETLINK_JITSI_SECRET",
        }
    )
    assert settings.app_secret is not None
    assert settings.app_secret.reveal() == secret
    assert secret not in repr(settings)


def test_a_missing_app_secret_variable_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    from meetlink.adapters.jitsi import JitsiSettings

    monkeypatch.delenv("MEETLINK_JITSI_SECRET", raising=False)
    with pytest.raises(ValidationError, match="MEETLINK_JITSI_SECRET"):
        JitsiSettings.model_validate(
            {
                "server": "meet.example.org",
                "app_id": "meetlink",
                "app_secret_env": "MEETLINK_JITSI_SECRET",
            }
        )


def test_a_token_is_valid_from_the_meetings_arrive_by_when_that_is_earlier() -> None:
    adapter = JitsiAdapter(TOKENS | {"early_minutes": 15})
    start = dt.datetime.now(UTC).replace(microsecond=0) + dt.timedelta(hours=1)
    arrive_by = start - dt.timedelta(minutes=45)
    request = sample_request(start=start, end=start + dt.timedelta(hours=2), arrive_by=arrive_by)
    token = token_of(adapter.issue_access(request, adapter.create(request), request.point("TU")))
    assert decode(token, verify_nbf=False)["nbf"] == int(arrive_by.timestamp())
