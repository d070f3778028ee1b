"""The HTTP side: a threading stdlib server, fault handling, batches and the request record."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ._batch import parse_batch, render_batch
from ._calendar import CalendarStore, ConferenceSettings
from ._faults import Fault, FaultBook
from ._meet import MeetStore
from ._oauth import PATHS as OAUTH_PATHS
from ._oauth import OAuthServer
from ._people import people_get
from ._quotas import QuotaBook
from ._scopes import TokenBook
from ._wire import ApiError, ApiRequest, ApiResponse, IdSource

logger = logging.getLogger("meetlink.testing.google")


@dataclass(frozen=True)
class RecordedRequest:
    """One call the emulator received: a whole HTTP request, or one part of a batch.

    ``body`` is the parsed JSON (or the text when it is not JSON, None when empty);
    ``status`` is what was answered (None when the connection was dropped before doing the
    call); ``batch_size`` is the number of parts of a batch envelope (0 otherwise).
    """

    method: str
    path: str
    query: Mapping[str, str]
    body: Any
    in_batch: bool
    status: int | None
    batch_size: int = 0
    dropped: bool = False
    fault: str | None = None

    @property
    def is_batch(self) -> bool:
        """True for the envelope ``POST /batch/...`` that carried several calls."""
        return _is_batch_path(self.path) and not self.in_batch

    @property
    def send_updates(self) -> str | None:
        """The ``sendUpdates`` query parameter the client sent (Calendar writes)."""
        return self.query.get("sendUpdates")


@dataclass(frozen=True)
class Outcome:
    response: ApiResponse | None  # None: close the connection without answering
    delay: float = 0.0


def _is_batch_path(path: str) -> bool:
    return path == "/batch" or path.startswith("/batch/")


class Backend:
    """Everything the server threads share; ``lock`` guards the stores and the record."""

    def __init__(self, *, owner_email: str, seed: str, clock: Callable[[], datetime]) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.owner_email = owner_email
        self.seed = seed
        self.faults = FaultBook()
        self.settings = ConferenceSettings()
        self.latency = 0.0
        self.batch_limit = 1000
        self.records: list[RecordedRequest] = []
        self.tokens = TokenBook(clock)
        self.oauth = OAuthServer(self.tokens, owner_email)
        self.quotas = QuotaBook()
        self.directory: dict[str, str] = {}  # users/ID -> the account's address (People API)
        self.connections: set[socket.socket] = set()
        self.clear()

    def clear(self) -> None:
        with self.lock:
            self.ids = IdSource(self.seed)
            self.meet = MeetStore(self.ids, self.clock)
            self.calendar = CalendarStore(
                self.ids, self.clock, self.meet, self.owner_email, self.settings
            )
            self.records.clear()
        self.faults.clear()
        self.quotas.reset()

    def serve(self, request: ApiRequest) -> Outcome:
        """Answer one HTTP request (a batch envelope included), applying faults."""
        if request.path in OAUTH_PATHS:  # Google's OAuth endpoints: no faults, no quotas
            with self.lock:
                answer = self.oauth.handle(request)
            self._record(request, answer.status)
            return Outcome(answer)
        fault = self.faults.take(request)
        if fault is not None and fault.kind in ("status", "drop_request"):
            return self._faulted(request, fault)
        parts: list[RecordedRequest] = []
        drop = fault is not None and fault.kind == "drop_response"
        delay = fault.seconds if fault is not None else 0.0
        if _is_batch_path(request.path):
            response, parts, part_drop, part_delay = self._batch(request)
            drop, delay = drop or part_drop, delay + part_delay
        else:
            response = self._call(request)
        self._record(request, response.status, dropped=drop, fault=fault, parts=parts)
        return Outcome(None if drop else response, delay)

    def _faulted(self, request: ApiRequest, fault: Fault) -> Outcome:
        if fault.kind == "drop_request":
            self._record(request, None, dropped=True, fault=fault)
            return Outcome(None)
        response = fault.to_error().to_response(request.api)
        self._record(request, response.status, fault=fault)
        return Outcome(response)

    def _call(self, request: ApiRequest) -> ApiResponse:
        if _is_batch_path(request.path):
            return ApiError.invalid("A batch request cannot be nested in a batch.").to_response(
                request.api
            )
        authorization = request.headers.get("authorization")
        if authorization:
            granted = self.tokens.lookup(authorization)
            if granted is None:
                return ApiError(401, reason="authError").to_response(request.api)
            request = replace(request, scopes=granted[0], user=granted[1])
        try:
            self.quotas.admit(request, request.user or self.owner_email)
            with self.lock:
                if request.path.startswith("/v1/people/"):
                    return people_get(request, self.directory)
                if request.api == "meet":
                    return self.meet.handle(request)
                return self.calendar.handle(request)
        except ApiError as error:
            return error.to_response(request.api)
        except Exception:  # a bug in the emulator must still answer like a server would
            logger.exception("The Google emulator failed on %s %s", request.method, request.path)
            return ApiError(500, reason="backendError").to_response(request.api)

    def _batch(
        self, envelope: ApiRequest
    ) -> tuple[ApiResponse, list[RecordedRequest], bool, float]:
        try:
            if envelope.method != "POST":
                raise ApiError(404, "A batch request must be a POST.")
            parts = parse_batch(envelope.headers.get("content-type", ""), envelope.body)
            if len(parts) > self.batch_limit:
                raise ApiError.invalid(
                    f"Too many calls in one batch request: {len(parts)}; "
                    f"at most {self.batch_limit} are allowed."
                )
        except ApiError as error:
            return error.to_response("calendar"), [], False, 0.0
        answers: list[tuple[str | None, ApiResponse]] = []
        records: list[RecordedRequest] = []
        drop, delay = False, 0.0
        authorization = envelope.headers.get("authorization")
        for part in parts:
            request = part.request
            if authorization and "authorization" not in request.headers:
                headers = {**request.headers, "authorization": authorization}
                request = replace(request, headers=headers)
            fault = self.faults.take(request)
            if fault is not None and fault.kind == "status":
                answer: ApiResponse | None = fault.to_error().to_response(request.api)
            elif fault is not None and fault.kind == "drop_request":
                answer, drop = None, True
            else:
                answer = self._call(request)
                drop = drop or (fault is not None and fault.kind == "drop_response")
                delay += fault.seconds if fault is not None else 0.0
            records.append(_recorded(request, answer.status if answer else None, fault=fault))
            if answer is not None:
                answers.append((part.content_id, answer))
        content_type, body = render_batch(answers)
        response = ApiResponse(200, body, (("Content-Type", content_type),))
        return response, records, drop, delay

    def _record(
        self,
        request: ApiRequest,
        status: int | None,
        *,
        dropped: bool = False,
        fault: Fault | None = None,
        parts: list[RecordedRequest] | None = None,
    ) -> None:
        """Record a request, and a batch's parts right after their envelope."""
        size = len(parts or ())
        recorded = _recorded(request, status, dropped=dropped, fault=fault, size=size)
        with self.lock:
            self.records.append(recorded)
            self.records.extend(parts or ())
        logger.debug("%s %s -> %s", request.method, request.path, status)


