"""The roster of units: who they are, how many members, where they sit, who their officer is.

A roster is a CSV (UTF-8, with or without BOM) or the first sheet of an XLSX file. Headers
may be in English or Vietnamese (see :data:`COLUMNS`), matched case- and accent-insensitively;
columns meetlink does not know (such as ``STT``) are ignored. A cell meetlink reads holds no
control character (a tab, a line break, an escape: they break invitations and terminals).
Every problem is collected and reported at once as ``FILE:ROW:COLUMN: sentence``, where ROW is
the row number a spreadsheet shows (the header is row 1) and COLUMN is the header as written
in the file.

Example:
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "r.csv").write_text("mã,tên tổ chức đảng,loại,số đảng viên\\n"
    ...                                    "TU,Thị ủy,committee,40\\n", encoding="utf-8")
    >>> roster = load_roster(folder / "r.csv")
    >>> roster.units[0].name, roster.units[0].members
    ('Thị ủy', 40)
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails

from meetlink.errors import InputError, Problem
from meetlink.loading.hours import cell_hour
from meetlink.loading.references import Reference, reference_problems
from meetlink.loading.sheets import control_problems, find_columns, folded, read_table, whole_number
from meetlink.text import fold, nfc

__all__ = [
    "COLUMNS",
    "Contact",
    "Email",
    "Equipment",
    "Roster",
    "Unit",
    "UnitKind",
    "check_email",
    "load_roster",
]


class UnitKind(StrEnum):
    """What a unit is, which decides where it sits (see :mod:`meetlink.planning`)."""

    COMMITTEE = "committee"
    DISTRICT = "district"  # huyện, thị xã …: between a province's point and its communes
    COMMUNE = "commune"
    ATTACHED = "attached"
    VILLAGE = "village"
    AGENCY = "agency"
    CELL = "cell"  # a party cell (tổ đảng) of a branch, registered with its own leader and hall


class Equipment(StrEnum):
    """How a unit connects: a provider's hardware endpoint, a computer, or nothing yet."""

    HARDWARE = "hardware"
    COMPUTER = "computer"
    NONE = "none"


# What email-validator accepts unchanged but for the domain's case: a dot-atom local part of
# common characters (no leading, trailing or double dot, at most 64), a domain of labels
# (1-63 letters, digits, inner hyphens; none with "--" after its first two characters: RFC
# 5890's reserved labels, Punycode's "xn--" among them, are the full check's) with an
# alphabetic top level, at most 253 in all.
_PLAIN_ADDRESS = re.compile(
    r"(?=[^@]{1,64}@)([A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*)"
    r"@(?=.{4,253}$)((?:(?!..--)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})"
)
_SPECIAL_USE = frozenset({"arpa", "invalid", "local", "localhost", "onion"})  # "test" allowed


@functools.lru_cache(maxsize=65536)  # pure, and a roster repeats addresses many times
def check_email(value: str) -> str:
    """Validate an address offline (no DNS) and return its normalized form.

    >>> check_email("VanPhong@ThiUy.example")
    'VanPhong@thiuy.example'

    A plain address (ASCII letters, digits and ``._%+-``, no special-use domain) is told
    valid by a cheap check first, with the same normalized form; every other one goes
    through email-validator's full rules (20,000 addresses at 10,000 points).
    """
    plain = _PLAIN_ADDRESS.fullmatch(value)
    if plain is not None and plain[2].rpartition(".")[2].lower() not in _SPECIAL_USE:
        return f"{plain[1]}@{plain[2].lower()}"
    # Loaded for the first address the cheap check leaves to it (issue 19: most rosters none).
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(value, check_deliverability=False, test_environment=True).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"'{value}' is not a valid e-mail address ({exc}).") from None


Email = Annotated[str, AfterValidator(check_email)]
_Name = Annotated[str, AfterValidator(nfc), Field(min_length=1)]


