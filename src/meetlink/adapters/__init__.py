"""Conference platforms: the adapter contract, its models, and the registry of adapters.

Only the contract is imported here; an adapter's own module (and its optional SDK) is
imported when :func:`get_adapter` first asks for it.

Example:
    >>> from meetlink.adapters import Capability, get_adapter
    >>> get_adapter("memory").supports(Capability.ACCESS_LOGIN)
    True
"""

from __future__ import annotations

from meetlink.adapters.base import (
    AdapterSettings,
    Capability,
    ConferenceAdapter,
    map_http_error,
    parse_retry_after,
)
from meetlink.adapters.models import (
    AttendanceEntry,
    Attendee,
    ConferenceInfo,
    ConferenceRequest,
    ConferenceStatus,
    PointAccess,
    PointRef,
)
from meetlink.adapters.registry import (
    available_adapters,
    get_adapter,
    register_adapter,
    unregister_adapter,
)

__all__ = [
    "AdapterSettings",
    "AttendanceEntry",
    "Attendee",
    "Capability",
    "ConferenceAdapter",
    "ConferenceInfo",
    "ConferenceRequest",
    "ConferenceStatus",
    "PointAccess",
    "PointRef",
    "available_adapters",
    "get_adapter",
    "map_http_error",
    "parse_retry_after",
    "register_adapter",
    "unregister_adapter",
]
