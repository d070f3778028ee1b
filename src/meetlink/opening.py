"""``meetlink open``: carry out what the meeting file wants and the ledger has not done.

Three phases, in order: conferences (create, update, cancel — batched where the platform
can), then every bridge point's credentials and their hand-out to its technical officer,
then the invitations. Each effect's intent is committed to the ledger before its call and
its outcome after, so a run that is killed at any moment is finished by the next one without
a duplicate: an effect left at ``intent`` is first looked up on the platform (a conference)
or resent with the same bytes and Message-ID (an e-mail). One failing bridge point does not
stop the others; the run ends with every failure listed, and the next run retries those.

Example:
    >>> from meetlink.opening import open_meeting
    >>> result = open_meeting("examples/myhao-2023q3/meeting.yaml")  # doctest: +SKIP
    >>> result.ok, result.counts["invitation"]["create"]              # doctest: +SKIP
    (True, 80)
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from meetlink.adapters.base import Capability, ConferenceAdapter
from meetlink.adapters.models import ConferenceInfo, ConferenceRequest, ConferenceStatus
from meetlink.credentials.handout import SecretHook
from meetlink.credentials.vault import Vault, VaultKey, load_vault_key
from meetlink.errors import AdapterError, CredentialError, DeliveryError, NotFound
from meetlink.invites.calendar import content_hash
from meetlink.invites.message import InviteSender
from meetlink.invites.outbox import sender_for
from meetlink.ledger import Effect, EffectState, Ledger
from meetlink.loading import MeetingFile, load_meeting
from meetlink.meeting import InviteMode
from meetlink.opening_handout import access_hash, hand_out, issue_access
from meetlink.opening_invites import invite, wanted_invitations
from meetlink.opening_setup import Progress, Silent, attendees_by_conference, make_adapters
from meetlink.planning import Plan, plan_meeting
from meetlink.reconcile import Action, Op, What, conference_requests, diff, effect_key, fingerprint
from meetlink.throttle import Throttle

__all__ = ["Failure", "OpenResult", "open_meeting", "planned_actions"]

_EXPECTED = (AdapterError, CredentialError, DeliveryError)
_COUNTING = threading.Lock()
# Calls a second per platform unless the caller says otherwise (Calendar's per-user quota is
# of this order; local platforms are not limited).
DEFAULT_RATE_LIMITS: Mapping[str, float] = {"google": 10.0}


@dataclass(frozen=True)
class Failure:
    """One effect that did not succeed in this run, and why (a sentence, never a secret)."""

    key: str
    what: str
    error: str


@dataclass
class OpenResult:
    """What a run did: counts per effect kind and operation, failures, where things are."""

    meeting_id: str
    state_dir: Path
    outbox: Path | None
    dry_run: bool
    actions: list[Action] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing failed (exit code 0); otherwise it is safe to run again."""
        return not self.failures

    def count(self, what: What, op: Op) -> None:
        """Count one carried-out action (workers of one run count at the same time)."""
        with _COUNTING:
            per = self.counts.setdefault(what.value, {})
            per[op.value] = per.get(op.value, 0) + 1

    def fail(self, failure: Failure) -> None:
        """Record one failed effect."""
        with _COUNTING:
            self.failures.append(failure)


def default_state_dir(meeting_path: Path) -> Path:
    """``.meetlink/`` beside the meeting file."""
    return meeting_path.parent / ".meetlink"


