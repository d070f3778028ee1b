"""The registration register: who registered what, when, from which file; and its audit trail.

The register is one JSON file in the state folder (``registration.json`` unless the meeting
file names another), replaced atomically on every change
(:func:`meetlink.private_files.write_private`, 0600: it holds names, phones and addresses).
It keeps, per organization:

* its **return**: the last valid form, its rows, the file's name (never the operator's full
  path), the file's SHA-256 and when it was received; a later return replaces it;
* a **refusal**: the last file of it that was refused, with its problems;
* the committee's **decision**: approved or refused, with the reason, for the return it was
  taken on (a new return clears it: the committee decides on what it has read).

Every change is also written as one line of the audit trail ``registration-audit.jsonl``
beside it: append-only, one JSON object a line (time, action, organization, file, detail).

Example:
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> register = Register.load(folder / "registration.json")
    >>> register.returns, register.decisions
    ({}, {})
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from meetlink.errors import InputError
from meetlink.private_files import make_private_folder, write_private

__all__ = ["AUDIT_FILE", "AuditTrail", "Register"]

AUDIT_FILE = "registration-audit.jsonl"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_VERSION = 1


class Register:
    """The register's content, read from and written to one JSON file.

    ``returns``, ``refusals`` and ``decisions`` map an organization's id to a plain mapping
    (JSON values only); ``roster_digest`` is the SHA-256 of the roster last written from it.
    """

    def __init__(self, path: Path, data: Mapping[str, Any] | None = None) -> None:
        data = data or {}
        self.path = path
        self.returns: dict[str, dict[str, Any]] = dict(data.get("returns", {}))
        self.refusals: dict[str, dict[str, Any]] = dict(data.get("refusals", {}))
        self.decisions: dict[str, dict[str, Any]] = dict(data.get("decisions", {}))
        self.reminders: dict[str, list[str]] = dict(data.get("reminders", {}))
        self.roster_digest: str | None = data.get("roster_digest")

    @classmethod
    def load(cls, path: Path) -> Register:
        """The register at ``path``; empty when there is none yet."""
        if not path.is_file():
            return cls(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError.single(
                str(path),
                f"the registration register cannot be read ({exc}); restore it from a backup, "
                "or move it away and collect the returned forms again.",
            ) from None
        if not isinstance(data, dict) or data.get("version") != _VERSION:
            raise InputError.single(
                str(path), "this is not a registration register of this meetlink version."
            )
        return cls(path, data)

    def save(self) -> None:
        """Replace the file with the register's content (atomically, 0600)."""
        data = {
            "version": _VERSION,
            "returns": self.returns,
            "refusals": self.refusals,
            "decisions": self.decisions,
            "reminders": self.reminders,
            "roster_digest": self.roster_digest,
        }
        text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)
        write_private(self.path, (text + "\n").encode("utf-8"))


class AuditTrail:
    """The append-only audit trail of the register: one JSON object a line.

    >>> import pathlib, tempfile
    >>> trail = AuditTrail(pathlib.Path(tempfile.mkdtemp()) / AUDIT_FILE)
    >>> trail.append("collect", "CB01", file="phieu.xlsx", detail="2 rows")
    >>> [e["action"] for e in trail.entries()]
    ['collect']
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, action: str, organization: str, *, file: str = "", detail: str = "") -> None:
        """Add one line (the file is opened for appending only, never through a link)."""
        entry = {
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "action": action,
            "organization": organization,
            "file": file,
            "detail": detail,
        }
        line = json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n"
        make_private_folder(self.path.parent)
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | _NOFOLLOW
        descriptor = os.open(self.path, flags, 0o600)
        try:
            os.write(descriptor, line.encode("utf-8"))
            os.fsync(descriptor)
        finally:
            os.close(descriptor)

    def entries(self) -> list[dict[str, Any]]:
        """Every line, oldest first."""
        if not self.path.is_file():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]
