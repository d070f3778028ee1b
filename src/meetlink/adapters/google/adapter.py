"""The ``google`` platform: a sitting is a Google Calendar event with a Meet link.

Each conference is one event on the track's calendar (``calendar_id``, default
``primary``), made with ``events.insert`` and ``conferenceData.createRequest`` (Meet), sent
with ``conferenceDataVersion=1`` on every write. Its id is derived from the meeting id and
the request key, so a retried or repeated insert can never make a second event: Google
answers 409 and the adapter reads the event back. A deleted event is never revived (Google
refuses it): the sitting gets a new event under its next derived id.
The request's attendees are the event's guests; Google mails them only when the track uses
the platform's invitations (``sendUpdates=all``, else ``none``). Once the Meet conference
exists, Meet REST v2 ``spaces.patch`` sets who may join without knocking (``access_type``,
``RESTRICTED`` by default: the invited only). Many sittings go through Calendar's batch
endpoint, 50 calls per request. Attendance comes from Meet's conference records.

Credentials: a service account with domain-wide delegation (``service_account_file`` +
``subject``, the organizer it acts for) or an authorized-user token file (``token_file``,
JSON). Scopes (see :attr:`GoogleSettings.scopes`): ``calendar.events``, plus
``meetings.space.settings`` with an ``access_type`` and ``meetings.space.readonly`` with
``attendance: true``; a token without one is refused before anything is made. When
``MEETLINK_GOOGLE_EMULATOR_HOST`` is set (``host:port``), calls go to ``http://host:port/``
with anonymous credentials (or the ``token_file``'s emulator token), as Google's own
emulators do; :mod:`meetlink.testing.google` ships such an emulator.

Example:
    >>> from meetlink.testing.google import GoogleEmulator
    >>> from meetlink.testing.conformance import sample_request
    >>> with GoogleEmulator() as emu, GoogleAdapter(
    ...     env={"MEETLINK_GOOGLE_EMULATOR_HOST": emu.host}
    ... ) as adapter:
    ...     info = adapter.create(sample_request())
    ...     info.join_url.startswith("https://meet.google.com/"), emu.spaces()[0]["config"]
    (True, {'accessType': 'RESTRICTED', 'entryPointAccess': 'ALL'})
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

from meetlink.adapters.base import AdapterSettings, Capability, ConferenceAdapter
from meetlink.adapters.google import calendar as cal
from meetlink.adapters.google.accounts import Connections, account_of
from meetlink.adapters.google.client import (
    EMULATOR_HOST_ENV,
    GOOGLE_QUOTAS,
    Client,
)
from meetlink.adapters.google.create import Creation, unscheduled
from meetlink.adapters.google.meet import attendance_entries
from meetlink.adapters.google.occurrences import apply_exceptions, series_fingerprint
from meetlink.adapters.google.retry import platform_error
from meetlink.adapters.google.settings import GoogleSettings, credential_problems
from meetlink.adapters.models import (
    AttendanceEntry,
    ConferenceInfo,
    ConferenceRequest,
    PointAccess,
    PointRef,
)
from meetlink.errors import (
    AdapterError,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    TransientError,
)

__all__ = ["GoogleAdapter", "GoogleSettings"]

JSON = dict[str, Any]


class GoogleAdapter(ConferenceAdapter):
    """Google Calendar events with Meet links; see the module docstring.

    ``http`` is an ``httplib2.Http``-like transport (the caller's, never closed here);
    ``env`` is where ``MEETLINK_GOOGLE_EMULATOR_HOST`` is read (default ``os.environ``);
    ``sleep`` waits between retries (tests pass a recorder). Each organizer account has its
    own transport (httplib2 is not thread-safe) and quota; their conferences are made side by
    side, one call at a time per account.
    """

    name = "google"
    settings_model = GoogleSettings
    capacity = 100  # Meet's smallest edition; settings.capacity for 150, 500, 1000
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.CREATE,
            Capability.UPDATE,
            Capability.CANCEL,
            Capability.ACCESS_LINK,
            Capability.ATTENDANCE,
            Capability.PLATFORM_INVITES,
            Capability.BATCH,
        }
    )
    quotas = GOOGLE_QUOTAS
    requires_officer = False
    settings: GoogleSettings

    def __init__(
        self,
        settings: AdapterSettings | Mapping[str, Any] | None = None,
        *,
        http: object = None,
        env: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        super().__init__(settings, http=http)
        self._env = env if env is not None else os.environ
        self._sleep = sleep if sleep is not None else time.sleep
        self._lock = threading.RLock()
        self._conns: Connections | None = None

    @classmethod
    def map_error(cls, exc: BaseException) -> AdapterError:
        """The adapter's error for anything the Google client stack raised (its one table).

        Example:
            >>> type(GoogleAdapter.map_error(ConnectionResetError())).__name__
            'TransientError'
        """
        return platform_error(exc, cls.http_error, cls.name)

    @property
    def emulator_host(self) -> str | None:
        """``host:port`` of the emulator in use, or None when talking to Google."""
        return self._env.get(EMULATOR_HOST_ENV) or None

    def prepare(self, points: Sequence[PointRef]) -> None:
        """Refuse, before anything is created, a track that could never reach Google.

        Raises :class:`~meetlink.errors.InputError` (the caller places it at the track's
        ``settings:``) when no credentials are configured and no emulator is in use, or when
        a credentials file does not exist.
        """
        if self.emulator_host is None:
            credential_problems(self.settings, self._env)

    # -- the contract ----------------------------------------------------------------------

    def create(self, request: ConferenceRequest) -> ConferenceInfo:
        result = self.create_many([request])[0]
        if isinstance(result, AdapterError):
            raise result
        return result

    def create_many(
        self, requests: Sequence[ConferenceRequest]
    ) -> list[ConferenceInfo | AdapterError]:
        """Create many conferences through Calendar's batch endpoint; one result per request.

        Example:
            >>> from meetlink.testing.google import GoogleEmulator
            >>> from meetlink.testing.conformance import sample_request
            >>> with GoogleEmulator() as emu, GoogleAdapter(
            ...     {"access_type": None}, env={"MEETLINK_GOOGLE_EMULATOR_HOST": emu.host}
            ... ) as adapter:
            ...     infos = adapter.create_many([sample_request() for _ in range(120)])
            ...     len(infos), emu.batch_requests_count
            (120, 3)
        """
        requests = list(requests)
        with self._lock:
            connections = self._connections()
            count = len(connections.accounts)
            groups: dict[int, list[int]] = {}
            for n, request in enumerate(requests):
                groups.setdefault(account_of(request, count), []).append(n)

            def run(account: int) -> list[ConferenceInfo | AdapterError]:
                creation = Creation(connections.client(account), self.settings, self._sleep)
                return creation.run([requests[n] for n in groups[account]])

            results: list[ConferenceInfo | AdapterError | None] = [None] * len(requests)
            workers = 1 if connections.shared_transport else len(groups)
            with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
                # each account has its own transport and quota: they run side by side
                for account, outcomes in zip(groups, pool.map(run, groups), strict=True):
                    for n, outcome in zip(groups[account], outcomes, strict=True):
                        results[n] = outcome
            done = [r for r in results if r is not None]
            return [self._occurrences(r, q) for r, q in zip(done, requests, strict=True)]

    def _occurrences(
        self, made: ConferenceInfo | AdapterError, request: ConferenceRequest
    ) -> ConferenceInfo | AdapterError:
        """A new recurring conference: its skipped and moved instances, and its fingerprint."""
        if isinstance(made, AdapterError) or not request.recurrence:
            return made
        if request.exceptions:
            client = self._client_for(request)
            try:
                apply_exceptions(client, self.settings.calendar_id, made.external_id, request)
            except AdapterError as exc:
                return exc
        series = series_fingerprint(cal.event_fields(request))
        return made.model_copy(update={"extra": {**made.extra, "series": series}})

    def update(self, request: ConferenceRequest, info: ConferenceInfo) -> ConferenceInfo:
        if not request.scheduled:
            raise unscheduled(request)
        fields = cal.event_fields(request)
        series = series_fingerprint(fields)
        calendar_id = self.settings.calendar_id
        with self._lock:
            client = self._client_for(request)
            if request.recurrence and info.extra.get("series") == series:
                # only occurrences changed: the series is read, never sent again
                event = client.one(client.get_event(calendar_id, info.external_id), "events.get")
            else:
                event = client.one(
                    lambda: client.events.patch(
                        calendarId=calendar_id,
                        eventId=info.external_id,
                        body=fields,
                        sendUpdates=cal.send_updates(request),
                        conferenceDataVersion=1,
                    ),
                    "events.patch",
                )
            if request.recurrence and event.get("status") != "cancelled":
                apply_exceptions(client, calendar_id, info.external_id, request)
        if event.get("status") == "cancelled":
            raise NotFound(
                f"the Google Calendar event of '{request.key}' is cancelled, so nobody sees the "
                "change; run `meetlink open` to bring the conference back.",
                adapter=self.name,
                status=410,
            )
        kept = {k: v for k, v in info.extra.items() if k in ("space", "access_type")}
        if request.recurrence:
            kept["series"] = series
        return cal.to_info(request.key, event, calendar_id, kept)

    def cancel(self, request: ConferenceRequest, info: ConferenceInfo) -> None:
        with self._lock:
            client = self._client_for(request)
            with contextlib.suppress(NotFound):  # 404 or 410: gone or cancelled already
                client.one(
                    lambda: client.events.delete(
                        calendarId=self.settings.calendar_id,
                        eventId=info.external_id,
                        sendUpdates=cal.send_updates(request),
                    ),
                    "events.delete",
                )

    def find(self, request: ConferenceRequest) -> ConferenceInfo | None:
        """The sitting's live event, or its last deleted one (cancelled), or None.

        A deleted event is made again under the next id (see :func:`.calendar.event_id`):
        the ids are read in order until one is live or was never used.
        """
        latest: JSON | None = None
        with self._lock:
            client = self._client_for(request)
            for generation in range(cal.MAX_GENERATIONS):
                eid = cal.event_id(request, generation)
                try:
                    event = client.one(
                        client.get_event(self.settings.calendar_id, eid), "events.get"
                    )
                except NotFound:
                    break
                if not cal.owned_by(event, request):
                    break
                latest = event
                if event.get("status") != "cancelled":
                    break
        if latest is None:
            return None
        return cal.to_info(request.key, latest, self.settings.calendar_id)

    def issue_access(
        self, request: ConferenceRequest, info: ConferenceInfo, point: PointRef
    ) -> PointAccess:
        """The event's Meet link, the same for every bridge point: Meet has no per-point
        secret; who may join is set by ``access_type`` and the guest list."""
        if point.id not in {p.id for p in request.bridge_points}:
            raise InvalidRequest(
                f"the bridge point '{point.id}' is not part of the conference '{request.key}'; "
                "issue access only to the points the plan puts in it.",
                adapter=self.name,
                status=400,
            )
        url = info.join_url
        if not url:
            found = self.find(request)
            url = found.join_url if found is not None else ""
        if not url:
            raise TransientError(
                f"the Meet conference of '{request.key}' has no link yet (Google is still "
                "making it, or it failed); run `meetlink open` again.",
                adapter=self.name,
            )
        return PointAccess(point_id=point.id, join_url=url)

    def attendance(self, request: ConferenceRequest, info: ConferenceInfo) -> list[AttendanceEntry]:
        """Who joined the Meet conference(s) of the event, from Meet's conference records."""
        code = info.meeting_code
        if not code:
            found = self.find(request)
            code = found.meeting_code if found is not None else None
        if not code:
            return []
        with self._lock:
            client = self._client_for(request)
            try:
                return attendance_entries(
                    client,
                    code,
                    info.extra.get("space"),
                    addresses=self.settings.attendance_addresses,
                )
            except PermissionDenied as exc:
                if self.settings.attendance:
                    raise
                raise PermissionDenied(
                    f"{exc} Reading attendance needs the meetings.space.readonly scope: set "
                    "attendance: true in the track's settings (and allow the scope for the "
                    "service account), then run the report again.",
                    adapter=self.name,
                    status=exc.status,
                    reason=exc.reason,
                ) from None

    def close(self) -> None:
        with self._lock:
            if self._conns is not None:
                self._conns.close()
                self._conns = None
        super().close()

    # -- plumbing ------------------------------------------------------------------------

    def _connections(self) -> Connections:
        if self._conns is None:
            self._conns = Connections(
                self.settings,
                emulator_host=self.emulator_host,
                http=self.http,
                sleep=self._sleep,
                to_error=self.map_error,
                quotas=self.quotas,
                env=self._env,
            )
        return self._conns

    def _client_for(self, request: ConferenceRequest) -> Client:
        """The client of the organizer account the conference belongs to."""
        connections = self._connections()
        return connections.client(account_of(request, len(connections.accounts)))
