"""A Google Calendar v3 + Meet REST v2 emulator: a real HTTP server on 127.0.0.1, stdlib only.

It speaks the subset meetlink's google adapter uses, with Google's shapes, status codes,
error bodies and batch format, so google-api-python-client (httplib2, real sockets) runs
against it unmodified. Calls without an ``Authorization`` header are anonymous and may do
everything; a ``Bearer`` token from :meth:`GoogleEmulator.issue_token` (or a token file from
:meth:`GoogleEmulator.token_file`) may do what its scopes allow, and is answered 403
``ACCESS_TOKEN_SCOPE_INSUFFICIENT`` otherwise. Google's rate quotas (per user, per project,
per call of a batch) are enforced after :meth:`GoogleEmulator.enforce_quotas`, with a
scaled minute.

Pointing googleapiclient at it (``host`` is ``emu.host`` or ``MEETLINK_GOOGLE_EMULATOR_HOST``)::

    import httplib2
    from googleapiclient.discovery import build
    from googleapiclient.http import BatchHttpRequest

    http = httplib2.Http()  # or google_auth_httplib2.AuthorizedHttp(AnonymousCredentials())
    calendar = build("calendar", "v3", http=http, static_discovery=True,
                     client_options={"api_endpoint": f"http://{host}/calendar/v3/"})
    meet = build("meet", "v2", http=http, static_discovery=True,
                 client_options={"api_endpoint": f"http://{host}/"})
    # calendar.new_batch_http_request() ignores api_endpoint and posts to Google itself:
    batch = BatchHttpRequest(callback=on_answer, batch_uri=f"http://{host}/batch/calendar/v3")

``api_endpoint`` replaces rootUrl + servicePath: give Calendar ``f"http://{host}/calendar/v3/"``
(``emu.calendar_endpoint``). As Google, the emulator serves Calendar only under
``/calendar/v3/``; ``/calendars/...`` at the root is a 404. Paths served:

- Calendar: ``/calendar/v3/calendars/{calendarId}/events`` (POST insert, GET list) and
  ``.../events/{eventId}`` (GET, PATCH, PUT, DELETE); a recurring event's instances
  ``.../events/{eventId}/instances`` (GET) and ``.../events/{eventId}_{YYYYMMDDTHHMMSSZ}``
  (one instance: GET, PATCH, PUT, DELETE); batch: ``POST /batch/calendar/v3``
  (any ``POST /batch...`` is taken as a batch; Meet's discovery batchPath is ``batch``).
- OAuth for an installed app: ``/o/oauth2/auth`` (the consent, answered with the redirect),
  ``/token`` (authorization code with PKCE, refresh token), ``/revoke``
  (:meth:`GoogleEmulator.oauth_client`, :meth:`GoogleEmulator.consent`).
- People: ``/v1/people/{id}?personFields=emailAddresses`` (a signed-in participant's address).
- Meet: ``/v2/spaces`` (POST), ``/v2/spaces/{id or meeting code}`` (GET), ``/v2/spaces/{id}``
  (PATCH), ``/v2/spaces/{id}:endActiveConference`` (POST), ``/v2/spaces/{id}/members[/{m}]``,
  ``/v2/conferenceRecords[/{id}[/participants[/{p}[/participantSessions]]]]`` (GET).

Example:
    >>> from meetlink.testing.google import Fault, GoogleEmulator
    >>> with GoogleEmulator() as emu:
    ...     emu.inject(Fault.status(503, times=2, method="POST", path_contains="/events"))
    ...     emu.url.startswith("http://127.0.0.1:")
    True

Run one in the foreground with ``python -m meetlink.testing.google --port 8085``.
"""

from __future__ import annotations

from ._emulator import GoogleEmulator, ParticipantSpec, SimulatedParticipant
from ._faults import Fault, FaultTarget
from ._server import RecordedRequest

__all__ = [
    "Fault",
    "FaultTarget",
    "GoogleEmulator",
    "ParticipantSpec",
    "RecordedRequest",
    "SimulatedParticipant",
]
