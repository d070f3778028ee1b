"""The notice, invitation or plan of a meeting (THÔNG BÁO, GIẤY MỜI, KẾ HOẠCH) as DOCX, with
the list of bridge points attached on landscape pages.

The body follows seed 000's notice: the preamble; ``1- Thời gian`` (each sitting as the
office writes it, or "Thời gian cụ thể sẽ có thông báo sau.", the line test, the time to
arrive); ``2- Nội dung`` (the agenda); ``3- Hình thức`` (the form and platform of each track,
then each kind of bridge point present: where, who attends, who chairs); the help contacts;
the closing request; "(Gửi kèm: Danh sách các điểm cầu)."; ``Nơi nhận`` and the signature
block. The words follow the meeting's kind (``đảng viên`` or ``đại biểu``, ``buổi sinh
hoạt`` or ``Hội nghị``).

Example:
    >>> import meetlink
    >>> loaded = meetlink.load_meeting("examples/myhao-2023q3/meeting.yaml")  # doctest: +SKIP
    >>> meetlink.write_notice(loaded, "thong-bao.docx")                       # doctest: +SKIP
    PosixPath('thong-bao.docx')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from meetlink.documents.held_dates import held_days, sitting_occurrences
from meetlink.documents.party_form import (
    PartyDocument,
    TableColumn,
    filed_copy,
    number_text,
    place_and_date,
    symbol_tail,
)
from meetlink.documents.when import (
    day_date,
    document_date,
    short_date,
    sitting_time,
    time_of_day,
)
from meetlink.loading import MeetingFile
from meetlink.loading.meeting import AttendanceMode, Meeting, Track
from meetlink.loading.notice import DocumentKind
from meetlink.loading.roster import Equipment
from meetlink.planning.planner import BridgePoint, Plan, PlannedSitting, PointRole, plan_meeting
from meetlink.planning.points import PointList, platform_label, point_list

__all__ = ["attachment_list", "issuers_of", "notice_document", "track_lists", "write_notice"]

_ROLE_ORDER = (
    PointRole.MAIN,
    PointRole.DISTRICT,
    PointRole.COMMUNE,
    PointRole.VILLAGE,
    PointRole.AGENCY,
    PointRole.CELL,
)
_HEADINGS = {
    PointRole.MAIN: "Điểm cầu chính",
    PointRole.DISTRICT: "Điểm cầu các huyện, thành, thị ủy",
    PointRole.COMMUNE: "Điểm cầu các xã, phường, thị trấn",
    PointRole.VILLAGE: "Điểm cầu tại các chi bộ thôn, tổ dân phố",
    PointRole.AGENCY: "Điểm cầu tại các chi, đảng bộ cơ sở khối cơ quan, doanh nghiệp",
    PointRole.CELL: "Điểm cầu tại các tổ đảng",
}
_FORMS = {
    "provisioned": "bằng đường truyền hội nghị truyền hình riêng",
    "google": "qua Google Meet",
    "jitsi": "qua Jitsi Meet",
}
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")
_LISTED = 3  # up to this many points of a kind are named one by one; more: see the attachment
_CHAIRS_LISTED = 6


def issuers_of(meeting: Meeting) -> tuple[str, ...]:
    """The issuing bodies: the notice's, else the organizer's name."""
    notice = meeting.notice
    return notice.issuers or ((meeting.organizer.name.upper(),) if meeting.organizer.name else ())


def notice_document(plan: Plan) -> PartyDocument:
    """The notice (or invitation, or plan) of ``plan``'s meeting, with its attachment."""
    meeting = plan.meeting
    notice = meeting.notice
    issuers = issuers_of(meeting)
    number = number_text(notice.kind.symbol, notice.number, issuers)
    doc = PartyDocument()
    doc.document.core_properties.title = f"{notice.title} {meeting.title}"
    doc.document.core_properties.author = issuers[-1] if issuers else ""
    doc.document.core_properties.last_modified_by = ""
    doc.document.core_properties.comments = ""
    doc.letterhead(issuers, number, place_and_date(notice.place, document_date(notice.date)))
    doc.title(notice.title, notice.subject or _default_subject(meeting))
    doc.paragraph(notice.preamble or _default_preamble(meeting))
    sections = [
        ("Thời gian", _time_section),
        ("Nội dung", _content_section),
        (_form_heading(notice.kind), _form_section),
    ]
    number_of_section = 0
    for title, write in sections:
        if write is _content_section and not (meeting.agenda or meeting.description):
            continue
        number_of_section += 1
        doc.heading(f"{number_of_section}- {title}")
        write(doc, plan, number_of_section)
    _help_paragraph(doc, meeting)
    doc.paragraph(notice.closing or _default_closing(meeting))
    doc.paragraph(f"(Gửi kèm: {notice.attachment_title}).", italic=True)
    tail = symbol_tail(notice.number, issuers)
    recipients = notice.recipients or (
        "Các điểm cầu (theo danh sách gửi kèm)",
        filed_copy(tail),
    )
    doc.closing(recipients, notice.signer.lines, notice.signer.name)
    doc.landscape_section()
    _attachment(doc, plan)
    return doc