def _recorded(
    request: ApiRequest,
    status: int | None,
    *,
    dropped: bool = False,
    fault: Fault | None = None,
    size: int = 0,
) -> RecordedRequest:
    body: Any = None
    if request.body.strip() and not _is_batch_path(request.path):
        try:
            body = json.loads(request.body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            body = request.body.decode("utf-8", "replace")
    query = {name: values[0] for name, values in request.query.items() if values}
    return RecordedRequest(
        request.method,
        request.path,
        query,
        body,
        request.in_batch,
        status,
        size,
        dropped or (fault is not None and fault.kind.startswith("drop")),
        fault.kind if fault is not None else None,
    )


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without TCP_NODELAY, Nagle and delayed ACK add
    # ~40 ms to every answer on Linux.
    disable_nagle_algorithm = True
    server_version = "meetlink-google-emulator"
    sys_version = ""
    timeout = 60
    backend: Backend  # set on the subclass made by make_server

    def setup(self) -> None:
        super().setup()
        with self.backend.lock:
            self.backend.connections.add(self.connection)

    def finish(self) -> None:
        with self.backend.lock:
            self.backend.connections.discard(self.connection)
        super().finish()

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def _serve(self) -> None:
        body = self._read_body()
        url = urlsplit(self.path)
        method = self.command
        headers = {name.lower(): value for name, value in self.headers.items()}
        query = parse_qs(url.query, keep_blank_values=True)
        override = headers.get("x-http-method-override")
        if override:  # googleapiclient turns a GET with a very long URL into this POST
            method = override.upper()
            if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
                query |= parse_qs(body.decode(), keep_blank_values=True)
                body = b""
        request = ApiRequest(method, url.path, query, headers, body)
        if self.backend.latency > 0:
            time.sleep(self.backend.latency)
        outcome = self.backend.serve(request)
        if outcome.response is None:
            self.close_connection = True
            return
        if outcome.delay > 0:
            time.sleep(outcome.delay)
        response = outcome.response
        try:
            self.send_response(response.status)
            for name, value in response.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)
        except ConnectionError:  # the client gave up (e.g. timed out during a delay fault)
            self.close_connection = True

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug(format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-request is normal in fault tests; keep stderr quiet.
        logger.debug("Connection from %s failed", client_address, exc_info=True)


def make_server(backend: Backend, host: str, port: int) -> ThreadingHTTPServer:
    handler = type("Handler", (_Handler,), {"backend": backend})
    return _Server((host, port), handler)


def close_connections(backend: Backend) -> None:
    """Cut the keep-alive connections still open, so a stopped emulator answers nothing."""
    with backend.lock:
        connections = list(backend.connections)
    for connection in connections:
        with contextlib.suppress(OSError):
            connection.shutdown(socket.SHUT_RDWR)
