"""The notice of a sitting whose time is not fixed yet ("Giấy báo"). Pure, no I/O.

Seed 000 goes out before its time is fixed: "Thời gian cụ thể sẽ có thông báo sau". For such a
sitting ``meetlink open`` sends every bridge point a notice instead of an invitation: the same
recipients an invitation would have (:func:`~meetlink.invites.planned.invitations_for` chooses
them), the point, its hall, the units seated there and their members called, the agenda, the
line test when it is known and the help contacts. It carries **no calendar part**: there is no
time to put in a calendar. When a later ``open`` finds the time, the invitation (a calendar
REQUEST) follows.

:class:`PendingSpec` is what one notice says; :func:`pending_notices` gives one per (sitting
without a time, point with seats and someone to write to); :func:`build_pending` makes the
e-mail (plain text and HTML, from the templates ``pending_subject.txt``, ``pending.txt`` and
``pending.html``); :func:`pending_hash` tells the ledger when what it says changed (then an
update is sent, its subject says so).

Example:
    >>> import datetime as dt
    >>> spec = PendingSpec(meeting_id="m", track="main", sitting="s1", point="P1",
    ...     title="Giờ sinh hoạt", point_name="Chi bộ thôn Đông", hall="Nhà văn hóa thôn",
    ...     organizer_email="vp@thiuy.example",
    ...     recipients=(Recipient("a@x.example", "Chi bộ thôn Đông", ("P1",)),))
    >>> message = build_pending(spec, number=0,
    ...                         sent_at=dt.datetime(2023, 9, 1, tzinfo=dt.UTC))  # doctest: +SKIP
    >>> [p.get_content_type() for p in message.walk()]                          # doctest: +SKIP
    ['multipart/alternative', 'text/plain', 'text/html']
"""

from __future__ import annotations

import binascii
import dataclasses
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from email.message import EmailMessage, MIMEPart
from email.utils import format_datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from meetlink.invites.planned import invitations_for
from meetlink.invites.specs import Recipient, SeatedUnit, uid_for
from meetlink.invites.templates import Templates
from meetlink.invites.wording import moment, notice_reference, words
from meetlink.loading.notice import MeetingKind
from meetlink.mail.wire import POLICY, encode_addresses, encode_subject
from meetlink.planning import Plan

__all__ = [
    "TEMPLATE_FILES",
    "PendingSpec",
    "build_pending",
    "check_pending_templates",
    "pending_hash",
    "pending_message_id",
    "pending_notices",
]

TEMPLATE_FILES = ("pending_subject.txt", "pending.txt", "pending.html")
"""The template files of a notice, in each language folder."""


@dataclass(frozen=True, kw_only=True)
class PendingSpec:
    """Everything one notice (one sitting without a time, one bridge point) says.

    There is no time and no join link: neither exists yet. ``uid`` is the invitation's UID
    (:func:`~meetlink.invites.specs.uid_for`), so the notice and the invitation that follows
    are known as one sitting of one point.
    """

    meeting_id: str
    track: str
    sitting: str
    point: str
    title: str
    point_name: str
    hall: str
    organizer_email: str
    recipients: tuple[Recipient, ...]
    organizer_name: str = ""
    sent_by: str | None = None
    units: tuple[SeatedUnit, ...] = ()
    agenda: tuple[str, ...] = ()
    notes: str = ""
    rehearsal: dt.datetime | None = None
    help_contacts: tuple[str, ...] = ()
    attend: str = ""
    member: str = ""
    reference: str = ""
    chair: str = ""
    composition: str = ""
    share: str = ""
    language: Literal["vi", "en"] = "vi"
    uid: str = ""

    def __post_init__(self) -> None:
        if not self.uid:
            uid = uid_for(self.meeting_id, self.track, self.sitting, self.point)
            object.__setattr__(self, "uid", uid)

    @property
    def key(self) -> str:
        """``track/sitting/point``."""
        return f"{self.track}/{self.sitting}/{self.point}"