class Contact(BaseModel):
    """A person: a unit's technical officer, the organizer, or an invitation recipient."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Annotated[str, AfterValidator(nfc)] = ""
    email: Email | None = None
    phone: str | None = None
    position: Annotated[str, AfterValidator(nfc)] = ""  # "Phó Chánh Văn phòng Thị ủy"


class Unit(BaseModel):
    """One party organization on the roster.

    ``row`` is where it came from in the roster file (0 when built in code); planning
    errors point there.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Annotated[str, AfterValidator(nfc), Field(min_length=1, max_length=64)]
    name: _Name
    kind: UnitKind
    parent: str | None = None
    members: int = Field(ge=0)
    location: Annotated[str, AfterValidator(nfc)] = ""
    hosts_commune_hq: bool = False
    join_point: str | None = None
    equipment: Equipment = Equipment.COMPUTER
    officer: Contact | None = None
    contact_emails: tuple[Email, ...] = ()
    cells: int | None = Field(default=None, ge=1)
    excluded: int = Field(default=0, ge=0)
    chair: Annotated[str, AfterValidator(nfc)] = ""
    delegates: int | None = Field(default=None, ge=0)
    meets_at: dt.time | None = None
    """A party cell's own hour (giờ sinh hoạt): it meets then, on each day its track sits."""
    row: int = Field(default=0, exclude=True)

    @property
    def seated_members(self) -> int:
        """Members to be seated: all of them minus those the meeting excludes."""
        return max(self.members - self.excluded, 0)

    def seated(self, *, delegates: bool) -> int:
        """The people to seat: the delegates when the meeting counts delegates (a conference)
        and the roster gives them, otherwise :attr:`seated_members`.

        >>> unit = Unit(id="H-CX", name="Huyện ủy Cẩm Xuyên", kind="district", members=70,
        ...             delegates=120)
        >>> unit.seated(delegates=True), unit.seated(delegates=False)
        (120, 70)
        """
        if delegates and self.delegates is not None:
            return self.delegates
        return self.seated_members


@dataclass(frozen=True)
class Roster:
    """The units of a roster file, in file order, with the file they came from.

    ``headers`` maps a canonical column to its header as written in the file, so problems
    found later (by the planner) name the column the user sees. ``digest`` is the SHA-256 of
    the file's bytes the units were read from (empty for a roster made in code, or a file
    that changed while it was read): with meetlink's code, it fingerprints the units as
    parsed without serializing them (issue 19).
    """

    source: str
    units: tuple[Unit, ...]
    headers: Mapping[str, str] = field(default_factory=dict, compare=False)
    digest: str = field(default="", compare=False, repr=False)

    def by_id(self) -> dict[str, Unit]:
        """Units keyed by id."""
        return {u.id: u for u in self.units}

    def column(self, name: str) -> str:
        """The header of a canonical column as the file writes it (the name itself if absent)."""
        return self.headers.get(name, name)


# Canonical column → accepted header spellings (matched by their fold).
COLUMNS: Mapping[str, tuple[str, ...]] = {
    "id": ("id", "mã", "mã đơn vị", "code"),
    "name": ("name", "tên tổ chức đảng", "tên", "tên đơn vị"),
    "kind": ("kind", "loại", "loại đơn vị"),
    "parent": ("parent", "trực thuộc"),
    "members": ("members", "số đảng viên"),
    "location": ("location", "địa điểm"),
    "hosts_commune_hq": ("hosts_commune_hq", "có trụ sở xã"),
    "join_point": ("join_point", "ghép điểm cầu"),
    "equipment": ("equipment", "thiết bị"),
    "officer_name": ("officer_name", "cán bộ kỹ thuật"),
    "officer_email": ("officer_email", "email", "email cán bộ kỹ thuật"),
    "officer_phone": ("officer_phone", "điện thoại", "số điện thoại"),
    "contact_emails": ("contact_emails", "email nhận giấy mời"),
    "cells": ("cells", "số tổ đảng"),
    "excluded": ("excluded", "không triệu tập"),
    "chair": ("chair", "chủ trì", "người chủ trì", "đồng chí chủ trì"),
    "delegates": ("delegates", "số đại biểu", "đại biểu"),
    "meets_at": ("meets_at", "giờ sinh hoạt", "thời gian sinh hoạt"),
}
_REQUIRED = ("id", "name", "kind", "members")
_HEADER_KEYS = {fold(alias): column for column, aliases in COLUMNS.items() for alias in aliases}

