"""``meetlink registration remind``: an e-mail to each organization that has not returned.

It goes through the meeting's sender, as the invitations do (SMTP when ``delivery.smtp`` is
set, otherwise the outbox in the state folder), once per call: one message per organization
that must return a form and has no valid return yet (a refused file counts as none), to its
invitation addresses and its technical officer, with its pre-filled form attached. Each
message is a line of the audit trail; an organization without any address is listed so
the office can telephone it.

Example:
    >>> reminder_subject("Đăng ký sinh hoạt trực tuyến", "trước 17 giờ 00, ngày 10/4/2023")
    'Đề nghị gửi phiếu: Đăng ký sinh hoạt trực tuyến (trước 17 giờ 00, ngày 10/4/2023)'
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from meetlink.errors import DeliveryError
from meetlink.loading.meeting import InviteMode
from meetlink.loading.roster import Unit
from meetlink.mail import sender_for
from meetlink.mail.sender import InviteSender
from meetlink.mail.wire import POLICY, encode_addresses, encode_subject
from meetlink.registration.context import RegistrationContext
from meetlink.registration.form import deadline_text, form_bytes, form_file_name
from meetlink.registration.status import registration_status

__all__ = ["ReminderResult", "reminder_subject", "send_reminders"]


@dataclass
class ReminderResult:
    """Who was reminded (organization → addresses), who has no address, who failed."""

    sent: dict[str, tuple[str, ...]] = field(default_factory=dict)
    no_address: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def reminder_subject(list_title: str, deadline: str) -> str:
    """The reminder's subject."""
    return f"Đề nghị gửi phiếu: {list_title} ({deadline})"


def _addresses(unit: Unit) -> tuple[str, ...]:
    found = list(unit.contact_emails)
    if unit.officer is not None and unit.officer.email and unit.officer.email not in found:
        found.append(unit.officer.email)
    return tuple(found)


def send_reminders(
    context: RegistrationContext,
    *,
    sender: InviteSender | None = None,
    now: dt.datetime | None = None,
) -> ReminderResult:
    """Remind every organization that must return a form and has not (see the module)."""
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(context.meeting.zone)
    waiting = {
        row.id
        for row in registration_status(context)
        if row.required and row.state in ("not_returned", "refused_file")
    }
    units = [u for u in context.organizations.units if u.id in waiting]
    result = ReminderResult()
    own = sender is None
    chosen = sender or sender_for(context.meeting.delivery, context.state, InviteMode.EMAIL)
    register = context.register()
    try:
        for unit in units:
            to = _addresses(unit)
            if not to:
                result.no_address.append(unit.id)
                continue
            message = _message(context, unit, to, moment)
            try:
                delivered = chosen.send(message)
            except DeliveryError as exc:
                result.failed[unit.id] = str(exc)
                continue
            if not delivered.accepted:
                result.failed[unit.id] = "; ".join(
                    f"{a}: {r}" for a, r in delivered.refused.items()
                )
                continue
            result.sent[unit.id] = delivered.accepted
            register.reminders.setdefault(unit.id, []).append(moment.isoformat())
            context.audit.append("remind", unit.id, detail=f"to {', '.join(delivered.accepted)}")
    finally:
        if own:
            close = getattr(chosen, "close", None)
            if close is not None:
                close()
    if result.sent:
        register.save()
    return result


def _message(
    context: RegistrationContext, unit: Unit, to: tuple[str, ...], moment: dt.datetime
) -> EmailMessage:
    meeting = context.meeting
    registration = context.registration
    organizer = meeting.organizer
    sender_name = organizer.name or str(organizer.email)
    deadline = deadline_text(registration.deadline)
    title = registration.letter.list_title
    late = moment > registration.deadline
    lines = [
        f"Kính gửi: {unit.name}",
        "",
        f"{sender_name} chưa nhận được phiếu đăng ký ({title}) của đơn vị.",
        (
            f"Hạn gửi phiếu ({deadline}) đã qua; đề nghị đơn vị điền phiếu gửi kèm và gửi "
            f"ngay về {sender_name}."
            if late
            else f"Đề nghị đơn vị điền phiếu gửi kèm và gửi về {sender_name} {deadline}."
        ),
        f"Địa chỉ nhận: {organizer.email}. Đề nghị giữ nguyên các cột và mã (Mã) của phiếu.",
        "",
        "Trân trọng.",
        "",
        "---",
        f"Please fill in the attached registration form and return it to {organizer.email} "
        f"({registration.deadline:%H:%M %d/%m/%Y}).",
    ]
    message = EmailMessage(policy=POLICY)
    message.set_raw("From", encode_addresses("From", [(organizer.name, str(organizer.email))]))
    message.set_raw(
        "To", encode_addresses("To", [(unit.name, a) for a in to[:1]] + [("", a) for a in to[1:]])
    )
    message.set_raw("Subject", encode_subject(reminder_subject(title, deadline)))
    message.set_raw("Date", format_datetime(moment))
    domain = str(organizer.email).rsplit("@", 1)[-1]
    message.set_raw("Message-ID", make_msgid(idstring="dang-ky", domain=domain))
    message.set_content("\n".join(lines) + "\n", charset="utf-8")
    message.add_attachment(
        form_bytes(meeting, unit, context.organizations),
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename=form_file_name(unit.id),
    )
    return message
