"""One sitting's request for ``points`` communes and a ``provisioned`` adapter that generates
their accounts: what the export and room-book tests start from (imported by name:
``from tests.adapters.provisioned_rooms import adapter_in, commune_request``).

Example:
    >>> len(commune_request(3).bridge_points)
    3
"""

from __future__ import annotations

from pathlib import Path

from meetlink.adapters.models import ConferenceRequest, PointRef
from meetlink.adapters.provisioned import ProvisionedAdapter

__all__ = ["adapter_in", "commune_request"]


def commune_request(points: int) -> ConferenceRequest:
    """The request of sitting ``main/s1`` of meeting ``q3`` for communes X0 … X{points-1}."""
    return ConferenceRequest(
        key="main/s1",
        meeting_id="q3",
        track="main",
        sitting="s1",
        title="Giờ sinh hoạt",
        organizer_email="vp@thiuy.example",
        bridge_points=tuple(
            PointRef(id=f"X{i}", name=f"Xã {i}", host_unit=f"X{i}") for i in range(points)
        ),
    )


def adapter_in(folder: Path) -> ProvisionedAdapter:
    """A ``provisioned`` adapter generating accounts, its export and state in ``folder``."""
    return ProvisionedAdapter(
        {"generate": True, "export": folder / "export.csv", "state_dir": folder / "state"}
    )