def write_notice(source: MeetingFile | Plan, path: str | Path) -> Path:
    """Write the meeting's notice (THÔNG BÁO / GIẤY MỜI / KẾ HOẠCH, from ``notice.kind``) as
    a DOCX in the Party's form, the list of bridge points attached; return the path.

    The file names officers and their phones: it is written readable by its owner only.

    >>> write_notice(loaded, "thong-bao.docx")  # doctest: +SKIP
    PosixPath('thong-bao.docx')
    """
    plan = source if isinstance(source, Plan) else plan_meeting(source.meeting, source.roster)
    return notice_document(plan).save(Path(path))


# -- the words ---------------------------------------------------------------------------------


def _default_subject(meeting: Meeting) -> str:
    if meeting.notice.kind is DocumentKind.INVITATION:
        return meeting.title
    return f"Về việc tổ chức {meeting.title}"


def _default_preamble(meeting: Meeting) -> str:
    verb = {
        DocumentKind.NOTICE: "thông báo tổ chức",
        DocumentKind.INVITATION: "tổ chức",
        DocumentKind.PLAN: "xây dựng kế hoạch tổ chức",
    }[meeting.notice.kind]
    who = meeting.organizer.name or "Ban Tổ chức"
    return f"{who} {verb} {meeting.title} như sau:"


def _default_closing(meeting: Meeting) -> str:
    words = meeting.kind.vocabulary
    who = meeting.organizer.name or "Ban Tổ chức"
    return (
        "Đề nghị các cấp ủy, tổ chức đảng chuẩn bị hội trường, trang thiết bị, triệu tập "
        f"{words.member_vi} {words.attend_vi} đầy đủ, đúng thời gian; sau {words.event_vi}, "
        f"báo cáo kết quả về {who} theo quy định."
    )


def _form_heading(kind: DocumentKind) -> str:
    if kind is DocumentKind.INVITATION:
        return "Hình thức, địa điểm, thành phần"
    return "Hình thức"


# -- 1- Thời gian --------------------------------------------------------------------------------


def _when(sitting: PlannedSitting) -> str:
    if sitting.start is None:
        return "Thời gian cụ thể sẽ có thông báo sau."
    if sitting.recurrence:
        days, more = _held_days(sitting, sitting.start, sitting.recurrence)
        listed = ", ".join(days[:-1]) + f" và {days[-1]}" if len(days) > 1 else days[0]
        if more:
            listed = ", ".join(days) + ", …"
        hours = f"Từ {time_of_day(sitting.start)}"
        if sitting.end is not None:
            hours += f" đến {time_of_day(sitting.end)}"
        return f"{hours}, các ngày {listed}."
    return sitting_time(sitting.start, sitting.end) + "."


def _held_days(sitting: PlannedSitting, start: dt.datetime, rule: str) -> tuple[list[str], bool]:
    """The days a recurring sitting is held, as the notice lists them: a skipped occurrence
    left out, a moved one at its new day (with its hour when that changed too)."""
    found, complete = sitting_occurrences(
        start, sitting.end, rule, sitting.occurrences, sitting.occurrences_complete
    )
    return held_days(found, complete=complete)


