"""Issue 19: a chunk's outbox writes its files in a thread of its own, and ``sync`` waits.

``open`` gives the outbox a chunk of messages, then calls ``sync`` before it commits their
outcomes. The files are created by the sender's own thread while the caller builds the next
message; ``sync`` waits for every one, and a file that could not be written makes it raise,
so no outcome is committed for a message that is not on disk.
"""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path

import pytest
from tests.mail.samples import messages

import meetlink.mail.outbox as outbox_module
from meetlink.errors import DeliveryError
from meetlink.mail import OutboxSender, file_stem


def test_the_files_are_written_by_the_senders_thread_and_on_disk_after_sync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writers: list[str] = []
    real_open = os.open

    def opening(path: str, flags: int, mode: int = 0o777, **kw: object) -> int:
        if str(path).endswith(".part"):
            writers.append(threading.current_thread().name)
        return real_open(path, flags, mode)

    monkeypatch.setattr(outbox_module.os, "open", opening)
    folder = tmp_path / "outbox"
    outbox = OutboxSender(folder, sync_each=False)
    sent = messages(4)
    for message in sent:
        outbox.send(message)

    assert outbox.sync() == 8  # an .eml and an .ics each
    expected = {f"{file_stem(m.message_id)}{suffix}" for m in sent for suffix in (".eml", ".ics")}
    assert {p.name for p in folder.iterdir()} == expected
    assert (folder / f"{file_stem(sent[0].message_id)}.eml").read_bytes() == sent[0].as_bytes()
    assert len(writers) == 8
    assert threading.current_thread().name not in writers  # the caller went on meanwhile
    outbox.close()


def test_a_message_written_behind_is_held_before_its_file_is_there(tmp_path: Path) -> None:
    outbox = OutboxSender(tmp_path / "outbox", sync_each=False)
    (message,) = messages(1)
    outbox.send(message)

    assert outbox.holds(message.message_id)  # no second message for it, written or not
    outbox.close()
    assert outbox.holds(message.message_id)


def test_a_file_that_cannot_be_written_makes_sync_raise_and_is_not_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write = os.write
    calls: list[int] = []

    def full(descriptor: int, data: bytes) -> int:
        calls.append(len(data))
        if len(calls) == 3:  # the second message's .eml
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(descriptor, data)

    monkeypatch.setattr(outbox_module.os, "write", full)
    folder = tmp_path / "outbox"
    outbox = OutboxSender(folder, sync_each=False)
    first, second, third = messages(3)
    for message in (first, second, third):
        outbox.send(message)  # written behind: the failure is not known yet

    with pytest.raises(DeliveryError, match="free some disk space"):
        outbox.sync()
    assert not (folder / f"{file_stem(second.message_id)}.eml").exists()
    assert not [p for p in folder.iterdir() if p.name.endswith(".part")]
    monkeypatch.setattr(outbox_module.os, "write", real_write)

    outbox.send(second)  # what the next run does: the same message again
    outbox.sync()
    assert (folder / f"{file_stem(second.message_id)}.eml").read_bytes() == second.as_bytes()
    outbox.close()
