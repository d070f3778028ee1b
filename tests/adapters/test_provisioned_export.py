"""Issue 19: the provider's export and the room book are written once a run, not once a point.

Before, every point issued rewrote the whole export CSV and the whole room book
(``provisioned.json``): a first ``open`` of 10,000 points took 20 minutes. Now a row goes to
a journal beside the export, merged on reading and compacted when the adapter closes, and the
room book is written once per chunk of points. Crash recovery is unchanged: a run killed
before its close leaves the journal, and the next one reads the passwords back from it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.adapters.provisioned_rooms import adapter_in, commune_request

import meetlink.adapters.provisioned.export as export_module
import meetlink.adapters.rooms as rooms_module
from meetlink.adapters.provisioned.accounts import read_csv_rows
from meetlink.adapters.provisioned.export import AccountExport, read_export
from meetlink.credentials.vault import VaultKey
from meetlink.reconcile import open_meeting

POINTS = 40


def _counting(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many times each file is written whole."""
    written: dict[str, int] = {}
    rewrite, write_private = export_module.rewrite_csv, rooms_module.write_private

    def counting_rewrite(path: Path, *args: Any) -> None:
        written[path.name] = written.get(path.name, 0) + 1
        rewrite(path, *args)

    def counting_write(path: Path, data: bytes) -> None:
        written[path.name] = written.get(path.name, 0) + 1
        write_private(path, data)

    monkeypatch.setattr(export_module, "rewrite_csv", counting_rewrite)
    monkeypatch.setattr(rooms_module, "write_private", counting_write)
    return written


def test_issuing_every_point_writes_the_export_once_and_the_room_book_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written = _counting(monkeypatch)
    adapter = adapter_in(tmp_path)
    request = commune_request(POINTS)
    info = adapter.create(request)
    with adapter.deferring():  # as the core does for a chunk of points
        accesses = [adapter.issue_access(request, info, p) for p in request.bridge_points]
    adapter.close()

    # Before issue 19: 40 rewrites of each (and 10,000 of each at 10,000 points).
    assert written["export.csv"] == 1
    assert written["provisioned.json"] == 2  # the room, then the chunk's 40 logins
    rows = {r["login"]: r for r in read_csv_rows(tmp_path / "export.csv")}
    assert len(rows) == POINTS
    for access in accesses:
        assert access.password is not None
        assert rows[str(access.login)]["password"] == access.password.reveal()
    assert not (tmp_path / "export.csv.journal").exists()


def test_a_run_killed_before_its_close_is_read_back_from_the_journal(tmp_path: Path) -> None:
    request = commune_request(3)
    first = adapter_in(tmp_path)
    info = first.create(request)
    with first.deferring():
        issued = [first.issue_access(request, info, p) for p in request.bridge_points]
    # Killed here: no close, the export was never rewritten; the journal is on disk.
    assert not (tmp_path / "export.csv").exists()
    again = adapter_in(tmp_path)
    for old, point in zip(issued, request.bridge_points, strict=True):
        new = again.issue_access(request, info, point)
        assert (new.login, new.password, new.pin) == (old.login, old.password, old.pin)
    again.close()
    assert len(read_csv_rows(tmp_path / "export.csv")) == 3


def test_a_torn_last_line_is_ignored_and_the_next_row_starts_a_line_of_its_own(
    tmp_path: Path,
) -> None:
    path = tmp_path / "export.csv"
    header = ("unit", "login", "password")
    export = AccountExport(path, header)
    export.put({"unit": "X1", "login": "q3-x1", "password": "pw-1"})
    with export.journal.open("ab") as journal:
        journal.write(b"unit|login|password,X2,q3-x2,pw-2,1a2b")  # killed in the middle of a write
    assert set(read_export(path)) == {"q3-x1"}

    later = AccountExport(path, header)  # the next run
    later.put({"unit": "X3", "login": "q3-x3", "password": "pw-3"})
    assert set(read_export(path)) == {"q3-x1", "q3-x3"}
    later.close()
    assert [r["login"] for r in read_csv_rows(path)] == ["q3-x1", "q3-x3"]


def test_the_first_open_on_provisioned_leaves_one_export_row_a_point_and_no_journal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written = _counting(monkeypatch)
    rows = "".join(
        f"X{i},Xã {i},commune,{20 + i},Hội trường xã {i},Cán bộ {i},ktv{i}@xa.example.org,"
        f"bithu{i}@xa.example.org\n"
        for i in range(POINTS)
    )
    (tmp_path / "roster.csv").write_text(
        "id,name,kind,members,location,officer_name,officer_email,contact_emails\n" + rows,
        encoding="utf-8",
    )
    meeting = tmp_path / "meeting.yaml"
    meeting.write_text(
        'id: q3\ntitle: "Hội nghị"\norganizer: {email: vp@thiuy.example.org}\n'
        "roster: roster.csv\ntracks:\n  - id: main\n    platform: provisioned\n"
        "    units: {kinds: [commune]}\n"
        "    sittings: [{id: s1, start: 2024-03-10T08:00, end: 2024-03-10T10:00}]\n",
        encoding="utf-8",
    )
    result = open_meeting(meeting, vault_key=VaultKey.generate())

    assert result.ok, result.failures
    export = tmp_path / ".meetlink" / "platforms" / "main" / "accounts-for-provider.csv"
    assert len(read_csv_rows(export)) == POINTS
    assert not export.with_name(export.name + ".journal").exists()
    assert written[export.name] == 1
    assert written["provisioned.json"] <= 4  # the room, a chunk of logins, of accesses
