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
import json
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, ClassVar, Literal, Self

from pydantic import Field, model_validator

from meetlink.adapters.base import AdapterSettings, Capability, ConferenceAdapter
from meetlink.adapters.google import calendar as cal
from meetlink.adapters.google.accounts import Connections, account_of
from meetlink.adapters.google.client import (
    CALENDAR_SCOPE,
    EMULATOR_HOST_ENV,
    GOOGLE_QUOTAS,
    MEET_READ_SCOPE,
    MEET_SETTINGS_SCOPE,
    Client,
)
from meetlink.adapters.google.create import Creation, unscheduled
from meetlink.adapters.google.meet import attendance_entries
from meetlink.adapters.google.retry import platform_error
from meetlink.adapters.models import (
    AttendanceEntry,
    ConferenceInfo,
    ConferenceRequest,
    PointAccess,
    PointRef,
)
from meetlink.errors import (
    AdapterError,
    InputError,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    Problem,
    TransientError,
)
from meetlink.loading.roster import Email

__all__ = ["GoogleAdapter", "GoogleSettings"]

JSON = dict[str, Any]
AccessType = Literal["RESTRICTED", "TRUSTED", "OPEN"]


class GoogleSettings(AdapterSettings):
    """Settings of the ``google`` platform (a track's ``settings:``).

    ``access_type`` is who may join the Meet without knocking: ``RESTRICTED`` (only the
    invited), ``TRUSTED`` (the organisation and the invited), ``OPEN`` (anyone with the
    link), or None to leave the organisation's default. ``attendance`` adds the read-only
    Meet scope needed to read who attended. Every call is paced within Google's quotas
    (:data:`.client.GOOGLE_QUOTAS`); ``quota_time_scale`` shrinks their minute, for tests
    against the emulator's scaled quotas. Retries: at most ``max_attempts`` attempts and
    ``max_retry_seconds`` per call, waits starting at ``retry_base_delay`` seconds.

    Example:
        >>> GoogleSettings(token_file="token.json").access_type
        'RESTRICTED'
    """

    calendar_id: str = Field(default="primary", min_length=1)
    service_account_file: Path | None = None
    subject: Email | None = None
    token_file: Path | None = None
    access_type: AccessType | None = "RESTRICTED"
    attendance: bool = False
    max_attempts: int = Field(default=8, ge=1, le=100)
    max_retry_seconds: float = Field(default=120.0, gt=0)
    retry_base_delay: float = Field(default=1.0, ge=0, le=60)
    batch_size: int = Field(default=50, ge=1, le=50)
    conference_poll_attempts: int = Field(default=8, ge=1, le=60)
    timeout: float = Field(default=60.0, gt=0)
    organizers: list[str] = Field(
        default_factory=list,
        description=(
            "More organizer accounts, each with its own Google quota: e-mail addresses of "
            "users the service account acts for, or token files (absolute paths). The "
            "conferences are shared among them; do not change the list between runs."
        ),
    )
    quota_time_scale: float | None = Field(
        default=None,
        gt=0,
        description=(
            "For tests against the emulator's scaled quotas: a minute lasts 60/scale seconds. "
            "Leave it out with Google (calls are then paced in real minutes)."
        ),
    )

    @model_validator(mode="after")
    def _one_kind_of_credentials(self) -> Self:
        if self.service_account_file is not None and self.token_file is not None:
            raise ValueError("give service_account_file (with subject) or token_file, not both.")
        if self.service_account_file is not None and self.subject is None:
            raise ValueError(
                "a service account acts for a user through domain-wide delegation: set "
                "subject to the organizer's address."
            )
        if self.subject is not None and self.service_account_file is None:
            raise ValueError("subject is only used with service_account_file; set both.")
        delegated = self.service_account_file is not None
        for entry in self.organizers:
            if ("@" in entry) != delegated:
                raise ValueError(
                    f"organizers: '{entry}' must be "
                    + (
                        "the e-mail address of a user the service account acts for."
                        if delegated
                        else "a token file (addresses need service_account_file)."
                    )
                )
        return self

    @property
    def organizer_domain(self) -> str | None:
        """The organizer's mail domain when known (the delegated ``subject``'s)."""
        return self.subject.rsplit("@", 1)[1] if self.subject else None

    @property
    def scopes(self) -> tuple[str, ...]:
        """The OAuth scopes asked for: no more than the settings need.

        ``calendar.events`` always (the events); ``meetings.space.settings`` when
        ``access_type`` is set (the Meet space is Calendar's, not the app's, so
        ``meetings.space.created`` does not cover it); ``meetings.space.readonly`` with
        ``attendance``.

        Example:
            >>> [s.rsplit("/", 1)[1] for s in GoogleSettings(access_type=None).scopes]
            ['calendar.events']
        """
        needed = [CALENDAR_SCOPE]
        if self.access_type is not None:
            needed.append(MEET_SETTINGS_SCOPE)
        if self.attendance:
            needed.append(MEET_READ_SCOPE)
        return tuple(needed)


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
        if self.emulator_host is not None:
            return
        settings = self.settings
        files = [f for f in (settings.service_account_file, settings.token_file) if f]
        tokens = [settings.token_file] if settings.token_file else []
        tokens += [Path(o) for o in settings.organizers if "@" not in o]
        files += tokens[1:] if settings.token_file else tokens
        if not files:
            raise InputError(
                [
                    Problem(
                        "",
                        0,
                        "",
                        (
                            "the google platform needs credentials: set service_account_file (with "
                            "subject) or token_file in the track's settings, or set "
                            f"{EMULATOR_HOST_ENV}=host:port to use the emulator."
                        ),
                    )
                ]
            )
        missing = [str(f) for f in files if not Path(f).is_file()]
        if missing:
            raise InputError(
                [
                    Problem(
                        "",
                        0,
                        "",
                        (
                            f"the credentials file {missing[0]} does not exist; check the path "
                            "(it is read relative to the meeting file)."
                        ),
                    )
                ]
            )
        for token in tokens:
            lacking = _lacking_scopes(token, settings.scopes)
            if lacking:
                raise InputError(
                    [
                        Problem(
                            "",
                            0,
                            "",
                            (
                                f"the token file {token} was signed in without "
                                f"the scope {', '.join(lacking)}, which these settings need; "
                                "sign in again granting it (or change the settings), then run "
                                "the command again."
                            ),
                        )
                    ]
                )

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
            return [r for r in results if r is not None]

    def update(self, request: ConferenceRequest, info: ConferenceInfo) -> ConferenceInfo:
        if not request.scheduled:
            raise unscheduled(request)
        with self._lock:
            client = self._client_for(request)
            event = client.one(
                lambda: client.events.patch(
                    calendarId=self.settings.calendar_id,
                    eventId=info.external_id,
                    body=cal.event_fields(request),
                    sendUpdates=cal.send_updates(request),
                    conferenceDataVersion=1,
                ),
                "events.patch",
            )
        if event.get("status") == "cancelled":
            raise NotFound(
                f"the Google Calendar event of '{request.key}' is cancelled, so nobody sees the "
                "change; run `meetlink open` to bring the conference back.",
                adapter=self.name,
                status=410,
            )
        kept = {k: v for k, v in info.extra.items() if k in ("space", "access_type")}
        return cal.to_info(request.key, event, self.settings.calendar_id, kept)

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
                return attendance_entries(client, code, info.extra.get("space"))
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
            )
        return self._conns

    def _client_for(self, request: ConferenceRequest) -> Client:
        """The client of the organizer account the conference belongs to."""
        connections = self._connections()
        return connections.client(account_of(request, len(connections.accounts)))


#: A scope that grants another: ``calendar`` covers ``calendar.events``.
_BROADER = {CALENDAR_SCOPE: "https://www.googleapis.com/auth/calendar"}


def _lacking_scopes(token_file: Path, needed: Sequence[str]) -> list[str]:
    """The needed scopes a token file says it was not granted (none when it does not say)."""
    try:
        granted = json.loads(Path(token_file).read_text(encoding="utf-8")).get("scopes")
    except (OSError, ValueError, AttributeError):
        return []  # load_credentials explains an unreadable file when it is used
    if not isinstance(granted, list):
        return []
    return [s for s in needed if s not in granted and _BROADER.get(s) not in granted]
