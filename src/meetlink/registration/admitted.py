"""The committee's decisions become the meeting's roster: a CSV that ``meetlink plan`` reads.

The roster is the meeting file's own ``roster:`` (written beside it, UTF-8 with a BOM, the
Vietnamese headers of :data:`meetlink.loading.roster.COLUMNS`, 0600 since it holds names and
phones). It is made again from the organizations' list and the register after every
``collect``, and only over a file meetlink wrote itself: a roster someone typed is never
overwritten (its SHA-256 is kept in the register).

* Layout ``online_meetings`` (seed 004): organizations that need not register are copied as
  they are; one that must is in the roster only once its registration is **approved**, with
  its members, hall and officer as its form gives them, its branches (section I's further
  rows) as units of their own, and its **party cells** (section II) as units of kind
  ``cell`` under their chi bộ: name, leader (the point's chair, tổ trưởng), members, hall,
  its own hour where it gives one (``giờ sinh hoạt``), the leader's and the members' addresses
  (the cell's invitation goes there, not to the whole branch) and the branch's technical
  officer.
* Layout ``points`` (seed 001): every organization of the list is copied; an approved return
  makes the district's own point (kind ``district``, as its level *Huyện* says) and adds the
  points it registers (kind ``commune`` for *Cấp xã*, ``agency`` for *Cơ quan*), ``trực
  thuộc`` the district, with their delegates (``số đại biểu``: the seats of a conference),
  chair and officer. A point known only by its delegates leaves ``số đảng viên`` empty. Its
  connecting units (``Đơn vị kết nối``) follow it, one row each: kind ``attached``, ``trực
  thuộc`` and ``ghép điểm cầu`` the point, no members and no delegates (the point's delegates
  are counted once, on its own row).

Example:
    >>> ROSTER_HEADER[:4]
    ('mã', 'tên tổ chức đảng', 'loại', 'trực thuộc')
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Mapping
from typing import Any

from meetlink.errors import InputError
from meetlink.loading.registration import RegistrationLayout
from meetlink.loading.roster import COLUMNS, Unit
from meetlink.loading.sheets import spreadsheet_safe
from meetlink.private_files import write_private
from meetlink.registration.context import RegistrationContext
from meetlink.registration.register import Register
from meetlink.text import fold

__all__ = ["ROSTER_HEADER", "admitted_rows", "write_admitted_roster"]

_FIELDS = (
    "id",
    "name",
    "kind",
    "parent",
    "members",
    "location",
    "hosts_commune_hq",
    "join_point",
    "equipment",
    "officer_name",
    "officer_email",
    "officer_phone",
    "contact_emails",
    "cells",
    "excluded",
    "chair",
    "delegates",
    "meets_at",
)
ROSTER_HEADER = tuple(COLUMNS[f][1] if len(COLUMNS[f]) > 1 else f for f in _FIELDS)

Record = dict[str, Any]


def _record(unit: Unit) -> Record:
    officer = unit.officer
    return {
        "id": unit.id,
        "name": unit.name,
        "kind": unit.kind.value,
        "parent": unit.parent or "",
        "members": unit.members,
        "location": unit.location,
        "hosts_commune_hq": "có" if unit.hosts_commune_hq else "",
        "join_point": unit.join_point or "",
        "equipment": unit.equipment.value,
        "officer_name": officer.name if officer else "",
        "officer_email": (officer.email or "") if officer else "",
        "officer_phone": (officer.phone or "") if officer else "",
        "contact_emails": ", ".join(unit.contact_emails),
        "cells": unit.cells or "",
        "excluded": unit.excluded or "",
        "chair": unit.chair,
        "delegates": "" if unit.delegates is None else unit.delegates,
        "meets_at": f"{unit.meets_at:%H:%M}" if unit.meets_at is not None else "",
    }


def _given(record: Record, row: Mapping[str, Any]) -> Record:
    """The record with what the form gives (an empty cell keeps what was known)."""
    for key in ("location", "officer_name", "officer_phone", "officer_email", "chair"):
        if row.get(key):
            record[key] = row[key]
    if row.get("contact_emails"):
        record["contact_emails"] = ", ".join(row["contact_emails"])
    return record


def admitted_rows(context: RegistrationContext, register: Register) -> list[Record]:
    """The roster's rows: the organizations' list and the approved registrations."""
    approved = {org for org, d in register.decisions.items() if d.get("decision") == "approved"}
    known = context.organizations.by_id()
    taken: set[str] = set(known)
    points = context.registration.layout == RegistrationLayout.POINTS
    registered: dict[str, list[Record]] = {}
    for unit in context.organizations.units:
        returned = register.returns.get(unit.id) if unit.id in approved else None
        if returned is None:
            continue
        rows = returned["rows"]
        made = (
            _points(unit, rows.get("points", []), known, taken)
            if points
            else (_online(unit, rows, known, taken))
        )
        registered[unit.id] = list(made)
    placed = {r["id"] for records in registered.values() for r in records}
    out: list[Record] = []
    dropped: set[str] = set()
    for unit in context.organizations.units:
        if unit.id in registered:
            out.extend(registered[unit.id])
        elif unit.id in placed:
            continue  # its organization's return lists it
        elif unit.parent in dropped or not (
            points or not context.registration.must_return(unit.id, unit.kind)
        ):
            dropped.add(unit.id)
        else:
            out.append(_record(unit))
    return out


def _online(
    unit: Unit, rows: Mapping[str, Any], known: Mapping[str, Unit], taken: set[str]
) -> Iterable[Record]:
    organizations = list(rows.get("organizations", []))
    branch_ids: dict[str, Record] = {}
    for index, row in enumerate(organizations):
        if index == 0:
            record = _given(_record(unit), row)
        else:
            code = row.get("id") or _fresh(f"{unit.id}-{index}", taken)
            base = known.get(code)
            record = _record(base) if base is not None else _new(code, row, unit, "agency")
            record = _given(record, row)
        record["members"] = row.get("members", record["members"])
        record["cells"] = ""  # the cells are rows of their own
        record["location"] = record["location"] or row.get("area", "")
        taken.add(record["id"])
        for key in (row.get("id"), row.get("name")):
            if key:
                branch_ids[fold(str(key))] = record
        yield record
    numbers: dict[str, int] = {}
    for row in rows.get("cells", []):
        branch = branch_ids[fold(str(row["branch"]))]
        numbers[branch["id"]] = numbers.get(branch["id"], 0) + 1
        code = _fresh(f"{branch['id']}-to{numbers[branch['id']]}", taken)
        taken.add(code)
        name = str(row["name"])
        if fold(branch["name"]) not in fold(name):
            name = f"{name} – {branch['name']}"
        addresses = [row["leader_email"]] if row.get("leader_email") else []
        addresses += [a for a in row.get("contact_emails", []) if a not in addresses]
        yield {
            **branch,
            "id": code,
            "name": name,
            "kind": "cell",
            "parent": branch["id"],
            "members": row["members"],
            "location": row.get("location") or branch["location"],
            "join_point": "",
            "contact_emails": ", ".join(addresses),
            "chair": row["leader"],
            "cells": "",
            "excluded": "",
            "meets_at": row.get("meets_at") or "",  # its own hour, else the track's
        }


POINT_LEVELS = {"Huyện": "district", "Cấp xã": "commune", "Cơ quan": "agency"}
"""The level (Cấp) a seed-001 form gives a point → the roster's kind."""


