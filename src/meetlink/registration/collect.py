"""``meetlink registration collect``: returned forms and the review sheet into the register.

Every file is read and checked in full first. A file with a problem is **refused**: nothing
of it is merged, the refusal is recorded (the organization's status says so) and every
problem is reported, ``FILE:SHEET:ROW:COLUMN: sentence``. The valid files of the same call
are merged all the same: a later return of an organization replaces its earlier one (and
the committee's decision on the earlier one). A review sheet (a table with the column
"Quyết định") carries the committee's decisions: "đồng ý" approves, "không đồng ý" refuses
and needs its reason ("Lý do"); it is applied only when every row of it is right. Each
change is a line of the audit trail. After the decisions, the meeting's roster is written
again (:mod:`meetlink.registration.admitted`).

Example:
    >>> CollectResult().changed
    False
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from meetlink.errors import InputError, Problem
from meetlink.registration.admitted import write_admitted_roster
from meetlink.registration.context import RegistrationContext
from meetlink.registration.register import AuditTrail, Register
from meetlink.registration.returns import FormReturn, ReviewSheet, read_file
from meetlink.text import fold

__all__ = ["APPROVED", "REFUSED", "CollectResult", "collect_returns"]

APPROVED, REFUSED = "approved", "refused"
_DECISIONS = {fold("đồng ý"): APPROVED, fold("không đồng ý"): REFUSED}


@dataclass
class CollectResult:
    """What one ``collect`` did: returns merged (organization, file), earlier returns they
    replaced, decisions taken, files refused, every problem, and whether the roster was
    written."""

    merged: list[tuple[str, str]] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    decided: list[tuple[str, str]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    roster_written: bool = False

    @property
    def changed(self) -> bool:
        """Whether the register changed."""
        return bool(self.merged or self.decided or self.refused)


def collect_returns(
    context: RegistrationContext,
    paths: Sequence[Path],
    *,
    received: dt.datetime | None = None,
) -> CollectResult:
    """Read, check and merge returned forms and review sheets (see the module).

    ``received`` is when the files came in (default: now, in the meeting's zone); a return
    received after the deadline is late. The problems are in the result: the caller decides
    how to report them (the command line exits with code 2).
    """
    when = (received or dt.datetime.now(dt.UTC)).astimezone(context.meeting.zone)
    register = context.register()
    audit = context.audit
    result = CollectResult()
    reviews: list[ReviewSheet] = []
    for path in paths:
        shown = str(path)
        if not path.is_file():
            result.problems.append(Problem(shown, 0, "", "there is no such file; check its path."))
            continue
        item, problems, organization = read_file(
            path,
            shown,
            context.registration.layout,
            context.organizations,
            context.cells_min_members,
        )
        if problems:
            result.problems.extend(problems)
            result.refused.append(path.name)
            _refuse(register, audit, organization, path, shown, problems, when)
        elif isinstance(item, FormReturn):
            _merge(register, audit, item, when, result)
        elif isinstance(item, ReviewSheet):
            reviews.append(item)
    for review in reviews:
        _decide(register, audit, review, when, result)
    if register.decisions and result.changed:
        try:
            result.roster_written = write_admitted_roster(context, register)
        except InputError as exc:
            result.problems.extend(exc.problems)
    if result.changed or result.roster_written:
        register.save()
    return result


def _refuse(
    register: Register,
    audit: AuditTrail,
    organization: str | None,
    path: Path,
    shown: str,
    problems: Sequence[Problem],
    when: dt.datetime,
) -> None:
    # what the committee reads names the file, never the operator's folders
    told = [str(p).replace(shown, path.name, 1) for p in problems]
    key = organization or f"?{path.name}"
    register.refusals[key] = {
        "file": path.name,
        "received": when.isoformat(),
        "problems": told,
    }
    audit.append("refuse", key, file=path.name, detail=f"{len(told)} problem(s)")


def _merge(
    register: Register,
    audit: AuditTrail,
    item: FormReturn,
    when: dt.datetime,
    result: CollectResult,
) -> None:
    earlier = register.returns.get(item.organization)
    if earlier is not None and earlier.get("digest") == item.digest:
        result.unchanged.append(item.organization)
        return
    register.returns[item.organization] = {
        "file": item.file,
        "digest": item.digest,
        "received": when.isoformat(),
        "rows": {k: [dict(r) for r in rows] for k, rows in item.rows.items()},
    }
    register.refusals.pop(item.organization, None)
    result.merged.append((item.organization, item.file))
    if earlier is None:
        audit.append("collect", item.organization, file=item.file)
        return
    result.replaced.append(item.organization)
    audit.append("replace", item.organization, file=item.file, detail=f"replaces {earlier['file']}")
    if register.decisions.pop(item.organization, None) is not None:
        audit.append(
            "undecide",
            item.organization,
            file=item.file,
            detail="a new return: the committee decides again",
        )


def _decide(
    register: Register,
    audit: AuditTrail,
    review: ReviewSheet,
    when: dt.datetime,
    result: CollectResult,
) -> None:
    table = review.table
    problems: list[Problem] = []
    decisions: list[tuple[str, dict[str, Any]]] = []
    for row in table.rows:
        at = row["_row"]
        code = row.get("id")
        returned = register.returns.get(code or "")
        if returned is None:
            problems.append(
                table.problem(at, "id", f"no registration of '{code}' has been collected.")
            )
            continue
        if row.get("file") and row["file"] != returned["file"]:
            problems.append(
                table.problem(
                    at,
                    "file",
                    f"the registration of '{code}' was replaced by {returned['file']} after "
                    "this sheet was made; export the review sheet again and decide on it.",
                )
            )
            continue
        decision = _DECISIONS.get(fold(row.get("decision") or ""))
        if decision is None:
            continue  # not decided yet
        reason = row.get("reason") or ""
        if decision == REFUSED and not reason:
            problems.append(
                table.problem(at, "reason", "a refusal says why: write the reason in this column.")
            )
            continue
        decisions.append(
            (
                str(code),
                {
                    "decision": decision,
                    "reason": reason,
                    "file": review.file,
                    "at": when.isoformat(),
                    "digest": returned["digest"],
                },
            )
        )
    if problems:
        result.problems.extend(problems)
        result.refused.append(review.file)
        return
    for code, taken in decisions:
        before = register.decisions.get(code, {})
        if (before.get("decision"), before.get("reason")) == (taken["decision"], taken["reason"]):
            continue
        register.decisions[code] = taken
        result.decided.append((code, taken["decision"]))
        action = "approve" if taken["decision"] == APPROVED else "refuse-registration"
        audit.append(action, code, file=review.file, detail=taken["reason"])
