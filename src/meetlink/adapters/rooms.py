"""The rooms (and logins) of a platform without a room API: a book kept in a state file.

Jitsi and a provider's MCU have no API meetlink can ask what exists, so an adapter keeps its
own record: ``<state_dir>/<adapter>.json`` (0600, written through
:func:`meetlink.private_files.write_private`), changed under a lock held across threads and
processes. ``create`` is idempotent per request key; nothing secret is ever written here.

Example:
    >>> from meetlink.testing.conformance import sample_request
    >>> book = RoomBook(None, "demo")
    >>> info = book.create(sample_request(), lambda: ("r1", "https://x.example/r1"))
    >>> book.find(sample_request()) == info
    True
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from meetlink.adapters.models import ConferenceInfo, ConferenceRequest, PointRef
from meetlink.errors import AdapterError, InvalidRequest, NotFound
from meetlink.private_files import open_private_lock, write_private

if sys.platform != "win32":
    import fcntl

__all__ = ["RoomBook", "point_in_request"]


class RoomBook:
    """Rooms (and logins) an adapter made: ``<state_dir>/<adapter>.json``, or memory (None).

    ``{"meetings": {ID: {"rooms": {KEY: {...}}, "accounts": {...}}}}``, changed under a lock
    (threads, and ``flock`` across processes) and replaced atomically, 0600. Nothing secret.
    ``RoomBook(None, "demo").create(request, lambda: (room, url))`` → ``ConferenceInfo``.
    """

    def __init__(self, path: Path | None, adapter: str) -> None:
        self.path, self.adapter = path, adapter
        self._lock = threading.RLock()
        self._memory = '{"meetings": {}}'
        self._parsed: tuple[object, dict[str, Any]] = (None, {})  # (file stamp, document)
        # While deferring (a chunk of points): the document held in memory, and each
        # meeting's part as it was last written, to write back only the parts changed.
        self._held: dict[str, Any] | None = None
        self._written: dict[str, str] = {}
        self._deferring = 0

    @classmethod
    def for_adapter(cls, adapter: str, state_dir: Path | None, http: object) -> RoomBook:
        """The book an adapter uses: ``http`` if it is one (tests share it), else its file."""
        if isinstance(http, RoomBook):
            return http
        if http is not None:
            raise TypeError(f"the {adapter} adapter's http must be a RoomBook, or None.")
        return cls(state_dir / f"{adapter}.json" if state_dir else None, adapter)

    @contextmanager
    def edit(self, *, save: bool = True) -> Iterator[dict[str, Any]]:
        """The whole document, locked; saved when the block ends without an exception.

        With ``save=False`` the document is only read, and must not be changed: it is then
        parsed once and reused while the file stays the same (a point's login looked up for
        every conference would otherwise parse the whole book each time).
        """
        with self._lock:
            if self._deferring:
                yield self._hold()  # written by flush(), before the core's commit
                return
            with self._file_lock():
                if not save:
                    yield self._read_only()
                    return
                before, data = self._load()
                yield data
                if save:
                    self._save(before, data)

    @contextmanager
    def deferring(self) -> Iterator[None]:
        """Changes inside are kept in memory and written by :meth:`flush` (the core calls
        it before it commits a chunk of points), once, instead of the whole book per change;
        at the end of the block, what is left is flushed."""
        with self._lock:
            self._deferring += 1
        try:
            yield
        finally:
            with self._lock:
                self._deferring -= 1
                try:
                    self.flush()
                finally:
                    if not self._deferring:
                        self._held = None

    def flush(self) -> None:
        """Write the meetings' parts changed while deferring (another process's changes to
        other meetings are kept: the file is read again under its lock)."""
        with self._lock:
            if self._held is None:
                return
            parts = self._held.get("meetings", {})
            changed = {
                meeting_id: part
                for meeting_id, part in parts.items()
                if _text(part) != self._written.get(meeting_id)
            }
            if not changed:
                return
            with self._file_lock():
                before, data = self._load()
                data.setdefault("meetings", {}).update(changed)
                self._save(before, data)
            self._written.update({k: _text(v) for k, v in changed.items()})

    def _hold(self) -> dict[str, Any]:
        if self._held is None:
            with self._file_lock():
                self._held = self._load()[1]
            self._written = {k: _text(v) for k, v in self._held.get("meetings", {}).items()}
        return self._held

    def _save(self, before: str, data: dict[str, Any]) -> None:
        text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)
        if text == before:
            return  # unchanged: no write (a point's login granted once more)
        if self.path is None:
            self._memory = text
        else:
            write_private(self.path, text.encode())

    @staticmethod
    def meeting(data: dict[str, Any], meeting_id: str) -> dict[str, Any]:
        """One meeting's part of the document, made on first use."""
        part: dict[str, Any] = data.setdefault("meetings", {}).setdefault(meeting_id, {})
        for section in ("rooms", "accounts"):
            part.setdefault(section, {})
        return part

    def create(
        self, request: ConferenceRequest, make: Callable[[], tuple[str, str]]
    ) -> ConferenceInfo:
        """The room of ``request.key``: the live one, the cancelled one revived, or a new one
        from ``make()`` → ``(room, join_url)``."""
        with self.edit() as data:
            rooms = self.meeting(data, request.meeting_id)["rooms"]
            record = rooms.get(request.key)
            if record is not None and record["status"] != "cancelled":
                return _info(request.key, record)
            if record is None:
                room, url = make()
                record = rooms[request.key] = {"room": room, "join_url": url}
            record.update(_details(request), status="ready")
            return _info(request.key, record)

    def update(self, request: ConferenceRequest, info: ConferenceInfo) -> ConferenceInfo:
        """Record the new title and times of a live room; NotFound when it is not."""
        with self.edit() as data:
            record = self.live(data, request, info)
            record.update(_details(request))
            return _info(request.key, record)

    def cancel(self, request: ConferenceRequest) -> None:
        """Mark the room cancelled (a missing one is no error)."""
        with self.edit() as data:
            record = self.meeting(data, request.meeting_id)["rooms"].get(request.key)
            if record is not None:
                record["status"] = "cancelled"

    def find(self, request: ConferenceRequest) -> ConferenceInfo | None:
        """The room of ``request.key`` (cancelled ones too), or None."""
        with self.edit(save=False) as data:
            record = self.meeting(data, request.meeting_id)["rooms"].get(request.key)
            return None if record is None else _info(request.key, record)

    def live(
        self, data: dict[str, Any], request: ConferenceRequest, info: ConferenceInfo
    ) -> dict[str, Any]:
        """The record of the live room ``info``; NotFound when missing, other or cancelled."""
        record = self.meeting(data, request.meeting_id)["rooms"].get(request.key) or {}
        if record.get("room") != info.external_id or record["status"] == "cancelled":
            raise NotFound(
                f"the {self.adapter} room of '{request.key}' (meeting '{request.meeting_id}') "
                "does not exist or was cancelled; run `meetlink open` to create it again.",
                adapter=self.adapter,
            )
        return record

    def _read_only(self) -> dict[str, Any]:
        if self.path is None:
            stamp: object = self._memory
        else:
            try:
                info = self.path.stat()
                stamp = (info.st_ino, info.st_size, info.st_mtime_ns)
            except FileNotFoundError:
                stamp = "missing"
        if self._parsed[0] != stamp:
            self._parsed = (stamp, self._load()[1])
        return self._parsed[1]

    def _load(self) -> tuple[str, dict[str, Any]]:
        """The document's text as stored (written by :meth:`edit`, so unchanged data gives
        the same text) and the document."""
        try:
            path = self.path
            text = path.read_text("utf-8") if path and path.exists() else self._memory
            data = json.loads(text)
        except (OSError, ValueError) as exc:
            raise AdapterError(
                f"the state file {self.path} cannot be read ({type(exc).__name__}); restore it "
                "from a backup: the rooms and accounts it records cannot be found without it.",
                adapter=self.adapter,
            ) from None
        return text, data if isinstance(data, dict) else {}

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        if self.path is None or sys.platform == "win32":
            yield
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = self.path.with_name(self.path.name + ".lock")
        handle = open_private_lock(lock)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes
            yield
        finally:
            os.close(handle)


