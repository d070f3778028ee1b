"""``meetlink registration status``: who has returned a form, who has not, what was refused.

One line per organization that must return a form (and per other organization that did):

* ``not returned`` (chưa gửi) — nothing valid came yet; ``refused file`` (bị trả lại) when the
  last file was refused for its problems (how many, and the first);
* ``returned`` (đã gửi) or ``late`` (gửi muộn: received after the deadline);
* then the committee's decision: ``approved`` (đồng ý) or ``refused`` (không đồng ý, with
  the reason).

Example:
    >>> StatusRow("CB01", "Chi bộ Sở Tài chính", "not_returned").label
    'chưa gửi'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from meetlink.registration.collect import APPROVED, REFUSED
from meetlink.registration.context import RegistrationContext

__all__ = ["LABELS", "StatusRow", "registration_status", "status_lines"]

LABELS = {
    "not_returned": ("chưa gửi", "not returned"),
    "refused_file": ("bị trả lại", "refused file"),
    "returned": ("đã gửi", "returned"),
    "late": ("gửi muộn", "late"),
    APPROVED: ("đồng ý", "approved"),
    REFUSED: ("không đồng ý", "refused"),
}


@dataclass(frozen=True)
class StatusRow:
    """One organization's registration: its state, and what to say about it."""

    id: str
    name: str
    state: str
    received: dt.datetime | None = None
    file: str = ""
    decision: str = ""
    note: str = ""
    required: bool = True

    @property
    def label(self) -> str:
        """The state in Vietnamese."""
        return LABELS[self.state][0]

    @property
    def late(self) -> bool:
        """Whether the return came after the deadline."""
        return self.state == "late"


def registration_status(context: RegistrationContext) -> list[StatusRow]:
    """Every organization's registration, in the list's order."""
    register = context.register()
    deadline = context.registration.deadline
    rows = []
    for unit in context.organizations.units:
        required = context.registration.must_return(unit.id, unit.kind)
        returned = register.returns.get(unit.id)
        refusal = register.refusals.get(unit.id)
        if returned is None and not required and refusal is None:
            continue
        if returned is None:
            if refusal is not None:
                problems = refusal["problems"]
                note = f"{len(problems)} lỗi, {refusal['file']}: {problems[0]}"
                rows.append(StatusRow(unit.id, unit.name, "refused_file", note=note))
            else:
                rows.append(StatusRow(unit.id, unit.name, "not_returned", required=required))
            continue
        received = dt.datetime.fromisoformat(returned["received"])
        state = "late" if received > deadline else "returned"
        decided = register.decisions.get(unit.id, {})
        note = decided.get("reason", "")
        if refusal is not None:
            note = f"tệp {refusal['file']} bị trả lại ({len(refusal['problems'])} lỗi)"
        rows.append(
            StatusRow(
                unit.id,
                unit.name,
                state,
                received,
                returned["file"],
                decided.get("decision", ""),
                note,
                required,
            )
        )
    return rows


def status_lines(rows: Iterable[StatusRow], *, english: bool = False) -> list[str]:
    """The status as a plain table, one organization a line, and a count at the end."""
    rows = list(rows)
    header = (
        ("Code", "Organization", "Form", "Received", "File", "Decision", "Note")
        if english
        else ("Mã", "Tổ chức đảng", "Phiếu", "Ngày gửi", "Tệp", "Quyết định", "Ghi chú")
    )
    pick = 1 if english else 0
    table = [header]
    for row in rows:
        table.append(
            (
                row.id,
                row.name,
                LABELS[row.state][pick],
                f"{row.received:%H:%M %d/%m/%Y}" if row.received else "",
                row.file,
                LABELS[row.decision][pick] if row.decision else "",
                row.note,
            )
        )
    widths = [max(len(line[i]) for line in table) for i in range(len(header) - 1)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=False))
        + "  "
        + line[-1]
        for line in table
    ]
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.state] = counts.get(row.state, 0) + 1
    told = ", ".join(f"{n} {LABELS[state][pick]}" for state, n in counts.items())
    lines.append(("Total: " if english else "Tổng: ") + told)
    return [line.rstrip() for line in lines]
