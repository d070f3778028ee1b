"""``create_many`` of the google adapter, in stages that each send their calls together.

1. insert every event (its id derived from the request, so a repeat answers 409);
2. read back the 409s: made before by a retry, a replayed POST or an earlier run;
3. revive the cancelled ones, and ask again for a conference that failed or is missing;
4. poll the conferences Google is still making, with backoff, a bounded number of times;
5. restrict who may join each Meet space (``access_type``).

A request that fails at a stage gets its error in its place and leaves the later stages;
the others go on. Many calls go out as batches (see :class:`Client`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from meetlink.adapters.google import calendar as cal
from meetlink.adapters.google.client import Client
from meetlink.adapters.google.meet import restrict_access
from meetlink.adapters.models import ConferenceInfo, ConferenceRequest
from meetlink.errors import AdapterError, Conflict, InvalidRequest, TransientError

__all__ = ["Creation", "CreationSettings", "unscheduled"]

JSON = dict[str, Any]
ADAPTER = "google"


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


def unscheduled(request: ConferenceRequest) -> InvalidRequest:
    """The refusal of a request without a time: a Calendar event needs one."""
    return InvalidRequest(
        f"the conference '{request.key}' has no time yet, and a Google Calendar event "
        "needs one; meetlink creates it once the sitting's start is set in the meeting "
        "file (run `meetlink open` again then).",
        adapter=ADAPTER,
    )


class Creation:
    """One ``create_many``: insert, read back, revive, wait for Meet, restrict access."""

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
        todo = {}
        for n, request in enumerate(requests):
            if request.scheduled:
                todo[n] = request
            else:
                self.results[n] = unscheduled(request)
        conflicts = self._insert(todo)
        self._repair(self._read_back(conflicts))
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

    def _insert(self, todo: Mapping[int, ConferenceRequest]) -> list[int]:
        calls = {
            n: _bind(
                self.client.events.insert,
                calendarId=self.settings.calendar_id,
                body=cal.insert_body(request),
                sendUpdates=cal.send_updates(request),
                conferenceDataVersion=1,
            )
            for n, request in todo.items()
        }
        outcomes = self._calendar(calls, "events.insert")
        conflicts = [n for n, outcome in outcomes.items() if isinstance(outcome, Conflict)]
        self._keep({n: o for n, o in outcomes.items() if n not in conflicts})
        return conflicts

    def _read_back(self, conflicts: list[int]) -> list[int]:
        """409 on our own id: made before (a retry, a replayed POST, a rerun)."""
        calls = {
            n: self.client.get_event(self.settings.calendar_id, cal.event_id(self.requests[n]))
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
        """Revive cancelled events; ask again for a conference that failed or is missing."""
        calls = {}
        for n in existing:
            event = self.events[n]
            cancelled = event.get("status") == "cancelled"
            state = cal.conference_state(event)
            if not cancelled and state in ("success", "pending"):
                continue
            request = self.requests[n]
            body: JSON = {**cal.event_fields(request), "status": "confirmed"} if cancelled else {}
            if state in ("failure", "missing"):
                # A requestId Google has seen is ignored: each try needs a new one.
                generation = str(event.get("etag") or event.get("updated") or "")
                body["conferenceData"] = cal.conference_request(request, generation)
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
        for n, error in failed.items():
            self.results[n] = error
            del self.events[n]
        return extra


def _bind(method: Callable[..., Any], **kwargs: Any) -> Callable[[], Any]:
    return lambda: method(**kwargs)