def point_in_request(request: ConferenceRequest, point: PointRef, adapter: str) -> PointRef:
    """The request's own record of ``point``; InvalidRequest when it is not in the request."""
    try:
        return request.point(point.id)
    except KeyError:
        raise InvalidRequest(
            f"the bridge point '{point.id}' is not part of the conference '{request.key}'; "
            "issue access only to the points the plan puts in it.",
            adapter=adapter,
        ) from None


def _details(request: ConferenceRequest) -> dict[str, Any]:
    times = {"start": request.start, "end": request.end}
    return {"title": request.title} | {k: t.isoformat() if t else None for k, t in times.items()}


def _info(key: str, record: Mapping[str, Any]) -> ConferenceInfo:
    start, end = record.get("start"), record.get("end")
    return ConferenceInfo(
        key=key,
        external_id=record["room"],
        join_url=record["join_url"],
        status=record["status"],
        title=record.get("title"),
        start=datetime.fromisoformat(start) if start else None,
        end=datetime.fromisoformat(end) if end else None,
        extra={"room": record["room"]} | ({} if start else {"scheduled": "no"}),
    )


def _text(part: Any) -> str:
    """A meeting's part as text, to tell whether it changed."""
    return json.dumps(part, ensure_ascii=False, sort_keys=True)
