"""The desired state: the one place that says what the meeting wants, from the plan.

:class:`DesiredState` is built once per run from the plan, the adapters and the sittings
cancelled on purpose; :meth:`DesiredState.now` reads it against the ledger as it stands and
gives every effect wanted at this moment, keyed by :class:`~meetlink.reconcile.keys.EffectKey`
with the content hash the diff compares:

* **conferences**: one request per planned conference whose sitting has a time;
* **credentials**: one login per bridge point of a track whose platform gives provider
  accounts (``credential_scope = POINT``), once one of its conferences exists; its hash is
  the officer's address, so a new officer means a rotated login;
* **access**: every point of every conference that exists, on a platform that hands out
  secrets; for account platforms, once the point's login is issued;
* **hand-outs**: every access issued, to its point's officer;
* **invitations**: one per sitting with a time and point with someone to write to;
* **notices**: one per sitting *without* a time and point with someone to write to, the
  same recipients its invitation will have ("thời gian cụ thể sẽ có thông báo sau"), unless
  that point was invited to the sitting before (then the time was withdrawn after the
  invitation went out: the invitation's cancellation says it is postponed, no notice
  follows). Its hash is what it says, so a changed notice is sent again as an update; once
  the time is set it is no longer wanted and the invitation takes its place.

Credentials revoked on purpose are not wanted again until they are re-issued on request.
A scoped run (``--scope UNIT``, :mod:`meetlink.reconcile.scope`) wants only its own points'
effects and the conferences they sit in; :meth:`DesiredState.within` tells the diff which
of the ledger's effects it may change or cancel.

Example:
    >>> from meetlink.reconcile.desired import officer_mark
    >>> officer_mark(None)
    'no-officer'
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Container, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from meetlink.adapters.base import Capability, ConferenceAdapter, CredentialScope
from meetlink.adapters.models import ConferenceRequest
from meetlink.invites.pending import PendingSpec, pending_hash, pending_notices
from meetlink.invites.planned import invitations_for
from meetlink.invites.seating import SeatingIndex, seated_points
from meetlink.invites.specs import InvitationSpec
from meetlink.invites.templates import Templates
from meetlink.loading.meeting import InviteMode
from meetlink.loading.roster import Contact
from meetlink.planning import Plan
from meetlink.reconcile.diff import fingerprint
from meetlink.reconcile.invitation_hashes import (
    invitations_mark,
    read_hashes,
    write_hashes,
)
from meetlink.reconcile.keys import ConferenceKey, EffectKey, Kind
from meetlink.reconcile.lazy_hashes import LazySpecs
from meetlink.reconcile.ledger import Effect, EffectState
from meetlink.reconcile.records import LazyDetail
from meetlink.reconcile.requests import conference_attendees as _attendees
from meetlink.reconcile.requests import conference_requests
from meetlink.reconcile.scope import Scope, conference_key
from meetlink.reconcile.wanted import Wanted

__all__ = [
    "DesiredState",
    "Wanted",
    "access_hash",
    "conference_key",
    "officer_mark",
    "stated_times",
]

# A per-unit token is itself a key: its link goes to the officer, never into an invitation.
_TOKEN_CAPS = frozenset({Capability.ACCESS_TOKEN})


def officer_mark(officer: Contact | None) -> str:
    """Who holds a point's credentials, as the ledger remembers it: their address, folded.

    A change of address is a change of officer: the login is rotated and handed to the new
    one, so the old officer's copy stops working.
    """
    if officer is None or not officer.email:
        return "no-officer"
    return fingerprint("officer", officer.email.casefold())


def access_hash(
    external_id: str | None, request: ConferenceRequest | None, adapter: ConferenceAdapter
) -> str:
    """What an access depends on besides its officer: the conference made (a new one means
    new access) and, for a per-unit token valid from start to end, the sitting's time."""
    timed = Capability.ACCESS_TOKEN in adapter.capabilities
    window = f"{request.start}/{request.end}" if timed and request is not None else ""
    return fingerprint(external_id if external_id else "pending", window)


