"""Issue 19: whether the outbox holds a message is answered from one listing of the folder.

A first ``open`` asks it for every hand-out (a lost ledger is recovered from the outbox
instead of a second message sent): one listing per sender, not one file lookup per message.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.mail.samples import messages

from meetlink.mail import OutboxSender, file_stem


class Lookups:
    """Counts the folder's listings and the files looked up one by one."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.listings = 0
        self.files = 0
        real_scandir, real_is_file = os.scandir, Path.is_file

        def scandir(path: str | os.PathLike[str]) -> object:
            self.listings += 1
            return real_scandir(path)

        def is_file(path: Path) -> bool:
            self.files += 1
            return real_is_file(path)

        monkeypatch.setattr(os, "scandir", scandir)
        monkeypatch.setattr(Path, "is_file", is_file)


def test_messages_not_in_the_outbox_cost_one_listing_in_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outbox = OutboxSender(tmp_path / "outbox", sync_each=False)
    written = messages(3)
    for message in written[:2]:
        outbox.send(message)
    lookups = Lookups(monkeypatch)

    asked = [f"<handout-{number}@thiuy.example.org>" for number in range(200)]
    assert not any(outbox.holds(message_id) for message_id in asked)

    assert lookups.listings == 1
    assert lookups.files == 0  # none looked up one by one


def test_what_it_writes_and_what_was_there_are_held_and_a_removed_file_is_not(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "outbox"
    first, second, third = messages(3)
    OutboxSender(folder).send(first)  # an earlier run's message
    outbox = OutboxSender(folder, sync_each=False)

    assert outbox.holds(first.message_id)
    assert not outbox.holds(second.message_id)  # listed now
    outbox.send(second)
    assert outbox.holds(second.message_id)  # written after the listing: held
    (folder / f"{file_stem(first.message_id)}.eml").unlink()  # sent by hand, and removed
    assert not outbox.holds(first.message_id)
    assert not outbox.holds(third.message_id)
