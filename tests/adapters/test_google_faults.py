"""The google adapter under faults injected at the emulator: lost answers, rate limits, outages.

Waits are tiny (``retry_base_delay``) or recorded instead of slept (an injected ``sleep``),
so what is checked is what went over the wire.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from meetlink.adapters.google import GoogleAdapter
from meetlink.adapters.google import calendar as cal
from meetlink.errors import InvalidRequest, QuotaExceeded, RateLimited, TransientError
from meetlink.testing.conformance import RequestFactory, sample_request
from meetlink.testing.google import Fault, GoogleEmulator, RecordedRequest

Make = Callable[..., GoogleAdapter]


@pytest.fixture
def emu() -> Iterator[GoogleEmulator]:
    with GoogleEmulator() as emulator:
        yield emulator


class Sleeps(list[float]):
    """Records the waits instead of sleeping them."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def make(emu: GoogleEmulator) -> Iterator[Make]:
    made: list[GoogleAdapter] = []

    def factory(sleep: Callable[[float], None] | None = None, **settings: Any) -> GoogleAdapter:
        adapter = GoogleAdapter(
            {"retry_base_delay": 0.001, "access_type": None, **settings},
            env={"MEETLINK_GOOGLE_EMULATOR_HOST": emu.host},
            sleep=sleep,
        )
        made.append(adapter)
        return adapter

    yield factory
    for adapter in made:
        adapter.close()


@pytest.fixture
def make_request() -> RequestFactory:
    return sample_request


def inserts(emu: GoogleEmulator) -> list[RecordedRequest]:
    return [r for r in emu.requests if r.method == "POST" and r.path.endswith("/events")]


# -- lost answers ----------------------------------------------------------------------------


def test_a_dropped_answer_after_a_successful_insert_leaves_exactly_one_event(
    emu: GoogleEmulator, make: Make, make_request: RequestFactory
) -> None:
    emu.inject(Fault.drop_response(times=1, method="POST", path_contains="/events"))
    request = make_request()
    info = make().create(request)
    assert len(emu.events()) == 1
    assert info.external_id == cal.event_id(request)
    # httplib2 replayed the POST on its own; the replay met the event: 409, then read back.
    assert [(r.status, r.dropped) for r in inserts(emu)] == [(200, True), (409, False)]


def test_two_dropped_answers_are_retried_and_still_leave_one_event(
    emu: GoogleEmulator, make: Make, make_request: RequestFactory
) -> None:
    emu.inject(Fault.drop_response(times=2, method="POST", path_contains="/events"))
    info = make().create(make_request())
    assert len(emu.events()) == 1
    assert [r.status for r in inserts(emu)] == [200, 409, 409]
    assert info.join_url


def test_a_dropped_batch_answer_is_sent_again_and_leaves_one_event_per_sitting(
    emu: GoogleEmulator, make: Make, make_request: RequestFactory
) -> None:
    requests = [make_request() for _ in range(10)]
    victim = cal.event_id(requests[3])
    emu.inject(Fault.drop_response(times=2, target="part", body_contains=victim))
    results = make().create_many(requests)
    assert all(not isinstance(r, Exception) for r in results)
    assert sorted(e["id"] for e in emu.events()) == sorted(cal.event_id(r) for r in requests)
    assert emu.batch_requests_count == 4  # dropped twice (a replay), again (409s), read back


def test_a_request_the_server_never_got_is_retried(
    emu: GoogleEmulator, make: Make, make_request: RequestFactory
) -> None:
    emu.inject(Fault.drop_request(times=2, method="GET"))
    assert make().find(make_request()) is None
    assert [r.dropped for r in emu.requests] == [True, True, False]


def test_a_slow_answer_times_out_and_is_retried(
    emu: GoogleEmulator, make: Make, make_request: RequestFactory
) -> None:
    emu.inject(Fault.delay(1.0, method="GET"))
    assert make(timeout=0.3).find(make_request()) is None
    assert len(emu.requests) == 2


def test_an_unreachable_server_gives_a_transient_error_after_the_attempts(
    emu: GoogleEmulator, make: Make, make_request: RequestFactory
) -> None:
    adapter = make(max_attempts=3)
    emu.stop()
    with pytest.raises(TransientError, match="connection to Google failed") as caught:
        adapter.create(make_request())
    assert caught.value.retryable


# -- rate limits and quotas ------------------------------------------------------------------


def test_20_consecutive_429s_are_ridden_out(
    emu: GoogleEmulator, make: Make, make_request: RequestFactory
) -> None:
    emu.inject(Fault.status(429, times=20, method="POST"))
    info = make(max_attempts=25).create(make_request())
    assert info.join_url
    assert [r.status for r in inserts(emu)] == [429] * 20 + [200]


def test_rate_limit_403s_are_retried(
    emu: GoogleEmulator, make: Make, make_request: RequestFactory
) -> None:
    emu.inject(
        Fault.status(403, reason="rateLimitExceeded", method="POST"),
        Fault.status(403, reason="userRateLimitExceeded", method="POST"),
    )
    make().create(make_request())
    assert [r.status for r in inserts(emu)] == [403, 403, 200]


def test_a_400_is_not_retried(
    emu: GoogleEmulator, make: Make, make_request: RequestFactory
) -> None:
    emu.inject(Fault.status(400, reason="badRequest", times=5))
    with pytest.raises(InvalidRequest, match="sending the same request again will not help"):
        make().create(make_request())
    assert len(emu.requests) == 1