_WORKED_OUT = (
    "templates",
    "scoped_requests",
    "request_by_text",
    "conferences_of_point",
    "seating",
    "invitation_keys",
    "waiting_points",
)
"""The cached parts of :class:`DesiredState` made from the plan alone (``work_out``)."""


@dataclass(frozen=True)
class DesiredState:
    """The plan's side of the reconcile, fixed for one run (see the module docstring)."""

    plan: Plan
    adapters: Mapping[str, ConferenceAdapter]
    cancelled_sittings: frozenset[str] = frozenset()
    templates_folder: Path | None = None
    part: Scope | None = None  # an office's part of the roster (``--scope UNIT``)
    # Where the invitations' hashes are kept between runs (the state folder; None: never),
    # and the fingerprint of the meeting file, roster and code they were made from.
    hashes_folder: Path | None = None
    sources_mark: str = ""
    words: Templates | None = None  # the templates as ``open`` checked them (else loaded)

    def within(self, key: EffectKey) -> bool:
        """Whether this run may change or cancel the ledger's effect ``key`` (always,
        unless the run is scoped: see :mod:`meetlink.reconcile.scope`)."""
        return self.part is None or self.part.within(key)

    def holds(self, point: str) -> bool:
        """Whether the bridge point is this run's to act on (every point when unscoped)."""
        return self.part is None or self.part.holds(point)

    @functools.cached_property
    def templates(self) -> Templates:
        """The words of invitations: the meeting's ``templates:`` folder over the built-in."""
        if self.words is not None:
            return self.words
        return Templates.load(self.plan.meeting.language, self.templates_folder)

    @functools.cached_property
    def requests(self) -> dict[EffectKey, ConferenceRequest]:
        """One request per conference whose sitting has a time and is not cancelled."""
        return {
            key: request
            for key, request in conference_requests(self.plan, _attendees(self.plan)).items()
            if key.conference.sitting_key not in self.cancelled_sittings
        }

    @functools.cached_property
    def scoped_requests(self) -> dict[EffectKey, ConferenceRequest]:
        """The conferences this run may create: all, or those with a point of its scope."""
        if self.part is None:
            return self.requests
        needed = self.part.needed
        return {k: r for k, r in self.requests.items() if k.conference in needed}

    def left_to_host(self, effects: Mapping[EffectKey, Effect]) -> list[EffectKey]:
        """The conferences this scoped run needs that the meeting file changed (or that
        failed to change) but that another office hosts: their change is that office's
        ``open`` (see :mod:`meetlink.reconcile.scope`). Empty when the run is not scoped."""
        if self.part is None:
            return []
        left = []
        for key, request in self.scoped_requests.items():
            found = effects.get(key)
            if found is None or self.part.within(key) or found.state == EffectState.CANCELLED:
                continue
            if found.state == EffectState.FAILED or found.content_hash != fingerprint(
                request.model_dump_json()
            ):
                left.append(key)
        return left

    @functools.cached_property
    def request_by_text(self) -> dict[str, EffectKey]:
        """A request's ``key`` text → its conference's effect key."""
        return {r.key: k for k, r in self.requests.items()}

    @functools.cached_property
    def conferences_of_point(self) -> dict[tuple[str, str], list[EffectKey]]:
        """``(track, point)`` → the conferences wanted now that hold the point, in order."""
        index: dict[tuple[str, str], list[EffectKey]] = {}
        for key, request in self.requests.items():
            for point in request.bridge_points:
                index.setdefault((request.track, point.id), []).append(key)
        return index

    def scope(self, track: str) -> CredentialScope | None:
        """How a track's platform hands out secrets: per point, per conference, or not."""
        adapter = self.adapters.get(track)
        if adapter is None or not adapter.hands_out_secrets():
            return None
        return adapter.credential_scope

    @functools.cached_property
    def _officer_marks(self) -> dict[str, str]:
        """Each point's :func:`officer_mark`, made when first asked for (the roster is fixed
        for the run), so the five readings of a run do not fold every address five times."""
        return {}

    def officer(self, point_id: str) -> Contact | None:
        """The technical officer of a point's host unit."""
        return self.plan.units[self.plan.point(point_id).host_unit].officer

    def now(
        self, effects: Mapping[EffectKey, Effect], *, lazy: bool = False, only: Kind | None = None
    ) -> Wanted:
        """Everything wanted now, given the ledger's ``effects`` (read by the caller);
        ``lazy``: invitations' hashes made when first asked for (a shared ledger); ``only``:
        what one kind's phase compares, the other kinds left empty (read them from another
        call: an empty kind would be all cancels)."""
        secrets = only in (None, Kind.CREDENTIAL, Kind.ACCESS, Kind.HANDOUT)
        made = {
            key: effect
            for key, effect in effects.items()
            if key.kind == Kind.CONFERENCE
            and effect.external_id
            and effect.state != EffectState.CANCELLED
        }
        credentials: dict[EffectKey, str] = {}
        access: dict[EffectKey, str] = {}
        handouts: dict[EffectKey, str] = {}
        for key, request in self.requests.items():
            scope = self.scope(request.track)
            conference = made.get(key)
            if scope is None or conference is None or not secrets:
                continue  # no secrets here, or not created yet: its credentials wait for it
            adapter = self.adapters[request.track]
            times = stated_times(
                request.start, request.end, request.recurrence, self.plan.rehearsal
            )
            # The conference's part of every point's access hash: worked out once for it.
            made_for = access_hash(conference.external_id, request, adapter)
            marks = self._officer_marks
            for point in request.bridge_points:
                if not self.holds(point.id):
                    continue  # another office's point (``--scope``): not this run's
                mark = marks.get(point.id)
                if mark is None:
                    mark = marks[point.id] = officer_mark(self.officer(point.id))
                access_key = EffectKey.of_access(Kind.ACCESS, key.conference, point.id)
                if scope == CredentialScope.POINT:
                    login = EffectKey.credential(request.track, point.id)
                    if _revoked(effects.get(login)):
                        continue
                    credentials[login] = mark
                    issued = effects.get(login)
                    if issued is None or "account" not in issued.detail:
                        continue  # the login first; its access to each conference after
                    version = issued.detail.get("version", 0)
                    access[access_key] = fingerprint(conference.external_id, "login", version)
                else:
                    if _revoked(effects.get(access_key)):
                        continue
                    access[access_key] = fingerprint(made_for, mark)
                given = effects.get(access_key) if only in (None, Kind.HANDOUT) else None
                if (
                    given is not None
                    and given.state == EffectState.DONE
                    and given.content_hash == access[access_key]
                ):
                    handouts[access_key.with_kind(Kind.HANDOUT)] = handout_hash(given, times)
        # An invitation's UID is its external id (issue 19: no detail decoded for it); a
        # ledger written before keeps it in the detail only.
        sent_uids = {
            key: str(uid)
            for key, effect in effects.items()
            if key.kind == Kind.INVITATION
            and (uid := effect.external_id or effect.detail.get("uid"))
        }  # (a phase of another kind reads no invitation: none here)
        natural: dict[EffectKey, str] = {}  # the UIDs invitations_for gave, as built
        build = functools.partial(self.invitations, made, sent_uids, natural)
        return Wanted(
            self.scoped_requests,
            credentials,
            access,
            handouts,
            functools.partial(LazySpecs, self.invitation_keys, build) if lazy else build,
            self.templates,
            functools.partial(self.stored_hashes, made, sent_uids),
            functools.partial(write_hashes, self.hashes_folder),
            natural,
            lazy,
        )

    def stored_hashes(
        self, made: Mapping[EffectKey, Effect], sent_uids: Mapping[EffectKey, str]
    ) -> tuple[str, dict[EffectKey, str] | None]:
        """The fingerprint of everything :meth:`invitations` makes its specs from, and the
        hashes a run kept for it (``("", None)`` without a ``sources_mark``)."""
        if not self.sources_mark:
            return "", None
        points = None if self.part is None else self.part.points
        parts = (self._links(made), self.platform_events(made))
        mark = invitations_mark(
            self.sources_mark, self.templates, *parts, self.cancelled_sittings, points
        )
        return mark, read_hashes(self.hashes_folder, mark, sent_uids)

    def _links(self, made: Mapping[EffectKey, Effect]) -> dict[str, str]:
        """A conference's plan key → its join link, for the conferences made whose link may
        go into an invitation (not a per-unit token's)."""
        links: dict[str, str] = {}
        for key, effect in made.items():
            adapter = self.adapters.get(key.track)
            if (
                effect.state == EffectState.DONE
                and effect.join_url
                and adapter is not None
                and not adapter.capabilities & _TOKEN_CAPS
            ):
                links[_plan_text(key.conference)] = effect.join_url
        return links

    def work_out(self) -> None:
        """Work out now what the phases read of the plan alone (the conferences' requests,
        the seats, the invitations' keys, the points waiting for a time): done once before
        the workers of one run are forked (:mod:`meetlink.reconcile.workers`), so each of
        them finds it made instead of making it again."""
        for name in _WORKED_OUT:
            getattr(self, name)

    @functools.cached_property
    def seating(self) -> SeatingIndex:
        """Who sits where, indexed once for the run (each group of invitations a worker
        builds looks its points up here)."""
        return SeatingIndex.of(self.plan)

    @functools.cached_property
    def invitation_keys(self) -> list[EffectKey]:
        """The key of every invitation :meth:`invitations` makes, in the same order, without
        making one: what a worker on a shared ledger claims before it builds its share."""
        by_email = {t.id for t in self.plan.meeting.tracks if t.invites != InviteMode.PLATFORM}
        return [
            EffectKey.invitation(sitting.track, sitting.id, point.id)
            for sitting, point, _, recipients in seated_points(self.plan, index=self.seating)
            if recipients
            and sitting.start is not None
            and sitting.end is not None
            and sitting.track in by_email
            and f"{sitting.track}/{sitting.id}" not in self.cancelled_sittings
            and self.holds(point.id)
        ]

    def invitations(
        self,
        made: Mapping[EffectKey, Effect],
        sent_uids: Mapping[EffectKey, str] | None = None,
        natural_uids: dict[EffectKey, str] | None = None,
        points: Container[str] | None = None,
    ) -> dict[EffectKey, InvitationSpec]:
        """Every invitation wanted, with the join links of the conferences made so far
        (``points``: only those of these bridge points, a worker's share).

        A point of a conference whose platform made a calendar event (Google) is invited
        under the event's UID (see :meth:`platform_events`), unless the ledger holds an
        invitation already sent for it (``sent_uids``, by invitation key): that one keeps its
        UID, since a new one would leave the old entry in the guests' calendars beside it.
        """
        links: dict[str | tuple[str, str], str] = {}
        links.update(self._links(made))
        by_email = {t.id for t in self.plan.meeting.tracks if t.invites != InviteMode.PLATFORM}
        event_uids = {text: uid for text, (uid, _) in self.platform_events(made).items()}
        kept = sent_uids or {}
        out: dict[EffectKey, InvitationSpec] = {}
        for spec in invitations_for(self.plan, links, event_uids, points, self.seating):
            if (
                spec.track not in by_email
                or f"{spec.track}/{spec.sitting}" in self.cancelled_sittings
                or not self.holds(spec.point)
            ):
                continue
            key = EffectKey.invitation(spec.track, spec.sitting, spec.point)
            uid = kept.get(key)
            out[key] = spec if uid is None or uid == spec.uid else replace(spec, uid=uid)
            if natural_uids is not None:  # what the hashes kept are checked against
                natural_uids[key] = spec.uid
        return out

    def platform_events(self, made: Mapping[EffectKey, Effect]) -> dict[str, tuple[str, int]]:
        """A conference's plan key → the UID and SEQUENCE of the calendar event its platform
        made for it (a Google event's ``iCalUID`` and ``sequence``), for the conferences
        made whose adapter reports one (``ConferenceInfo.extra["ical_uid"]``).

        >>> desired.platform_events(made)  # doctest: +SKIP
        {'main/s1': ('7kq…@google.com', 0)}
        """
        found: dict[str, tuple[str, int]] = {}
        for key, effect in made.items():
            if key.kind != Kind.CONFERENCE:
                continue
            if isinstance(effect.detail, LazyDetail) and not effect.detail.may_hold("ical_uid"):
                continue  # no calendar event: its detail (every point, 2.5 MB) stays text
            extra = (effect.detail.get("info") or {}).get("extra") or {}
            uid = extra.get("ical_uid")
            if uid:
                found[_plan_text(key.conference)] = (str(uid), int(extra.get("sequence") or 0))
        return found

    @functools.cached_property
    def waiting_points(self) -> dict[EffectKey, PendingSpec]:
        """Every point of a sitting without a time (not cancelled on purpose) that has
        someone to write to, keyed by its notice's effect key."""
        return {
            EffectKey.notice(spec.track, spec.sitting, spec.point): spec
            for spec in pending_notices(self.plan)
            if f"{spec.track}/{spec.sitting}" not in self.cancelled_sittings
            and self.holds(spec.point)
        }

    def notices(self, effects: Mapping[EffectKey, Effect]) -> dict[EffectKey, PendingSpec]:
        """Every notice wanted now, given the ledger's invitation and conference
        ``effects``: a point already invited to the sitting gets none (the invitation's
        cancellation told it the sitting is postponed)."""
        platform = {t.id for t in self.plan.meeting.tracks if t.invites == InviteMode.PLATFORM}
        conferences = {
            (k.track, k.sitting) for k in effects if k.kind == Kind.CONFERENCE and k.sitting
        }
        return {
            key: spec
            for key, spec in self.waiting_points.items()
            if key.with_kind(Kind.INVITATION) not in effects
            and not (key.track in platform and (key.track, key.sitting) in conferences)
        }

    def notice_hashes(self, notices: Mapping[EffectKey, PendingSpec]) -> dict[EffectKey, str]:
        """The content hash of every notice: what it says, as rendered from the templates."""
        return {key: pending_hash(spec, self.templates_folder) for key, spec in notices.items()}

    def postponed(self, invitation: EffectKey) -> bool:
        """Whether an invitation no longer wanted is so because its sitting lost its time
        (postponed: "thời gian sẽ thông báo sau"), not because it or its point was removed."""
        if invitation.sitting is None or invitation.point is None:
            return False
        return (
            EffectKey.notice(invitation.track, invitation.sitting, invitation.point)
            in self.waiting_points
        )


def handout_hash(access: Effect, times: str) -> str:
    """A hand-out is wanted again whenever the access it carries changed, or the ``times``
    it states (:func:`stated_times`): a moved sitting sends the officer a corrected one."""
    return fingerprint(access.content_hash, access.detail.get("version", 0), times)


def stated_times(
    start: dt.datetime | None,
    end: dt.datetime | None,
    recurrence: str | None,
    rehearsal: dt.datetime | None,
) -> str:
    """The times a hand-out states: its sitting's start, end and recurrence, the line test.

    >>> stated_times(None, None, None, None)
    '|||'
    """
    parts = (start, end, recurrence, rehearsal)
    return "|".join(p.isoformat() if isinstance(p, dt.datetime) else (p or "") for p in parts)


def _revoked(effect: Effect | None) -> bool:
    return effect is not None and bool(effect.detail.get("revoked"))


def _plan_text(conference: ConferenceKey) -> str:
    """The plan's own text of a conference key (points unescaped), as invitations use it."""
    head = conference.sitting_key
    return head if conference.point is None else f"{head}/{conference.point}"
