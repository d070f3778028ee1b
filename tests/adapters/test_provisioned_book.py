"""Issue 19: the ``provisioned`` room book costs one pass over the points, not one a chunk;
and a point in two ``provisioned`` tracks gets a login in each.

The book (``provisioned.json``) records every login issued. Before, each chunk of 500
points wrote the whole book again (and serialized it twice more to see what changed), so a
first ``open`` of 10,000 points wrote it 20 times at up to 1.5 MB: quadratic. Now a chunk
appends only its changed records to a journal beside the book (fsynced before the core
commits the chunk), the book stays in memory from one chunk to the next, and the adapter's
close folds the journal in once. A run killed before its close leaves the journal, which the
next one reads.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from tests.adapters.provisioned_rooms import adapter_in, commune_request

import meetlink.adapters.rooms as rooms_module
from meetlink.adapters.provisioned import ProvisionedAdapter
from meetlink.adapters.provisioned.accounts import read_csv_rows
from meetlink.adapters.rooms import RoomBook
from meetlink.credentials.vault import VaultKey
from meetlink.reconcile import open_meeting

CHUNK = 50


def _book(folder: Path) -> Path:
    return folder / "state" / "provisioned.json"


def _journal(folder: Path) -> Path:
    return folder / "state" / "provisioned.json.journal"


def _logins(folder: Path) -> dict[str, Any]:
    """The logins a fresh process reads (the book, its journal merged)."""
    with RoomBook(_book(folder), "provisioned").edit(save=False) as data:
        return dict(data["meetings"]["q3"]["accounts"])


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of every whole write of the book."""
    sizes: list[int] = []
    write_private = rooms_module.write_private

    def counting(path: Path, data: bytes) -> None:
        sizes.append(len(data))
        write_private(path, data)

    monkeypatch.setattr(rooms_module, "write_private", counting)
    return sizes


def test_each_chunk_writes_its_own_logins_only_and_the_close_the_book_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = _counting(monkeypatch)
    adapter = adapter_in(tmp_path)
    request = commune_request(4 * CHUNK)
    info = adapter.create(request)
    assert len(whole) == 1  # the room
    appended: list[int] = []
    for start in range(0, 4 * CHUNK, CHUNK):
        before = _journal(tmp_path).stat().st_size if _journal(tmp_path).exists() else 0
        with adapter.deferring():  # as the core does for a chunk of points
            for point in request.bridge_points[start : start + CHUNK]:
                adapter.issue_access(request, info, point)
            adapter.sync()
        appended.append(_journal(tmp_path).stat().st_size - before)

    # Before: the whole book written again by every chunk, bigger each time.
    assert len(whole) == 1
    assert max(appended) < 1.1 * min(appended)  # the fourth chunk writes what the first did
    assert len(_logins(tmp_path)) == 4 * CHUNK  # a new process reads them from the journal
    adapter.close()
    assert len(whole) == 2  # folded in once
    assert not _journal(tmp_path).exists()
    stored = json.loads(_book(tmp_path).read_text(encoding="utf-8"))
    assert len(stored["meetings"]["q3"]["accounts"]) == 4 * CHUNK


def test_granting_the_same_logins_again_writes_nothing(tmp_path: Path) -> None:
    adapter = adapter_in(tmp_path)
    request = commune_request(CHUNK)
    info = adapter.create(request)
    with adapter.deferring():
        accesses = [adapter.issue_access(request, info, p) for p in request.bridge_points]
    size = _journal(tmp_path).stat().st_size
    with adapter.deferring():  # another conference's phase: the same logins, kept
        for point, access in zip(request.bridge_points, accesses, strict=True):
            adapter.keep_access(request, info, point, access)
    assert _journal(tmp_path).stat().st_size == size


def test_the_journal_is_private_and_holds_no_password(tmp_path: Path) -> None:
    adapter = adapter_in(tmp_path)
    request = commune_request(3)
    info = adapter.create(request)
    with adapter.deferring():
        accesses = [adapter.issue_access(request, info, p) for p in request.bridge_points]
    raw = _journal(tmp_path).read_bytes()
    assert b"q3-x1" in raw
    for access in accesses:
        assert access.password is not None
        assert access.pin is not None
        assert access.password.reveal().encode() not in raw
        assert access.pin.reveal().encode() not in raw
    assert stat.S_IMODE(_journal(tmp_path).stat().st_mode) == 0o600


