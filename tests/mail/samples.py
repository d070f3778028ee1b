"""Messages for the outbox's tests: invitations of the sample spec, one recipient each."""

from __future__ import annotations

import dataclasses
import datetime as dt

from meetlink.invites import build_invitation, build_message
from meetlink.invites.specs import Recipient
from meetlink.invites.variables import sample_spec
from meetlink.mail import WireMessage

STAMP = dt.datetime(2026, 1, 1, 2, tzinfo=dt.UTC)


def messages(count: int) -> list[WireMessage]:
    """``count`` invitations to points P0, P1, …, as wire messages (an .eml and an .ics)."""
    base = sample_spec()
    found = []
    for number in range(count):
        spec = dataclasses.replace(
            base,
            point=f"P{number}",
            uid="",
            recipients=(Recipient(f"p{number}@x.example", f"Điểm cầu {number}", ("DS",)),),
        )
        found.append(build_message(build_invitation(spec, sequence=0, dtstamp=STAMP)))
    return found
