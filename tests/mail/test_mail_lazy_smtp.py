"""SMTP's modules load only when a run sends by SMTP (issue 19: 15-50 ms of every ``open``)."""

from __future__ import annotations

import json
import subprocess
import sys

_PROBE = """
import json, sys
import meetlink.cli, meetlink.invites, meetlink.mail
from meetlink.reconcile import open_meeting
before = sorted(m for m in ("smtplib", "ssl", "tenacity") if m in sys.modules)
from meetlink.mail import SmtpSender
from meetlink.invites import SmtpSender as again
print(json.dumps({"before": before, "same": SmtpSender is again,
                  "after": sorted(m for m in ("smtplib", "tenacity") if m in sys.modules)}))
"""


def test_smtp_modules_load_on_first_use() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True
    )
    found = json.loads(done.stdout.splitlines()[-1])
    assert "smtplib" not in found["before"]
    assert "tenacity" not in found["before"]
    assert found["same"] is True
    assert found["after"] == ["smtplib", "tenacity"]


def test_some_of_still_importable_from_smtp() -> None:
    from meetlink.mail.sender import some_of
    from meetlink.mail.smtp import some_of as from_smtp

    assert from_smtp is some_of
    assert some_of(["a@x.example", "B@x.example"], ["b@x.example"]) == ["B@x.example"]
