"""The google adapter passes the adapter conformance suite against the Google emulator.

Every call goes through the real client stack: google-api-python-client, httplib2, a real
socket, and :class:`~meetlink.testing.google.GoogleEmulator`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from meetlink.adapters.google import GoogleAdapter
from meetlink.testing import AdapterConformance
from meetlink.testing.conformance import LEAK_CANARY
from meetlink.testing.google import GoogleEmulator

FAST = {"retry_base_delay": 0.001}


@pytest.fixture
def emu() -> Iterator[GoogleEmulator]:
    with GoogleEmulator() as emulator:
        yield emulator


class TestGoogleAdapter(AdapterConformance):
    @pytest.fixture
    def adapter(self, emu: GoogleEmulator) -> Iterator[GoogleAdapter]:
        env = {"MEETLINK_GOOGLE_EMULATOR_HOST": emu.host}
        with GoogleAdapter(FAST, env=env) as adapter:
            yield adapter

    @pytest.fixture
    def invalid_settings(self) -> dict[str, Any]:
        return {"token_file": "token.json", "no_such_option_zz": LEAK_CANARY}


class TestGoogleAdapterWhileMeetIsSlow(AdapterConformance):
    """Google makes each Meet conference asynchronously: two answers say ``pending`` first."""

    @pytest.fixture
    def adapter(self, emu: GoogleEmulator) -> Iterator[GoogleAdapter]:
        emu.conference_pending_responses = 2
        env = {"MEETLINK_GOOGLE_EMULATOR_HOST": emu.host}
        with GoogleAdapter(FAST, env=env) as adapter:
            yield adapter


class TestGoogleAdapterWithoutAccessChanges(AdapterConformance):
    """``access_type: null`` leaves Meet alone: Calendar calls only."""

    @pytest.fixture
    def adapter(self, emu: GoogleEmulator) -> Iterator[GoogleAdapter]:
        env = {"MEETLINK_GOOGLE_EMULATOR_HOST": emu.host}
        with GoogleAdapter({**FAST, "access_type": None}, env=env) as adapter:
            yield adapter
