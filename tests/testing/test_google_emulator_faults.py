"""Batches and injected faults, seen through the real googleapiclient and httplib2."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest

from meetlink.testing.google import Fault, GoogleEmulator

Answers = dict[str, tuple[Any, Exception | None]]


def all_day(event_id: str) -> dict[str, Any]:
    return {"id": event_id, "start": {"date": "2025-03-01"}, "end": {"date": "2025-03-02"}}


def collector() -> tuple[Answers, Callable[[str, Any, Exception | None], None]]:
    answers: Answers = {}

    def callback(request_id: str, response: Any, error: Exception | None) -> None:
        answers[request_id] = (response, error)

    return answers, callback


def test_a_batch_of_50_inserts_travels_in_one_http_request(
    emu: GoogleEmulator, calendar: Any, new_batch: Callable[..., BatchHttpRequest]
) -> None:
    answers, callback = collector()
    batch = new_batch(callback)
    for n in range(50):
        batch.add(calendar.events().insert(calendarId="primary", body=all_day(f"b{n:05d}")))

    batch.execute()

    assert emu.http_requests_count == 1
    assert emu.batch_requests_count == 1
    assert emu.api_calls_count == 50
    assert emu.requests[0].path == "/batch/calendar/v3"
    assert emu.requests[0].batch_size == 50
    assert all(error is None for _, error in answers.values())
    assert sorted(response["id"] for response, _ in answers.values()) == [
        f"b{n:05d}" for n in range(50)
    ]
    assert len(emu.events()) == 50


def test_a_fault_aimed_at_one_batch_part_fails_only_that_part(
    emu: GoogleEmulator, calendar: Any, new_batch: Callable[..., BatchHttpRequest]
) -> None:
    emu.inject(Fault.status(500, target="part", body_contains='"part00002"'))
    answers, callback = collector()
    batch = new_batch(callback)
    for n in range(1, 4):
        batch.add(
            calendar.events().insert(calendarId="primary", body=all_day(f"part{n:05d}")),
            request_id=f"r{n}",
        )

    batch.execute()

    error = answers["r2"][1]
    assert isinstance(error, HttpError)
    assert error.status_code == 500
    assert error.error_details[0]["reason"] == "backendError"
    assert answers["r1"][1] is None
    assert answers["r3"][1] is None
    assert sorted(e["id"] for e in emu.events()) == ["part00001", "part00003"]


def test_a_rate_limited_batch_part_carries_retry_after(
    emu: GoogleEmulator, calendar: Any, new_batch: Callable[..., BatchHttpRequest]
) -> None:
    emu.inject(Fault.status(429, times=1, retry_after=7, target="part"))
    answers, callback = collector()
    batch = new_batch(callback)
    batch.add(calendar.events().get(calendarId="primary", eventId="none00001"), request_id="x")

    batch.execute()

    error = answers["x"][1]
    assert isinstance(error, HttpError)
    assert error.status_code == 429
    assert error.resp["retry-after"] == "7"


def test_429_faults_answer_with_retry_after_and_usage_limits_reason(
    emu: GoogleEmulator, calendar: Any
) -> None:
    emu.inject(Fault.status(429, times=2, retry_after=2))
    caught = []

    for _ in range(3):
        try:
            calendar.events().list(calendarId="primary").execute()
        except HttpError as error:
            caught.append(error)

    assert [e.status_code for e in caught] == [429, 429]
    assert caught[0].resp["retry-after"] == "2"
    assert caught[0].error_details == [
        {"domain": "usageLimits", "reason": "rateLimitExceeded", "message": "Rate Limit Exceeded"}
    ]
    assert [r.status for r in emu.requests] == [429, 429, 200]


@pytest.mark.parametrize(
    ("code", "reason", "domain"),
    [
        (403, "rateLimitExceeded", "usageLimits"),
        (403, "userRateLimitExceeded", "usageLimits"),
        (403, "quotaExceeded", "usageLimits"),
        (403, "forbiddenForServiceAccounts", "global"),
        (500, "backendError", "global"),
        (503, "backendError", "global"),
    ],
)
def test_status_faults_carry_the_chosen_reason_in_googles_error_body(
    emu: GoogleEmulator, calendar: Any, code: int, reason: str, domain: str
) -> None:
    emu.inject(Fault.status(code, reason=reason))

    with pytest.raises(HttpError) as caught:
        calendar.events().list(calendarId="primary").execute()

    body = json.loads(caught.value.content)["error"]
    assert caught.value.status_code == code
    assert body["code"] == code
    assert body["errors"][0]["reason"] == reason
    assert body["errors"][0]["domain"] == domain
    assert caught.value.reason == body["message"]


def test_a_401_fault_body_names_auth_error_and_the_authorization_header(
    emu: GoogleEmulator,
) -> None:
    import httplib2

    emu.inject(Fault.status(401))
    http = httplib2.Http(timeout=10)
    try:
        response, content = http.request(f"{emu.calendar_endpoint}calendars/primary/events")
    finally:
        http.close()

    assert response.status == 401
    assert json.loads(content)["error"]["errors"] == [
        {
            "domain": "global",
            "reason": "authError",
            "message": "Invalid Credentials",
            "locationType": "header",
            "location": "Authorization",
        }
    ]


def test_a_401_makes_authorized_http_try_to_refresh_anonymous_credentials(
    emu: GoogleEmulator, calendar: Any
) -> None:
    from google.auth.exceptions import InvalidOperation

    emu.inject(Fault.status(401))

    with pytest.raises(InvalidOperation, match="cannot be refreshed"):
        calendar.events().list(calendarId="primary").execute()


def test_googleapiclient_does_not_retry_a_403_quota_exceeded(
    emu: GoogleEmulator, calendar: Any
) -> None:
    emu.inject(Fault.status(403, reason="quotaExceeded", times=3))

    with pytest.raises(HttpError):
        calendar.events().list(calendarId="primary").execute(num_retries=2)

    assert emu.http_requests_count == 1


def test_faults_match_only_the_method_and_path_they_name(
    emu: GoogleEmulator, calendar: Any
) -> None:
    emu.inject(Fault.status(503, times=2, method="POST", path_contains="/events"))

    calendar.events().list(calendarId="primary").execute()
    statuses = []
    for _ in range(3):
        try:
            calendar.events().insert(calendarId="primary", body=all_day("post00001")).execute()
            statuses.append(200)
        except HttpError as error:
            statuses.append(error.status_code)

    assert statuses == [503, 503, 200]
    assert emu.pending_faults == []


def test_drop_response_stores_the_event_and_the_client_sees_a_connection_error(
    emu: GoogleEmulator, calendar: Any
) -> None:
    # httplib2 replays once on a closed connection, so both attempts must be dropped.
    emu.inject(Fault.drop_response(times=2, method="POST"))

    with pytest.raises(ConnectionError):
        calendar.events().insert(calendarId="primary", body=all_day("lost00001")).execute()

    assert [e["id"] for e in emu.events()] == ["lost00001"]
    assert [(r.status, r.dropped) for r in emu.requests] == [(200, True), (409, True)]


def test_a_single_dropped_response_is_replayed_by_httplib2_and_answers_409(
    emu: GoogleEmulator, calendar: Any
) -> None:
    emu.inject(Fault.drop_response(times=1, method="POST"))

    with pytest.raises(HttpError) as caught:
        calendar.events().insert(calendarId="primary", body=all_day("once00001")).execute()

    assert caught.value.status_code == 409
    assert emu.http_requests_count == 2
    assert len(emu.events()) == 1


def test_drop_request_stores_nothing(emu: GoogleEmulator, calendar: Any) -> None:
    emu.inject(Fault.drop_request(times=2))

    with pytest.raises(ConnectionError):
        calendar.events().insert(calendarId="primary", body=all_day("none00001")).execute()

    assert emu.events() == []
    assert [r.status for r in emu.requests] == [None, None]


def test_a_dropped_batch_part_loses_the_whole_batch_answer(
    emu: GoogleEmulator, calendar: Any, new_batch: Callable[..., BatchHttpRequest]
) -> None:
    emu.inject(Fault.drop_response(times=2, target="part", body_contains="bat000002"))
    batch = new_batch(None)
    for n in range(1, 4):
        batch.add(calendar.events().insert(calendarId="primary", body=all_day(f"bat{n:06d}")))

    with pytest.raises(ConnectionError):
        batch.execute()

    assert len(emu.events()) == 3
    assert emu.batch_requests_count == 2


def test_latency_is_added_to_every_http_request(emu: GoogleEmulator, calendar: Any) -> None:
    emu.latency = 0.05
    started = time.perf_counter()

    for _ in range(3):
        calendar.events().list(calendarId="primary").execute()

    assert time.perf_counter() - started >= 0.15


def test_a_delay_fault_makes_a_client_with_a_short_timeout_give_up(emu: GoogleEmulator) -> None:
    import httplib2

    emu.inject(Fault.delay(1.0, times=2))
    http = httplib2.Http(timeout=0.2)
    try:
        with pytest.raises(TimeoutError):
            http.request(f"{emu.calendar_endpoint}calendars/primary/events")
    finally:
        http.close()

    assert emu.http_requests_count == 1


def test_a_batch_over_the_limit_answers_400(
    emu: GoogleEmulator, calendar: Any, new_batch: Callable[..., BatchHttpRequest]
) -> None:
    emu.batch_limit = 2
    batch = new_batch(None)
    for n in range(3):
        batch.add(calendar.events().get(calendarId="primary", eventId=f"lim{n:05d}"))

    with pytest.raises(HttpError) as caught:
        batch.execute()

    assert caught.value.status_code == 400
    assert emu.events() == []


def test_concurrent_inserts_from_threads_are_all_stored(emu: GoogleEmulator) -> None:
    import httplib2
    from googleapiclient.discovery import build

    errors: list[BaseException] = []

    def insert_many(worker: int) -> None:
        http = httplib2.Http(timeout=10)
        try:
            service = build(
                "calendar",
                "v3",
                http=http,
                static_discovery=True,
                client_options={"api_endpoint": emu.calendar_endpoint},
            )
            for n in range(10):
                body = all_day(f"t{worker}n{n:04d}")
                service.events().insert(calendarId="primary", body=body).execute()
        except BaseException as error:  # collected and asserted below
            errors.append(error)
        finally:
            http.close()

    threads = [threading.Thread(target=insert_many, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(emu.events()) == 40


def test_reset_forgets_events_requests_and_faults(emu: GoogleEmulator, calendar: Any) -> None:
    calendar.events().insert(calendarId="primary", body=all_day("rst000001")).execute()
    emu.inject(Fault.status(500))

    emu.reset()

    assert emu.events() == []
    assert emu.requests == []
    assert emu.pending_faults == []


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: Fault.status(200), id="status-not-an-error"),
        pytest.param(lambda: Fault.status(429, times=0), id="times-zero"),
        pytest.param(lambda: Fault.delay(-1), id="negative-delay"),
        pytest.param(lambda: Fault.status(500, target="everything"), id="unknown-target"),
    ],
)
def test_nonsense_faults_are_refused_when_made(make: Callable[[], Fault]) -> None:
    with pytest.raises(ValueError, match=r"\w"):
        make()