_KIND_WORDS: Mapping[str, UnitKind] = {
    **{k.value: k for k in UnitKind},
    "cap uy": UnitKind.COMMITTEE,
    "huyen uy": UnitKind.COMMITTEE,
    "thi uy": UnitKind.COMMITTEE,
    "thanh uy": UnitKind.COMMITTEE,
    "tinh uy": UnitKind.COMMITTEE,
    # A district is written as a level, never inferred from its committee's name: "huyện ủy"
    # stays the committee that organizes its own meeting (docs/reference/roster.md).
    "cap huyen": UnitKind.DISTRICT,
    "huyen": UnitKind.DISTRICT,
    "quan": UnitKind.DISTRICT,
    "thi xa": UnitKind.DISTRICT,
    "thanh pho thuoc tinh": UnitKind.DISTRICT,
    "xa": UnitKind.COMMUNE,
    "phuong": UnitKind.COMMUNE,
    "thi tran": UnitKind.COMMUNE,
    "thon": UnitKind.VILLAGE,
    "to dan pho": UnitKind.VILLAGE,
    "khu pho": UnitKind.VILLAGE,
    "co quan": UnitKind.AGENCY,
    "doanh nghiep": UnitKind.AGENCY,
    "truc thuoc xa": UnitKind.ATTACHED,
    "to dang": UnitKind.CELL,
}
# The kinds a person types; a party cell's row (``cell``) is written by meetlink registration.
_TYPED_KINDS = tuple(k.value for k in UnitKind if k is not UnitKind.CELL)
_EQUIPMENT_WORDS: Mapping[str, Equipment] = {
    **{e.value: e for e in Equipment},
    "may tinh": Equipment.COMPUTER,
    "phan cung": Equipment.HARDWARE,
    "thiet bi chuyen dung": Equipment.HARDWARE,
    "khong": Equipment.NONE,
}
_YES = {"yes", "y", "true", "1", "x", "co"}
_NO = {"no", "n", "false", "0", "khong"}


def load_roster(path: str | Path) -> Roster:
    """Read and validate a roster file; raise :class:`InputError` listing every problem."""
    path = Path(path)
    shown = str(path)
    if not path.is_file():
        raise InputError.single(shown, "the roster file does not exist; check the `roster:` path.")
    before = _file_state(path)
    data = path.read_bytes()  # read once: the digest is of the very bytes parsed
    header, rows = read_table(path, known=_HEADER_KEYS, data=data)
    roster = _parse(shown, header, rows)
    if _file_state(path) != before:
        return roster  # saved again while it was read: no digest to vouch for the units
    return Roster(roster.source, roster.units, roster.headers, hashlib.sha256(data).hexdigest())


def _file_state(path: Path) -> tuple[int, int, int]:
    status = path.stat()
    return status.st_ino, status.st_size, status.st_mtime_ns


def _parse(shown: str, header: list[str], rows: Iterator[tuple[int, list[str]]]) -> Roster:
    problems: list[Problem] = []
    found = find_columns(shown, header, _HEADER_KEYS, problems)
    columns, titles = found.index, found.title
    missing = [c for c in _REQUIRED if c not in columns]
    if missing:
        wanted = ", ".join(f"'{c}' (or '{COLUMNS[c][1]}')" for c in missing)
        problems.append(Problem(shown, 1, "", f"the header has no column {wanted}; add it."))
        raise InputError(problems)

    units: list[Unit] = []
    references: list[Reference] = []
    for number, record in rows:
        if not "".join(record).strip():
            continue  # blank rows in spreadsheets are common and harmless
        cells = {key: record[i].strip() if i < len(record) else "" for key, i in columns.items()}
        problems.extend(control_problems(shown, number, cells, titles))
        unit = _parse_row(shown, number, cells, titles, problems)
        if unit is not None:
            units.append(unit)
            references.append(Reference(unit.id, number, unit.parent, unit.join_point))
        elif cells["id"]:  # kept for the checks across rows, whatever else is wrong with it
            references.append(
                Reference(
                    nfc(cells["id"]),
                    number,
                    nfc(cells.get("parent", "")) or None,
                    nfc(cells.get("join_point", "")) or None,
                )
            )
    problems.extend(reference_problems(shown, references, titles))
    if problems:
        raise InputError(sorted(problems, key=lambda p: (p.where, p.what)))
    return Roster(shown, tuple(units), titles)


