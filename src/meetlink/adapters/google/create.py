"""``create_many`` of the google adapter, in stages that each send their calls together.

1. insert every event (its id derived from the request, so a repeat answers 409);
2. read back the 409s: made before by a retry, a replayed POST or an earlier run;
3. make a deleted (cancelled) one again under its next id (Google never revives it), and ask
   again for a conference that failed or is missing;
4. poll the conferences Google is still making, with backoff, a bounded number of times;
5. restrict who may join each Meet space (``access_type``).

A request that fails at a stage gets its error in its place and leaves the later stages;
the others go on. Many calls go out as batches (see :class:`Client`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from meetlink.adapters.google import calendar as cal
from meetlink.adapters.google.client import (
    CALENDAR_SCOPE,
    MEET_SETTINGS_SCOPE,
    SCOPE_REASONS,
    Client,
)
from meetlink.adapters.google.meet import restrict_access
from meetlink.adapters.models import ConferenceInfo, ConferenceRequest
from meetlink.errors import (
    AdapterError,
    Conflict,
    InputError,
    InvalidRequest,
    PermissionDenied,
    Problem,
    TransientError,
)

__all__ = [
    "EXTERNAL_GUESTS_WARNING",
    "Creation",
    "CreationSettings",
    "refuse_missing_scope",
    "unscheduled",
    "warn_external_guests",
]

JSON = dict[str, Any]
ADAPTER = "google"
logger = logging.getLogger("meetlink.adapters.google")


class CreationSettings(Protocol):
    """The settings a :class:`Creation` reads; ``GoogleSettings`` has them all.

    Declared here, not imported from :mod:`meetlink.adapters.google.adapter`, because that module
    imports this one: the two would import each other.
    """

    @property
    def calendar_id(self) -> str: ...

    @property
    def access_type(self) -> str | None: ...

    @property
    def retry_base_delay(self) -> float: ...

    @property
    def conference_poll_attempts(self) -> int: ...

    @property
    def organizer_domain(self) -> str | None: ...


def unscheduled(request: ConferenceRequest) -> InvalidRequest:
    """The refusal of a request without a time: a Calendar event needs one."""
    return InvalidRequest(
        f"the conference '{request.key}' has no time yet, and a Google Calendar event "
        "needs one; meetlink creates it once the sitting's start is set in the meeting "
        "file (run `meetlink open` again then).",
        adapter=ADAPTER,
    )


#: Google puts a calendar in read-only for hours after about 10,000 invitations to guests
#: outside the organizer's domain in a short time; meetlink warns at half of that.
EXTERNAL_GUESTS_WARNING = 5_000


def warn_external_guests(requests: Iterable[ConferenceRequest], own_domain: str | None) -> int:
    """Warn (log) when one run would invite many guests from outside ``own_domain``.

    Returns the count: every guest of every event, those of ``own_domain`` excepted (all of
    them when the organizer's domain is not known).
    """
    suffix = f"@{own_domain.casefold()}" if own_domain else None
    count = sum(
        1
        for request in requests
        for guest in request.attendees
        if suffix is None or not guest.email.casefold().endswith(suffix)
    )
    if count >= EXTERNAL_GUESTS_WARNING:
        logger.warning(
            "this run invites %d guests from outside the organizer's domain to Google Calendar "
            "events; Google puts a calendar in read-only for hours ('Calendar usage limits "
            "exceeded') after about 10,000 in a short time. Open the sittings in parts over "
            "several days, or share them among several organizer accounts.",
            count,
        )
    return count


def refuse_missing_scope(outcomes: Iterable[object], scope: str, needed_by: str) -> None:
    """Stop the run (exit 2, nothing more done) when Google said the token lacks ``scope``.

    Every later call would be refused the same way: it is a setting to fix, not a failure
    of one conference.
    """
    if not any(isinstance(o, PermissionDenied) and o.reason in SCOPE_REASONS for o in outcomes):
        return
    raise InputError(
        [
            Problem(
                "the google track's settings",
                0,
                "",
                (
                    f"Google refused the call: the sign-in lacks the scope {scope}, which "
                    f"{needed_by} needs. Nothing more was done. Sign in again granting it "
                    "(token_file), or add it to the service account's domain-wide delegation "
                    "in the Google Admin console, then run `meetlink open` again."
                ),
            )
        ]
    )


class Creation:
    """One ``create_many``: insert, read back, re-create, wait for Meet, restrict access."""

    def __init__(
        self, client: Client, settings: CreationSettings, sleep: Callable[[float], None]
    ) -> None:
        self.client = client
        self.settings = settings
        self.sleep = sleep
        self.requests: list[ConferenceRequest] = []
        self.results: dict[int, ConferenceInfo | AdapterError] = {}
        self.events: dict[int, JSON] = {}

    def run(self, requests: list[ConferenceRequest]) -> list[ConferenceInfo | AdapterError]:
        """One result per request, in order: its info, or the error that stopped it."""
        self.requests = requests
        warn_external_guests(requests, self.settings.organizer_domain)
        todo = {}
        for n, request in enumerate(requests):
            if request.scheduled:
                todo[n] = request
            else:
                self.results[n] = unscheduled(request)
        existing: list[int] = []
        generation = 0
        while todo:  # a deleted event is made again under the next id, never revived
            conflicts = self._insert(todo, generation)
            found = self._read_back(conflicts, generation)
            deleted = [n for n in found if self.events[n].get("status") == "cancelled"]
            existing += [n for n in found if n not in deleted]
            generation += 1
            todo = {n: self.requests[n] for n in deleted}
            for n in deleted:
                del self.events[n]
                if generation >= cal.MAX_GENERATIONS:
                    self.results[n] = _too_often_deleted(self.requests[n])
                    del todo[n]
        self._repair(existing)
        self._wait_for_meet()
        extra = self._restrict()
        for n, event in self.events.items():
            self.results[n] = cal.to_info(
                self.requests[n].key, event, self.settings.calendar_id, extra.get(n)
            )
        return [self.results[n] for n in range(len(self.requests))]

    def _calendar(self, calls: Mapping[int, Callable[[], Any]], what: str) -> dict[int, Any]:
        return self.client.many(calls, "calendar", what)

    def _keep(self, outcomes: Mapping[int, Any]) -> None:
        for n, outcome in outcomes.items():
            if isinstance(outcome, AdapterError):
                self.results[n] = outcome
                self.events.pop(n, None)
            else:
                self.events[n] = outcome

    def _insert(self, todo: Mapping[int, ConferenceRequest], generation: int) -> list[int]:
        calls = {
            n: _bind(
                self.client.events.insert,
                calendarId=self.settings.calendar_id,
                body=cal.insert_body(request, generation),
                sendUpdates=cal.send_updates(request),
                conferenceDataVersion=1,
            )
            for n, request in todo.items()
        }
        outcomes = self._calendar(calls, "events.insert")
        refuse_missing_scope(outcomes.values(), CALENDAR_SCOPE, "every google track")
        conflicts = [n for n, outcome in outcomes.items() if isinstance(outcome, Conflict)]
        self._keep({n: o for n, o in outcomes.items() if n not in conflicts})
        return conflicts

    def _read_back(self, conflicts: list[int], generation: int) -> list[int]:
        """409 on our own id: made before (a retry, a replayed POST, a rerun), or deleted."""
        calendar_id = self.settings.calendar_id
        calls = {
            n: self.client.get_event(calendar_id, cal.event_id(self.requests[n], generation))
            for n in conflicts
        }
        outcomes = self._calendar(calls, "events.get")
        for n, outcome in outcomes.items():
            if not isinstance(outcome, AdapterError) and not cal.owned_by(
                outcome, self.requests[n]
            ):
                outcomes[n] = Conflict(
                    f"the Calendar event id of '{self.requests[n].key}' is taken by an event "
                    "meetlink did not make for it; remove that event from the calendar, then "
                    "run `meetlink open` again.",
                    adapter=ADAPTER,
                    status=409,
                )
        self._keep(outcomes)
        return [n for n in outcomes if n in self.events]

    def _repair(self, existing: list[int]) -> None:
        """Ask again for a conference that failed or is missing on an existing event."""
        calls = {}
        for n in existing:
            event = self.events[n]
            state = cal.conference_state(event)
            if state in ("success", "pending"):
                continue
            request = self.requests[n]
            # A requestId Google has seen is ignored: each try needs a new one.
            generation = str(event.get("etag") or event.get("updated") or "")
            body: JSON = {"conferenceData": cal.conference_request(request, generation)}
            calls[n] = _bind(
                self.client.events.patch,
                calendarId=self.settings.calendar_id,
                eventId=event["id"],
                body=body,
                sendUpdates=cal.send_updates(request),
                conferenceDataVersion=1,
            )
        self._keep(self._calendar(calls, "events.patch"))

    def _wait_for_meet(self) -> None:
        """Poll pending conferences with backoff; report failures and endless pending."""
        base = self.settings.retry_base_delay
        for attempt in range(1, self.settings.conference_poll_attempts + 1):
            pending = [n for n, e in self.events.items() if cal.conference_state(e) == "pending"]
            if not pending:
                break
            self.sleep(min(base * (1 << (attempt - 1)), 8 * base) / 2)
            calls = {
                n: self.client.get_event(self.settings.calendar_id, self.events[n]["id"])
                for n in pending
            }
            self._keep(self._calendar(calls, "events.get"))
        for n, event in list(self.events.items()):
            state = cal.conference_state(event)
            if state == "success":
                continue
            key = self.requests[n].key
            if state == "pending":
                text = (
                    f"Google is still making the Meet conference of '{key}' after "
                    f"{self.settings.conference_poll_attempts} checks; run `meetlink open` "
                    "again in a minute to pick it up."
                )
            else:
                text = (
                    f"Google Calendar could not make a Meet conference for '{key}' (status "
                    f"{state}); check that the calendar allows Google Meet and the organizer "
                    "has Meet, then run `meetlink open` again to ask for a new one."
                )
            self.results[n] = TransientError(text, adapter=ADAPTER, reason=state)
            del self.events[n]

    def _restrict(self) -> dict[int, dict[str, str]]:
        wanted = self.settings.access_type
        if wanted is None or not self.events:
            return {}
        codes = {n: cal.meeting_code(e) or "" for n, e in self.events.items()}
        extra, failed = restrict_access(self.client, codes, wanted)
        refuse_missing_scope(failed.values(), MEET_SETTINGS_SCOPE, f"access_type: {wanted}")
        for n, error in failed.items():
            self.results[n] = error
            del self.events[n]
        return extra


def _too_often_deleted(request: ConferenceRequest) -> Conflict:
    return Conflict(
        f"the Calendar event of '{request.key}' was deleted {cal.MAX_GENERATIONS} times; "
        "meetlink stops making it again. Check who deletes it in the calendar, then run "
        "`meetlink open` again.",
        adapter=ADAPTER,
        status=409,
    )


def _bind(method: Callable[..., Any], **kwargs: Any) -> Callable[[], Any]:
    return lambda: method(**kwargs)
