"""Seed 001's roster: the `district` kind and the delegates (đại biểu) column."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from meetlink.errors import InputError
from meetlink.loading.roster import UnitKind, load_roster

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _kind_of(files: Any, word: str) -> UnitKind:
    path = files.roster_text(f"mã,tên,loại,số đảng viên\nU1,Đơn vị,{word},10\n")
    return load_roster(path).units[0].kind


@pytest.mark.parametrize(
    "word",
    ["district", "cấp huyện", "Cấp huyện", "huyện", "quận", "thị xã", "thành phố thuộc tỉnh"],
)
def test_a_district_is_written_as_its_level(files: Any, word: str) -> None:
    assert _kind_of(files, word) is UnitKind.DISTRICT


@pytest.mark.parametrize("word", ["huyện ủy", "thị ủy", "thành ủy", "tỉnh ủy", "committee"])
def test_a_committee_s_name_stays_the_organizing_committee(files: Any, word: str) -> None:
    # Mỹ Hào's thị ủy organizes its own meeting: "thị ủy" is never read as a district.
    assert _kind_of(files, word) is UnitKind.COMMITTEE


def test_the_delegates_column_is_read_apart_from_the_members(files: Any) -> None:
    path = files.roster_text(
        "mã,tên tổ chức đảng,loại,trực thuộc,số đảng viên,số đại biểu\n"
        "H-CX,Huyện ủy Cẩm Xuyên,cấp huyện,,70,85\n"
        "H-CX-1,xã Cẩm Bình,xã,H-CX,,40\n"
        "H-CL,Huyện ủy Can Lộc,huyện,,67,\n"
    )

    units = load_roster(path).by_id()

    assert (units["H-CX"].members, units["H-CX"].delegates) == (70, 85)
    assert (units["H-CX-1"].members, units["H-CX-1"].delegates) == (0, 40)
    assert units["H-CL"].delegates is None
    assert units["H-CX-1"].seated(delegates=True) == 40
    assert units["H-CL"].seated(delegates=True) == 67
    assert units["H-CX"].seated(delegates=False) == 70


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("X1,Xã,xã,,5,-2", "số đại biểu: -2 is negative; the number of delegates must be ≥ 0."),
        ("X1,Xã,xã,,5,bốn", "số đại biểu: 'bốn' is not a whole number; write digits only"),
        ("X1,Xã,xã,,,", "số đảng viên: '' is not a whole number; write digits only"),
    ],
)
def test_a_bad_delegate_count_or_an_empty_members_cell_without_delegates_is_located(
    files: Any, row: str, message: str
) -> None:
    path = files.roster_text(f"mã,tên,loại,trực thuộc,số đảng viên,số đại biểu\n{row}\n")

    with pytest.raises(InputError) as caught:
        load_roster(path)

    first = str(caught.value.problems[0])
    assert first.startswith(f"{path}:2:{message}")


@pytest.mark.parametrize("example", ["myhao-2023q3", "budang-2022q1", "branches-2023q4"])
def test_no_unit_of_the_examples_becomes_a_district(example: str) -> None:
    (roster,) = (EXAMPLES / example).glob("roster.*")
    units = load_roster(roster).units
    assert units
    assert all(u.kind is not UnitKind.DISTRICT and u.delegates is None for u in units)
