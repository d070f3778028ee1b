"""The adapter registry: platform name → adapter class, loaded lazily.

Built-in adapters are registered exactly like third-party ones, through the entry-point
group ``meetlink.adapters`` (in ``pyproject.toml``)::

    [project.entry-points."meetlink.adapters"]
    zoom = "meetlink_zoom:ZoomAdapter"

Entry points are read on the first lookup, not at import, and an adapter's module is
imported only when it is asked for. Code may also register at run time. When an adapter's
module needs a package that is not installed, the error says what to install: ``pip install
meetlink[google]`` for a built-in adapter's extra, or the ``install_hint`` it was registered
with.

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
# Built-in adapter name → (its optional extra, the top-level modules that extra installs).
# Only the absence of one of those modules means "install the extra"; any other missing
# module means the adapter's installation is broken.
_EXTRAS: dict[str, tuple[str, frozenset[str]]] = {
    "google": (
        "google",
        frozenset({"googleapiclient", "google", "httplib2", "google_auth_httplib2"}),
    ),
    "jitsi": ("jitsi", frozenset({"jwt"})),
}

_lock = threading.Lock()
_targets: dict[str, str | type[ConferenceAdapter]] = {}
_loaded: dict[str, type[ConferenceAdapter]] = {}
_hints: dict[str, str] = {}  # name → install hint given by register_adapter
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
    name: str,
    target: str | type[ConferenceAdapter],
    *,
    replace: bool = False,
    install_hint: str | None = None,
) -> None:
    """Register an adapter class, or a ``"module:Class"`` path imported on first use.

    A name registered already is an error unless ``replace=True``. ``install_hint`` is the
    sentence shown when the adapter's module needs a package that is not installed, such as
    ``"run `pip install meetlink-zoom`."``.
    """
    if isinstance(target, type):
        from meetlink.adapters.base import ConferenceAdapter

        if not issubclass(target, ConferenceAdapter):
            raise TypeError(f"{target.__name__} is not a ConferenceAdapter subclass.")
    _discover()
    with _lock:
        if name in _targets and not replace:
            raise DuplicateAdapter(
                f"an adapter named '{name}' is registered already; pass replace=True to "
                "replace it on purpose."
            )
        _targets[name] = target
        _loaded.pop(name, None)
        if install_hint:
            _hints[name] = install_hint
        else:
            _hints.pop(name, None)


def unregister_adapter(name: str) -> None:
    """Remove a registration (mainly for tests); unknown names are ignored."""
    _discover()
    with _lock:
        _targets.pop(name, None)
        _loaded.pop(name, None)
        _hints.pop(name, None)


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
    from meetlink.adapters.base import ConferenceAdapter

    module_name, _, attr = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        missing = exc.name or module_name
        extra, modules = _EXTRAS.get(name, ("", frozenset()))
        is_extra = missing.split(".")[0] in modules
        if is_extra:
            hint = f"run `pip install meetlink[{extra}]`."
        else:
            hint = _hints.get(
                name,
                "reinstall the package that provides this adapter, or choose another platform.",
            )
        error = AdapterNotFound(
            f"the '{name}' adapter needs the module '{missing}', which is not installed; {hint}",
            name=name,
        )
        # A missing extra is the user's to fix and needs no traceback; anything else may be
        # a broken adapter, whose import error its developer wants to see.
        raise error from (None if is_extra else exc)
    cls = getattr(module, attr, None)
    if not (isinstance(cls, type) and issubclass(cls, ConferenceAdapter)):
        raise AdapterNotFound(
            f"the '{name}' adapter is registered as '{path}', which is not a ConferenceAdapter "
            "class; correct the entry point or the register_adapter() call.",
            name=name,
        )
    return cls
