"""The outbox writes each message once, as the bytes it is given, and makes it durable: at
once by default, or for a whole chunk of messages at :meth:`OutboxSender.sync`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.mail.samples import messages

import meetlink.mail.outbox as outbox_module
from meetlink.errors import DeliveryError
from meetlink.mail import OutboxSender, file_stem


class Syscalls:
    """Records fsync (by path), mkdir and rename, and lets them happen."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.events: list[tuple[str, str]] = []
        real_fsync, real_mkdir, real_replace = os.fsync, os.mkdir, os.replace

        def fsync(descriptor: int) -> None:
            self.events.append(("fsync", os.readlink(f"/proc/self/fd/{descriptor}")))
            real_fsync(descriptor)

        def mkdir(path: str | os.PathLike[str], *args: object, **kwargs: object) -> None:
            self.events.append(("mkdir", str(path)))
            real_mkdir(path, *args, **kwargs)  # type: ignore[arg-type]

        def replace(source: str, target: str | os.PathLike[str]) -> None:
            self.events.append(("rename", str(target)))
            real_replace(source, target)

        monkeypatch.setattr(os, "fsync", fsync)
        monkeypatch.setattr(os, "mkdir", mkdir)
        monkeypatch.setattr(os, "replace", replace)

    def of(self, kind: str) -> list[str]:
        return [path for what, path in self.events if what == kind]


@pytest.fixture
def syscalls(monkeypatch: pytest.MonkeyPatch) -> Syscalls:
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc/self/fd to name what is fsynced")
    return Syscalls(monkeypatch)


def test_by_default_each_message_is_durable_when_send_returns(
    tmp_path: Path, syscalls: Syscalls
) -> None:
    outbox = OutboxSender(tmp_path / "outbox")
    folder = str((tmp_path / "outbox").resolve())
    for message in messages(3):
        outbox.send(message)
        stem = file_stem(message.message_id)
        renamed = syscalls.of("rename")[-2:]
        assert renamed == [f"{folder}/{stem}.eml", f"{folder}/{stem}.ics"]
        assert syscalls.events[-1] == ("fsync", folder)  # the folder, after both renames
    assert len(syscalls.of("fsync")) == 3 * 3  # two files and the folder a message
    assert len(syscalls.of("mkdir")) <= 2  # the folder made once, not once a message


def test_a_chunk_is_made_durable_at_sync_with_one_syncfs_on_linux(
    tmp_path: Path, syscalls: Syscalls, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = outbox_module._syncfs
    if real is None:
        pytest.skip("syncfs is Linux's")

    def syncfs(descriptor: int) -> int:
        calls.append(os.readlink(f"/proc/self/fd/{descriptor}"))
        return real(descriptor)

    monkeypatch.setattr(outbox_module, "_syncfs", syncfs)
    outbox = OutboxSender(tmp_path / "outbox", sync_each=False)
    for message in messages(5):
        assert outbox.send(message).ok
    assert calls == []  # nothing yet: not recorded yet either
    assert syscalls.of("fsync") == []
    assert outbox.sync() == 10
    assert calls == [str((tmp_path / "outbox").resolve())]  # once for the whole chunk
    assert outbox.sync() == 0  # nothing written since
    assert len(calls) == 1


def test_without_syncfs_each_file_then_the_folder_is_fsynced_at_sync(
    tmp_path: Path, syscalls: Syscalls, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox_module, "_syncfs", None)
    outbox = OutboxSender(tmp_path / "outbox", sync_each=False)
    folder = str((tmp_path / "outbox").resolve())
    sent = messages(5)
    for message in sent:
        assert outbox.send(message).ok
    assert syscalls.of("fsync") == []
    assert outbox.sync() == 10
    fsynced = syscalls.of("fsync")
    expected = {f"{folder}/{file_stem(m.message_id)}{s}" for m in sent for s in (".eml", ".ics")}
    assert set(fsynced[:-1]) == expected
    assert len(fsynced) == 11
    assert fsynced[-1] == folder  # once, after every file
    outbox.send(sent[0])
    outbox.close()  # close syncs what is left
    assert syscalls.of("fsync")[-1] == folder
    assert len(syscalls.of("fsync")) == 11 + 3


def test_a_failed_sync_is_an_error_and_keeps_the_files_to_sync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox_module, "_syncfs", lambda descriptor: -1)
    outbox = OutboxSender(tmp_path / "outbox", sync_each=False)
    outbox.send(messages(1)[0])
    with pytest.raises(DeliveryError, match="Cannot write to the outbox"):
        outbox.sync()
    monkeypatch.setattr(outbox_module, "_syncfs", None)
    assert outbox.sync() == 2  # still to be made durable


def test_the_files_are_the_messages_bytes_and_calendar_written_once(tmp_path: Path) -> None:
    outbox = OutboxSender(tmp_path, sync_each=False)
    (message,) = messages(1)
    outbox.send(message)
    outbox.sync()
    stem = file_stem(message.message_id)
    assert (tmp_path / f"{stem}.eml").read_bytes() == message.data
    assert (tmp_path / f"{stem}.ics").read_bytes() == message.calendar
    assert "parsed" not in message.__dict__  # never parsed, never serialized again
    assert oct((tmp_path / f"{stem}.eml").stat().st_mode & 0o777) == "0o600"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_a_folder_removed_during_a_run_is_made_again(tmp_path: Path) -> None:
    outbox = OutboxSender(tmp_path / "outbox")
    first, second = messages(2)
    outbox.send(first)
    for path in (tmp_path / "outbox").iterdir():
        path.unlink()
    (tmp_path / "outbox").rmdir()
    outbox.send(second)
    assert (tmp_path / "outbox" / f"{file_stem(second.message_id)}.eml").is_file()