def _own_title(meeting: Meeting, sitting: PlannedSitting) -> str:
    for track in meeting.tracks:
        for own in track.sittings:
            if track.id == sitting.track and own.id == sitting.id:
                return own.title or ""
    return ""


def _track_name(track: Track) -> str:
    return track.title or platform_label(track.platform)


def _time_section(doc: PartyDocument, plan: Plan, _: int) -> None:
    meeting = plan.meeting
    several_tracks = len(meeting.tracks) > 1
    several = len(plan.sittings) > 1
    for track in meeting.tracks:
        sittings = [s for s in plan.sittings if s.track == track.id]
        if several_tracks:
            doc.paragraph(f"- {_track_name(track)}:")
        for sitting in sittings:
            label = _own_title(meeting, sitting) if several else ""
            mark = "+ " if several_tracks else ("- " if several else "")
            doc.paragraph(
                f"{mark}{label}: {_when(sitting)}" if label else f"{mark}{_when(sitting)}"
            )
    if plan.rehearsal is not None:
        doc.paragraph(
            f"Chạy thử đường truyền: {time_of_day(plan.rehearsal)}, {day_date(plan.rehearsal)}."
        )
    if meeting.arrive_early_minutes:
        member = meeting.kind.vocabulary.member_vi
        doc.paragraph(
            f"Đề nghị {member} có mặt trước {meeting.arrive_early_minutes} phút để ổn định tổ chức."
        )


# -- 2- Nội dung ---------------------------------------------------------------------------------


def _content_section(doc: PartyDocument, plan: Plan, _: int) -> None:
    meeting = plan.meeting
    if meeting.description:
        doc.paragraph(meeting.description)
    for item in meeting.agenda:
        doc.paragraph(f"- {item.rstrip('.;')}.")


# -- 3- Hình thức ----------------------------------------------------------------------------------


def _classes(track: Track, plan: Plan) -> str:
    count = len(track.sittings)
    if track.attendance is not AttendanceMode.SPLIT or count < 2:
        return ""
    member = plan.meeting.kind.vocabulary.member_vi
    return f", chia {count} lớp, mỗi đơn vị cử 1/{count} số {member} dự mỗi lớp"


def _form_section(doc: PartyDocument, plan: Plan, number: int) -> None:
    meeting = plan.meeting
    event = meeting.kind.vocabulary.event_vi
    tracks = [t for t in meeting.tracks if plan.points_of(t.id)]
    if len(tracks) == 1:
        track = tracks[0]
        form = _FORMS.get(track.platform, f"qua {platform_label(track.platform)}")
        count = len(plan.points_of(track.id))
        doc.paragraph(
            f"Tổ chức {event} trực tuyến {form} tại {count} điểm cầu{_classes(track, plan)}:"
        )
    elif tracks:
        doc.paragraph(f"Tổ chức {event} trực tuyến theo {len(tracks)} hình thức:")
        for track in tracks:
            form = _FORMS.get(track.platform, f"qua {platform_label(track.platform)}")
            count = len(plan.points_of(track.id))
            doc.paragraph(
                f"- {_track_name(track)}: {form}, {count} điểm cầu{_classes(track, plan)}."
            )
    roles = [r for r in _ROLE_ORDER if any(p.role is r for p in plan.bridge_points)]
    for index, role in enumerate(roles, 1):
        points = [p for p in plan.bridge_points if p.role is role]
        _role_part(doc, plan, f"{number}.{index}- ", role, points)
    _access_paragraphs(doc, plan, tracks)


