"""What downstream users need to test offline, shipped in the wheel.

- :mod:`meetlink.testing.google`: a fake Google Calendar v3 + Meet v2 server on a real socket.
- :class:`AdapterConformance` (:mod:`meetlink.testing.conformance`): the pytest suite every
  conference adapter must pass; subclass it and provide an ``adapter`` fixture.

Submodules are imported on demand, so ``import meetlink.testing`` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from meetlink.testing.conformance import AdapterConformance

__all__: list[str] = ["AdapterConformance"]


def __getattr__(name: str) -> Any:
    # Lazy: the conformance suite needs pytest, which code using only the emulator may lack.
    if name == "AdapterConformance":
        from meetlink.testing.conformance import AdapterConformance

        return AdapterConformance
    raise AttributeError(f"module 'meetlink.testing' has no attribute '{name}'")