def open_meeting(
    meeting: str | Path | MeetingFile,
    *,
    state_dir: str | Path | None = None,
    dry_run: bool = False,
    concurrency: int = 8,
    vault_key: VaultKey | None = None,
    env: Mapping[str, str] | None = None,
    http: object = None,
    sender: InviteSender | None = None,
    progress: Progress | None = None,
    cancel_sittings: Iterable[str] = (),
    wait_for_lock: float = 0.0,
    rate_limits: Mapping[str, float] | None = None,
    secret_hook: SecretHook | None = None,
) -> OpenResult:
    """Reconcile the meeting with what was done: create, update and cancel, exactly once.

    ``sender`` replaces the configured SMTP/outbox sender (tests, other office tools);
    ``http`` is handed to every adapter; ``cancel_sittings`` (``track/sitting`` or a sitting
    id) cancels those sittings and keeps them cancelled (``meetlink cancel``);
    ``rate_limits`` maps a platform to calls a second (default: google 10);
    ``secret_hook`` delivers the password half of a ``handout: split`` track (an SMS or
    chat gateway) — without one, that half waits for a printed slip. Raises
    :class:`~meetlink.errors.InputError` on bad input before anything is done.
    """
    loaded = meeting if isinstance(meeting, MeetingFile) else load_meeting(meeting)
    state = Path(state_dir) if state_dir is not None else default_state_dir(loaded.path)
    environ = os.environ if env is None else env
    plan = plan_meeting(loaded.meeting, loaded.roster)
    adapters = make_adapters(loaded, plan, state, environ=environ, http=http)

    def new_run(ledger: Ledger, *, dry_run: bool) -> _Run:
        return _Run(
            loaded,
            plan,
            ledger,
            adapters,
            state,
            dry_run=dry_run,
            concurrency=concurrency,
            rate_limits=rate_limits,
            progress=progress or Silent(),
        )

    if dry_run:  # write nothing: read the ledger if there is one, else start from nothing
        existing = state / "ledger.sqlite3"
        with Ledger(existing if existing.exists() else ":memory:") as ledger:
            run = new_run(ledger, dry_run=True)
            run.cancelled_sittings |= _sitting_keys(plan, cancel_sittings)
            run.result.actions = run.all_actions()
            for adapter in adapters.values():
                adapter.close()
            return run.result
    state.mkdir(parents=True, exist_ok=True)
    with (
        Ledger(state / "ledger.sqlite3") as ledger,
        ledger.lock(loaded.meeting.id, wait=wait_for_lock),
    ):
        run = new_run(ledger, dry_run=False)
        run.mark_cancelled(cancel_sittings)
        key = vault_key or load_vault_key(env=environ)
        with Vault.open(state / "ledger.sqlite3", key) as vault:
            run.vault = vault
            run.secret_hook = secret_hook
            run.sender = sender
            try:
                run.conferences()
                run.access_and_handout()
                run.invitations()
            finally:
                for made in run.senders.values():  # the ones the run made, not one given
                    close = getattr(made, "close", None)
                    if callable(close):
                        close()
                for adapter in adapters.values():
                    adapter.close()
        return run.result


def _sitting_keys(plan: Plan, wanted: Iterable[str]) -> set[str]:
    """``track/sitting`` keys named by ``track/sitting`` or by a bare sitting id."""
    names = set(wanted)
    return {s.key for s in plan.sittings if s.key in names or s.id in names}


def planned_actions(loaded: MeetingFile, state_dir: str | Path | None = None) -> list[Action]:
    """What ``open`` would do now (the plan JSON's ``actions``), without doing anything."""
    return open_meeting(loaded, state_dir=state_dir, dry_run=True).actions


