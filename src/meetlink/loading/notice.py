"""What the office's own documents need from the meeting file: the kind of meeting, the notice
(number, issuing bodies, place and date, signer, recipients) and the composition per point.

The words follow the Party's document form (Hướng dẫn 36-HD/VPTW): the issuing bodies top
left ("ĐẢNG BỘ TỈNH HƯNG YÊN" over "THỊ ỦY MỸ HÀO"), the number "Số 125-TB/ThU", the place
and date top right, the title, the body, "Nơi nhận" and the signature block ("T/M", "T/L",
"K/T"). Values may be written in English or in Vietnamese (``kind: thông báo``).

Example:
    >>> n = Notice.model_validate({"kind": "thông báo", "number": "125-TB/ThU",
    ...     "issuers": ["ĐẢNG BỘ TỈNH HƯNG YÊN", "THỊ ỦY MỸ HÀO"], "place": "Mỹ Hào",
    ...     "signer": {"authority": "T/L", "body": "BAN THƯỜNG VỤ",
    ...                "position": "CHÁNH VĂN PHÒNG", "name": "Kiều Thanh Khắc"}})
    >>> n.kind.value, n.title
    ('notice', 'THÔNG BÁO')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, field_validator

from meetlink.text import fold, nfc

__all__ = [
    "COMPOSITION_KEYS",
    "DocumentKind",
    "MeetingKind",
    "Notice",
    "Signer",
    "Vocabulary",
]

_Text = Annotated[str, AfterValidator(nfc)]
COMPOSITION_KEYS = ("main", "district", "commune", "village", "agency", "cell")
"""The kinds of bridge point a ``composition`` (Thành phần) may be written for."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MeetingKind(StrEnum):
    """What the meeting is, which chooses the words: "dự sinh hoạt" and "đảng viên" for a
    party meeting (seed 000), "dự Hội nghị" and "đại biểu" for a conference (seeds 001, 002),
    "dự họp" and "đại biểu" for any other meeting."""

    PARTY_MEETING = "party_meeting"
    CONFERENCE = "conference"
    MEETING = "meeting"

    @property
    def vocabulary(self) -> Vocabulary:
        """The words this kind of meeting is written with."""
        return _VOCABULARY[self]


class DocumentKind(StrEnum):
    """The office document ``meetlink notice`` writes: THÔNG BÁO, GIẤY MỜI or KẾ HOẠCH."""

    NOTICE = "notice"
    INVITATION = "invitation"
    PLAN = "plan"

    @property
    def heading(self) -> str:
        """The title as the document prints it."""
        return {"notice": "THÔNG BÁO", "invitation": "GIẤY MỜI", "plan": "KẾ HOẠCH"}[self.value]

    @property
    def symbol(self) -> str:
        """The letters of its kind in its number: TB, GM, KH (``Số 125-TB/ThU``)."""
        return {"notice": "TB", "invitation": "GM", "plan": "KH"}[self.value]


class Vocabulary(_Model):
    """The words of one kind of meeting, in Vietnamese and English.

    >>> MeetingKind.PARTY_MEETING.vocabulary.attend_vi
    'dự sinh hoạt'
    """

    attend_vi: str
    attend_en: str
    member_vi: str
    member_en: str
    event_vi: str
    event_en: str


_VOCABULARY: Mapping[MeetingKind, Vocabulary] = {
    MeetingKind.PARTY_MEETING: Vocabulary(
        attend_vi="dự sinh hoạt",
        attend_en="attend the meeting",
        member_vi="đảng viên",
        member_en="members",
        event_vi="buổi sinh hoạt",
        event_en="meeting",
    ),
    MeetingKind.CONFERENCE: Vocabulary(
        attend_vi="dự Hội nghị",
        attend_en="attend the conference",
        member_vi="đại biểu",
        member_en="delegates",
        event_vi="Hội nghị",
        event_en="conference",
    ),
    MeetingKind.MEETING: Vocabulary(
        attend_vi="dự họp",
        attend_en="attend the meeting",
        member_vi="đại biểu",
        member_en="participants",
        event_vi="cuộc họp",
        event_en="meeting",
    ),
}

