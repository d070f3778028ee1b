"""What every registration step reads first: the meeting file, its organizations, the state.

The meeting's own roster may not exist yet (the committee's decisions write it), so the
meeting file is read without it (:func:`meetlink.loading.read_meeting_file`) and the
organizations asked to register come from ``registration.organizations``.

Example:
    >>> RegistrationContext.__name__
    'RegistrationContext'
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from meetlink.errors import InputError, Problem
from meetlink.loading import beside, read_meeting_file
from meetlink.loading.meeting import Meeting
from meetlink.loading.registration import Registration
from meetlink.loading.roster import Roster, Unit, load_roster
from meetlink.loading.yaml_file import line_for
from meetlink.registration.register import AUDIT_FILE, AuditTrail, Register

__all__ = ["RegistrationContext", "load_context"]


@dataclass(frozen=True)
class RegistrationContext:
    """A meeting's registration: the file, the section, the organizations and the state."""

    path: Path
    meeting: Meeting
    registration: Registration
    organizations: Roster
    state: Path

    @property
    def register_path(self) -> Path:
        """The register's file in the state folder."""
        return self.state / self.registration.register_file

    def register(self) -> Register:
        """The register as it is now."""
        return Register.load(self.register_path)

    @property
    def audit(self) -> AuditTrail:
        """The register's append-only audit trail."""
        return AuditTrail(self.state / AUDIT_FILE)

    @property
    def roster_path(self) -> Path:
        """The meeting's ``roster:``: where the approved registrations are written."""
        roster = self.meeting.roster
        return roster if roster.is_absolute() else self.path.parent / roster

    def required(self) -> list[Unit]:
        """The organizations that must return a form, in the list's order."""
        return [u for u in self.organizations.units if self.registration.must_return(u.id, u.kind)]

    @property
    def cells_min_members(self) -> int:
        """The members a chi bộ needs to meet as party cells (50: Hướng dẫn 03-HD/TW)."""
        return self.meeting.rules.cells_min_members


def load_context(path: str | Path, state: str | Path | None = None) -> RegistrationContext:
    """Read the meeting file and its registration's organizations; raise
    :class:`~meetlink.errors.InputError` with every problem (the file has no
    ``registration:`` section, an id in ``required.ids`` is not on the list …)."""
    path = Path(path)
    shown = str(path)
    meeting, lines = read_meeting_file(path)
    registration = meeting.registration
    if registration is None:
        raise InputError.single(
            shown,
            "the meeting file has no registration: section; add one with the layout, the "
            "organizations' list and the deadline (see docs/guides/registration.md).",
        )
    given = registration.organizations
    listed = beside(path, given)
    if not listed.is_file():
        raise InputError(
            [
                Problem(
                    shown,
                    line_for(lines, ("registration", "organizations")),
                    "registration.organizations",
                    f"the list of organizations {listed} does not exist; check the path.",
                    yaml=True,
                )
            ]
        )
    organizations = load_roster(listed)
    known = organizations.by_id()
    problems = [
        Problem(
            shown,
            line_for(lines, ("registration", "required", "ids", i)),
            f"registration.required.ids[{i}]",
            f"no organization '{unit_id}' in {listed.name}; check the id.",
            yaml=True,
        )
        for i, unit_id in enumerate(registration.required.ids)
        if unit_id not in known
    ]
    if problems:
        raise InputError(problems)
    folder = Path(state) if state is not None else path.parent / ".meetlink"
    return RegistrationContext(path, meeting, registration, organizations, folder)
