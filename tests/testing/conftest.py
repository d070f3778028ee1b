"""Fixtures for the Google emulator tests: a running emulator and real googleapiclient clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httplib2
import pytest
from google.auth.credentials import AnonymousCredentials
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build
from googleapiclient.http import BatchHttpRequest

from meetlink.testing.google import GoogleEmulator

Callback = Callable[[str, Any, Exception | None], None]


@pytest.fixture
def emu() -> Iterator[GoogleEmulator]:
    with GoogleEmulator() as emulator:
        yield emulator


@pytest.fixture
def http() -> Iterator[AuthorizedHttp]:
    authorized = AuthorizedHttp(AnonymousCredentials(), http=httplib2.Http(timeout=10))
    yield authorized
    authorized.close()


@pytest.fixture
def calendar(emu: GoogleEmulator, http: AuthorizedHttp) -> Any:
    return build(
        "calendar",
        "v3",
        http=http,
        static_discovery=True,
        client_options={"api_endpoint": emu.calendar_endpoint},
    )


@pytest.fixture
def meet(emu: GoogleEmulator, http: AuthorizedHttp) -> Any:
    return build(
        "meet", "v2", http=http, static_discovery=True, client_options={"api_endpoint": emu.url}
    )


@pytest.fixture
def new_batch(emu: GoogleEmulator) -> Callable[[Callback], BatchHttpRequest]:
    def make(callback: Callback) -> BatchHttpRequest:
        return BatchHttpRequest(callback=callback, batch_uri=emu.calendar_batch_uri)

    return make