def _role_part(
    doc: PartyDocument, plan: Plan, numbering: str, role: PointRole, points: Sequence[BridgePoint]
) -> None:
    meeting = plan.meeting
    heading = meeting.notice.headings.get(role.value, "")
    if not heading:
        heading = f"Điểm cầu {points[0].name}" if len(points) == 1 else _HEADINGS[role]
    doc.paragraph(f"{numbering}{heading}", bold=True)
    if len(points) == 1:
        place = points[0].location or "do đơn vị bố trí"
    elif len(points) <= _LISTED:
        place = "; ".join(f"{p.name}: {p.location or 'do đơn vị bố trí'}" for p in points)
    else:
        place = (
            f"Mỗi đơn vị tổ chức 01 điểm cầu ({len(points)} điểm cầu), địa điểm theo danh sách "
            "gửi kèm"
        )
    doc.paragraph(f"- Địa điểm: {place.rstrip('.')}.")
    invitation = meeting.notice.kind is DocumentKind.INVITATION
    composition = meeting.composition.get(role.value, "")
    if composition:
        label = "Kính mời" if invitation else "Thành phần"
        doc.paragraph(f"- {label}: {composition.rstrip('.')}.")
    host = meeting.rules.default_host
    if role is PointRole.AGENCY and host is not None:
        hosted = next((p.name for p in plan.bridge_points if p.host_unit == host), "")
        doc.paragraph(
            f"- Các chi, đảng bộ có từ {meeting.rules.own_point_min_members} đảng viên trở lên "
            "tổ chức điểm cầu riêng; các chi, đảng bộ có ít đảng viên hơn sinh hoạt ghép tại "
            f"điểm cầu {hosted or 'được phân công'} hoặc điểm cầu đã đăng ký (theo danh sách "
            "gửi kèm)."
        )
    chaired = [(p, plan.units[p.host_unit].chair) for p in points if p.host_unit in plan.units]
    chaired = [(p, chair) for p, chair in chaired if chair]
    if not chaired:
        return
    if len(chaired) > _CHAIRS_LISTED:
        doc.paragraph("- Chủ trì tại các điểm cầu: theo danh sách gửi kèm.")
        return
    for point, chair in chaired:
        chair = chair.rstrip(".")
        if invitation:
            doc.paragraph(f"Kính mời: {chair} chủ trì điểm cầu {point.name}.", italic=True)
        elif len(points) == 1:
            doc.paragraph(f"- Chủ trì: {chair}.")
        else:
            doc.paragraph(f"- Chủ trì điểm cầu {point.name}: {chair}.")


def _access_paragraphs(doc: PartyDocument, plan: Plan, tracks: Sequence[Track]) -> None:
    """How each point connects, and that its login is for its technical officer alone."""
    by_login = [
        t
        for t in tracks
        if t.platform == "provisioned"
        and any(p.equipment is not Equipment.HARDWARE for p in plan.points_of(t.id))
    ]
    by_link = [t for t in tracks if t.platform != "provisioned"]
    if by_login:
        doc.paragraph(
            "- Các đơn vị chưa có thiết bị họp trực tuyến của nhà cung cấp kết nối với điểm "
            "cầu chính bằng máy tính; quyền đăng nhập, mật khẩu của mỗi điểm cầu được gửi "
            "riêng đến cán bộ kỹ thuật của đơn vị."
        )
        doc.paragraph(
            "* Lưu ý: Cán bộ kỹ thuật nhận, quản lý quyền đăng nhập, mật khẩu của đơn vị, "
            "tuyệt đối không cung cấp cho người khác để bảo đảm an toàn và chất lượng "
            f"{plan.meeting.kind.vocabulary.event_vi}.",
            italic=True,
        )
    for track in by_link:
        doc.paragraph(
            f"- Đường dẫn tham dự ({_track_name(track)}) được gửi đến từng điểm cầu cùng giấy mời."
        )


def _help_paragraph(doc: PartyDocument, meeting: Meeting) -> None:
    contacts = []
    for contact in meeting.help_contacts:
        reach = f"ĐT: {contact.phone}" if contact.phone else (contact.email or "")
        who = contact.name
        if contact.position:  # a person and their post, as seed 000 writes them
            who = f"đồng chí {who} - {contact.position}" if who else contact.position
        contacts.append(", ".join(x for x in (who, reach) if x))
    if contacts:
        doc.paragraph(
            "Đề nghị các đơn vị cử cán bộ phụ trách kỹ thuật liên hệ: "
            f"{'; '.join(contacts)} để được hỗ trợ kỹ thuật."
        )


# -- the attachment ------------------------------------------------------------------------------


