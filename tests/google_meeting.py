"""A district office's meeting of agency party cells on one google track (``meet``), for the
tests that open it on the emulator: the report from Meet's records, the calendar entries a
guest sees, the token files of the organizers. Imported by name (``from tests.google_meeting
import agency_roster, google_meeting``), never from a conftest.

Example:
    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> agency_roster(folder, 2)
    >>> path = google_meeting(folder, "demo", "invites: platform")
    >>> print(path.read_text().partition("tracks:")[2].strip())
    - id: meet
        platform: google
        invites: platform
        units: {kinds: [agency]}
        sittings:
          - {id: s1, start: 2024-03-10T08:00, end: 2024-03-10T10:00}
"""

from __future__ import annotations

import textwrap
from pathlib import Path

__all__ = ["ONE_SITTING", "agency_roster", "google_meeting"]

ONE_SITTING = "{id: s1, start: 2024-03-10T08:00, end: 2024-03-10T10:00}"
"""The one sitting most of these meetings hold: Sunday 10 March 2024, 8 to 10 o'clock."""

_HEADER = "id,name,kind,members,location,equipment,officer_name,officer_email,contact_emails\n"


def agency_roster(folder: Path, count: int) -> None:
    """Write ``roster.csv``: ``count`` agency cells A000, A001, … each with its meeting room,
    a computer, its technical officer (ktv.aN@coquan.example.org) and its secretary
    (bt.aN@coquan.example.org)."""
    rows = "".join(
        f"A00{i},Chi bộ cơ quan {i},agency,{10 + i},Phòng họp {i},computer,"
        f"Cán bộ {i},ktv.a{i}@coquan.example.org,bt.a{i}@coquan.example.org\n"
        for i in range(count)
    )
    (folder / "roster.csv").write_text(_HEADER + rows, encoding="utf-8")


def google_meeting(
    folder: Path,
    meeting_id: str,
    track: str,
    *,
    sittings: tuple[str, ...] = (ONE_SITTING,),
    title: str = "Hội nghị trực tuyến quán triệt Nghị quyết",
) -> Path:
    """Write ``meeting.yaml`` (the district office's meeting of the agencies in
    ``roster.csv``, one point each) and return its path: one google track ``meet`` whose
    lines after ``platform: google`` are ``track`` (YAML, without the track's indent) and
    whose units are the agencies, then ``sittings`` (one flow mapping each)."""
    lines = "".join(f"    {line}\n" for line in textwrap.dedent(track).strip().splitlines())
    held = "".join(f"      - {sitting}\n" for sitting in sittings)
    path = folder / "meeting.yaml"
    path.write_text(
        f"id: {meeting_id}\n"
        f'title: "{title}"\n'
        'organizer: {name: "Văn phòng Huyện ủy", email: vp@huyenuy.example.org}\n'
        "roster: roster.csv\n"
        "rules: {own_point_min_members: 1}\n"
        "tracks:\n"
        "  - id: meet\n"
        "    platform: google\n"
        f"{lines}"
        "    units: {kinds: [agency]}\n"
        "    sittings:\n"
        f"{held}",
        encoding="utf-8",
    )
    return path
