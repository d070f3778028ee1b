"""One returned form checked as a whole: whose it is, and whether its rows agree.

Beyond each cell (:mod:`meetlink.registration.reading`), a return must

* name its organization on the first row of its main table (the code ``Mã`` the form came
  with, or the organization's name as the list writes it);
* not give the same code to two rows;
* (seed 004) list party cells only under a **chi bộ** of section I (a đảng bộ is not split
  into cells: its branches are) with **50 or more members** (Hướng dẫn 03-HD/TW; the
  meeting's ``rules.cells_min_members``), whose cells do not hold more members than it has.

Example:
    >>> ORGANIZATIONS.sheet, CELLS.sheet
    ('I. Sinh hoạt trực tuyến', 'II. Sinh hoạt tổ đảng')
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from meetlink.errors import InputError, Problem
from meetlink.loading.registration import RegistrationLayout
from meetlink.loading.roster import Roster
from meetlink.registration.layout import BRANCH_KINDS, CELLS, ORGANIZATIONS, POINTS, REVIEW
from meetlink.registration.reading import Row, Table, read_tables, rows_of
from meetlink.text import fold

__all__ = ["FormReturn", "ReviewSheet", "read_file"]


@dataclass(frozen=True)
class FormReturn:
    """A valid return: the organization, the file's name and digest, its rows by section."""

    organization: str
    file: str
    digest: str
    rows: Mapping[str, tuple[Mapping[str, Any], ...]]


@dataclass(frozen=True)
class ReviewSheet:
    """The committee's review sheet read back: one decision row per organization (the
    table keeps where each row and column is, for the problems found in it later)."""

    file: str
    table: Table


def read_file(
    path: Path,
    shown: str,
    layout: RegistrationLayout,
    organizations: Roster,
    cells_min_members: int,
) -> tuple[FormReturn | ReviewSheet | None, list[Problem], str | None]:
    """Read one returned file: a form or the review sheet, every problem found in it, and
    the organization it is from (when that could be told, even from a refused form)."""
    try:
        tables = read_tables(path, shown)
    except InputError as exc:
        return None, list(exc.problems), None
    except OSError as exc:
        problem = Problem(shown, 0, "", f"the file cannot be read ({exc.strerror}).")
        return None, [problem], None
    problems = [p for t in tables for p in t.problems]
    reviews = [t for t in tables if t.section is REVIEW]
    if reviews:
        return ReviewSheet(path.name, reviews[0]), problems, None
    main = POINTS if layout == RegistrationLayout.POINTS else ORGANIZATIONS
    mains = [t for t in tables if t.section is main]
    if not mains:
        wrong = tables[0].section.sheet
        problems.append(
            Problem(
                shown,
                0,
                "",
                f"this file holds the table '{wrong}' but not '{main.sheet}', the one this "
                "meeting's registration asks for; fill in the form meetlink wrote for it.",
            )
        )
        return None, problems, None
    organization = _organization(mains[0], organizations, problems)
    _unique_codes(mains[0], problems)
    if layout == RegistrationLayout.ONLINE_MEETINGS:
        _check_cells(tables, mains[0], cells_min_members, problems)
    if problems or organization is None:
        return None, problems, organization
    sections = (POINTS,) if layout == RegistrationLayout.POINTS else (ORGANIZATIONS, CELLS)
    rows = {s.key: tuple(_plain(r) for r in rows_of(tables, s)) for s in sections}
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return FormReturn(organization, path.name, digest, rows), [], organization


def _plain(row: Row) -> dict[str, Any]:
    return {k: v for k, v in row.items() if v is not None}


def _organization(table: Table, organizations: Roster, problems: list[Problem]) -> str | None:
    if not table.rows:
        problems.append(
            Problem(
                table.where,
                table.header_row,
                "",
                "the table has no row; the first row under the header is the organization "
                "itself: fill it in.",
            )
        )
        return None
    first = table.rows[0]
    units = organizations.by_id()
    code = first.get("id") or ""
    if code in units:
        return str(code)
    by_name = {fold(u.name): u.id for u in organizations.units}
    found = by_name.get(fold(first.get("name") or ""))
    if not code and found is not None:
        return found
    what = "id" if code else "name"
    given = code or first.get("name") or ""
    problems.append(
        table.problem(
            first["_row"],
            what,
            f"'{given}' is not an organization asked to register; the first row is the "
            "organization itself: keep the code (Mã) the form came with, or write its name "
            "as the committee's list does.",
        )
    )
    return None


def _unique_codes(table: Table, problems: list[Problem]) -> None:
    seen: dict[str, int] = {}
    for row in table.rows:
        code = row.get("id")
        if not code:
            continue
        if code in seen:
            problems.append(
                table.problem(
                    row["_row"],
                    "id",
                    f"the code '{code}' is also on row {seen[code]}; give each row its own.",
                )
            )
        else:
            seen[code] = row["_row"]


def _check_cells(
    tables: Sequence[Table], main: Table, minimum: int, problems: list[Problem]
) -> None:
    branches: dict[str, Row] = {}
    for row in main.rows:
        for key in (row.get("id"), row.get("name")):
            if key:
                branches.setdefault(fold(str(key)), row)
    given: dict[str, int] = {}
    for table in (t for t in tables if t.section is CELLS):
        for row in table.rows:
            reference = row.get("branch")
            if not reference:
                continue
            branch = branches.get(fold(str(reference)))
            at = row["_row"]
            if branch is None:
                problems.append(
                    table.problem(
                        at,
                        "branch",
                        f"no row of sheet '{ORGANIZATIONS.sheet}' is the chi bộ '{reference}'; "
                        "write the branch's name (or code) as it is written there.",
                    )
                )
                continue
            name = branch.get("name") or reference
            if branch.get("kind") not in BRANCH_KINDS:
                problems.append(
                    table.problem(
                        at,
                        "branch",
                        f"'{name}' is a {branch.get('kind') or 'organization'}, not a chi bộ: "
                        "party cells belong to a chi bộ (Hướng dẫn 03-HD/TW); list the cells "
                        "under its branches instead.",
                    )
                )
                continue
            members = branch.get("members")
            if isinstance(members, int) and members < minimum:
                problems.append(
                    table.problem(
                        at,
                        "branch",
                        f"'{name}' has {members} members: only a chi bộ of {minimum} or more "
                        "members meets as party cells (Hướng dẫn 03-HD/TW); delete this row, "
                        f"or correct the branch's member count on row {branch['_row']} of "
                        f"sheet '{ORGANIZATIONS.sheet}'.",
                    )
                )
                continue
            key = fold(str(name))
            given[key] = given.get(key, 0) + (row.get("members") or 0)
            if isinstance(members, int) and given[key] > members:
                problems.append(
                    table.problem(
                        at,
                        "members",
                        f"the cells of '{name}' now hold {given[key]} members, more than its "
                        f"{members}; correct the cells' member counts.",
                    )
                )


def received_late(received: dt.datetime, deadline: dt.datetime) -> bool:
    """Whether a return came in after the deadline."""
    return received > deadline
