"""The adapter registry: platform name → adapter class, loaded lazily.

Built-in adapters are registered exactly like third-party ones, through the entry-point
group ``meetlink.adapters`` (in ``pyproject.toml``)::

    [project.entry-points."meetlink.adapters"]
    zoom = "meetlink_zoom:ZoomAdapter"

Entry points are read on the first lookup, not at import, and an adapter's module is
imported only when it is asked for. Code may also register at run time.

Example:
    >>> from meetlink.adapters.registry import available_adapters, get_adapter
    >>> "memory" in available_adapters()
    True
    >>> get_adapter("memory").name
    'memory'
"""

from __future__ import annotations

import importlib
import threading
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

from meetlink.errors import AdapterNotFound, DuplicateAdapter

if TYPE_CHECKING:
    from meetlink.adapters.base import ConferenceAdapter

__all__ = ["available_adapters", "get_adapter", "register_adapter", "unregister_adapter"]

GROUP = "meetlink.adapters"
# The optional extra a built-in adapter needs, for the install hint.
_EXTRAS = {"google": "google", "jitsi": "jitsi"}
# Modules whose absence means "install the extra", not "the adapter is broken".
_EXTRA_MODULES = ("googleapiclient", "google", "httplib2", "google_auth_httplib2", "jwt")

_lock = threading.Lock()
_targets: dict[str, str | type[ConferenceAdapter]] = {}
_loaded: dict[str, type[ConferenceAdapter]] = {}
_discovered = False


def _discover() -> None:
    global _discovered
    with _lock:
        if _discovered:
            return
        for ep in entry_points(group=GROUP):
            _targets.setdefault(ep.name, ep.value)
        _discovered = True


def available_adapters() -> list[str]:
    """Names of every registered adapter, sorted (nothing is imported)."""
    _discover()
    return sorted(_targets)


def register_adapter(
    name: str, target: str | type[ConferenceAdapter], *, replace: bool = False
) -> None:
    """Register an adapter class, or a ``"module:Class"`` path imported on first use.

    A name registered already is an error unless ``replace=True``.
    """
    _discover()
    with _lock:
        if name in _targets and not replace:
            raise DuplicateAdapter(
                f"an adapter named '{name}' is registered already; pass replace=True to "
                "replace it on purpose."
            )
        _targets[name] = target
        _loaded.pop(name, None)


def unregister_adapter(name: str) -> None:
    """Remove a registration (mainly for tests); unknown names are ignored."""
    _discover()
    with _lock:
        _targets.pop(name, None)
        _loaded.pop(name, None)


def get_adapter(name: str) -> type[ConferenceAdapter]:
    """The adapter class registered under ``name``, importing it on first use."""
    _discover()
    with _lock:
        if name in _loaded:
            return _loaded[name]
        target = _targets.get(name)
    if target is None:
        known = ", ".join(sorted(_targets)) or "none"
        raise AdapterNotFound(
            f"no platform adapter named '{name}'; the registered ones are: {known}.",
            name=name,
            known=sorted(_targets),
        )
    cls = target if isinstance(target, type) else _import(name, target)
    with _lock:
        _loaded[name] = cls
    return cls


def _import(name: str, path: str) -> type[ConferenceAdapter]:
    module_name, _, attr = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        missing = (exc.name or "").split(".")[0]
        if missing in _EXTRA_MODULES:
            extra = _EXTRAS.get(name, name)
            raise AdapterNotFound(
                f"the '{name}' adapter needs the package '{missing}', which is not installed; "
                f"run `pip install meetlink[{extra}]`.",
                name=name,
            ) from None
        raise
    cls: type[ConferenceAdapter] = getattr(module, attr)
    return cls