def test_a_403_quota_exceeded_is_not_retried_and_raises_quota_exceeded(
    emu: GoogleEmulator, make: Make, make_request: RequestFactory
) -> None:
    emu.inject(Fault.status(403, reason="quotaExceeded", times=5))
    with pytest.raises(QuotaExceeded, match="quota") as caught:
        make().create(make_request())
    assert not caught.value.retryable
    assert len(emu.requests) == 1


def test_5xx_are_retried_until_the_attempts_run_out(
    emu: GoogleEmulator, make: Make, make_request: RequestFactory
) -> None:
    emu.inject(Fault.status(503, times=10))
    with pytest.raises(TransientError):
        make(max_attempts=4).create(make_request())
    assert len(emu.requests) == 4


def test_retry_after_is_honoured(
    emu: GoogleEmulator, make: Make, make_request: RequestFactory, sleeps: Sleeps
) -> None:
    emu.inject(Fault.status(429, times=2, retry_after=7, method="POST"))
    make(sleep=sleeps).create(make_request())
    assert len(sleeps) == 2
    assert all(7 <= s < 8 for s in sleeps)


def test_backoff_grows_exponentially_with_jitter(
    emu: GoogleEmulator, make: Make, make_request: RequestFactory, sleeps: Sleeps
) -> None:
    emu.inject(Fault.status(500, times=4, method="POST"))
    make(sleep=sleeps, retry_base_delay=1.0).create(make_request())
    assert [int(s) for s in sleeps] == [1, 2, 4, 8]
    assert len(set(sleeps)) == 4


def test_a_retry_after_beyond_the_time_budget_is_raised_at_once(
    emu: GoogleEmulator, make: Make, make_request: RequestFactory, sleeps: Sleeps
) -> None:
    emu.inject(Fault.status(429, retry_after=600, method="POST"))
    with pytest.raises(RateLimited) as caught:
        make(sleep=sleeps, max_retry_seconds=60).create(make_request())
    assert caught.value.retry_after == 600
    assert sleeps == []
    assert "wait 600 seconds" in str(caught.value)


# -- batches ---------------------------------------------------------------------------------


def test_only_the_failed_parts_of_a_batch_are_sent_again(
    emu: GoogleEmulator, make: Make, make_request: RequestFactory, sleeps: Sleeps
) -> None:
    requests = [make_request() for _ in range(40)]
    for request in requests[:3]:
        emu.inject(
            Fault.status(429, retry_after=2, target="part", body_contains=cal.event_id(request))
        )
    emu.inject(Fault.status(503, target="part", body_contains=cal.event_id(requests[5])))
    results = make(sleep=sleeps).create_many(requests)
    assert all(not isinstance(r, Exception) for r in results)
    sizes = [r.batch_size for r in emu.requests if r.is_batch]
    assert sizes == [40, 4]
    assert len(sleeps) == 1
    assert sleeps[0] >= 2  # the longest Retry-After of the round


def test_a_part_that_fails_for_good_gets_its_error_and_the_others_go_on(
    emu: GoogleEmulator, make: Make, make_request: RequestFactory
) -> None:
    requests = [make_request() for _ in range(5)]
    emu.inject(
        Fault.status(
            403, reason="quotaExceeded", target="part", body_contains=cal.event_id(requests[2])
        )
    )
    results = make().create_many(requests)
    assert isinstance(results[2], QuotaExceeded)
    assert [isinstance(r, Exception) for r in results] == [False, False, True, False, False]
    assert len(emu.events()) == 4


def test_a_part_rate_limited_past_its_attempts_reports_rate_limited(
    emu: GoogleEmulator, make: Make, make_request: RequestFactory
) -> None:
    requests = [make_request() for _ in range(3)]
    emu.inject(Fault.status(429, times=10, target="part", body_contains=cal.event_id(requests[0])))
    results = make(max_attempts=3).create_many(requests)
    assert isinstance(results[0], RateLimited)
    assert [r.batch_size for r in emu.requests if r.is_batch] == [3, 1, 1]


def test_a_failed_batch_envelope_is_retried_as_a_whole(
    emu: GoogleEmulator, make: Make, make_request: RequestFactory
) -> None:
    emu.inject(Fault.status(503, times=2, target="http", path_contains="/batch"))
    results = make().create_many([make_request() for _ in range(5)])
    assert all(not isinstance(r, Exception) for r in results)
    assert emu.batch_requests_count == 3


@pytest.mark.parametrize("status", [400, 403, 404, 405, 501])
def test_a_meet_batch_refused_by_google_falls_back_to_one_call_at_a_time(
    emu: GoogleEmulator, make: Make, make_request: RequestFactory, status: int
) -> None:
    emu.inject(Fault.status(status, target="http", path_contains="/batch", body_contains="/v2/"))
    adapter = make(access_type="RESTRICTED")
    results = adapter.create_many([make_request() for _ in range(4)])
    assert all(not isinstance(r, Exception) for r in results)
    assert {s["config"]["accessType"] for s in emu.spaces()} == {"RESTRICTED"}
    envelopes = [r.path for r in emu.requests if r.is_batch]
    assert envelopes == ["/batch/calendar/v3", "/batch"]
    adapter.create_many([make_request() for _ in range(2)])
    assert [r.path for r in emu.requests if r.is_batch][2:] == ["/batch/calendar/v3"]
