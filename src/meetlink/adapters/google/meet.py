"""Meet REST v2 for the google adapter: who may join a space, and who attended.

A Calendar-made conference has a Meet space found by its meeting code (``spaces.get``
takes the code as an alias of the id); ``spaces.patch`` wants the id, so access is set in
two steps, each sent as a batch when there are many.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from meetlink.adapters.models import AttendanceEntry
from meetlink.errors import AdapterError, RateLimited

if TYPE_CHECKING:
    from meetlink.adapters.google.client import Client

__all__ = ["attendance_entries", "restrict_access"]

JSON = dict[str, Any]


def restrict_access(
    client: Client, codes: Mapping[int, str], access_type: str
) -> tuple[dict[int, dict[str, str]], dict[int, AdapterError]]:
    """Set ``config.accessType`` of each space (by meeting code) that has another one.

    Returns the details to keep per conference (space name, access type) and the errors.
    """
    looked_up = client.many(
        {n: _bound(client.spaces.get, name=f"spaces/{code}") for n, code in codes.items()},
        "meet",
        "spaces.get",
    )
    extra: dict[int, dict[str, str]] = {}
    failed: dict[int, AdapterError] = {}
    to_patch: dict[int, str] = {}
    for n, outcome in looked_up.items():
        if isinstance(outcome, AdapterError):
            failed[n] = _explained(outcome, codes[n])
            continue
        name = str(outcome.get("name") or f"spaces/{codes[n]}")
        current = str((outcome.get("config") or {}).get("accessType") or "")
        extra[n] = {"space": name, "access_type": current}
        if current != access_type:
            to_patch[n] = name
    body = {"config": {"accessType": access_type}}
    patched = client.many(
        {
            n: _bound(client.spaces.patch, name=name, updateMask="config.accessType", body=body)
            for n, name in to_patch.items()
        },
        "meet",
        "spaces.patch",
    )
    for n, outcome in patched.items():
        if isinstance(outcome, AdapterError):
            failed[n] = _explained(outcome, codes[n])
            extra.pop(n, None)
        else:
            config = outcome.get("config") or {}
            extra[n]["access_type"] = str(config.get("accessType") or access_type)
    return extra, failed


def _explained(error: AdapterError, code: str) -> AdapterError:
    """The same error, saying that the event exists and only its access is not set yet."""
    text = (
        f"the event and its Meet conference {code} exist, but setting who may join it failed: "
        f"{error}"
    )
    context: dict[str, Any] = {
        "adapter": error.adapter,
        "status": error.status,
        "reason": error.reason,
    }
    if isinstance(error, RateLimited):
        return RateLimited(text, retry_after=error.retry_after, **context)
    return type(error)(text, **context)


def _bound(method: Any, **kwargs: Any) -> Any:
    return lambda: method(**kwargs)


def attendance_entries(
    client: Client, meeting_code: str, space_name: str | None, *, addresses: bool = False
) -> list[AttendanceEntry]:
    """Every participant of every conference held in the space, earliest first.

    With ``addresses``, each signed-in participant's address is read from the People API
    (Meet gives only ``users/ID``); one Google does not show is left out.
    """
    if space_name:
        wanted = f'space.name = "{space_name}"'
    else:
        wanted = f'space.meeting_code = "{meeting_code}"'
    entries: list[AttendanceEntry] = []
    users: list[str] = []
    for record in _pages(
        client, "conferenceRecords", client.records.list, filter=wanted, pageSize=100
    ):
        for person in _pages(
            client,
            "participants",
            client.participants.list,
            parent=record["name"],
            pageSize=250,
        ):
            entries.append(_entry(person))
            users.append(str((person.get("signedinUser") or {}).get("user") or ""))
    if addresses:
        found = _addresses(client, {u for u in users if u.startswith("users/")})
        entries = [
            e.model_copy(update={"email": found[u]}) if u in found else e
            for e, u in zip(entries, users, strict=True)
        ]
    return sorted(entries, key=lambda e: (e.joined_at, e.display_name))


def _addresses(client: Client, users: set[str]) -> dict[str, str]:
    """``users/ID`` → the primary address People API shows for ``people/ID``."""
    answers: dict[str, Any] = {}
    for user in sorted(users):  # one by one: a meeting has few signed-in officers
        call = _bound(
            client.people.get,
            resourceName="people/" + user.removeprefix("users/"),
            personFields="emailAddresses",
        )
        try:
            answers[user] = client.one(call, "people.get")
        except AdapterError as exc:
            answers[user] = exc
    found = {}
    for user, answer in answers.items():
        if isinstance(answer, AdapterError):
            continue  # not in the directory, or not shown: the display name still counts
        emails = answer.get("emailAddresses") or []
        primary = [e for e in emails if (e.get("metadata") or {}).get("primary")] or emails
        if primary and primary[0].get("value"):
            found[user] = str(primary[0]["value"])
    return found


def _pages(client: Client, field: str, method: Any, **params: Any) -> Iterator[JSON]:
    token: str | None = None
    while True:
        page_params = {**params, "pageToken": token} if token else dict(params)
        page = client.one(_bound(method, **page_params), f"{field}.list")
        yield from page.get(field) or ()
        token = page.get("nextPageToken")
        if not token:
            return


def _entry(person: JSON) -> AttendanceEntry:
    who = person.get("signedinUser") or person.get("anonymousUser") or person.get("phoneUser")
    name = str((who or {}).get("displayName") or "")
    left = person.get("latestEndTime")
    return AttendanceEntry(
        display_name=name,
        joined_at=_timestamp(str(person["earliestStartTime"])),
        left_at=_timestamp(str(left)) if left else None,
    )


def _timestamp(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)