def test_a_run_killed_before_its_close_is_finished_by_the_next(tmp_path: Path) -> None:
    request = commune_request(3)
    first = adapter_in(tmp_path)
    info = first.create(request)
    with first.deferring():
        issued = [first.issue_access(request, info, p) for p in request.bridge_points]
    # Killed here: no close; the book holds the room only, the journal the logins.
    assert "q3-x0" not in _book(tmp_path).read_text(encoding="utf-8")
    again = adapter_in(tmp_path)
    assert again.find(request) == info
    with again.deferring():
        for old, point in zip(issued, request.bridge_points, strict=True):
            new = again.issue_access(request, info, point)
            assert (new.login, new.password) == (old.login, old.password)
    again.close()
    assert not _journal(tmp_path).exists()
    assert set(_logins(tmp_path)) == {"q3-x0", "q3-x1", "q3-x2"}


def test_a_torn_last_line_is_ignored_and_the_next_flush_starts_a_line(tmp_path: Path) -> None:
    adapter = adapter_in(tmp_path)
    request = commune_request(2)
    info = adapter.create(request)
    with adapter.deferring():
        adapter.issue_access(request, info, request.point("X0"))
    with _journal(tmp_path).open("ab") as journal:
        journal.write(b'["q3", "accounts", "q3-zz", {"point": "ZZ"')  # killed mid-write
    assert set(_logins(tmp_path)) == {"q3-x0"}

    later = adapter_in(tmp_path)  # the next run
    with later.deferring():
        later.issue_access(request, info, request.point("X1"))
    assert set(_logins(tmp_path)) == {"q3-x0", "q3-x1"}
    later.close()
    assert set(_logins(tmp_path)) == {"q3-x0", "q3-x1"}


def test_a_compaction_killed_before_the_journal_is_removed_reads_the_same(
    tmp_path: Path,
) -> None:
    adapter = adapter_in(tmp_path)
    request = commune_request(3)
    info = adapter.create(request)
    with adapter.deferring():
        for point in request.bridge_points:
            adapter.issue_access(request, info, point)
    journal = _journal(tmp_path).read_bytes()
    before = _logins(tmp_path)
    adapter.close()
    _journal(tmp_path).write_bytes(journal)  # the unlink never reached the disk
    assert _logins(tmp_path) == before


def test_another_process_between_two_chunks_is_read_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "rooms.json"
    ours, theirs = RoomBook(path, "provisioned"), RoomBook(path, "provisioned")
    with ours.deferring(), ours.edit() as data:
        ours.meeting(data, "q3")["accounts"]["a"] = {"point": "A"}
    with theirs.edit() as data:  # another process, outside any chunk: folds the journal in
        theirs.meeting(data, "q3")["accounts"]["b"] = {"point": "B"}
    with ours.deferring(), ours.edit() as data:  # the next chunk reads the book again
        accounts = ours.meeting(data, "q3")["accounts"]
        assert set(accounts) == {"a", "b"}
        accounts["c"] = {"point": "C"}
    ours.compact()
    with RoomBook(path, "provisioned").edit(save=False) as data:
        assert set(data["meetings"]["q3"]["accounts"]) == {"a", "b", "c"}


def test_a_record_removed_or_changed_in_a_chunk_reads_back_so(tmp_path: Path) -> None:
    path = tmp_path / "rooms.json"
    book = RoomBook(path, "provisioned")
    with book.deferring(), book.edit() as data:
        accounts = book.meeting(data, "q3")["accounts"]
        accounts.update({"a": {"point": "A"}, "b": {"point": "B"}})
    with book.deferring(), book.edit() as data:
        accounts = book.meeting(data, "q3")["accounts"]
        del accounts["a"]
        accounts["b"]["revoked_at"] = "2024-03-11T00:00:00+00:00"
        accounts["c"] = {"point": "C"}
    with RoomBook(path, "provisioned").edit(save=False) as data:
        assert data["meetings"]["q3"]["accounts"] == {
            "b": {"point": "B", "revoked_at": "2024-03-11T00:00:00+00:00"},
            "c": {"point": "C"},
        }