def attachment_list(plan: Plan) -> PointList:
    """The list of bridge points as the notice attaches it (and its XLSX twin): without the
    codes, without a column nobody filled in (no chair anywhere, say), without the form when
    there is one track, the seats column named ``Số đảng viên`` when there is one sitting,
    and the line that ties it to the notice ("(Kèm theo Thông báo số 125-TB/ThU …)")."""
    meeting = plan.meeting
    notice = meeting.notice
    listed = _without_empty(point_list(plan).without("point_id"))
    if len(meeting.tracks) == 1:
        listed = listed.without("form")
    seats = [c for c in listed.columns if c.key.startswith("seats:")]
    if len(seats) == 1:
        only = replace(seats[0], label=f"Số {listed.member_word}")
        listed = replace(
            listed, columns=tuple(only if c is seats[0] else c for c in listed.columns)
        )
    number = number_text(notice.kind.symbol, notice.number, issuers_of(meeting))
    dated = f" ngày {short_date(notice.date)}" if notice.date else ""
    kind = notice.title.capitalize()
    return replace(listed, note=f"(Kèm theo {kind} {number[:1].lower()}{number[1:]}{dated})")


def _without_empty(listed: PointList) -> PointList:
    """The list without the columns nobody filled in (no chair anywhere, say)."""
    empty = [
        c.key
        for c in listed.columns
        if c.key not in ("number", "name") and all(row.value(c.key) == "" for row in listed.rows)
    ]
    return listed.without(*empty)


def track_lists(plan: Plan, listed: PointList) -> list[tuple[str, PointList]]:
    """The list cut by track, as the DOCX prints it: one table per form (seed 002's dedicated
    line and Google Meet), each numbered from 1 with its own sittings' columns only and no
    "Hình thức" column; one part without a heading when there is one track."""
    tracks = [t for t in plan.meeting.tracks if plan.points_of(t.id)]
    if len(tracks) < 2:
        return [("", listed)]
    parts = []
    for track in tracks:
        prefix = f"seats:{track.id}/"
        own = [c for c in listed.columns if c.key.startswith(prefix)]
        titles = {f"{prefix}{s.id}": s.title or "" for s in track.sittings}
        columns = []
        for column in listed.columns:
            if column.key == "form" or (column.key.startswith("seats:") and column not in own):
                continue
            if column in own:  # the track's name is the part's heading: the sitting's alone
                title = titles.get(column.key, "")
                words = f"Số {listed.member_word}"
                column = replace(
                    column, label=f"{words} – {title}" if len(own) > 1 and title else words
                )
            columns.append(column)
        points = {p.id for p in plan.points_of(track.id)}
        rows = tuple(
            replace(row, number=number)
            for number, row in enumerate((r for r in listed.rows if r.point_id in points), 1)
        )
        heading = f"{_track_name(track)} ({len(rows)} điểm cầu)"
        part = replace(listed, columns=tuple(columns), rows=rows)
        parts.append((heading, _without_empty(part)))
    return parts


def _table_columns(listed: PointList) -> list[TableColumn]:
    seat_columns = sum(1 for c in listed.columns if c.key.startswith("seats:"))
    seat_mm = 24.0 if seat_columns <= 3 else 18.0
    weights = {"name": 1.2, "location": 1.3, "relayed_from": 1.2, "units": 2.0, "chair": 1.6}
    columns = []
    for column in listed.columns:
        if column.key == "number":
            columns.append(TableColumn(column.label, mm=12.0, centered=True))
        elif column.key.startswith("seats:"):
            columns.append(TableColumn(column.label, mm=seat_mm, centered=True))
        elif column.key == "officer_phone":
            columns.append(TableColumn(column.label, mm=31.0, centered=True))
        else:
            columns.append(TableColumn(column.label, weight=weights.get(column.key, 1.0)))
    return columns


def _attachment(doc: PartyDocument, plan: Plan) -> None:
    listed = attachment_list(plan)
    doc.paragraph(listed.title, bold=True, align="center")
    doc.paragraph(listed.note, italic=True, align="center")
    doc.paragraph(listed.subtitle, align="center")
    parts = track_lists(plan, listed)
    for index, (heading, part) in enumerate(parts, 1):
        if heading:
            numeral = _ROMAN[index - 1] if index <= len(_ROMAN) else str(index)
            doc.paragraph(f"{numeral}. {heading}", bold=True, align="left")
        columns = _table_columns(part)
        doc.table(columns, part.table(), size=12 if len(columns) <= 8 else 11)
        if index < len(parts):
            doc.paragraph("")