def pending_notices(plan: Plan) -> list[PendingSpec]:
    """One notice per (sitting without a time, bridge point with seats and recipients).

    Recipients, seated units, hall and help contacts are exactly what the invitation of that
    point will have: they are chosen by :func:`~meetlink.invites.planned.invitations_for`
    itself, given the sitting a stand-in time that no notice shows.

    >>> pending_notices(plan)  # doctest: +SKIP
    [PendingSpec(meeting_id='myhao-2023q3', track='main', sitting='q3', point='TU', ...), ...]
    """
    waiting = [s for s in plan.sittings if s.start is None or s.end is None]
    if not waiting:
        return []
    zone = ZoneInfo(plan.meeting.timezone)
    stand_in = dt.datetime(2000, 1, 1, tzinfo=zone)  # never shown: only to choose recipients
    timed = dataclasses.replace(
        plan,
        sittings=tuple(
            dataclasses.replace(
                s,
                start=stand_in,
                end=stand_in + dt.timedelta(hours=1),
                recurrence=None,
                arrive_by=None,
            )
            for s in waiting
        ),
    )
    meeting = plan.meeting
    said = words(meeting.kind, meeting.language)
    notice = meeting.notice
    reference = notice_reference(notice.kind, notice.number, notice.date, meeting.language)
    out = []
    for spec in invitations_for(timed, {}):
        out.append(
            PendingSpec(
                meeting_id=spec.meeting_id,
                track=spec.track,
                sitting=spec.sitting,
                point=spec.point,
                title=spec.title,
                point_name=spec.point_name,
                hall=spec.hall,
                organizer_email=spec.organizer_email,
                organizer_name=spec.organizer_name,
                sent_by=spec.sent_by,
                recipients=spec.recipients,
                units=spec.units,
                agenda=spec.agenda,
                notes=spec.notes,
                rehearsal=plan.rehearsal,
                help_contacts=spec.help_contacts,
                attend=said.attend,
                member=said.member,
                reference=reference,
                chair=spec.chair,
                composition=spec.composition,
                share=spec.share,
                language=meeting.language,
            )
        )
    return out


def pending_message_id(spec: PendingSpec, number: int, edition: str) -> str:
    """``<UID.notice-N-EDITION@domain>``: the same for every resend of one notice; the next
    notice of the same point (an update, N + 1) has another.

    >>> pending_message_id(spec, 0, "3f2a9c")  # doctest: +SKIP
    '<6f1c….notice-0-3f2a9c@thiuy.example>'
    """
    sender = spec.sent_by or spec.organizer_email
    domain = sender.rpartition("@")[2]
    return f"<{spec.uid}.notice-{number}-{edition[:12]}@{domain}>"


def pending_hash(spec: PendingSpec, templates_folder: Path | None = None) -> str:
    """A hash of what the notice says: every value its templates are given and the texts of
    the templates themselves (an edited word counts). A new hash is a changed notice, sent
    again as an update; whether it is the first notice or an update is left out, so the
    update itself does not change the hash.

    >>> pending_hash(spec) == pending_hash(spec)  # doctest: +SKIP
    True
    """
    values = json.dumps(_context(spec, update=False), sort_keys=True, ensure_ascii=False)
    words = _templates(spec, templates_folder).fingerprint_of(*TEMPLATE_FILES)
    return _digest(spec.language, values, words, "|".join(r.email for r in spec.recipients))