# Out of scope of issue 19, found in the last session: two `provisioned` tracks whose points
# have one id but for case (`X-1`, `x-1`: two units) wrote one login into two exports, with
# two passwords: the provider's second import replaced the first's. A unit attends one
# track, so this is the only way two tracks meet on a login; their logins now carry the track.


def _two_tracks(folder: Path) -> Path:
    rows = "".join(
        f"{code}{i},Xã {code}{i},commune,{20 + i},Hội trường xã {i},Cán bộ {i},"
        f"ktv{code}{i}@xa.example.org,bithu{code}{i}@xa.example.org\n"
        for code in ("X-", "x-")
        for i in range(3)
    )
    (folder / "roster.csv").write_text(
        "id,name,kind,members,location,officer_name,officer_email,contact_emails\n" + rows,
        encoding="utf-8",
    )
    meeting = folder / "meeting.yaml"
    meeting.write_text(
        'id: q3\ntitle: "Hội nghị"\norganizer: {email: vp@thiuy.example.org}\n'
        "roster: roster.csv\ntracks:\n"
        "  - id: hoi-nghi\n    platform: provisioned\n    units: {ids: [X-0, X-1, X-2]}\n"
        "    sittings: [{id: s1, start: 2024-03-10T08:00, end: 2024-03-10T10:00}]\n"
        "  - id: chi-bo\n    platform: provisioned\n    units: {ids: [x-0, x-1, x-2]}\n"
        "    sittings: [{id: s1, start: 2024-03-12T08:00, end: 2024-03-12T10:00}]\n",
        encoding="utf-8",
    )
    return meeting


def _export_of(folder: Path, track: str) -> dict[str, dict[str, str]]:
    path = folder / ".meetlink" / "platforms" / track / "accounts-for-provider.csv"
    return {row["unit"]: row for row in read_csv_rows(path)}


def test_points_alike_but_for_case_in_two_tracks_get_logins_of_their_own(
    tmp_path: Path,
) -> None:
    result = open_meeting(_two_tracks(tmp_path), vault_key=VaultKey.generate())

    assert result.ok, result.failures
    first, second = _export_of(tmp_path, "hoi-nghi"), _export_of(tmp_path, "chi-bo")
    assert first["X-1"]["login"] == "q3-hoi-nghi-x-1"  # before: "q3-x-1" in both files
    assert second["x-1"]["login"] == "q3-chi-bo-x-1"
    logins = [row["login"] for export in (first, second) for row in export.values()]
    assert len(set(logins)) == 6  # the provider can import both files


def test_a_meeting_whose_tracks_meet_on_no_login_keeps_its_logins(tmp_path: Path) -> None:
    meeting = _two_tracks(tmp_path)
    text = meeting.read_text(encoding="utf-8").replace("[x-0, x-1, x-2]", "[x-0]")
    meeting.write_text(text.replace("[X-0, X-1, X-2]", "[X-1, X-2]"), encoding="utf-8")
    result = open_meeting(meeting, vault_key=VaultKey.generate())

    assert result.ok, result.failures
    assert _export_of(tmp_path, "hoi-nghi")["X-1"]["login"] == "q3-x-1"
    assert _export_of(tmp_path, "chi-bo")["x-0"]["login"] == "q3-x-0"


def test_a_login_issued_before_the_track_was_in_it_is_kept_until_rotated(
    tmp_path: Path,
) -> None:
    request = commune_request(1)
    before = adapter_in(tmp_path)  # as a run before this change: no track in the login
    info = before.create(request)
    issued = before.issue_access(request, info, request.point("X0"))
    before.close()
    assert issued.login == "q3-x0"

    now = ProvisionedAdapter(
        {
            "generate": True,
            "export": tmp_path / "export.csv",
            "state_dir": tmp_path / "state",
            "login_track": True,
        }
    )
    kept = now.keep_access(request, info, request.point("X0"), issued)
    assert (kept.login, kept.password) == (issued.login, issued.password)
    rotated = now.rotate_access(request, info, request.point("X0"), issued)
    assert rotated.login == "q3-main-x0"
    assert rotated.password != issued.password
    now.close()
