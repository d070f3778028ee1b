"""A commune's village party cells, one memory track and one sitting: the meeting the chunk
and statement tests open (imported by name: ``from tests.reconcile.village_meeting import
village_meeting``).

Example:
    >>> import tempfile
    >>> from pathlib import Path
    >>> village_meeting(Path(tempfile.mkdtemp()), "demo", 2).name
    'meeting.yaml'
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["village_meeting"]


def village_meeting(folder: Path, meeting_id: str, points: int) -> Path:
    """Write ``points`` villages (each with its officer and its secretary's address) and a
    meeting of them with ``meeting_id`` in ``folder``; the meeting file's path."""
    rows = "".join(
        f"V{i},Chi bộ thôn {i},village,{12 + i % 9},Nhà văn hóa thôn {i},Cán bộ {i},"
        f"ktv{i}@xa.example.org,bithu{i}@xa.example.org\n"
        for i in range(points)
    )
    (folder / "roster.csv").write_text(
        "id,name,kind,members,location,officer_name,officer_email,contact_emails\n" + rows,
        encoding="utf-8",
    )
    meeting = folder / "meeting.yaml"
    meeting.write_text(
        f"id: {meeting_id}\n"
        'title: "Sinh hoạt chi bộ"\n'
        "organizer: {email: vp@thiuy.example.org}\n"
        "roster: roster.csv\n"
        "tracks:\n"
        "  - id: main\n"
        "    platform: memory\n"
        "    units: {kinds: [village]}\n"
        "    sittings: [{id: s1, start: 2024-03-10T08:00, end: 2024-03-10T10:00}]\n",
        encoding="utf-8",
    )
    return meeting
