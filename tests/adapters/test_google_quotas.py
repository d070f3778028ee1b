"""Quotas: the google adapter paces every call (each call of a batch) within Google's quotas.

The emulator enforces Google's per-user and per-project limits per call with a scaled
minute (``time_scale`` 60: a minute lasts a second) and counts the 429s it answers.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from meetlink.adapters.base import Quota
from meetlink.adapters.google import GoogleAdapter
from meetlink.adapters.google.client import GOOGLE_QUOTAS, method_family
from meetlink.adapters.google.pacing import QuotaPacer
from meetlink.testing.conformance import sample_request
from meetlink.testing.google import GoogleEmulator

SCALE = 60.0  # a minute lasts one second


@pytest.fixture
def emu() -> Iterator[GoogleEmulator]:
    with GoogleEmulator() as emulator:
        emulator.enforce_quotas(time_scale=SCALE)
        yield emulator


def paced(emu: GoogleEmulator, **settings: object) -> GoogleAdapter:
    return GoogleAdapter(
        {"retry_base_delay": 0.01, "quota_time_scale": SCALE, **settings},
        env={"MEETLINK_GOOGLE_EMULATOR_HOST": emu.host},
    )


def test_google_declares_its_quotas_per_method_family() -> None:
    quotas = {q.family: q for q in GoogleAdapter.quotas}
    assert quotas["calendar"] == Quota("calendar", per_user=600, per_project=10_000)
    assert quotas["meet.write"].per_user == 100
    assert quotas["meet.create"].per_user == 10
    assert method_family("spaces.patch") == "meet.write"
    assert method_family("spaces.get") == "meet.read"
    assert method_family("events.insert") == "calendar"


def test_200_restricted_conferences_stay_within_the_quotas(emu: GoogleEmulator) -> None:
    requests = [sample_request() for _ in range(200)]
    started = time.monotonic()
    with paced(emu) as adapter:
        results = adapter.create_many(requests)
    elapsed = time.monotonic() - started
    assert not [r for r in results if isinstance(r, Exception)]
    assert {s["config"]["accessType"] for s in emu.spaces()} == {"RESTRICTED"}
    calls = emu.api_calls_count
    assert calls >= 600  # insert, spaces.get, spaces.patch for each
    assert emu.rate_limited_count <= calls // 100  # at most 1 % answered 429
    # 200 patches at 100 a minute: the write quota alone takes about 1.5 scaled minutes.
    assert elapsed >= 1.0


def test_without_pacing_the_same_run_is_a_storm_of_429s(emu: GoogleEmulator) -> None:
    """What `open` did before issue 15: one throttle per batch of 50, none per call."""
    with GoogleAdapter(
        {"retry_base_delay": 0.01}, env={"MEETLINK_GOOGLE_EMULATOR_HOST": emu.host}
    ) as adapter:
        adapter.create_many([sample_request() for _ in range(200)])
    assert emu.rate_limited_count > emu.api_calls_count // 100


def test_a_rate_limit_answer_slows_the_pace_down(emu: GoogleEmulator) -> None:
    # The project was given half the usual write quota: the pacer learns it from the 429s.
    emu.enforce_quotas(time_scale=SCALE, limits={"meet.write": (50, 1000)})
    adapter = paced(emu)
    with adapter:
        results = adapter.create_many([sample_request() for _ in range(150)])
        pacer = adapter._connections().client(0).pacer
    assert not [r for r in results if isinstance(r, Exception)]
    assert pacer is not None
    assert pacer.slowdowns >= 1
    assert pacer.interval("meet.write") > 60 / SCALE / (100 * 0.9)
    assert emu.quota_counts["meet.write"][1] < 150


def test_the_pacer_spaces_calls_and_counts_a_batch_per_call() -> None:
    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    pacer = QuotaPacer(GOOGLE_QUOTAS, share=1.0, clock=lambda: now[0], sleep=sleep)
    assert pacer.acquire("meet.write", 50) == 0  # the first batch goes at once
    assert pacer.acquire("meet.write", 50) == pytest.approx(30.0)  # 50 calls at 100/min
    pacer.slow_down("meet.write")
    assert pacer.interval("meet.write") == pytest.approx(1.2)
    for _ in range(200):
        pacer.went_through("meet.write", 50)
    assert pacer.interval("meet.write") == pytest.approx(0.6)
    assert pacer.acquire("unknown family") == 0


def test_a_run_inviting_many_outside_guests_is_warned_about(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from meetlink.adapters import Attendee
    from meetlink.adapters.google import create

    guests = tuple(Attendee(email=f"bt{n}@xa{n}.example.org") for n in range(50))
    own = tuple(Attendee(email=f"cv{n}@huyenuy.example.org") for n in range(50))
    requests = [sample_request(attendees=guests + own) for _ in range(100)]
    with caplog.at_level("WARNING", logger="meetlink.adapters.google"):
        assert create.warn_external_guests(requests, "huyenuy.example.org") == 5_000
    assert "Calendar usage limits exceeded" in caplog.text
    caplog.clear()
    assert create.warn_external_guests(requests[:10], "huyenuy.example.org") == 500
    assert caplog.text == ""


def test_three_organizer_accounts_share_the_conferences_and_go_faster(
    emu: GoogleEmulator, tmp_path: Path
) -> None:
    scopes = [
        "https://www.googleapis.com/auth/calendar.events",
        "https://www.googleapis.com/auth/meetings.space.settings",
    ]
    users = [f"vp{n}@huyenuy.example.org" for n in range(3)]
    tokens = [emu.token_file(tmp_path / f"t{n}.json", scopes, user=u) for n, u in enumerate(users)]

    def run(organizers: list[Path]) -> float:
        emu.reset()
        started = time.monotonic()
        with paced(emu, token_file=str(tokens[0]), organizers=[str(t) for t in organizers]) as a:
            results = a.create_many([sample_request() for _ in range(240)])
        assert not [r for r in results if isinstance(r, Exception)]
        return time.monotonic() - started

    alone = run([])
    assert len(emu.events(users[0])) == 240
    shared = run(tokens[1:])
    counts = [len(emu.events(u)) for u in users]
    assert sum(counts) == 240
    assert min(counts) >= 50  # each account holds a share
    assert emu.rate_limited_count <= emu.api_calls_count // 100
    # each account has its own quota: clearly faster (about 3x on an idle machine)
    assert shared < alone * 0.7
