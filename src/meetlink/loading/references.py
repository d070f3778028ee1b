"""The roster's checks across rows: duplicate ids, unknown parents and join points, and
cycles among them (from :mod:`meetlink.loading.roster`, which reads each row).

Example:
    >>> rows = [Reference("A", 2, "B", None), Reference("B", 3, "A", None)]
    >>> [str(p) for p in reference_problems("r.csv", rows, {"parent": "trực thuộc"})]
    ['r.csv:2:trực thuộc: the parents form a cycle: A → B → A; break it by correcting one of them.']
"""

from __future__ import annotations

from dataclasses import dataclass

from meetlink.errors import Problem

__all__ = ["Reference", "reference_problems"]


@dataclass(frozen=True)
class Reference:
    """What the cross-row checks need of a row, kept even when the row has other errors."""

    id: str
    row: int
    parent: str | None
    join_point: str | None


def reference_problems(shown: str, rows: list[Reference], titles: dict[str, str]) -> list[Problem]:
    """Duplicate ids, unknown parents and join points, and cycles among them."""
    problems: list[Problem] = []
    known: dict[str, Reference] = {}
    for ref in rows:
        if ref.id in known:
            problems.append(
                Problem(
                    shown,
                    ref.row,
                    titles["id"],
                    (
                        f"duplicate id '{ref.id}' (first used on row {known[ref.id].row}); "
                        "give every unit its own code."
                    ),
                )
            )
        else:
            known[ref.id] = ref
    for ref in rows:
        for column in ("parent", "join_point"):
            target = getattr(ref, column)
            if target is None:
                continue
            if target not in known:
                problems.append(
                    Problem(
                        shown,
                        ref.row,
                        titles.get(column, column),
                        (f"unknown {column.replace('_', ' ')} '{target}': no unit has this id."),
                    )
                )
            elif target == ref.id:
                problems.append(
                    Problem(
                        shown,
                        ref.row,
                        titles.get(column, column),
                        f"unit '{ref.id}' cannot be its own {column}.",
                    )
                )
    problems.extend(_cycles(shown, rows, known, titles))
    return problems


def _cycles(
    shown: str, rows: list[Reference], known: dict[str, Reference], titles: dict[str, str]
) -> list[Problem]:
    problems: list[Problem] = []
    for column in ("parent", "join_point"):
        done: set[str] = set()
        for start in rows:
            path: list[str] = []
            current: Reference | None = start
            while current is not None and current.id not in done:
                if current.id in path:
                    loop = [*path[path.index(current.id) :], current.id]
                    problems.append(
                        Problem(
                            shown,
                            current.row,
                            titles.get(column, column),
                            (
                                f"the {column.replace('_', ' ')}s form a cycle: "
                                f"{' → '.join(loop)}; break it by correcting one of them."
                            ),
                        )
                    )
                    break
                path.append(current.id)
                target = getattr(current, column)
                current = known.get(target) if target and target != current.id else None
            done.update(path)
    return problems