def _parse_row(
    shown: str,
    number: int,
    cells: dict[str, str],
    titles: dict[str, str],
    problems: list[Problem],
) -> Unit | None:
    found: list[Problem] = []

    def bad(column: str, message: str) -> None:
        found.append(Problem(shown, number, titles.get(column, column), message))

    values: dict[str, Any] = {"row": number}
    for column in ("id", "name"):
        if not cells[column]:
            bad(column, f"the {column} is empty; every unit needs one.")
        values[column] = cells[column]
    kind = _KIND_WORDS.get(folded(cells["kind"]))
    if kind is None:
        bad(
            "kind",
            f"unknown kind '{cells['kind']}'; use one of: {', '.join(_TYPED_KINDS)}.",
        )
    values["kind"] = kind
    # A point known by its delegates alone (a district's registered commune) may leave its
    # members empty: they count as 0, and the delegates are seated.
    if not cells["members"] and cells.get("delegates"):
        values["members"] = 0
    for column, minimum in (("members", 0), ("cells", 1), ("excluded", 0), ("delegates", 0)):
        raw = cells.get(column, "")
        if (column != "members" or "members" in values) and not raw:
            continue
        number_value = whole_number(raw)
        if number_value is None:
            bad(column, f"'{raw}' is not a whole number; write digits only, such as 25.")
        elif number_value < minimum:
            noun = "members" if column == "members" else column
            bad(
                column,
                f"{number_value} is negative; the number of {noun} must be ≥ {minimum}."
                if number_value < 0
                else f"{column} must be at least {minimum}.",
            )
        values[column] = number_value
    members, excluded = values.get("members"), values.get("excluded")
    if isinstance(members, int) and isinstance(excluded, int) and excluded > members:
        bad("excluded", f"{excluded} excluded is more than the unit's {members} members.")
    for column in ("parent", "join_point"):
        values[column] = nfc(cells.get(column, "")) or None
    values["location"] = cells.get("location", "")
    values["chair"] = cells.get("chair", "")
    if cells.get("hosts_commune_hq"):
        flag = folded(cells["hosts_commune_hq"])
        if flag not in _YES | _NO:
            bad("hosts_commune_hq", f"'{cells['hosts_commune_hq']}' is not yes or no (có/không).")
        values["hosts_commune_hq"] = flag in _YES
    if cells.get("equipment"):
        equipment = _EQUIPMENT_WORDS.get(folded(cells["equipment"]))
        if equipment is None:
            bad(
                "equipment",
                f"unknown equipment '{cells['equipment']}'; use hardware, computer or none.",
            )
        values["equipment"] = equipment
    if cells.get("meets_at"):
        hour, problem = cell_hour(cells["meets_at"], is_cell=kind in (None, UnitKind.CELL))
        if problem:
            bad("meets_at", problem)
        values["meets_at"] = hour
    values["officer"] = _officer(cells, bad)
    values["contact_emails"] = _emails(cells.get("contact_emails", ""), bad)
    if not found:
        try:
            return Unit.model_validate(values)
        except ValidationError as exc:  # what the checks above leave to the model (id length)
            for error in exc.errors(include_url=False):
                column = str(error["loc"][0]) if error["loc"] else "id"
                bad(column, _model_sentence(column, error))
    problems.extend(found)
    return None


def _model_sentence(column: str, error: ErrorDetails) -> str:
    ctx = error.get("ctx") or {}
    if error["type"] in ("too_long", "string_too_long"):
        return f"the {column} is longer than {ctx.get('max_length')} characters; shorten it."
    if error["type"] in ("too_short", "string_too_short"):
        return f"the {column} is empty once invisible characters are removed; every unit needs one."
    return f"{error['msg']}; correct the {column}."


def _officer(cells: dict[str, str], bad: Any) -> dict[str, str | None] | None:
    """The officer's fields, checked here, made a :class:`Contact` with the unit."""
    name = cells.get("officer_name", "")
    email = cells.get("officer_email", "")
    phone = cells.get("officer_phone", "")
    if not (name or email or phone):
        return None
    checked: str | None = None
    if email:
        try:
            checked = check_email(email)
        except ValueError as exc:
            bad("officer_email", f"{exc} Correct the officer's address.")
    return {"name": name, "email": checked, "phone": phone or None}


def _emails(raw: str, bad: Any) -> tuple[str, ...]:
    out: list[str] = []
    for part in raw.replace(";", ",").split(","):
        if not part.strip():
            continue
        try:
            out.append(check_email(part.strip()))
        except ValueError as exc:
            bad("contact_emails", f"{exc} Separate addresses with commas.")
    return tuple(out)
