"""The rooms (and logins) of a platform without a room API: a book kept in a state file.

Jitsi and a provider's MCU have no API meetlink can ask what exists, so an adapter keeps its
own record: ``<state_dir>/<adapter>.json`` (0600, written through
:func:`meetlink.private_files.write_private`), changed under a lock held across threads and
processes. ``create`` is idempotent per request key; nothing secret is ever written here.

While the core carries out chunks of points (:meth:`RoomBook.deferring`), the book is held in
memory from one chunk to the next, and :meth:`RoomBook.flush` appends only the records that
changed to a journal beside it (``<adapter>.json.journal``, 0600, one checked JSON line a
record, fsynced): 10,000 logins cost one pass, not one rewrite of the whole book a chunk.
Reading merges the journal over the book (a line torn by a kill is ignored: it was never
made durable); :meth:`RoomBook.compact` (the adapter's close) folds it into the book once.

Example:
    >>> from meetlink.testing.conformance import sample_request
    >>> book, request = RoomBook(None, "demo"), sample_request()
    >>> info = book.create(request, lambda: ("r1", "https://x.example/r1"))
    >>> book.find(request) == info
    True
"""

from __future__ import annotations

import json
import os
import sys
import threading
import zlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from meetlink.adapters.models import ConferenceInfo, ConferenceRequest, PointRef
from meetlink.errors import AdapterError, InvalidRequest, NotFound
from meetlink.private_files import file_stamps, fsync_folder, open_private_lock, write_private

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
        # While deferring (chunks of points): the document held in memory (kept from one
        # chunk to the next while the files are as this book left them), a copy of it as
        # last written (to journal only the records changed), and the files' stamps then.
        self._held: dict[str, Any] | None = None
        self._copy: dict[str, Any] = {}
        self._held_stamp: object = None
        self._deferring = 0
        self._changed = False  # an edit that may change the document since the last flush
        self._checked = False  # the held document checked against the files in this chunk
        self._journal_named = False  # the journal's name fsynced in its folder by this book

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
                held = self._hold()  # journaled by flush(), before the core's commit
                self._changed = self._changed or save
                yield held
                return
            with self._file_lock():
                if not save:
                    yield self._read_only()
                    return
                self._compact()  # a journal (a killed run's, say) folded in first
                before, data = self._load()
                yield data
                self._save(before, data)
                self._held = None  # read again by the next chunk

    @contextmanager
    def deferring(self) -> Iterator[None]:
        """Changes inside are kept in memory and journaled by :meth:`flush` (the core calls
        it before it commits a chunk of points), the records changed only, instead of the
        whole book per change; at the end of the block, what is left is flushed. The
        document stays held for the next block, read again if a file changed meanwhile."""
        with self._lock:
            self._deferring += 1
            if self._deferring == 1:
                self._checked = False
        try:
            yield
        finally:
            with self._lock:
                self._deferring -= 1
                self.flush()

    def flush(self) -> None:
        """Append the records changed while deferring to the journal, and fsync it (another
        process's changes to other records are kept: reading merges line by line)."""
        with self._lock:
            if self._held is None or not self._changed:
                return
            self._changed = False
            try:
                if self.path is None:
                    self._save("", self._held)
                    return
                lines = _changes(self._held, self._copy)
                if not lines:
                    return
                with self._file_lock():
                    in_step = self._stamp_now() == self._held_stamp
                    _append(self._journal(), lines, name=not self._journal_named)
                    self._journal_named = True
                    # Another writer's lines since this book read the files: read again.
                    self._held_stamp = self._stamp_now() if in_step else None
            except BaseException:
                self._held = None  # read again from the files by the next chunk
                raise

    def compact(self) -> None:
        """Fold the journal into the book: one whole write (atomic, fsynced), then the
        journal removed. Nothing to do (nothing made) without a journal; the adapter calls
        it on close."""
        if self.path is None or not self._journal().exists():
            return
        with self._lock, self._file_lock():
            self._compact()

    def _compact(self) -> None:
        if self.path is None or not (journal := self._journal()).exists():
            return
        in_step = self._stamp_now() == self._held_stamp
        _, data = self._load()
        # Exactly the book and its journal: a kill before the unlink below leaves a
        # journal whose lines the new book holds already (merging them again changes nothing).
        write_private(self.path, _dump(data).encode())
        journal.unlink()
        fsync_folder(self.path.parent)
        self._journal_named = False
        self._held_stamp = self._stamp_now() if in_step else None

    def _hold(self) -> dict[str, Any]:
        held = self._held
        if held is None or (not self._checked and self._stamp_now() != self._held_stamp):
            with self._file_lock():
                held = self._held = self._load()[1]
                self._copy = _copied(held)
                self._held_stamp = self._stamp_now()
        self._checked = True
        return held

    def _journal(self) -> Path:
        """The journal beside the book's file (only asked for a book with a file)."""
        path = self.path or Path(f"{self.adapter}.json")
        return path.with_name(path.name + ".journal")

    def _stamp_now(self) -> object:
        """The files as they are now (the memory document when there is no file)."""
        if self.path is None:
            return self._memory
        return file_stamps(self.path, self._journal())

    def _save(self, before: str, data: dict[str, Any]) -> None:
        text = _dump(data)
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
        stamp = self._stamp_now()
        if self._parsed[0] != stamp:
            self._parsed = (stamp, self._load()[1])
        return self._parsed[1]

    def _load(self) -> tuple[str, dict[str, Any]]:
        """The document's text as stored (written by :meth:`edit`, so unchanged data gives
        the same text; "" when a journal changed it) and the document, journal merged."""
        try:
            path = self.path
            text = path.read_text("utf-8") if path and path.exists() else self._memory
            data = json.loads(text)
            if path is not None and isinstance(data, dict) and _merge(self._journal(), data):
                text = ""  # the book on disk lacks the journal's records: a save writes it
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