def _points(
    unit: Unit, rows: Iterable[Mapping[str, Any]], known: Mapping[str, Unit], taken: set[str]
) -> Iterable[Record]:
    for index, row in enumerate(rows):
        if index == 0:
            record = _given(_record(unit), row)
        else:
            code = row.get("id") or _fresh(f"{unit.id}-{index}", taken)
            base = known.get(code)
            if base is not None:
                record = _given(_record(base), row)
            else:
                record = _given(_new(code, row, unit, "commune"), row)
                record["members"] = ""  # not asked: the point is counted by its delegates
            record["parent"] = unit.id
        record["kind"] = POINT_LEVELS.get(str(row.get("kind")), record["kind"])
        if row.get("delegates") is not None:
            record["delegates"] = row["delegates"]
        taken.add(record["id"])
        yield record
        yield from _connecting(record, str(row.get("units") or ""), taken)


def _connecting(point: Record, names: str, taken: set[str]) -> Iterable[Record]:
    """The connecting units (đơn vị kết nối) of a registered point: each a row that sits at
    the point (kind ``attached``, ``trực thuộc`` and ``ghép điểm cầu`` the point), with no
    members or delegates of its own: the point's delegates are counted on its own row."""
    seen: set[str] = set()
    for name in (part.strip() for part in names.split(";")):
        if not name or fold(name) in seen or fold(name) == fold(str(point["name"])):
            continue
        seen.add(fold(name))
        code = _fresh(f"{point['id']}-k{len(seen)}", taken)
        taken.add(code)
        yield {
            **_new(code, {"name": name, "members": 0}, point["id"], "attached"),
            "join_point": point["id"],
            "equipment": point["equipment"],
        }


def _new(code: str, row: Mapping[str, Any], parent: Unit | str, kind: str) -> Record:
    parent_id = parent if isinstance(parent, str) else parent.id
    return {
        "id": code,
        "name": row.get("name", code),
        "kind": kind,
        "parent": parent_id,
        "members": row.get("members", 0),
        "location": row.get("location", ""),
        "hosts_commune_hq": "",
        "join_point": "",
        "equipment": "" if isinstance(parent, str) else parent.equipment.value,
        "officer_name": "",
        "officer_email": "",
        "officer_phone": "",
        "contact_emails": "",
        "cells": "",
        "excluded": "",
        "chair": "",
        "delegates": "",
        "meets_at": "",
    }


def _fresh(code: str, taken: set[str]) -> str:
    candidate, number = code, 1
    while candidate in taken:
        number += 1
        candidate = f"{code}-{number}"
    return candidate


def roster_text(rows: Iterable[Record]) -> str:
    """The roster as CSV text (with a BOM: a spreadsheet opens it as UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(ROSTER_HEADER)
    for row in rows:
        writer.writerow([spreadsheet_safe(str(row.get(f, ""))) for f in _FIELDS])
    return "\ufeff" + buffer.getvalue()


def write_admitted_roster(context: RegistrationContext, register: Register) -> bool:
    """Write the meeting's roster from the register; False when it is already up to date.

    Raises :class:`~meetlink.errors.InputError` when the file is there and meetlink did not
    write it (or it was edited since): it is never overwritten.
    """
    path = context.roster_path
    data = roster_text(admitted_rows(context, register)).encode("utf-8")
    digest = hashlib.sha256(data).hexdigest()
    if path.exists():
        current = hashlib.sha256(path.read_bytes()).hexdigest()
        if current == digest:
            register.roster_digest = digest
            return False
        if current != register.roster_digest:
            raise InputError.single(
                str(path),
                "this roster was not written by meetlink registration, or was edited since; "
                "it is left as it is. Point the meeting file's roster: at a new file name "
                "(the approved registrations are written there), or move this file away.",
            )
    write_private(path, data)
    register.roster_digest = digest
    return True
