"""The ``memory`` platform: conferences in a dict, for tests, examples and dry runs.

Like libcloud's dummy driver or httpx's ``MockTransport``, it is a real adapter that keeps
everything in-process: deterministic ids and join links (``memory://MEETING/KEY``), a fresh
login and password per bridge point (from :mod:`secrets`), attendance recorded by the test.
Tests can script failures with :meth:`MemoryAdapter.fail_next` and read ``calls``.

A store outlives an adapter when shared: pass one as ``http=MemoryStore()``, or name it in
the settings (``store: demo``) so every adapter built from the same meeting file, across
several ``open`` runs in one process, sees the same conferences.

Example:
    >>> from meetlink.adapters.models import ConferenceRequest, PointRef
    >>> request = ConferenceRequest(key="main/s1", meeting_id="q3", track="main", sitting="s1",
    ...     title="Giờ sinh hoạt", organizer_email="vp@thiuy.example",
    ...     bridge_points=(PointRef(id="X1", name="Đảng ủy xã", host_unit="X1"),))
    >>> adapter = MemoryAdapter()
    >>> info = adapter.create(request)
    >>> access = adapter.issue_access(request, info, request.point("X1"))
    >>> access.login, access.password
    ('X1', Secret('***'))
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar
from urllib.parse import quote

from pydantic import Field

from meetlink.adapters.base import AdapterSettings, Capability, ConferenceAdapter
from meetlink.adapters.models import (
    AttendanceEntry,
    ConferenceInfo,
    ConferenceRequest,
    ConferenceStatus,
    PointAccess,
    PointRef,
)
from meetlink.credentials.secret import Secret
from meetlink.errors import AdapterError, InvalidRequest, NotFound, TransientError

__all__ = ["MemoryAdapter", "MemorySettings", "MemoryStore"]

_T = TypeVar("_T")
# No 0/O, 1/l/I: an officer may have to type the password from a printed slip.
_ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class MemorySettings(AdapterSettings):
    """Settings of the ``memory`` platform (a track's ``settings:``).

    ``store`` names a process-wide store shared by every adapter with the same name ("" is
    a private store). ``require_time`` refuses to create a conference without a time, as
    some platforms do. ``api_key`` is accepted and never used: it lets tests check that a
    secret in settings stays hidden.
    """

    store: str = ""
    require_time: bool = False
    password_length: int = Field(default=16, ge=8, le=64)
    api_key: Secret | None = None
    capacity: int | None = Field(default=None, ge=2)  # participants a conference holds (tests)


@dataclass
class _Record:
    request: ConferenceRequest
    info: ConferenceInfo
    access: dict[str, PointAccess] = field(default_factory=dict)
    attendance: list[AttendanceEntry] = field(default_factory=list)


@dataclass
class _Fault:
    error: AdapterError
    operation: str | None
    after: bool
    remaining: int


class MemoryStore:
    """The conferences, call counts and scripted faults behind memory adapters; thread-safe."""

    _named: ClassVar[dict[str, MemoryStore]] = {}
    _named_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.calls: Counter[str] = Counter()
        self._records: dict[tuple[str, str], _Record] = {}
        self._faults: list[_Fault] = []

    @classmethod
    def named(cls, name: str) -> MemoryStore:
        """The process-wide store called ``name``, made on first use."""
        with cls._named_lock:
            return cls._named.setdefault(name, MemoryStore())

    @classmethod
    def forget(cls, name: str | None = None) -> None:
        """Drop one named store, or all of them (between tests)."""
        with cls._named_lock:
            if name is None:
                cls._named.clear()
            else:
                cls._named.pop(name, None)

    def conferences(self, meeting_id: str | None = None) -> list[ConferenceInfo]:
        """Every conference in the store (cancelled ones too), optionally of one meeting."""
        with self.lock:
            return [
                r.info
                for (meeting, _), r in sorted(self._records.items())
                if meeting_id is None or meeting == meeting_id
            ]

    def fail_next(
        self,
        n: int = 1,
        error: AdapterError | None = None,
        *,
        operation: str | None = None,
        after: bool = False,
    ) -> None:
        """Make the next ``n`` calls (of ``operation``, or of any) raise ``error``.

        With ``after=True`` the call takes effect first and then fails, like a timeout
        after the platform did the work: the outcome is unknown to the caller.
        """
        if n < 1:
            raise ValueError("fail_next needs n >= 1.")
        fault = error or TransientError(
            "the memory platform failed on purpose (fail_next); run the command again.",
            adapter="memory",
        )
        with self.lock:
            self._faults.append(_Fault(fault, operation, after, n))

    def _take(self, operation: str) -> _Fault | None:
        with self.lock:
            self.calls[operation] += 1
            for fault in self._faults:
                if fault.operation in (None, operation):
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                    return fault
        return None


class MemoryAdapter(ConferenceAdapter):
    """Conferences kept in a :class:`MemoryStore`: every capability but platform
    invitations and batching. See the module docstring for an example."""

    name = "memory"
    calls_out = False  # nothing leaves the process
    settings_model = MemorySettings
    capabilities = frozenset(Capability) - {Capability.PLATFORM_INVITES, Capability.BATCH}
    requires_officer = True
    settings: MemorySettings

    def __init__(
        self,
        settings: AdapterSettings | Mapping[str, Any] | None = None,
        *,
        http: object | None = None,
    ) -> None:
        super().__init__(settings, http=http)
        if isinstance(http, MemoryStore):
            self.store = http
        elif http is not None:
            raise TypeError("the memory adapter's http must be a MemoryStore, or None.")
        elif self.settings.store:
            self.store = MemoryStore.named(self.settings.store)
        else:
            self.store = MemoryStore()

    @property
    def calls(self) -> Counter[str]:
        """How many times each operation was called (failed calls included)."""
        return self.store.calls

    def fail_next(
        self,
        n: int = 1,
        error: AdapterError | None = None,
        *,
        operation: str | None = None,
        after: bool = False,
    ) -> None:
        """Script failures: see :meth:`MemoryStore.fail_next`."""
        self.store.fail_next(n, error, operation=operation, after=after)

    def create(self, request: ConferenceRequest) -> ConferenceInfo:
        return self._run("create", lambda: self._create(request))

    def update(self, request: ConferenceRequest, info: ConferenceInfo) -> ConferenceInfo:
        self.require(Capability.UPDATE)
        return self._run("update", lambda: self._update(request, info))

    def cancel(self, request: ConferenceRequest, info: ConferenceInfo) -> None:
        self._run("cancel", lambda: self._cancel(request))

    def find(self, request: ConferenceRequest) -> ConferenceInfo | None:
        return self._run("find", lambda: self._find(request))

    def issue_access(
        self, request: ConferenceRequest, info: ConferenceInfo, point: PointRef
    ) -> PointAccess:
        return self._run("issue_access", lambda: self._issue(request, info, point))

    def rotate_access(
        self,
        request: ConferenceRequest,
        info: ConferenceInfo,
        point: PointRef,
        current: PointAccess | None,
    ) -> PointAccess:
        """New secrets for the point; the old ones stop working (``verify`` says so)."""

        def rotate() -> PointAccess:
            record = self._live(request, info)
            record.access.pop(point.id, None)
            return self._issue(request, info, point)

        return self._run("issue_access", rotate)

    def attendance(self, request: ConferenceRequest, info: ConferenceInfo) -> list[AttendanceEntry]:
        self.require(Capability.ATTENDANCE)
        return self._run("attendance", lambda: list(self._live(request, info).attendance))

    def record_attendance(self, request: ConferenceRequest, *entries: AttendanceEntry) -> None:
        """Test hook: people joined the conference of ``request``."""
        with self.store.lock:
            record = self.store._records.get((request.meeting_id, request.key))
            if record is None:
                raise NotFound(self._missing(request), adapter=self.name, status=404)
            record.attendance.extend(entries)

    def verify(self, request: ConferenceRequest, point_id: str, password: str) -> bool:
        """Test hook: whether ``password`` is the one issued to ``point_id`` (a hand-out check)."""
        with self.store.lock:
            record = self.store._records.get((request.meeting_id, request.key))
            access = record.access.get(point_id) if record else None
        return bool(access and access.password and access.password == Secret(password))

    # -- the work, done under the store's lock -------------------------------------------

    def _run(self, operation: str, action: Callable[[], _T]) -> _T:
        fault = self.store._take(operation)
        if fault is not None and not fault.after:
            raise fault.error
        with self.store.lock:
            result = action()
        if fault is not None:
            raise fault.error
        return result

    def _create(self, request: ConferenceRequest) -> ConferenceInfo:
        if self.settings.require_time and not request.scheduled:
            raise InvalidRequest(
                f"the conference '{request.key}' has no time yet, and this memory platform "
                "is set to refuse rooms without one (require_time); give the sitting a start, "
                "or run `meetlink open` again once the time is announced.",
                adapter=self.name,
                status=400,
            )
        slot = (request.meeting_id, request.key)
        record = self.store._records.get(slot)
        if record is not None and record.info.status != ConferenceStatus.CANCELLED:
            return record.info
        digest = hashlib.sha256(f"{request.meeting_id}\n{request.key}".encode()).hexdigest()
        info = self._info(request, f"mem-{digest[:16]}")
        self.store._records[slot] = _Record(request, info)
        return info

    def _update(self, request: ConferenceRequest, info: ConferenceInfo) -> ConferenceInfo:
        record = self._live(request, info)
        record.request = request
        record.info = self._info(request, info.external_id)
        return record.info

    def _cancel(self, request: ConferenceRequest) -> None:
        record = self.store._records.get((request.meeting_id, request.key))
        if record is not None:
            record.info = record.info.model_copy(update={"status": ConferenceStatus.CANCELLED})
            record.access.clear()  # cancelling revokes every handed-out login

    def _find(self, request: ConferenceRequest) -> ConferenceInfo | None:
        record = self.store._records.get((request.meeting_id, request.key))
        return record.info if record is not None else None

    def _issue(
        self, request: ConferenceRequest, info: ConferenceInfo, point: PointRef
    ) -> PointAccess:
        record = self._live(request, info)
        try:
            record.request.point(point.id)
        except KeyError:
            raise InvalidRequest(
                f"the bridge point '{point.id}' is not part of the conference '{request.key}'; "
                "issue access only to the points the plan puts in it.",
                adapter=self.name,
                status=400,
            ) from None
        if point.id not in record.access:
            size = self.settings.password_length
            record.access[point.id] = PointAccess(
                point_id=point.id,
                join_url=f"{record.info.join_url}?point={quote(point.id, safe='')}",
                login=point.id,
                password=Secret("".join(secrets.choice(_ALPHABET) for _ in range(size))),
                pin=Secret(f"{secrets.randbelow(10**6):06d}"),
                token=Secret(secrets.token_urlsafe(32)),
                room=record.info.external_id,
            )
        return record.access[point.id]

    def _live(self, request: ConferenceRequest, info: ConferenceInfo) -> _Record:
        record = self.store._records.get((request.meeting_id, request.key))
        if (
            record is None
            or record.info.external_id != info.external_id
            or record.info.status == ConferenceStatus.CANCELLED
        ):
            raise NotFound(self._missing(request), adapter=self.name, status=404)
        return record

    def _missing(self, request: ConferenceRequest) -> str:
        return (
            f"the memory conference '{request.key}' of meeting '{request.meeting_id}' does not "
            "exist or was cancelled; run `meetlink open` to create it again."
        )

    def _info(self, request: ConferenceRequest, external_id: str) -> ConferenceInfo:
        return ConferenceInfo(
            key=request.key,
            external_id=external_id,
            join_url=f"memory://{quote(request.meeting_id)}/{quote(request.key)}",
            meeting_code=external_id.removeprefix("mem-")[:10],
            title=request.title,
            start=request.start,
            end=request.end,
            extra={} if request.scheduled else {"scheduled": "no"},
        )
