"""The google adapter against the Google emulator, through the real client stack.

googleapiclient → httplib2 → a socket → :class:`~meetlink.testing.google.GoogleEmulator`;
the emulator's records say what was sent.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httplib2
import pytest
from pydantic import ValidationError

from meetlink.adapters import Attendee, Capability, ConferenceStatus, PointRef, get_adapter
from meetlink.adapters.google import GoogleAdapter, GoogleSettings
from meetlink.adapters.google import calendar as cal
from meetlink.errors import AuthError, InvalidRequest, NotFound, TransientError
from meetlink.testing.conformance import RequestFactory, sample_request
from meetlink.testing.google import GoogleEmulator, RecordedRequest, SimulatedParticipant

ZONE = dt.timezone(dt.timedelta(hours=7))
BASE32HEX = set("0123456789abcdefghijklmnopqrstuv")
Make = Callable[..., GoogleAdapter]


@pytest.fixture
def emu() -> Iterator[GoogleEmulator]:
    with GoogleEmulator() as emulator:
        yield emulator


@pytest.fixture
def make(emu: GoogleEmulator) -> Iterator[Make]:
    """Adapters on the emulator with tiny retry waits; closed after the test."""
    made: list[GoogleAdapter] = []

    def factory(**settings: Any) -> GoogleAdapter:
        adapter = GoogleAdapter(
            {"retry_base_delay": 0.001, **settings},
            env={"MEETLINK_GOOGLE_EMULATOR_HOST": emu.host},
        )
        made.append(adapter)
        return adapter

    yield factory
    for adapter in made:
        adapter.close()


@pytest.fixture
def adapter(make: Make) -> GoogleAdapter:
    return make()


@pytest.fixture
def make_request() -> RequestFactory:
    return sample_request


def calls(emu: GoogleEmulator, method: str, part: str) -> list[RecordedRequest]:
    """The API calls (plain or inside a batch) with ``method`` whose path contains ``part``."""
    return [r for r in emu.requests if not r.is_batch and r.method == method and part in r.path]


# -- the event and its id ------------------------------------------------------------------


def test_the_event_id_is_base32hex_and_derived_from_meeting_and_key() -> None:
    first = cal.event_id(sample_request(key="main/s1", meeting_id="q3"))
    assert len(first) == 52
    assert set(first) <= BASE32HEX
    assert cal.event_id(sample_request(key="main/s1", meeting_id="q3")) == first
    assert cal.event_id(sample_request(key="main/s2", meeting_id="q3")) != first
    assert cal.event_id(sample_request(key="main/s1", meeting_id="q4")) != first


def test_create_inserts_the_derived_id_with_a_meet_request_and_conference_data_version_1(
    emu: GoogleEmulator, adapter: GoogleAdapter, make_request: RequestFactory
) -> None:
    request = make_request()
    info = adapter.create(request)
    (insert,) = calls(emu, "POST", "/events")
    create = insert.body["conferenceData"]["createRequest"]
    assert insert.body["id"] == info.external_id == cal.event_id(request)
    assert insert.query["conferenceDataVersion"] == "1"
    assert create["conferenceSolutionKey"] == {"type": "hangoutsMeet"}
    assert create["requestId"] == cal.conference_request_id(request)
    assert info.join_url == f"https://meet.google.com/{info.meeting_code}"
    assert info.status == ConferenceStatus.READY


def test_the_event_carries_title_times_place_guests_and_the_time_zone(
    emu: GoogleEmulator, adapter: GoogleAdapter, make_request: RequestFactory
) -> None:
    guests = (Attendee(email="bithu.x1@thiuy.example", name="Bí thư"), Attendee(email="a@b.vn"))
    request = make_request(attendees=guests, recurrence="FREQ=MONTHLY;COUNT=3")
    adapter.create(request)
    (event,) = emu.events()
    assert event["summary"] == request.title
    assert event["location"] == "Hội trường Thị ủy"
    assert event["start"] == {
        "dateTime": "2030-09-10T08:00:00+07:00",
        "timeZone": "Asia/Ho_Chi_Minh",
    }
    assert [a["email"] for a in event["attendees"]] == ["bithu.x1@thiuy.example", "a@b.vn"]
    assert event["attendees"][0]["displayName"] == "Bí thư"
    assert event["recurrence"] == ["RRULE:FREQ=MONTHLY;COUNT=3"]
    assert event["extendedProperties"]["private"]["meetlinkKey"] == request.key


def test_events_go_to_the_configured_calendar(
    emu: GoogleEmulator, make: Make, make_request: RequestFactory
) -> None:
    adapter = make(calendar_id="vanphong@group.calendar.google.com")
    info = adapter.create(make_request())
    assert [e["id"] for e in emu.events("vanphong@group.calendar.google.com")] == [info.external_id]
    assert emu.events("primary") == []
    assert info.extra["calendar_id"] == "vanphong@group.calendar.google.com"


def test_creating_twice_leaves_one_event_and_reads_the_first_back(
    emu: GoogleEmulator, adapter: GoogleAdapter, make_request: RequestFactory
) -> None:
    request = make_request()
    first = adapter.create(request)
    second = adapter.create(request)
    assert second.external_id == first.external_id
    assert second.join_url == first.join_url
    assert len(emu.events()) == 1
    assert [r.status for r in calls(emu, "POST", "/events")] == [200, 409]


def test_create_after_cancel_makes_a_new_event_under_the_next_id_not_a_revival(
    emu: GoogleEmulator, adapter: GoogleAdapter, make_request: RequestFactory
) -> None:
    request = make_request()
    first = adapter.create(request)
    adapter.cancel(request, first)
    renamed = request.model_copy(update={"title": "Giờ sinh hoạt (mở lại)"})
    made_again = adapter.create(renamed)
    old, new = sorted(emu.events(), key=lambda e: e["id"] != first.external_id)
    assert old["status"] == "cancelled"
    assert new["status"] == "confirmed"
    assert new["summary"] == "Giờ sinh hoạt (mở lại)"
    assert new["id"] == made_again.external_id == cal.event_id(request, 1)
    assert made_again.status == ConferenceStatus.READY
    assert calls(emu, "PATCH", "/events/") == []  # never patched back to confirmed
    found = adapter.find(request)
    assert found is not None
    assert found.external_id == new["id"]
    # deleted twice: the third generation
    adapter.cancel(request, made_again)
    assert adapter.create(request).external_id == cal.event_id(request, 2)


def test_a_request_without_a_time_is_refused_before_anything_is_sent(
    emu: GoogleEmulator, adapter: GoogleAdapter, make_request: RequestFactory
) -> None:
    with pytest.raises(InvalidRequest, match="no time yet"):
        adapter.create(make_request(start=None, end=None))
    assert emu.requests == []


# -- invitations and access ------------------------------------------------------------------


@pytest.mark.parametrize(("send_invites", "expected"), [(True, "all"), (False, "none")])
def test_send_updates_follows_send_invites_on_every_write(
    emu: GoogleEmulator,
    adapter: GoogleAdapter,
    make_request: RequestFactory,
    send_invites: bool,
    expected: str,
) -> None:
    request = make_request(send_invites=send_invites)
    info = adapter.create(request)
    adapter.update(request.model_copy(update={"title": "Đổi tên"}), info)
    adapter.cancel(request, info)
    writes = [r for r in emu.requests if r.method in ("POST", "PATCH", "DELETE")]
    writes = [r for r in writes if "/events" in r.path]
    assert [r.method for r in writes] == ["POST", "PATCH", "DELETE"]
    assert {r.send_updates for r in writes} == {expected}


def test_the_meet_space_is_restricted_to_the_invited_by_default(
    emu: GoogleEmulator, adapter: GoogleAdapter, make_request: RequestFactory
) -> None:
    info = adapter.create(make_request())
    (space,) = emu.spaces()
    assert space["meetingCode"] == info.meeting_code
    assert space["config"]["accessType"] == "RESTRICTED"
    (patch,) = calls(emu, "PATCH", "/v2/spaces/")
    assert patch.query["updateMask"] == "config.accessType"
    assert patch.body == {"config": {"accessType": "RESTRICTED"}}
    assert info.extra["space"] == space["name"]
    assert info.extra["access_type"] == "RESTRICTED"


def test_access_already_as_wanted_is_not_patched_again(
    emu: GoogleEmulator, adapter: GoogleAdapter, make_request: RequestFactory
) -> None:
    request = make_request()
    adapter.create(request)
    adapter.create(request)
    assert len(calls(emu, "PATCH", "/v2/spaces/")) == 1


@pytest.mark.parametrize("access_type", ["TRUSTED", "OPEN"])
def test_access_type_is_configurable(
    emu: GoogleEmulator, make: Make, make_request: RequestFactory, access_type: str
) -> None:
    make(access_type=access_type).create(make_request())
    assert emu.spaces()[0]["config"]["accessType"] == access_type


def test_access_type_none_leaves_meet_alone(
    emu: GoogleEmulator, make: Make, make_request: RequestFactory
) -> None:
    make(access_type=None).create(make_request())
    assert [r for r in emu.requests if r.path.startswith("/v2/")] == []


def test_every_bridge_point_gets_the_meet_link_and_no_secret(
    adapter: GoogleAdapter, make_request: RequestFactory
) -> None:
    request = make_request()
    info = adapter.create(request)
    for point in request.bridge_points:
        access = adapter.issue_access(request, info, point)
        assert access.join_url == info.join_url
        assert not access.has_secret
        assert access.login is None
    assert not GoogleAdapter.requires_officer


def test_issue_access_looks_the_link_up_when_the_info_has_none(
    adapter: GoogleAdapter, make_request: RequestFactory
) -> None:
    request = make_request()
    info = adapter.create(request)
    bare = info.model_copy(update={"join_url": "", "status": ConferenceStatus.PENDING})
    assert adapter.issue_access(request, bare, request.bridge_points[0]).join_url == info.join_url


def test_issue_access_to_a_stranger_is_refused(
    adapter: GoogleAdapter, make_request: RequestFactory
) -> None:
    request = make_request()
    info = adapter.create(request)
    with pytest.raises(InvalidRequest, match="'ZZ9'"):
        adapter.issue_access(request, info, PointRef(id="ZZ9", name="Lạ", host_unit="ZZ"))


def test_capabilities_are_declared() -> None:
    assert GoogleAdapter.capabilities == {
        Capability.CREATE,
        Capability.UPDATE,
        Capability.CANCEL,
        Capability.ACCESS_LINK,
        Capability.ATTENDANCE,
        Capability.PLATFORM_INVITES,
        Capability.BATCH,
    }
    assert not GoogleAdapter.hands_out_secrets()


def test_the_registry_finds_the_adapter() -> None:
    assert get_adapter("google") is GoogleAdapter


# -- update and cancel -----------------------------------------------------------------------


def test_update_patches_fields_and_keeps_the_conference(
    emu: GoogleEmulator, adapter: GoogleAdapter, make_request: RequestFactory
) -> None:
    request = make_request()
    info = adapter.create(request)
    later = dt.datetime(2030, 9, 11, 14, 0, tzinfo=ZONE)
    changed = request.model_copy(
        update={
            "title": "Dời lịch",
            "start": later,
            "end": later + dt.timedelta(hours=1),
            "attendees": (Attendee(email="moi@thiuy.example"),),
            "location": "Hội trường mới",
        }
    )
    updated = adapter.update(changed, info)
    (event,) = emu.events()
    assert event["summary"] == "Dời lịch"
    assert event["start"]["dateTime"] == "2030-09-11T14:00:00+07:00"
    assert [a["email"] for a in event["attendees"]] == ["moi@thiuy.example"]
    assert event["location"] == "Hội trường mới"
    assert updated.join_url == info.join_url
    assert updated.start == later
    assert updated.extra["space"] == info.extra["space"]
    (patch,) = calls(emu, "PATCH", "/events/")
    assert patch.query["conferenceDataVersion"] == "1"
    assert "conferenceData" not in patch.body


def test_update_of_a_cancelled_conference_is_not_found(
    adapter: GoogleAdapter, make_request: RequestFactory
) -> None:
    request = make_request()
    info = adapter.create(request)
    adapter.cancel(request, info)
    with pytest.raises(NotFound, match="cancelled"):
        adapter.update(request, info)


def test_update_of_an_unknown_event_is_not_found(
    adapter: GoogleAdapter, make_request: RequestFactory
) -> None:
    request = make_request()
    ghost = adapter.create(request).model_copy(update={"external_id": "ghost00001"})
    with pytest.raises(NotFound):
        adapter.update(request, ghost)


def test_cancel_of_an_event_never_made_is_not_an_error(
    adapter: GoogleAdapter, make_request: RequestFactory
) -> None:
    request = make_request()
    info = adapter.create(request).model_copy(update={"external_id": "ghost00001"})
    adapter.cancel(request, info)


def test_find_reports_a_cancelled_event_as_cancelled(
    adapter: GoogleAdapter, make_request: RequestFactory
) -> None:
    request = make_request()
    adapter.cancel(request, adapter.create(request))
    found = adapter.find(request)
    assert found is not None
    assert found.status == ConferenceStatus.CANCELLED


# -- Meet conferences made asynchronously ----------------------------------------------------


def test_a_pending_conference_is_polled_until_it_succeeds(
    emu: GoogleEmulator, adapter: GoogleAdapter, make_request: RequestFactory
) -> None:
    emu.conference_pending_responses = 3
    info = adapter.create(make_request())
    assert info.status == ConferenceStatus.READY
    assert info.join_url.startswith("https://meet.google.com/")
    assert len(calls(emu, "GET", "/events/")) == 3  # the insert and two reads said pending


def test_a_conference_still_pending_after_the_polls_is_a_transient_error(
    emu: GoogleEmulator, make: Make, make_request: RequestFactory
) -> None:
    emu.conference_pending_responses = 10
    adapter = make(conference_poll_attempts=2)
    with pytest.raises(TransientError, match="still making the Meet conference"):
        adapter.create(make_request())
    assert len(calls(emu, "GET", "/events/")) == 2


def test_a_failed_conference_raises_a_sentence_and_a_rerun_asks_for_a_new_one(
    emu: GoogleEmulator, adapter: GoogleAdapter, make_request: RequestFactory
) -> None:
    emu.conference_outcome = "failure"
    request = make_request()
    with pytest.raises(TransientError, match="could not make a Meet conference") as caught:
        adapter.create(request)
    assert "run `meetlink open` again" in str(caught.value)
    found = adapter.find(request)
    assert found is not None
    assert found.status == ConferenceStatus.PENDING
    emu.conference_outcome = "success"
    info = adapter.create(request)
    assert info.status == ConferenceStatus.READY
    (patch,) = calls(emu, "PATCH", "/events/")
    new_id = patch.body["conferenceData"]["createRequest"]["requestId"]
    assert new_id != cal.conference_request_id(request)
    assert len(emu.events()) == 1


# -- many at once ----------------------------------------------------------------------------


def test_150_sittings_go_out_in_3_batch_requests(
    emu: GoogleEmulator, make: Make, make_request: RequestFactory
) -> None:
    requests = [make_request(sitting=f"s{i}") for i in range(150)]
    results = make(access_type=None).create_many(requests)
    assert [getattr(r, "key", None) for r in results] == [r.key for r in requests]
    assert emu.batch_requests_count == 3
    assert emu.http_requests_count == 3
    assert len(emu.events()) == 150


def test_150_sittings_with_restricted_access_take_9_http_requests(
    emu: GoogleEmulator, adapter: GoogleAdapter, make_request: RequestFactory
) -> None:
    results = adapter.create_many([make_request() for _ in range(150)])
    calendar_batches = [r for r in emu.requests if r.is_batch and "calendar" in r.path]
    assert len(calendar_batches) == 3
    assert max(r.batch_size for r in emu.requests) == 50
    assert emu.http_requests_count == 9  # 3 inserts, 3 spaces.get, 3 spaces.patch
    assert {s["config"]["accessType"] for s in emu.spaces()} == {"RESTRICTED"}
    assert all(r.status == ConferenceStatus.READY for r in results)  # type: ignore[union-attr]


def test_a_rerun_of_create_many_gets_409s_and_reads_them_back(
    emu: GoogleEmulator, make: Make, make_request: RequestFactory
) -> None:
    adapter = make(access_type=None)
    requests = [make_request() for _ in range(60)]
    first = adapter.create_many(requests)
    before = emu.batch_requests_count
    again = adapter.create_many(requests)
    assert again == first
    assert emu.batch_requests_count - before == 4  # 2 batches of inserts (409), 2 of gets
    assert len(emu.events()) == 60


def test_create_many_answers_an_unscheduled_request_in_its_place(
    make: Make, make_request: RequestFactory
) -> None:
    requests = [make_request(), make_request(start=None, end=None), make_request()]
    results = make(access_type=None).create_many(requests)
    assert isinstance(results[1], InvalidRequest)
    assert [getattr(r, "key", None) for r in (results[0], results[2])] == [
        requests[0].key,
        requests[2].key,
    ]


# -- attendance ------------------------------------------------------------------------------


def test_attendance_comes_from_the_conference_records(
    emu: GoogleEmulator, adapter: GoogleAdapter, make_request: RequestFactory
) -> None:
    request = make_request()
    info = adapter.create(request)
    assert info.meeting_code is not None
    t0 = dt.datetime(2030, 9, 10, 1, 0, tzinfo=dt.UTC)
    emu.simulate_conference(
        info.meeting_code,
        [
            ("Điểm cầu xã Mỹ Hào", t0, t0 + dt.timedelta(hours=2)),
            SimulatedParticipant("Thị ủy", t0 - dt.timedelta(minutes=5), None, kind="anonymous"),
        ],
    )
    entries = adapter.attendance(request, info)
    assert [(e.display_name, e.joined_at, e.left_at) for e in entries] == [
        ("Thị ủy", t0 - dt.timedelta(minutes=5), None),
        ("Điểm cầu xã Mỹ Hào", t0, t0 + dt.timedelta(hours=2)),
    ]
    assert entries[1].minutes == 120


def test_attendance_reads_every_page_of_participants_and_records(
    emu: GoogleEmulator, adapter: GoogleAdapter, make_request: RequestFactory
) -> None:
    request = make_request()
    info = adapter.create(request)
    assert info.meeting_code is not None
    t0 = dt.datetime(2030, 9, 10, 1, 0, tzinfo=dt.UTC)
    people = [(f"Điểm {i:03d}", t0, t0 + dt.timedelta(hours=1)) for i in range(260)]
    emu.simulate_conference(info.meeting_code, people)
    emu.simulate_conference(info.meeting_code, [("Sau", t0 + dt.timedelta(days=30), None)])
    bare = info.model_copy(update={"extra": {}})  # no space name: filter by meeting code
    entries = adapter.attendance(request, bare)
    assert len(entries) == 261
    assert len(calls(emu, "GET", "/participants")) == 3
    listed = [r for r in emu.requests if r.path == "/v2/conferenceRecords"]
    filters = {r.query["filter"] for r in listed}
    assert filters == {f'space.meeting_code = "{info.meeting_code}"'}


def test_attendance_of_a_conference_nobody_joined_is_empty(
    adapter: GoogleAdapter, make_request: RequestFactory
) -> None:
    request = make_request()
    assert adapter.attendance(request, adapter.create(request)) == []


# -- settings, credentials and transport -----------------------------------------------------


def test_scopes_are_the_minimum_each_setting_needs() -> None:
    plain = GoogleSettings(token_file=Path("t.json"))
    # Calendar makes the Meet space: only meetings.space.settings may patch it.
    assert plain.scopes == (
        "https://www.googleapis.com/auth/calendar.events",
        "https://www.googleapis.com/auth/meetings.space.settings",
    )
    untouched = GoogleSettings(token_file=Path("t.json"), access_type=None)
    assert untouched.scopes == ("https://www.googleapis.com/auth/calendar.events",)
    reading = GoogleSettings(token_file=Path("t.json"), attendance=True)
    assert reading.scopes[-1] == "https://www.googleapis.com/auth/meetings.space.readonly"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"service_account_file": "k.json", "token_file": "t.json", "subject": "a@b.vn"}, "both"),
        ({"service_account_file": "k.json"}, "set subject"),
        ({"subject": "a@b.vn"}, "only used with service_account_file"),
        ({"access_type": "EVERYONE"}, "access_type"),
        ({"batch_size": 51}, "batch_size"),
    ],
)
def test_bad_settings_are_refused(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        GoogleAdapter.validate_settings(settings)


def test_without_credentials_or_emulator_the_first_call_says_what_to_set(
    make_request: RequestFactory,
) -> None:
    with GoogleAdapter(env={}) as adapter, pytest.raises(AuthError, match="service_account_file"):
        adapter.find(make_request())


def test_a_missing_token_file_is_an_auth_error_naming_the_file(
    tmp_path: Path, make_request: RequestFactory
) -> None:
    missing = tmp_path / "token.json"
    adapter = GoogleAdapter({"token_file": missing}, env={})
    with adapter, pytest.raises(AuthError, match=r"token\.json' cannot be read"):
        adapter.find(make_request())


def test_a_token_file_that_is_not_json_is_refused(
    tmp_path: Path, make_request: RequestFactory
) -> None:
    token = tmp_path / "token.json"
    token.write_bytes(b"\x80\x04pickled")
    adapter = GoogleAdapter({"token_file": token}, env={})
    with adapter, pytest.raises(AuthError, match="not a valid authorized-user token file"):
        adapter.find(make_request())


def test_an_emulator_host_that_is_a_url_path_is_refused(make_request: RequestFactory) -> None:
    env = {"MEETLINK_GOOGLE_EMULATOR_HOST": "http://127.0.0.1:1/v3"}
    with GoogleAdapter(env=env) as adapter, pytest.raises(AuthError, match="host:port"):
        adapter.find(make_request())


class CountingHttp(httplib2.Http):  # type: ignore[misc]
    """An injected transport that counts what goes through it."""

    def __init__(self) -> None:
        super().__init__(timeout=10)
        self.sent = 0

    def request(self, *args: Any, **kwargs: Any) -> Any:
        self.sent += 1
        return super().request(*args, **kwargs)


def test_an_injected_http_carries_the_calls_and_is_not_closed(
    emu: GoogleEmulator, make_request: RequestFactory
) -> None:
    http = CountingHttp()
    env = {"MEETLINK_GOOGLE_EMULATOR_HOST": emu.host}
    with GoogleAdapter({"access_type": None}, http=http, env=env) as adapter:
        adapter.create(make_request())
    assert http.sent == 1
    response, body = http.request(f"{emu.calendar_endpoint}calendars/primary/events")
    assert response.status == 200
    assert len(json.loads(body)["items"]) == 1
    http.close()


def test_close_twice_is_harmless(adapter: GoogleAdapter, make_request: RequestFactory) -> None:
    adapter.find(make_request())
    adapter.close()
    adapter.close()
    assert adapter.closed


def test_the_info_carries_the_events_ical_uid(adapter: GoogleAdapter, emu: GoogleEmulator) -> None:
    info = adapter.create(sample_request())
    (event,) = emu.events()
    assert info.extra["ical_uid"] == event["iCalUID"] == f"{event['id']}@google.com"
