"""Issue 17: on a shared ledger each phase works out only its own kind, and a worker builds
the invitations of the points it claims only; what it works out is what the whole desired
state says (the same keys, hashes and specs, in the same order)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest

import meetlink.reconcile.desired as desired_module
from meetlink.reconcile.keys import EffectKey, Kind
from meetlink.reconcile.lazy_hashes import LazySpecs
from meetlink.reconcile.ledger import Effect


def test_each_kind_alone_is_what_the_whole_desired_state_says(
    open_it: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[desired_module.DesiredState, Mapping[EffectKey, Effect]]] = []
    now = desired_module.DesiredState.now

    def recording(self: desired_module.DesiredState, effects: Any, **kw: Any) -> Any:
        seen.append((self, dict(effects)))
        return now(self, effects, **kw)

    monkeypatch.setattr(desired_module.DesiredState, "now", recording)
    result = open_it()
    assert result.ok, result.failures
    assert any(k.kind == Kind.ACCESS for _, effects in seen for k in effects)  # secrets too
    assert any(now(d, e).hashes(Kind.HANDOUT) for d, e in seen)  # hand-outs compared too
    for desired, effects in seen:
        whole = now(desired, effects)
        for kind in (Kind.CONFERENCE, Kind.CREDENTIAL, Kind.ACCESS, Kind.HANDOUT):
            alone = now(desired, effects, lazy=True, only=kind)
            assert dict(alone.hashes(kind)) == dict(whole.hashes(kind)), kind
        alone = now(desired, effects, lazy=True, only=Kind.INVITATION)
        specs = alone.invitations
        assert isinstance(specs, LazySpecs)
        assert list(specs) == list(whole.invitations)  # the keys, in plan order, unbuilt
        assert {k: specs[k] for k in specs} == whole.invitations
        assert {k: alone.invitation_hashes[k] for k in specs} == dict(whole.invitation_hashes)


def test_a_worker_builds_the_invitations_of_its_claimed_points_only() -> None:
    keys = [EffectKey.invitation("main", s, f"P{n}") for n in range(5) for s in ("s1", "s2")]
    asked: list[set[str]] = []

    def build(points: set[str]) -> dict[EffectKey, Any]:
        asked.append(points)
        return {k: f"spec of {k}" for k in keys if k.point in points}

    specs = LazySpecs(keys, build)
    assert len(specs) == 10
    assert keys[3] in specs
    assert list(specs) == keys
    assert asked == []  # nothing built for the keys alone
    specs.prepare(keys[:4])
    assert asked == [{"P0", "P1"}]  # one build for the group, both sittings of a point
    assert specs[keys[1]] == f"spec of {keys[1]}"
    assert asked == [{"P0", "P1"}]  # built already
    assert specs[keys[9]] == f"spec of {keys[9]}"  # one not prepared: built when asked
    assert asked[-1] == {"P4"}
    with pytest.raises(KeyError):
        specs[EffectKey.invitation("main", "s1", "P9")]
