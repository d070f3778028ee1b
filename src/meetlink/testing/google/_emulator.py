"""``GoogleEmulator``: start, stop, inspect and script the fake Google server."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from ._calendar import ConferenceOutcome
from ._faults import Fault
from ._records import ParticipantKind
from ._scopes import write_token_file
from ._server import Backend, RecordedRequest, close_connections, make_server
from ._wire import JSON, as_utc


@dataclass(frozen=True)
class SimulatedParticipant:
    """Someone who joined a simulated conference, for :meth:`GoogleEmulator.simulate_conference`.

    ``kind`` picks the Meet participant shape: ``"signedin"`` (``signedinUser`` with
    ``user`` = ``users/…``, made up when not given), ``"anonymous"`` or ``"phone"`` (whose
    ``display_name`` is the partly hidden number). ``end=None`` means still in the call.
    ``email`` is the signed-in account's address: Meet does not give it, the People API
    does (``people.get`` of ``people/ID`` for ``users/ID``, ``personFields=emailAddresses``).
    """

    display_name: str
    start: datetime | str
    end: datetime | str | None = None
    kind: ParticipantKind = "signedin"
    user: str | None = None
    email: str | None = None


ParticipantSpec = SimulatedParticipant | tuple[str, datetime | str, datetime | str | None]


class GoogleEmulator:
    """A fake Google Calendar v3 + Meet v2 server on a real socket, for offline tests.

    It starts on ``host`` (127.0.0.1) and a free port unless ``port`` is given, and accepts
    anonymous calls. ``latency`` (seconds) is added to every HTTP request. Ids, meeting codes
    and etags are deterministic for a given ``seed`` and order of calls.

    Example:
        >>> from meetlink.testing.google import Fault, GoogleEmulator
        >>> with GoogleEmulator() as emu:
        ...     emu.inject(Fault.status(429, times=2, retry_after=1))
        ...     emu.host.startswith("127.0.0.1:")
        True
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        owner_email: str = "organizer@meetlink.test",
        seed: str = "meetlink",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._bind = (host, port)
        self._backend = Backend(
            owner_email=owner_email, seed=seed, clock=clock or (lambda: datetime.now(UTC))
        )
        self._backend.latency = latency
        self._server: Any = None
        self._thread: threading.Thread | None = None

    # -- life cycle -------------------------------------------------------------------------

    def start(self) -> GoogleEmulator:
        """Listen and serve in a background thread; returns ``self``."""
        if self._server is not None:
            raise RuntimeError("This GoogleEmulator is already running; stop() it first.")
        self._server = make_server(self._backend, *self._bind)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"google-emulator-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, cut open connections and free the port. Stored data stays readable."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        close_connections(self._backend)
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> GoogleEmulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- where it listens -------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("The emulator is not running: call start() or use `with`.")
        return int(self._server.server_address[1])

    @property
    def host(self) -> str:
        """``"127.0.0.1:PORT"``: the value for ``MEETLINK_GOOGLE_EMULATOR_HOST``."""
        return f"{self._bind[0]}:{self.port}"

    @property
    def url(self) -> str:
        """``"http://127.0.0.1:PORT/"``: the root, standing in for Google's ``rootUrl``."""
        return f"http://{self.host}/"

    @property
    def calendar_endpoint(self) -> str:
        """``api_endpoint`` for ``build("calendar", "v3")``: calls go to ``/calendar/v3/...``."""
        return f"{self.url}calendar/v3/"

    @property
    def calendar_batch_uri(self) -> str:
        """``batch_uri`` for ``BatchHttpRequest``: the client's own ignores ``api_endpoint``."""
        return f"{self.url}batch/calendar/v3"

    @property
    def meet_endpoint(self) -> str:
        """``api_endpoint`` for ``build("meet", "v2")``: calls go to ``/v2/...``."""
        return self.url

    # -- behaviour knobs --------------------------------------------------------------------

    @property
    def latency(self) -> float:
        """Seconds added to every HTTP request (a batch counts once)."""
        return self._backend.latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("latency must not be negative.")
        self._backend.latency = seconds

    @property
    def conference_pending_responses(self) -> int:
        """How many answers about a new Meet conference (the insert's counts) say ``pending``.

        0 (default): the insert answers ``success`` at once. 2: the insert and the next
        answer showing the event say ``pending``, the one after says ``success``.
        """
        return self._backend.settings.pending_responses

    @conference_pending_responses.setter
    def conference_pending_responses(self, count: int) -> None:
        if count < 0:
            raise ValueError("conference_pending_responses must not be negative.")
        self._backend.settings.pending_responses = count

    @property
    def conference_outcome(self) -> ConferenceOutcome:
        """``"success"`` (default) or ``"failure"``: how new conference requests end."""
        return self._backend.settings.outcome

    @conference_outcome.setter
    def conference_outcome(self, outcome: ConferenceOutcome) -> None:
        if outcome not in ("success", "failure"):
            raise ValueError('conference_outcome must be "success" or "failure".')
        self._backend.settings.outcome = outcome

    @property
    def batch_limit(self) -> int:
        """Most calls one batch may carry (Google: 1000); more is answered 400."""
        return self._backend.batch_limit

    @batch_limit.setter
    def batch_limit(self, count: int) -> None:
        self._backend.batch_limit = count

    # -- quotas -----------------------------------------------------------------------------

    def enforce_quotas(
        self, *, time_scale: float = 1.0, limits: Mapping[str, tuple[int, int]] | None = None
    ) -> None:
        """Answer 429 as Google does once a user or the project goes over a rate quota.

        Every call counts, each call of a batch too, in a sliding minute per method family
        (``calendar``, ``meet.read``, ``meet.write``, ``meet.create``): Google's limits
        (calls a minute per user, per project) unless ``limits`` gives others. With
        ``time_scale`` 60 a minute lasts one second. The user is the token's
        (:meth:`issue_token`), or the calendar's owner for anonymous calls.

        Example:
            >>> with GoogleEmulator() as emu:
            ...     emu.enforce_quotas(time_scale=60, limits={"calendar": (2, 10)})
            ...     emu.rate_limited_count
            0
        """
        if time_scale <= 0:
            raise ValueError("time_scale must be positive.")
        book = self._backend.quotas
        book.time_scale = time_scale
        if limits is not None:
            book.limits = {**book.limits, **limits}
        book.enabled = True

    @property
    def rate_limited_count(self) -> int:
        """Calls answered 429 because a quota was crossed (faults not included)."""
        return sum(self._backend.quotas.refused.values())

    @property
    def quota_counts(self) -> dict[str, tuple[int, int]]:
        """Per family: (calls let through, calls answered 429) while quotas were on."""
        book = self._backend.quotas
        families = set(book.admitted) | set(book.refused)
        return {f: (book.admitted[f], book.refused[f]) for f in sorted(families)}

    # -- access tokens ----------------------------------------------------------------------

    def issue_token(self, scopes: Iterable[str], *, user: str | None = None) -> str:
        """An access token carrying ``scopes``, for the ``Authorization: Bearer`` header.

        Calls without that header stay anonymous and may do everything; calls with it may do
        only what ``scopes`` allow, and are answered 403 ``ACCESS_TOKEN_SCOPE_INSUFFICIENT``
        otherwise. ``user`` (default: the owner) is whose per-user quota the calls use.
        """
        return self._backend.tokens.issue(scopes, user or self._backend.owner_email)

    def token_file(self, path: Path, scopes: Iterable[str], *, user: str | None = None) -> Path:
        """Write an authorized-user token file (google-auth JSON) holding a new token.

        Give it to the adapter as ``token_file``: with ``MEETLINK_GOOGLE_EMULATOR_HOST`` set,
        the adapter then sends the token, so the emulator checks its scopes.

        Example:
            >>> import tempfile
            >>> from pathlib import Path
            >>> with GoogleEmulator() as emu, tempfile.TemporaryDirectory() as tmp:
            ...     path = emu.token_file(Path(tmp) / "token.json", ["https://x/y"])
            ...     path.name
            'token.json'
        """
        scopes = list(scopes)
        return write_token_file(path, self.issue_token(scopes, user=user), scopes)

    # -- OAuth (an installed app's sign-in) ---------------------------------------------------

    def oauth_client(self) -> JSON:
        """A new OAuth client of the "Desktop app" type, as the ``client_secret.json`` Google
        Cloud's console downloads: ``{"installed": {...}}`` whose ``auth_uri``,
        ``token_uri`` point at this emulator (``/o/oauth2/auth``, ``/token``; ``/revoke``
        beside them). The emulator's user (the owner) consents to whatever is asked.

        Example:
            >>> with GoogleEmulator() as emu:
            ...     emu.oauth_client()["installed"]["token_uri"].endswith("/token")
            True
        """
        client_id, secret = self._backend.oauth.new_client()
        return {
            "installed": {
                "client_id": client_id,
                "project_id": "meetlink-emulator",
                "auth_uri": f"{self.url}o/oauth2/auth",
                "token_uri": f"{self.url}token",
                "client_secret": secret,
                "redirect_uris": ["http://localhost"],
            }
        }

    def oauth_client_file(self, path: Path) -> Path:
        """Write :meth:`oauth_client` to ``path`` (a ``client_secret.json``)."""
        path.write_text(json.dumps(self.oauth_client(), indent=2), encoding="utf-8")
        return path

    def consent(self, url: str, *, follow: bool = False) -> str:
        """Be the user's browser: open the consent page ``url`` (from the sign-in flow), agree,
        and return the address Google redirects to (``http://localhost…?state=…&code=…``).

        With ``follow`` the browser also opens that address (the local server of a browser
        sign-in) and returns it all the same.
        """
        parts = urlsplit(url)
        connection = http.client.HTTPConnection(parts.netloc, timeout=10)
        try:
            connection.request("GET", f"{parts.path}?{parts.query}")
            answer = connection.getresponse()
            answer.read()
        finally:
            connection.close()
        location = answer.getheader("Location")
        if answer.status != 302 or not location:
            raise RuntimeError(f"The consent page answered {answer.status}, not a redirect.")
        if follow:
            back = urlsplit(location)
            connection = http.client.HTTPConnection(back.netloc, timeout=10)
            try:
                connection.request("GET", f"{back.path or '/'}?{back.query}")
                connection.getresponse().read()
            finally:
                connection.close()
        return location

    @property
    def access_token_lifetime(self) -> float:
        """Seconds an access token from ``/token`` lives (Google: 3599)."""
        return self._backend.oauth.access_lifetime

    @access_token_lifetime.setter
    def access_token_lifetime(self, seconds: float) -> None:
        self._backend.oauth.access_lifetime = seconds

    def expire_access_tokens(self) -> int:
        """End every access token now (answered 401 from then on); refresh tokens stay good.
        Returns how many there were."""
        return self._backend.tokens.expire_all()

    @property
    def refresh_tokens_count(self) -> int:
        """Grants (refresh tokens) given through the OAuth flow and not revoked."""
        return len(self._backend.tokens.grants)

    # -- faults -----------------------------------------------------------------------------

    def inject(self, *faults: Fault) -> None:
        """Add faults; each applies to the next ``times`` matching calls, in injection order."""
        for fault in faults:
            self._backend.faults.add(fault)

    def clear_faults(self) -> None:
        self._backend.faults.clear()

    @property
    def pending_faults(self) -> list[tuple[Fault, int]]:
        """Faults not yet used up, each with how many times it will still apply."""
        return self._backend.faults.pending()

    # -- what happened ----------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every call received, in order: HTTP requests, batch envelopes and batch parts."""
        with self._backend.lock:
            return list(self._backend.records)

    @property
    def http_requests_count(self) -> int:
        """HTTP requests received; a batch is one, however many calls it carries."""
        return sum(1 for r in self.requests if not r.in_batch)

    @property
    def batch_requests_count(self) -> int:
        """Batch HTTP requests received."""
        return sum(1 for r in self.requests if r.is_batch)

    @property
    def api_calls_count(self) -> int:
        """API calls received: plain requests plus the parts of every batch."""
        return sum(1 for r in self.requests if not r.is_batch)

    def events(self, calendar_id: str = "primary") -> list[JSON]:
        """Every event stored in a calendar, deleted ones too (status ``cancelled``)."""
        with self._backend.lock:
            calendar = self._backend.calendar.calendar(calendar_id)
            return [e.render(count_read=False) for e in calendar.values()]

    def spaces(self) -> list[JSON]:
        """Every Meet space, those made through Calendar conferences included."""
        with self._backend.lock:
            return [s.resource() for s in self._backend.meet.spaces.values()]

    def conference_records(self) -> list[JSON]:
        with self._backend.lock:
            return [r.resource() for r in self._backend.meet.records.records.values()]

    def reset(self) -> None:
        """Forget all events, spaces, records, recorded requests and faults; keep the knobs."""
        self._backend.clear()

    # -- attendance -------------------------------------------------------------------------

    def simulate_conference(
        self,
        meeting_code: str,
        participants: Iterable[ParticipantSpec] = (),
        *,
        start: datetime | str | None = None,
        end: datetime | str | None = None,
    ) -> str:
        """Hold a conference in the space with ``meeting_code``; returns the record's name.

        ``participants`` are ``(display_name, start, end)`` tuples or
        :class:`SimulatedParticipant`; times are aware datetimes or RFC 3339 strings. The
        conference starts at ``start`` (default: the first join) and ends at ``end``
        (default: the last leave); when someone has no end it is still active.

        Example:
            >>> from datetime import datetime, UTC
            >>> with GoogleEmulator() as emu:
            ...     code = emu.create_space()["meetingCode"]
            ...     t = datetime(2025, 3, 1, 1, tzinfo=UTC)
            ...     emu.simulate_conference(code, [("Điểm cầu xã A", t, t)]).split("/")[0]
            'conferenceRecords'
        """
        people = [
            p if isinstance(p, SimulatedParticipant) else SimulatedParticipant(*p)
            for p in participants
        ]
        rows = [
            (p.kind, p.display_name, p.user, as_utc(p.start), as_utc(p.end) if p.end else None)
            for p in people
        ]
        began = as_utc(start) if start else min((r[3] for r in rows), default=None)
        began = began or self._backend.clock().astimezone(UTC)
        ended: datetime | None
        if end is not None:
            ended = as_utc(end)
        elif rows and all(r[4] is not None for r in rows):
            ended = max(r[4] for r in rows if r[4] is not None)
        else:
            ended = None
        with self._backend.lock:
            meet = self._backend.meet
            space = meet.find(meeting_code)
            if space is None:
                raise LookupError(
                    f"No Meet space has the meeting code {meeting_code!r}; create the event "
                    "with a Meet conference (or a space) first."
                )
            record = meet.records.add(space.name, space.meeting_code, began, ended, rows)
            for person, spec in zip(record.participants, people, strict=True):
                if spec.email and person.user:
                    self._backend.directory[person.user] = spec.email
            if ended is None:
                meet.end_active(space, began)
                space.active_record = record.name
            return record.name

    def create_space(self, *, meeting_code: str | None = None, config: JSON | None = None) -> JSON:
        """Make a Meet space directly (as ``spaces.create`` would); returns its resource."""
        with self._backend.lock:
            return self._backend.meet.create(config, meeting_code=meeting_code).resource()