def _dump(data: dict[str, Any]) -> str:
    """The book as stored: sorted, indented (a person may read it)."""
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)


def _copied(data: Any) -> Any:
    """A deep copy of JSON data (faster than :func:`copy.deepcopy` for it)."""
    return json.loads(json.dumps(data))


def _changes(held: dict[str, Any], copy: dict[str, Any]) -> list[list[Any]]:
    """Journal lines ``[meeting, section, key, record]`` for the records of ``held`` that
    differ from ``copy`` (the document as last written), which is brought up to date. A
    meeting whose sections changed shape, or lost a record, is one line ``[meeting, None,
    None, part]`` replacing it whole."""
    lines: list[list[Any]] = []
    copies: dict[str, Any] = copy.setdefault("meetings", {})
    for meeting_id, part in held.get("meetings", {}).items():
        before = copies.get(meeting_id)
        whole = not _same_sections(part, before)
        if not whole and isinstance(before, dict):
            for section, records in part.items():
                old = before[section]
                present = 0
                for key, record in records.items():
                    if key in old:
                        present += 1
                        if old[key] == record:
                            continue
                    lines.append([meeting_id, section, key, record])
                    old[key] = _copied(record)
                whole = whole or present != len(old) - (len(records) - present)
        if whole and part != before:
            lines.append([meeting_id, None, None, part])
            copies[meeting_id] = _copied(part)
    return lines


def _same_sections(part: Any, before: Any) -> bool:
    return (
        isinstance(part, dict)
        and isinstance(before, dict)
        and part.keys() == before.keys()
        and all(isinstance(v, dict) for v in part.values())
        and all(isinstance(v, dict) for v in before.values())
    )


def _append(journal: Path, lines: list[list[Any]], *, name: bool) -> None:
    """Append checked lines to the journal (0600, never through a link) and fsync it (and
    its folder when the journal is new, or ``name``: one a killed run made may not be in
    its folder yet). A line is ``JSON CRC``: one cut short by a kill is never taken for a
    record; one that follows it starts on a line of its own."""
    data = b"".join(_line(entry) for entry in lines)
    made = not journal.exists()
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    handle = os.open(journal, flags, 0o600)
    try:
        if not made and os.fstat(handle).st_size:
            data = b"\n" + data  # an empty line is skipped; a torn one is ended
        os.write(handle, data)
        os.fsync(handle)
    finally:
        os.close(handle)
    if made or name:
        fsync_folder(journal.parent)


def _line(entry: list[Any]) -> bytes:
    payload = json.dumps(entry, ensure_ascii=False, sort_keys=True)
    return f"{payload} {zlib.crc32(payload.encode()):08x}\n".encode()


def _merge(journal: Path, data: dict[str, Any]) -> bool:
    """Apply the journal's whole lines to ``data`` in order; whether there were any."""
    try:
        text = journal.read_bytes().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return False
    merged = False
    meetings = data.setdefault("meetings", {})
    for line in text.split("\n"):
        payload, _, check = line.rpartition(" ")
        if not payload or check != f"{zlib.crc32(payload.encode()):08x}":
            continue  # empty, or torn (never made durable)
        meeting_id, section, key, value = json.loads(payload)
        if section is None:
            meetings[meeting_id] = value
        else:
            meetings.setdefault(meeting_id, {}).setdefault(section, {})[key] = value
        merged = True
    return merged
