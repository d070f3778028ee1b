"""Phase 1 of ``open``: create, update and cancel the conferences, batched where possible.

A create whose outcome an earlier run never learned is first looked up on the platform
(``find``); new ones go in batches of 50 on platforms that can (Google), else one call each,
concurrently, at the platform's rate. A change or cancel is asked only of a platform that
declares it can (``Capability.UPDATE``/``CANCEL``); otherwise it fails with a sentence.

Example:
    >>> from meetlink.reconcile.conferences import run_conferences  # called by open_meeting
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

from meetlink.adapters.base import Capability
from meetlink.adapters.models import ConferenceInfo, ConferenceRequest, ConferenceStatus
from meetlink.errors import NotFound
from meetlink.reconcile.context import EXPECTED, Failure, RunContext
from meetlink.reconcile.diff import Action, Op, fingerprint
from meetlink.reconcile.keys import EffectKey, Kind

__all__ = ["BATCH_SIZE", "run_conferences"]

BATCH_SIZE = 50  # a batch request carries up to 50 calls


def run_conferences(ctx: RunContext) -> None:
    """Create what is missing, change what changed, cancel what was removed."""
    requests = ctx.desired.requests
    actions = ctx.actions(Kind.CONFERENCE)
    ctx.result.plan(actions)
    creates = [a for a in actions if a.op == Op.CREATE]
    others = [a for a in actions if a.op not in (Op.CREATE, Op.NONE)]
    ctx.progress.phase("conferences", len(creates))
    by_track: dict[str, list[Action]] = {}
    for action in creates:
        if not _settled_by_lookup(ctx, action, requests[action.key]):
            by_track.setdefault(requests[action.key].track, []).append(action)
    for track_id, batch in by_track.items():
        _create_batch(ctx, track_id, batch, requests)
    ctx.progress.finish()
    changes = "conference changes"
    ctx.run_all(changes, others, lambda a: _change(ctx, a, requests), waits=ctx.platforms_wait())
    ctx.conferences.clear()  # later phases read the conferences afresh


def _settled_by_lookup(ctx: RunContext, action: Action, request: ConferenceRequest) -> bool:
    """An outcome left unknown: ask the platform before creating anything."""
    if not action.unknown_outcome:
        return False
    try:
        ctx.throttle(request.track)
        found = ctx.adapters[request.track].find(request)
    except EXPECTED:
        return False  # cannot tell now: create, which is idempotent per key anyway
    if found is None or found.status == ConferenceStatus.CANCELLED:
        return False
    _record(ctx, action.key, request, found)
    ctx.result.count(Kind.CONFERENCE, Op.CREATE)
    ctx.progress.advance()
    return True


def _create_batch(
    ctx: RunContext,
    track_id: str,
    batch: list[Action],
    requests: Mapping[EffectKey, ConferenceRequest],
) -> None:
    wanted = [requests[a.key] for a in batch]
    for action, request in zip(batch, wanted, strict=True):
        ctx.ledger.record_intent(
            ctx.meeting.id,
            str(action.key),
            Kind.CONFERENCE.value,
            content_hash=fingerprint(request.model_dump_json()),
            detail={"request": request.model_dump(mode="json")},
        )
    adapter = ctx.adapters[track_id]
    if adapter.supports(Capability.BATCH):
        for _ in range(0, len(wanted), BATCH_SIZE):
            ctx.throttle(track_id)
        outcomes: list[ConferenceInfo | Exception] = list(adapter.create_many(wanted))
    else:  # one call each, concurrently, at the platform's rate
        with ThreadPoolExecutor(max_workers=max(1, ctx.concurrency)) as pool:
            outcomes = list(pool.map(functools.partial(_create_one, ctx, track_id), wanted))
    for action, request, outcome in zip(batch, wanted, outcomes, strict=True):
        if isinstance(outcome, ConferenceInfo):
            _record(ctx, action.key, request, outcome)
            ctx.result.count(Kind.CONFERENCE, Op.CREATE)
        else:
            message = f"{type(outcome).__name__}: {outcome}"
            ctx.ledger.record_failed(str(action.key), message)
            ctx.result.fail(Failure(str(action.key), Kind.CONFERENCE.value, message))
        ctx.progress.advance()


def _create_one(
    ctx: RunContext, track_id: str, request: ConferenceRequest
) -> ConferenceInfo | Exception:
    ctx.throttle(track_id)
    try:
        return ctx.adapters[track_id].create(request)
    except EXPECTED as exc:
        return exc


def _record(
    ctx: RunContext, key: EffectKey, request: ConferenceRequest, info: ConferenceInfo
) -> None:
    ctx.ledger.record_done(
        str(key),
        external_id=info.external_id,
        join_url=info.join_url,
        content_hash=fingerprint(request.model_dump_json()),
        detail={"request": request.model_dump(mode="json"), "info": info.model_dump(mode="json")},
    )


def _change(
    ctx: RunContext, action: Action, requests: Mapping[EffectKey, ConferenceRequest]
) -> None:
    effect = ctx.ledger.get(str(action.key))
    if effect is None or "request" not in effect.detail:
        return  # pragma: no cover - the diff proposes changes only for known keys
    old = ConferenceRequest.model_validate(effect.detail["request"])
    if action.op == Op.CANCEL:
        adapter = ctx.adapters.get(old.track)
        if adapter is not None and "info" in effect.detail:
            adapter.require(Capability.CANCEL)
            ctx.throttle(old.track)
            adapter.cancel(old, ConferenceInfo.model_validate(effect.detail["info"]))
        ctx.ledger.record_cancelled(str(action.key))
        return
    request = requests[action.key]
    adapter = ctx.adapters[request.track]
    info = ConferenceInfo.model_validate(effect.detail["info"]) if "info" in effect.detail else None
    if info is not None:
        adapter.require(Capability.UPDATE)
    ctx.ledger.record_intent(
        ctx.meeting.id,
        str(action.key),
        Kind.CONFERENCE.value,
        content_hash=fingerprint(request.model_dump_json()),
    )
    ctx.throttle(request.track)
    try:
        changed = adapter.update(request, info) if info is not None else adapter.create(request)
    except NotFound:  # gone on the platform (deleted by hand): the ledger was stale
        changed = adapter.create(request)
    _record(ctx, action.key, request, changed)
