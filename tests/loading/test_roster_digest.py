"""A roster read from a file carries the digest of its bytes (issue 19): the re-run's
fingerprint of the roster, without serializing 10,000 units."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest

import meetlink.loading.roster as roster_module
import meetlink.reconcile.invitation_hashes as hashes_module
from meetlink.loading.meeting import Meeting
from meetlink.loading.roster import Roster, load_roster
from meetlink.loading.sheets import read_table

ROWS = (
    "mã,tên tổ chức đảng,loại,số đảng viên,email cán bộ kỹ thuật\n"
    "TU,Thị ủy,committee,40,ktv@thiuy.example.org\n"
    "X1,Chi bộ thôn 1,village,12,ktv1@xa.example.org\n"
)


def _roster(folder: Path, text: str = ROWS) -> Path:
    path = folder / "roster.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_roster_read_from_a_file_carries_the_digest_of_its_bytes(tmp_path: Path) -> None:
    path = _roster(tmp_path)
    roster = load_roster(path)
    assert roster.digest == hashlib.sha256(path.read_bytes()).hexdigest()
    assert Roster(roster.source, roster.units, roster.headers).digest == ""  # made in code
    assert Roster(roster.source, roster.units) == roster  # the digest is not compared


def test_a_file_saved_again_while_it_is_read_gives_no_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _roster(tmp_path)

    def saved_meanwhile(*args: Any, **kwargs: Any) -> Any:
        found = read_table(*args, **kwargs)
        path.write_text(ROWS.replace("ktv1@", "ktv.moi@"), encoding="utf-8")
        stamp = path.stat().st_mtime_ns + 1_000_000_000
        os.utime(path, ns=(stamp, stamp))
        return found

    monkeypatch.setattr(roster_module, "read_table", saved_meanwhile)
    roster = load_roster(path)
    assert roster.digest == ""
    assert len(roster.units) == 2


def test_the_sources_mark_follows_every_byte_of_the_roster_and_not_its_name(
    tmp_path: Path, meeting: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain: Meeting = meeting()
    folders = [tmp_path / name for name in ("a", "b", "c")]
    for folder in folders:
        folder.mkdir()
    first, again = load_roster(_roster(folders[0])), load_roster(_roster(folders[1]))
    changed = load_roster(_roster(folders[2], ROWS.replace("ktv1@", "ktv.moi@")))

    def refuse(*_: object) -> bytes:
        raise AssertionError("the units were serialized although the file's digest is known")

    with monkeypatch.context() as patched:
        patched.setattr(hashes_module._UNITS, "dump_json", refuse)
        marks = [hashes_module.sources_mark(plain, r) for r in (first, again, changed)]
    assert marks[0] == marks[1]
    assert marks[2] != marks[0]
    in_code = Roster(first.source, first.units, first.headers)
    assert hashes_module.sources_mark(plain, in_code) not in marks  # the units serialized
