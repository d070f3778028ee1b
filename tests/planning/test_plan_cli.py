"""`meetlink plan`: table, JSON, CSV and XLSX output, and exit code 2 on bad input."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest

from meetlink.cli import main
from meetlink.planning.export import ACTION_OPS

UNITS = [
    {
        "id": "TU",
        "name": "Thị ủy Mỹ Hào",
        "kind": "committee",
        "members": 40,
        "location": "Hội trường tầng 3 nhà D",
    },
    {
        "id": "X1",
        "name": "Đảng bộ xã Hòa Phong",
        "kind": "commune",
        "members": 30,
        "location": "Hội trường trung tâm xã",
    },
    {
        "id": "T1",
        "name": "Chi bộ thôn Lỗ Xá",
        "kind": "village",
        "parent": "X1",
        "members": 21,
        "location": "Nhà văn hóa thôn",
    },
    {
        "id": "T2",
        "name": "Chi bộ thôn Trung",
        "kind": "village",
        "parent": "X1",
        "members": 9,
        "hosts_commune_hq": "có",
    },
    {"id": "CQ", "name": "Chi bộ Cơ quan", "kind": "agency", "members": 7, "join_point": "TU"},
]
for _row in UNITS:  # every host's technical officer receives its point's access
    _row.update(
        officer_name=f"Cán bộ {_row['id']}", officer_email=f"{_row['id'].lower()}@x.example"
    )

TRACK = {
    "id": "main",
    "platform": "memory",
    "units": {"kinds": ["committee", "commune", "attached", "village", "agency"]},
    "attendance": "split",
    "sittings": [
        {"id": "s1", "start": "2023-09-10T08:00", "end": "2023-09-10T10:00"},
        {"id": "s2", "start": "2023-09-11T08:00", "end": "2023-09-11T10:00"},
    ],
}


@pytest.fixture
def meeting_file(files):
    files.roster_csv(UNITS)
    return files.meeting(tracks=[TRACK], rehearsal="2023-09-09T15:00")


@pytest.fixture
def bad_meeting(files):
    files.roster_text("id,name,kind,members\nTU,Thị ủy,committee,-1\n", name="bad/roster.csv")
    return files.meeting(name="bad/meeting.yaml")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_table_shows_every_point_and_the_totals(meeting_file, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")

    code, out, err = run(capsys, "plan", str(meeting_file))

    assert (code, err) == (0, "")
    for name in ("Thị ủy Mỹ Hào", "Đảng bộ xã Hòa Phong", "Chi bộ thôn Lỗ Xá"):
        assert name in out
    # seats: TU 20/20 + CQ 4/3 ; X1 15/15 + T2 5/4 ; T1 11/10 → 55 and 52
    total = next(line for line in out.splitlines() if "Tổng: 3 điểm cầu" in line)
    assert [cell.strip() for cell in total.split("│")][-3:-1] == ["55", "52"]
    assert "3 bridge points, 2 conferences." in out
    assert "Chạy thử đường truyền: 2023-09-09 15:00" in out


def test_the_table_notes_the_points_that_no_invitation_can_reach(files, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    units = [dict(row) for row in UNITS]
    for row in units:
        if row["id"] in ("T1", "X1", "T2"):  # X1's point seats X1 and T2; T1 has its own
            row.pop("officer_email")
    files.roster_csv(units)
    meeting_file = files.meeting(tracks=[TRACK])

    code, out, err = run(capsys, "plan", str(meeting_file))

    assert (code, err) == (0, "")
    note = " ".join(out[out.index("Note: no invitation") :].split())
    assert note.startswith(
        "Note: no invitation can go to 2 bridge point(s) with seats, for nobody there has an "
        "email address: X1 (main/s1, main/s2); T1 (main/s1, main/s2)."
    )


def test_the_table_has_no_such_note_when_every_point_has_an_address(meeting_file, capsys):
    code, out, _ = run(capsys, "plan", str(meeting_file))

    assert code == 0
    assert "no invitation" not in out


def test_the_table_can_be_written_to_a_file(meeting_file, capsys, tmp_path):
    target = tmp_path / "plan.txt"

    code, out, _ = run(capsys, "plan", str(meeting_file), "-o", str(target))

    assert (code, out) == (0, "")
    assert "Đảng bộ xã Hòa Phong" in target.read_text(encoding="utf-8")


def test_json_output_follows_the_plan_json_of_the_design(meeting_file, capsys):
    code, out, _ = run(capsys, "plan", str(meeting_file), "--format", "json")

    plan = json.loads(out)
    assert code == 0
    assert {"meeting", "bridge_points", "sittings", "actions"} <= plan.keys()
    assert plan["meeting"]["id"] == "demo-2023q3"
    for point in plan["bridge_points"]:
        assert {
            "id",
            "name",
            "location",
            "host_unit",
            "units",
            "track",
            "platform",
            "seats",
        } <= point.keys()
    assert [(p["id"], p["units"], p["seats"]) for p in plan["bridge_points"]] == [
        ("TU", ["TU", "CQ"], {"s1": 24, "s2": 23}),
        ("X1", ["X1", "T2"], {"s1": 20, "s2": 19}),
        ("T1", ["T1"], {"s1": 11, "s2": 10}),
    ]
    assert plan["bridge_points"][0]["location"] == "Hội trường tầng 3 nhà D"
    assert {(p["track"], p["platform"], p["host_unit"]) for p in plan["bridge_points"]} == {
        ("main", "memory", "TU"),
        ("main", "memory", "X1"),
        ("main", "memory", "T1"),
    }
    assert [(s["id"], s["track"], s["start"], s["end"]) for s in plan["sittings"]] == [
        ("s1", "main", "2023-09-10T08:00:00+07:00", "2023-09-10T10:00:00+07:00"),
        ("s2", "main", "2023-09-11T08:00:00+07:00", "2023-09-11T10:00:00+07:00"),
    ]
    assert isinstance(plan["actions"], list)
    assert all({"op", "what", "key"} <= a.keys() for a in plan["actions"])
    assert {a["op"] for a in plan["actions"]} <= set(ACTION_OPS)


def test_json_written_to_a_file_is_the_same_as_on_stdout(meeting_file, capsys, tmp_path):
    target = tmp_path / "plan.json"

    _, shown, _ = run(capsys, "plan", str(meeting_file), "--format", "json")
    code, out, _ = run(capsys, "plan", str(meeting_file), "--format", "json", "-o", str(target))

    assert (code, out) == (0, "")
    assert target.read_text(encoding="utf-8") == shown


def test_csv_output_has_vietnamese_headers_and_a_bom_in_a_file(meeting_file, capsys, tmp_path):
    target = tmp_path / "diem-cau.csv"

    code, _, _ = run(capsys, "plan", str(meeting_file), "--format", "csv", "-o", str(target))

    data = target.read_bytes()
    assert code == 0
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == [
        "STT",
        "Mã điểm cầu",
        "Điểm cầu",
        "Địa điểm",
        "Đơn vị dự",
        "Số đại biểu – ngày 10/9/2023",
        "Số đại biểu – ngày 11/9/2023",
        "Chủ trì",
        "Cán bộ kỹ thuật",
        "Điện thoại",
        "Hình thức",
    ]
    assert rows[1][:3] == ["1", "TU", "Thị ủy Mỹ Hào"]
    assert rows[1][4] == "Thị ủy Mỹ Hào; Chi bộ Cơ quan"
    assert rows[1][5:7] == ["24", "23"]
    assert len(rows) == 4


def test_csv_on_stdout_has_no_bom(meeting_file, capsys):
    code, out, _ = run(capsys, "plan", str(meeting_file), "--format", "csv")

    assert code == 0
    assert out.startswith("STT,Mã điểm cầu,")


def test_xlsx_output_is_a_workbook_openpyxl_reads(meeting_file, capsys, tmp_path):
    import openpyxl

    target = tmp_path / "diem-cau.xlsx"

    code, out, _ = run(capsys, "plan", str(meeting_file), "--format", "xlsx", "-o", str(target))

    assert (code, out) == (0, "")
    sheet = openpyxl.load_workbook(target).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(min_row=4, values_only=True)]  # below the title
    assert rows[0][:3] == ["STT", "Mã điểm cầu", "Điểm cầu"]
    assert [r[1] for r in rows[1:-1]] == ["TU", "X1", "T1"]
    assert rows[1][5:7] == [24, 23]
    assert rows[-1][5:7] == [55, 52]  # the total


def test_xlsx_without_an_output_file_is_bad_input(meeting_file, capsys):
    code, out, err = run(capsys, "plan", str(meeting_file), "--format", "xlsx")

    assert (code, out) == (2, "")
    assert f"{meeting_file}: --format xlsx needs -o FILE.xlsx." in err


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "xlsx"])
def test_bad_input_exits_2_with_no_traceback_and_writes_no_output(bad_meeting, capsys, fmt):
    target = bad_meeting.parent / f"out.{fmt}"

    code, out, err = run(capsys, "plan", str(bad_meeting), "--format", fmt, "-o", str(target))

    assert code == 2
    assert out == ""
    assert not target.exists()
    assert "Traceback" not in err
    assert err.splitlines() == [
        f"{bad_meeting.parent / 'roster.csv'}:2:members: -1 is negative; the number of members "
        "must be ≥ 0.",
        "meetlink: 1 problem found; nothing was done.",
    ]


@pytest.mark.parametrize("fmt", ["json", "xlsx"])
def test_an_output_folder_that_does_not_exist_exits_2_without_a_traceback(
    meeting_file, capsys, tmp_path, fmt
):
    target = tmp_path / "no-such-folder" / f"plan.{fmt}"

    code, out, err = run(capsys, "plan", str(meeting_file), "--format", fmt, "-o", str(target))

    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"{target}: cannot write the output (No such file or directory); check that its folder "
        "exists and is writable.",
        "meetlink: 1 problem found; nothing was done.",
    ]


def test_a_unit_that_cannot_be_planned_exits_2_and_writes_nothing(files, capsys):
    files.roster_text("id,name,kind,members\nTU,Thị ủy,committee,40\nCQ,Cơ quan,agency,3\n")
    path = files.meeting()
    target = files.path("out.json")

    code, out, err = run(capsys, "plan", str(path), "--format", "json", "-o", str(target))

    assert (code, out) == (2, "")
    assert not target.exists()
    assert err.startswith(f"{files.path('roster.csv')}:3:join_point: unit 'CQ' (Cơ quan)")


def test_a_yaml_error_exits_2_and_names_the_line(files, capsys):
    files.roster_csv(UNITS)
    path = files.meeting("id: demo\ntitle: [\n")

    code, _, err = run(capsys, "plan", str(path))

    assert code == 2
    assert err.startswith(f"{path}:3: YAML syntax error")


def test_the_installed_console_script_module_runs_as_a_subprocess(meeting_file, bad_meeting):
    good = subprocess.run(
        [sys.executable, "-m", "meetlink.cli", "plan", str(meeting_file), "--format", "json"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "meetlink.cli",
            "plan",
            str(bad_meeting),
            "-o",
            str(bad_meeting.parent / "out.json"),
        ],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )

    assert good.returncode == 0, good.stderr
    assert [p["id"] for p in json.loads(good.stdout)["bridge_points"]] == ["TU", "X1", "T1"]
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr
    assert "nothing was done" in bad.stderr
    assert not (bad_meeting.parent / "out.json").exists()
