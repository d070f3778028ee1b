"""Issue 19: a re-run with nothing to do reads and compares; it builds nothing twice.

The conferences' attendees come from the invitations' recipients without building the
invitations (they are built once, with their links); the desired state is computed against
the ledger once, not once a phase, while the ledger does not change.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest

import meetlink.reconcile.desired as desired_module
from meetlink.adapters.models import Attendee
from meetlink.invites.planned import invitations_for
from meetlink.loading import load_meeting
from meetlink.planning import plan_meeting
from meetlink.reconcile import open_meeting


def _attendees_from_invitations(plan: object) -> dict[str, tuple[Attendee, ...]]:
    """How the attendees were found before issue 19: from every invitation, built."""
    index: dict[tuple[str, str, str], list[str]] = {}
    for c in plan.conferences:  # type: ignore[attr-defined]
        for p in c.bridge_points:
            index.setdefault((c.track, c.sitting, p), []).append(c.key)
    found: dict[str, dict[str, Attendee]] = {}
    for spec in invitations_for(plan, {}):  # type: ignore[arg-type]
        for key in index.get((spec.track, spec.sitting, spec.point), ()):
            people = found.setdefault(key, {})
            for r in spec.recipients:
                people.setdefault(r.email.casefold(), Attendee(email=r.email, name=r.name))
    return {key: tuple(people.values()) for key, people in found.items()}


def test_the_conferences_attendees_are_the_invitations_recipients(meeting: Any) -> None:
    # A name written decomposed (NFD) in the roster is composed, as in the invitations.
    roster = (meeting.folder / "roster.csv").read_text(encoding="utf-8")
    meeting.write(roster=roster.replace("Lê Thị Bình", "Le\u0302 Thi\u0323 Bi\u0300nh"))
    loaded = load_meeting(meeting.path)
    plan = plan_meeting(loaded.meeting, loaded.roster)

    assert desired_module._attendees(plan) == _attendees_from_invitations(plan)


def test_a_re_run_with_nothing_to_do_builds_the_invitations_once(
    meeting: Any,
    open_it: Callable[..., object],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    open_it()
    built: list[int] = []
    build = desired_module.invitations_for

    def counting(*args: object, **kwargs: object) -> object:
        built.append(1)
        return build(*args, **kwargs)  # type: ignore[arg-type]

    reads: list[int] = []
    now = desired_module.DesiredState.now

    def reading(self: object, effects: object) -> object:
        reads.append(1)
        return now(self, effects)  # type: ignore[arg-type]

    monkeypatch.setattr(desired_module, "invitations_for", counting)
    monkeypatch.setattr(desired_module.DesiredState, "now", reading)

    full = {**os.environ, "MEETLINK_FULL_RUN": "1"}  # not the settled stamp's answer
    again = open_meeting(meeting.path, http=meeting.store, vault_key=meeting.key, env=full)

    assert again.ok
    assert not again.counts
    # before issue 19: twice (the attendees, then the invitations); then once; now none:
    # the hashes the first run kept are compared (meetlink.reconcile.invitation_hashes)
    assert len(built) == 0
    assert len(reads) == 1  # before issue 19: once a phase (five times)


def test_the_ledger_file_is_read_by_one_connection_shared_with_the_vault(
    meeting: Any, open_it: Callable[..., object], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    opened: list[str] = []
    connect = sqlite3.connect

    def counting(database: object, *args: object, **kwargs: object) -> sqlite3.Connection:
        if "mode=ro" not in str(database) and str(database).endswith("ledger.sqlite3"):
            opened.append(str(database))
        return connect(database, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sqlite3, "connect", counting)
    open_it()

    assert len(opened) == 1, opened  # before issue 19: two (the ledger's, the vault's)