_KIND_WORDS = {
    "sinh hoat": "party_meeting",
    "hoi nghi": "conference",
    "hop": "meeting",
    "cuoc hop": "meeting",
}
_DOCUMENT_WORDS = {
    "thong bao": "notice",
    "giay moi": "invitation",
    "moi hop": "invitation",
    "ke hoach": "plan",
}


def meeting_kind(value: Any) -> Any:
    """Read a meeting kind written in English or Vietnamese (``sinh hoạt``, ``hội nghị``)."""
    if isinstance(value, str):
        return _KIND_WORDS.get(fold(value), value.strip())
    return value


class Signer(_Model):
    """The signature block: ``T/L BAN THƯỜNG VỤ`` / ``CHÁNH VĂN PHÒNG`` / the name.

    ``authority``: ``T/M`` signs on behalf of a collective, ``T/L`` by its delegation, ``K/T``
    as a deputy, empty when the head signs in their own name.
    """

    authority: Literal["T/M", "T/L", "K/T", ""] = ""
    body: _Text = ""
    position: _Text = ""
    name: _Text = ""

    @property
    def lines(self) -> tuple[str, ...]:
        """The block as printed, upper case above the name (which is signed above)."""
        first = " ".join(x for x in (self.authority, self.body.upper()) if x)
        return tuple(x for x in (first, self.position.upper()) if x)


class Notice(_Model):
    """The ``notice:`` section of the meeting file: the document's own particulars.

    ``number`` is what follows "Số" (``125-TB/ThU``); left out, the document keeps a blank
    for the office to number it when it is registered. ``issuers`` are the issuing bodies,
    the higher first. ``date`` left out prints "ngày … tháng … năm …" to be filled by hand.
    ``subject`` is the line under the title ("Về việc …"); ``preamble`` opens the body and
    ``closing`` is the request that ends it. ``headings`` replaces the heading of a kind
    of bridge point in "3- Hình thức" (``commune: "Điểm cầu các huyện, thành, thị ủy"``).
    """

    kind: DocumentKind = DocumentKind.NOTICE
    number: _Text = ""
    issuers: tuple[_Text, ...] = ()
    place: _Text = ""
    date: dt.date | None = None
    subject: _Text = ""
    preamble: _Text = ""
    closing: _Text = ""
    signer: Signer = Signer()
    recipients: tuple[_Text, ...] = ()
    attachment_title: _Text = "Danh sách các điểm cầu"
    headings: Annotated[dict[str, str], AfterValidator(lambda v: _heading_keys(v))] = {}

    @field_validator("kind", mode="before")
    @classmethod
    def _kind_words(cls, value: Any) -> Any:
        if isinstance(value, str):
            return _DOCUMENT_WORDS.get(fold(value), value.strip())
        return value

    @field_validator("date", mode="before")
    @classmethod
    def _date_only(cls, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            raise ValueError(f"{value} has a time; the notice's date is a day, 2023-09-05.")
        return value

    @property
    def title(self) -> str:
        """THÔNG BÁO, GIẤY MỜI or KẾ HOẠCH."""
        return self.kind.heading


def _heading_keys(value: Mapping[str, str]) -> dict[str, str]:
    unknown = sorted(set(value) - set(COMPOSITION_KEYS))
    if unknown:
        raise ValueError(
            f"'{unknown[0]}' is not a kind of bridge point; give a heading for "
            f"{', '.join(COMPOSITION_KEYS)}."
        )
    return {k: nfc(v) for k, v in value.items()}


def composition_keys(value: Mapping[str, str]) -> Mapping[str, str]:
    """Check the keys of a ``composition`` mapping (one of :data:`COMPOSITION_KEYS`)."""
    unknown = sorted(set(value) - set(COMPOSITION_KEYS))
    if unknown:
        raise ValueError(
            f"'{unknown[0]}' is not a kind of bridge point; write the composition for "
            f"{', '.join(COMPOSITION_KEYS)}."
        )
    return {k: nfc(v) for k, v in value.items()}