def _digest(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8") + b"\0")
    return digest.hexdigest()


def build_pending(
    spec: PendingSpec,
    *,
    number: int,
    sent_at: dt.datetime,
    templates_folder: Path | None = None,
) -> EmailMessage:
    """The notice as an e-mail: ``multipart/alternative`` of plain text and HTML, no calendar.

    ``number`` counts the notices of this point (0 the first, then updates); ``sent_at`` is
    the Date header. The same arguments give the same bytes (boundaries and Message-ID come
    from them), so a notice resent after a crash is the very same message.
    """
    templates = _templates(spec, templates_folder)
    subject, text, html = _render(spec, templates, update=number > 0)
    message_id = pending_message_id(spec, number, _digest(subject, text, html))
    seed = hashlib.sha256(f"{message_id}\0{sent_at.isoformat()}".encode()).hexdigest()

    message = EmailMessage(policy=POLICY)
    if spec.sent_by:
        message.set_raw("From", encode_addresses("From", [("", spec.sent_by)]))
        message.set_raw(
            "Reply-To", encode_addresses("Reply-To", [(spec.organizer_name, spec.organizer_email)])
        )
    else:
        message.set_raw(
            "From", encode_addresses("From", [(spec.organizer_name, spec.organizer_email)])
        )
    message.set_raw("To", encode_addresses("To", [(r.name, r.email) for r in spec.recipients]))
    message.set_raw("Subject", encode_subject(subject))
    message.set_raw("Date", format_datetime(sent_at.astimezone(dt.UTC)))
    message.set_raw("Message-ID", message_id)
    message.set_raw("MIME-Version", "1.0")
    message.set_raw("Content-Type", f'multipart/alternative; boundary="=_alt_{seed[:24]}"')
    message.set_payload([_text_part("plain", text), _text_part("html", html)])
    return message


def check_pending_templates(language: str, folder: Path | None) -> None:
    """Fill the notice's templates of ``folder`` for a sample notice, the first and an
    update: a mistake in an office's own files is an
    :class:`~meetlink.errors.InputError` naming the file and line before anything is sent.

    >>> check_pending_templates("vi", None)
    """
    if folder is None:
        return
    sample = PendingSpec(
        meeting_id="sample",
        track="main",
        sitting="s1",
        point="P1",
        title="Giờ sinh hoạt",
        point_name="Điểm cầu xã",
        hall="Hội trường xã",
        organizer_email="vp@thiuy.example",
        organizer_name="Văn phòng",
        recipients=(Recipient("a@xa.example", "Xã", ("P1",)),),
        units=(SeatedUnit("P1", "Đảng bộ xã", 10, 30),),
        agenda=("Nội dung",),
        notes="Ghi chú",
        rehearsal=dt.datetime(2000, 1, 1, 15, tzinfo=dt.UTC),
        help_contacts=("Đ/c A, ĐT: 0900 000 000",),
        attend="dự họp",
        member="đại biểu",
        reference="Thông báo số 1-TB/VP",
        chair="Nguyễn Văn A",
        composition="Toàn thể đảng viên",
        share="1/3",
        language="vi" if language == "vi" else "en",
    )
    templates = _templates(sample, folder)
    for update in (False, True):
        _render(sample, templates, update=update)


def _templates(spec: PendingSpec, folder: Path | None) -> Templates:
    return Templates.load(spec.language, folder)


def _render(spec: PendingSpec, templates: Templates, *, update: bool) -> tuple[str, str, str]:
    context = _context(spec, update=update)
    subject = " ".join(templates.render("pending_subject.txt", **context).split())
    text = templates.render("pending.txt", **context).strip("\n") + "\n"
    html = templates.render("pending.html", **context).strip("\n") + "\n"
    return subject, text, html


def _context(spec: PendingSpec, *, update: bool) -> dict[str, Any]:
    """The template variables: those of an invitation that a notice has (the same names),
    and ``update`` (listed in ``docs/reference/templates.md``)."""
    plain = words(MeetingKind.MEETING, spec.language)
    return {
        "title": spec.title,
        "point_name": spec.point_name,
        "hall": spec.hall if spec.hall != spec.point_name else "",
        "addressees": ", ".join(u.name for u in spec.units) or spec.point_name,
        "organizer": spec.organizer_name or spec.organizer_email,
        "notice": spec.reference,
        "attend": spec.attend or plain.attend,
        "member": spec.member or plain.member,
        "units": [{"name": u.name, "seats": u.seats, "members": u.members} for u in spec.units],
        "share": spec.share,
        "chair": spec.chair,
        "composition": spec.composition,
        "agenda": list(spec.agenda),
        "notes": spec.notes,
        "rehearsal": moment(spec.rehearsal, spec.language) if spec.rehearsal else "",
        "help_contacts": list(spec.help_contacts),
        "update": update,
    }


def _text_part(subtype: str, text: str) -> MIMEPart:
    part = MIMEPart(policy=POLICY)
    part.set_raw("Content-Type", f'text/{subtype}; charset="utf-8"')
    part.set_raw("Content-Transfer-Encoding", "quoted-printable")
    part.set_payload(binascii.b2a_qp(text.encode("utf-8"), istext=True).decode("ascii"))
    return part