class _Run:
    """One ``open``: the phases, sharing the ledger, vault, adapters and sender."""

    def __init__(
        self,
        loaded: MeetingFile,
        plan: Plan,
        ledger: Ledger,
        adapters: Mapping[str, ConferenceAdapter],
        state: Path,
        *,
        dry_run: bool,
        concurrency: int,
        progress: Progress,
        rate_limits: Mapping[str, float] | None = None,
    ) -> None:
        self.loaded, self.plan, self.ledger, self.adapters = loaded, plan, ledger, adapters
        self.meeting = loaded.meeting
        self.tracks = {t.id: t for t in self.meeting.tracks}
        self.concurrency = max(1, concurrency)
        limits = {**DEFAULT_RATE_LIMITS, **(rate_limits or {})}
        self.throttles = {t.id: Throttle(limits.get(t.platform)) for t in self.meeting.tracks}
        self.secret_hook: SecretHook | None = None
        self.progress = progress
        self.vault: Vault | None = None
        self.sender: InviteSender | None = None  # given by the caller: used for everything
        self.senders: dict[InviteMode, InviteSender] = {}  # made here, one per delivery mode
        self.state = state
        self._send_lock = threading.Lock()
        self._cache_lock = threading.RLock()
        self._conference_effects: dict[str, Effect | None] = {}
        self._conference_infos: dict[str, ConferenceInfo] = {}
        by_outbox = self.meeting.delivery.smtp is None or any(
            t.invites == InviteMode.OUTBOX for t in self.meeting.tracks
        )
        outbox = state / "outbox" if by_outbox else None
        self.result = OpenResult(self.meeting.id, state, outbox, dry_run)
        self._wanted: dict[str, ConferenceRequest] | None = None
        self.cancelled_sittings = {
            e.key.removeprefix("sitting:")
            for e in ledger.effects(self.meeting.id, kind="sitting")
            if e.state == EffectState.CANCELLED
        }

    # -- desired state --------------------------------------------------------------------

    def mark_cancelled(self, sittings: Iterable[str]) -> None:
        """Remember sittings cancelled on purpose, so a later ``open`` does not revive them."""
        for sitting_key in sorted(_sitting_keys(self.plan, sittings)):
            key = f"sitting:{sitting_key}"
            self.ledger.record_intent(self.meeting.id, key, "sitting")
            self.ledger.record_cancelled(key)
            self.cancelled_sittings.add(sitting_key)
        self._wanted = None  # the wanted conferences depend on the cancelled sittings

    def _requests(self) -> dict[str, ConferenceRequest]:
        if self._wanted is not None:
            return self._wanted
        attendees = attendees_by_conference(self.plan)
        wanted = conference_requests(self.plan, attendees)
        self._wanted = {
            k: r
            for k, r in wanted.items()
            if f"{r.track}/{r.sitting}" not in self.cancelled_sittings
        }
        return self._wanted

    def all_actions(self) -> list[Action]:
        """Every action of every phase, as a dry run sees it."""
        requests = self._requests()
        actions = self._conference_actions(requests)
        access, handout = self._access_desired(requests)
        actions += diff(access, self._effects(What.ACCESS), what=What.ACCESS)
        actions += diff(handout, self._effects(What.HANDOUT), what=What.HANDOUT)
        actions += diff(
            self._invitation_hashes(), self._effects(What.INVITATION), what=What.INVITATION
        )
        return actions

    def _effects(self, what: What) -> list[Effect]:
        return self.ledger.effects(self.meeting.id, kind=what.value)

    def _conference_actions(self, requests: Mapping[str, ConferenceRequest]) -> list[Action]:
        hashes = {k: fingerprint(r.model_dump_json()) for k, r in requests.items()}
        return diff(hashes, self._effects(What.CONFERENCE), what=What.CONFERENCE)

    # -- running effects ------------------------------------------------------------------

    def _attempt(self, action: Action, work: Callable[[], None]) -> None:
        try:
            work()
            self.result.count(action.what, action.op)
        except _EXPECTED as exc:
            message = f"{type(exc).__name__}: {exc}"
            if self.ledger.get(action.key) is not None:
                self.ledger.record_failed(action.key, message)
            self.result.fail(Failure(action.key, action.what.value, message))
        finally:
            self.progress.advance()

    def _run_all(self, name: str, actions: list[Action], work: Callable[[Action], None]) -> None:
        todo = [a for a in actions if a.op != Op.NONE]
        self.progress.phase(name, len(todo))
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            for future in [pool.submit(self._attempt, a, functools.partial(work, a)) for a in todo]:
                future.result()
        self.progress.finish()

    # -- phase 1: conferences -------------------------------------------------------------

    def conferences(self) -> None:
        requests = self._requests()
        actions = self._conference_actions(requests)
        self.result.actions += actions
        creates = [a for a in actions if a.op == Op.CREATE]
        others = [a for a in actions if a.op != Op.CREATE]
        self.progress.phase("conferences", len(creates))
        by_platform: dict[str, list[Action]] = {}
        for action in creates:
            if not self._settled_by_lookup(action, requests[action.key]):
                by_platform.setdefault(requests[action.key].track, []).append(action)
        for track_id, batch in by_platform.items():
            self._create_batch(track_id, batch, requests)
        self.progress.finish()
        self._run_all("conference changes", others, lambda a: self._change(a, requests))

    def _settled_by_lookup(self, action: Action, request: ConferenceRequest) -> bool:
        """An outcome left unknown: ask the platform before creating anything."""
        if not action.unknown_outcome:
            return False
        try:
            self.throttle(request.track)
            found = self.adapters[request.track].find(request)
        except _EXPECTED:
            return False  # cannot tell now: create, which is idempotent per key anyway
        if found is None or found.status == ConferenceStatus.CANCELLED:
            return False
        self._record_conference(action.key, request, found)
        self.result.count(What.CONFERENCE, Op.CREATE)
        self.progress.advance()
        return True

    def _create_batch(
        self, track_id: str, batch: list[Action], requests: Mapping[str, ConferenceRequest]
    ) -> None:
        wanted = [requests[a.key] for a in batch]
        for action, request in zip(batch, wanted, strict=True):
            self.ledger.record_intent(
                self.meeting.id,
                action.key,
                What.CONFERENCE.value,
                content_hash=fingerprint(request.model_dump_json()),
                detail={"request": request.model_dump(mode="json")},
            )
        adapter = self.adapters[track_id]
        if adapter.supports(Capability.BATCH):
            for _ in range(0, len(wanted), 50):  # a batch request carries up to 50 calls
                self.throttle(track_id)
            outcomes: list[ConferenceInfo | Exception] = list(adapter.create_many(wanted))
        else:  # one call each, concurrently, at the platform's rate
            with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
                outcomes = list(pool.map(functools.partial(self._create_one, track_id), wanted))
        for action, request, outcome in zip(batch, wanted, outcomes, strict=True):
            if isinstance(outcome, ConferenceInfo):
                self._record_conference(action.key, request, outcome)
                self.result.count(What.CONFERENCE, Op.CREATE)
            else:
                message = f"{type(outcome).__name__}: {outcome}"
                self.ledger.record_failed(action.key, message)
                self.result.fail(Failure(action.key, "conference", message))
            self.progress.advance()

    def _create_one(self, track_id: str, request: ConferenceRequest) -> ConferenceInfo | Exception:
        self.throttle(track_id)
        try:
            return self.adapters[track_id].create(request)
        except _EXPECTED as exc:
            return exc

    def throttle(self, track_id: str) -> None:
        """Wait for the platform's rate limit before one call to it."""
        self.throttles[track_id].wait()

    def _record_conference(
        self, key: str, request: ConferenceRequest, info: ConferenceInfo
    ) -> None:
        self.ledger.record_done(
            key,
            external_id=info.external_id,
            join_url=info.join_url,
            content_hash=fingerprint(request.model_dump_json()),
            detail={
                "request": request.model_dump(mode="json"),
                "info": info.model_dump(mode="json"),
            },
        )

    def _change(self, action: Action, requests: Mapping[str, ConferenceRequest]) -> None:
        effect = self.ledger.get(action.key)
        if effect is None:  # pragma: no cover - diff only proposes changes for known keys
            return
        old = ConferenceRequest.model_validate(effect.detail["request"])
        info = ConferenceInfo.model_validate(effect.detail["info"])
        adapter = self.adapters.get(old.track)
        if action.op == Op.CANCEL:
            if adapter is not None:
                self.throttle(old.track)
                adapter.cancel(old, info)
            self.ledger.record_cancelled(action.key)
            return
        request = requests[action.key]
        adapter = self.adapters[request.track]
        self.ledger.record_intent(
            self.meeting.id,
            action.key,
            What.CONFERENCE.value,
            content_hash=fingerprint(request.model_dump_json()),
        )
        self.throttle(request.track)
        try:
            changed = adapter.update(request, info)
        except NotFound:  # gone on the platform (deleted by hand): the ledger was stale
            changed = adapter.create(request)
        self._record_conference(action.key, request, changed)

    # -- phase 2: credentials and their hand-out ------------------------------------------

    def _access_desired(
        self, requests: Mapping[str, ConferenceRequest]
    ) -> tuple[dict[str, str], dict[str, str]]:
        access: dict[str, str] = {}
        handout: dict[str, str] = {}
        # Conferences that exist on the platform, even if a later change failed: a passing
        # failure must not withdraw credentials already handed out.
        done = {
            e.key: e
            for e in self._effects(What.CONFERENCE)
            if e.external_id and e.state != EffectState.CANCELLED
        }
        accesses = self._effects(What.ACCESS)
        issued = {e.key: e for e in accesses if e.state == EffectState.DONE}
        revoked = {e.key for e in accesses if e.detail.get("revoked")}  # final: not re-issued
        for key, request in requests.items():
            adapter = self.adapters[request.track]
            if not adapter.hands_out_secrets():
                continue
            conference = done.get(key)
            if conference is None:
                continue  # not created yet: its credentials wait for it
            for point in request.bridge_points:
                name = f"{request.key}/{point.id}"
                if effect_key(What.ACCESS, name) in revoked:
                    continue
                access[effect_key(What.ACCESS, name)] = access_hash(
                    conference.external_id, request, adapter
                )
                given = issued.get(effect_key(What.ACCESS, name))
                handout[effect_key(What.HANDOUT, name)] = str(
                    given.detail.get("version", 0) if given else 0
                )
        return access, handout

    def access_and_handout(self) -> None:
        with self._cache_lock:  # phase 1 is over: read the conferences afresh
            self._conference_effects.clear()
            self._conference_infos.clear()
        requests = self._requests()
        access, _ = self._access_desired(requests)
        actions = diff(access, self._effects(What.ACCESS), what=What.ACCESS)
        self.result.actions += actions
        self._run_all("credentials", actions, lambda a: self._issue(a, requests))
        _, handout = self._access_desired(requests)
        actions = diff(handout, self._effects(What.HANDOUT), what=What.HANDOUT)
        self.result.actions += actions
        self._run_all("hand-out", actions, lambda a: self._hand_out(a, requests))

    def conference_effect(self, conference: str) -> Effect | None:
        """The ledger's record of a conference, read once per run: its detail holds the whole
        request (every point), too big to read again for each point's credentials."""
        with self._cache_lock:
            if conference not in self._conference_effects:
                self._conference_effects[conference] = self.ledger.get(
                    effect_key(What.CONFERENCE, conference)
                )
            return self._conference_effects[conference]

    def conference_info(self, conference: str) -> ConferenceInfo:
        """What the platform made for a conference (from :meth:`conference_effect`)."""
        with self._cache_lock:
            if conference not in self._conference_infos:
                made = self.conference_effect(conference)
                if made is None:  # pragma: no cover - callers check the effect first
                    raise KeyError(conference)
                self._conference_infos[conference] = ConferenceInfo.model_validate(
                    made.detail["info"]
                )
            return self._conference_infos[conference]

    def _issue(self, action: Action, requests: Mapping[str, ConferenceRequest]) -> None:
        issue_access(self, action, requests)

    def _hand_out(self, action: Action, requests: Mapping[str, ConferenceRequest]) -> None:
        hand_out(self, action, requests)

    def send(self, message: Any, track_id: str) -> Any:
        """Send through the track's sender (SMTP, or the outbox for ``invites: outbox`` or when
        no SMTP is configured), one message at a time: SMTP reuses one connection."""
        mode = self.tracks[track_id].invites
        mode = InviteMode.EMAIL if mode == InviteMode.PLATFORM else mode
        with self._send_lock:
            sender = self.sender or self.senders.get(mode)
            if sender is None:
                sender = self.senders[mode] = sender_for(self.meeting.delivery, self.state, mode)
            return sender.send(message)

    def with_vault(self, work: Callable[[Vault], Any]) -> Any:
        """Use the vault (safe from many threads: its writes share group commits)."""
        if self.vault is None:  # pragma: no cover - open_meeting sets it before any phase
            raise RuntimeError("the run has no vault yet")
        return work(self.vault)

    # -- phase 3: invitations (opening_invites.py) ------------------------------------

    def _invitation_hashes(self) -> dict[str, str]:
        return {k: content_hash(spec) for k, spec in wanted_invitations(self).items()}

    def invitations(self) -> None:
        specs = wanted_invitations(self)
        actions = diff(
            {k: content_hash(spec) for k, spec in specs.items()},
            self._effects(What.INVITATION),
            what=What.INVITATION,
        )
        self.result.actions += actions
        self._run_all("invitations", actions, lambda a: invite(self, a, specs))


def summary_lines(result: OpenResult) -> list[str]:
    """Short lines for the end of ``meetlink open``: what was done, what failed."""
    lines = []
    names = {
        "conference": "conferences",
        "access": "credentials",
        "handout": "hand-outs",
        "invitation": "invitations",
    }
    for what, name in names.items():
        counts = result.counts.get(what, {})
        if counts:
            done = ", ".join(f"{n} {op}" for op, n in sorted(counts.items()))
            lines.append(f"{name}: {done}")
    if not lines and not result.failures:
        lines.append("nothing to do: everything is already done.")
    for failure in result.failures:
        lines.append(f"FAILED {failure.key}: {failure.error}")
    if result.outbox is not None:
        lines.append(f"messages are in the outbox: {result.outbox}")
    lines.append(f"state: {result.state_dir}")
    return lines
