"""Reading rosters: CSV and XLSX, English and Vietnamese headers, and every located error."""

from __future__ import annotations

import unicodedata

import pytest

from meetlink.errors import InputError
from meetlink.loading.roster import Contact, Equipment, UnitKind, load_roster

HEADER = "id,name,kind,parent,members,join_point"


def problems_of(path) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_roster(path)
    return [str(p) for p in caught.value.problems]


# --- headers and formats ------------------------------------------------------------------


def test_a_roster_with_english_headers_loads_every_column(files):
    path = files.roster_csv(
        [
            {
                "id": "X1",
                "name": "Đảng bộ xã Phùng Chí Kiên",
                "kind": "commune",
                "members": "120",
                "location": "Hội trường trung tâm xã",
                "equipment": "hardware",
                "officer_name": "Nguyễn Văn An",
                "officer_email": "an@xa.example",
                "officer_phone": "0912345678",
                "contact_emails": "bithu@xa.example; vanphong@xa.example",
                "cells": "3",
                "excluded": "4",
            },
            {
                "id": "T1",
                "name": "Chi bộ thôn Tháp",
                "kind": "village",
                "parent": "X1",
                "members": "25",
                "hosts_commune_hq": "yes",
                "join_point": "",
            },
        ]
    )

    roster = load_roster(path)

    x1, t1 = roster.units
    assert (x1.id, x1.kind, x1.members, x1.cells, x1.excluded) == ("X1", "commune", 120, 3, 4)
    assert x1.equipment == Equipment.HARDWARE
    assert x1.officer == Contact(name="Nguyễn Văn An", email="an@xa.example", phone="0912345678")
    assert x1.contact_emails == ("bithu@xa.example", "vanphong@xa.example")
    assert x1.seated_members == 116
    assert (t1.parent, t1.hosts_commune_hq, t1.join_point, t1.row) == ("X1", True, None, 3)
    assert roster.source == str(path)


def test_a_roster_with_vietnamese_headers_and_words_loads(files):
    path = files.roster_text(
        "STT,Mã,Tên tổ chức đảng,Loại,Trực thuộc,Số đảng viên,Có trụ sở xã,Ghép điểm cầu,"
        "Thiết bị,Cán bộ kỹ thuật,Email,Điện thoại,Email nhận giấy mời,Số tổ đảng,"
        "Không triệu tập\n"
        "1,X1,Đảng bộ xã Bạch Sam,Xã,,60,,,Phần cứng,Trần Thị Bình,binh@xa.example,"
        "0987654321,,2,\n"
        "2,T1,Chi bộ thôn Trai Trang,Thôn,X1,18,Có,,Máy tính,,,,,,3\n"
        "3,CQ,Chi bộ Cơ quan Hội Nông dân,Cơ quan,,9,Không,X1,không,,,,,,\n"
    )

    units = load_roster(path).units

    assert [(u.id, u.kind, u.parent, u.members) for u in units] == [
        ("X1", UnitKind.COMMUNE, None, 60),
        ("T1", UnitKind.VILLAGE, "X1", 18),
        ("CQ", UnitKind.AGENCY, None, 9),
    ]
    assert [u.equipment for u in units] == [Equipment.HARDWARE, Equipment.COMPUTER, Equipment.NONE]
    assert [u.hosts_commune_hq for u in units] == [False, True, False]
    assert units[0].officer == Contact(
        name="Trần Thị Bình", email="binh@xa.example", phone="0987654321"
    )
    assert (units[0].cells, units[1].excluded, units[2].join_point) == (2, 3, "X1")


@pytest.mark.parametrize(
    "header",
    [
        "MÃ,TÊN TỔ CHỨC ĐẢNG,LOẠI,SỐ ĐẢNG VIÊN",
        "ma,ten to chuc dang,loai,SO DANG VIEN",
        "Mã_Đơn_Vị,Tên-đơn-vị,Loại  đơn vị,số   đảng viên",
        "ID,Name,KIND,Members",
    ],
)
def test_headers_are_matched_without_case_or_accents(files, header):
    path = files.roster_text(f"{header}\nTU,Thị ủy,committee,40\n")

    (unit,) = load_roster(path).units

    assert (unit.id, unit.name, unit.members) == ("TU", "Thị ủy", 40)


def test_a_csv_with_a_byte_order_mark_loads(files):
    path = files.roster_csv(
        [{"id": "TU", "name": "Thị ủy", "kind": "committee", "members": 40}], bom=True
    )
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")

    (unit,) = load_roster(path).units

    assert unit.id == "TU"


def test_a_semicolon_separated_csv_loads(files):
    path = files.roster_text("id;name;kind;members\nTU;Thị ủy, Mỹ Hào;committee;40\n")

    (unit,) = load_roster(path).units

    assert (unit.name, unit.members) == ("Thị ủy, Mỹ Hào", 40)


def test_names_are_stored_nfc_normalized(files):
    decomposed = unicodedata.normalize("NFD", "Chi bộ thôn Nguyễn")
    path = files.roster_text(f"id,name,kind,members\nT1,{decomposed},village,5\n")

    (unit,) = load_roster(path).units

    assert unit.name == unicodedata.normalize("NFC", "Chi bộ thôn Nguyễn")


def test_a_parent_written_decomposed_still_finds_its_unit(files):
    commune = "XÃ-ĐÔNG"
    nfd = unicodedata.normalize("NFD", commune)
    path = files.roster_text(
        f"id,name,kind,parent,members\n{commune},Xã Đông,commune,,5\nT1,Thôn,village,{nfd},5\n"
    )

    units = load_roster(path).units

    assert units[1].parent == units[0].id


def test_blank_rows_are_skipped_and_rows_keep_the_numbers_a_spreadsheet_shows(files):
    path = files.roster_text(
        "id,name,kind,members\nTU,Thị ủy,committee,40\n\n,,,\nX1,Xã,commune,oops\n"
    )

    assert problems_of(path) == [
        f"{path}:5:members: 'oops' is not a whole number; write digits only, such as 25."
    ]


def test_a_quoted_cell_spanning_two_lines_does_not_shift_the_row_numbers(files):
    # in a column meetlink ignores (notes): a line break in a cell it reads is refused
    path = files.roster_text(
        'id,name,kind,members,ghi chú\nTU,Thị ủy,committee,40,"dòng 1\ndòng 2"\nX1,Xã,commune,-1,\n'
    )

    assert problems_of(path) == [
        f"{path}:4:members: -1 is negative; the number of members must be ≥ 0."
    ]


def test_the_first_sheet_of_an_xlsx_is_read_with_the_rows_the_sheet_shows(files):
    path = files.roster_xlsx(
        [],
        first_sheet_rows=[
            ["STT", "Mã", "Tên tổ chức đảng", "Loại", "Trực thuộc", "Số đảng viên", "Có trụ sở xã"],
            [1, "TU", "Thị ủy Mỹ Hào", "committee", None, 40, None],
            None,
            [2, 101, "Đảng bộ phường Bần Yên Nhân", "commune", None, 120.0, None],
            [3, "T1", "Chi bộ khu phố 1", "village", 101, 30, True],
        ],
    )

    units = load_roster(path).units

    assert [(u.id, u.members, u.row) for u in units] == [
        ("TU", 40, 2),
        ("101", 120, 4),
        ("T1", 30, 5),
    ]
    assert (units[2].parent, units[2].hosts_commune_hq) == ("101", True)


def test_an_xlsx_error_points_at_the_row_the_sheet_shows(files):
    path = files.roster_xlsx(
        [],
        first_sheet_rows=[
            ["id", "name", "kind", "members"],
            ["TU", "Thị ủy", "committee", 40],
            None,
            None,
            ["X1", "Xã", "commune", -5],
        ],
    )

    assert problems_of(path) == [
        f"{path}:5:members: -5 is negative; the number of members must be ≥ 0."
    ]


def test_a_damaged_xlsx_is_reported_not_raised(files):
    path = files.path("roster.xlsx")
    path.write_bytes(b"PK\x03\x04 not really a zip")

    assert problems_of(path) == [f"{path}: this is not a readable XLSX workbook (BadZipFile)."]


# --- encodings ----------------------------------------------------------------------------


def test_a_csv_saved_in_windows_1258_says_to_save_it_as_utf8(files):
    text = unicodedata.normalize("NFD", "id,name,kind,members\nTU,Thị ủy Mỹ Hào,committee,40\n")
    path = files.path("roster.csv")
    path.write_bytes(text.encode("cp1258"))

    assert problems_of(path) == [
        f"{path}: the file is not UTF-8 (byte 0xf2 on line 2); it looks like a legacy encoding "
        'such as Windows-1258 or TCVN3. Save it again as UTF-8 (in Excel: "Save As" → '
        '"CSV UTF-8 (Comma delimited)").'
    ]


def test_a_utf16_csv_says_to_save_it_as_utf8(files):
    path = files.roster_csv(
        [{"id": "TU", "name": "Thị ủy", "kind": "committee", "members": 40}], encoding="utf-16"
    )

    (problem,) = problems_of(path)

    assert problem.startswith(f"{path}: the file is UTF-16, not UTF-8; save it again as UTF-8")


# --- every located error ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            "X1,Xã,commune,,mười,",
            "members: 'mười' is not a whole number; write digits only, such as 25.",
        ),
        (
            "X1,Xã,commune,,12.5,",
            "members: '12.5' is not a whole number; write digits only, such as 25.",
        ),
        ("X1,Xã,commune,,,", "members: '' is not a whole number; write digits only, such as 25."),
        ("X1,Xã,commune,,-3,", "members: -3 is negative; the number of members must be ≥ 0."),
        (
            "X1,Xã,xã hội,,3,",
            "kind: unknown kind 'xã hội'; use one of: committee, district, commune, "
            "attached, village, agency.",
        ),
        ("X1,,commune,,3,", "name: the name is empty; every unit needs one."),
        (",Xã,commune,,3,", "id: the id is empty; every unit needs one."),
        ("X1,Xã,commune,ZZ,3,", "parent: unknown parent 'ZZ': no unit has this id."),
        ("X1,Xã,commune,,3,ZZ", "join_point: unknown join point 'ZZ': no unit has this id."),
        ("X1,Xã,commune,X1,3,", "parent: unit 'X1' cannot be its own parent."),
        ("X" * 65 + ",Xã,commune,,3,", "id: the id is longer than 64 characters; shorten it."),
        (
            "X1,\u200b,commune,,3,",
            "name: the name is empty once invisible characters are removed; every unit needs one.",
        ),
    ],
)
def test_a_bad_value_is_reported_at_its_file_row_and_column(files, row, expected):
    path = files.roster_text(f"{HEADER}\nTU,Thị ủy,committee,,40,\n{row}\n")

    assert problems_of(path) == [f"{path}:3:{expected}"]


@pytest.mark.parametrize(
    ("columns", "values", "expected"),
    [
        ("cells", "abc", "cells: 'abc' is not a whole number; write digits only, such as 25."),
        ("cells", "0", "cells: cells must be at least 1."),
        ("excluded", "x", "excluded: 'x' is not a whole number; write digits only, such as 25."),
        ("excluded", "-1", "excluded: -1 is negative; the number of excluded must be ≥ 0."),
        ("excluded", "41", "excluded: 41 excluded is more than the unit's 40 members."),
        ("hosts_commune_hq", "maybe", "hosts_commune_hq: 'maybe' is not yes or no (có/không)."),
        ("equipment", "fax", "equipment: unknown equipment 'fax'; use hardware, computer or none."),
    ],
)
def test_a_bad_optional_value_is_reported_at_its_file_row_and_column(
    files, columns, values, expected
):
    path = files.roster_text(f"id,name,kind,members,{columns}\nTU,Thị ủy,committee,40,{values}\n")

    assert problems_of(path) == [f"{path}:2:{expected}"]


def test_a_bad_officer_email_is_reported_at_the_email_column(files):
    path = files.roster_text(
        "Mã,Tên tổ chức đảng,Loại,Số đảng viên,Email\nTU,Thị ủy,committee,40,an.thiuy.example\n"
    )

    (problem,) = problems_of(path)

    assert problem.startswith(f"{path}:2:Email: 'an.thiuy.example' is not a valid e-mail address")
    assert problem.endswith("Correct the officer's address.")


def test_a_bad_contact_email_among_good_ones_is_reported(files):
    path = files.roster_text(
        "id,name,kind,members,contact_emails\n"
        'TU,Thị ủy,committee,40,"ok@thiuy.example, bad@@thiuy.example"\n'
    )

    (problem,) = problems_of(path)

    assert problem.startswith(
        f"{path}:2:contact_emails: 'bad@@thiuy.example' is not a valid e-mail address"
    )
    assert problem.endswith("Separate addresses with commas.")


def test_a_duplicate_id_names_the_row_where_it_was_first_used(files):
    path = files.roster_text(
        "id,name,kind,members\nTU,Thị ủy,committee,40\nX1,Xã A,commune,3\nX1,Xã B,commune,4\n"
    )

    assert problems_of(path) == [
        f"{path}:4:id: duplicate id 'X1' (first used on row 3); give every unit its own code."
    ]


def test_a_cycle_of_parents_is_reported_once_at_its_first_row(files):
    path = files.roster_text(f"{HEADER}\nA,a,commune,B,1,\nB,b,commune,C,1,\nC,c,commune,A,1,\n")

    assert problems_of(path) == [
        f"{path}:2:parent: the parents form a cycle: A → B → C → A; break it by correcting "
        "one of them."
    ]


def test_a_cycle_of_join_points_is_reported_once_at_its_first_row(files):
    path = files.roster_text(f"{HEADER}\nTU,t,committee,,1,\nD,d,agency,,1,E\nE,e,agency,,1,D\n")

    assert problems_of(path) == [
        f"{path}:3:join_point: the join points form a cycle: D → E → D; break it by correcting "
        "one of them."
    ]


def test_a_missing_required_column_is_reported_on_the_header_row(files):
    path = files.roster_text("STT,mã,tên,loại\n1,TU,Thị ủy,committee\n")

    assert problems_of(path) == [
        f"{path}:1: the header has no column 'members' (or 'số đảng viên'); add it."
    ]


def test_a_column_written_twice_is_reported_on_the_header_row(files):
    path = files.roster_text("id,name,kind,members,Số đảng viên\nTU,Thị ủy,committee,40,40\n")

    assert problems_of(path) == [
        f"{path}:1:Số đảng viên: this column repeats column 'members'; keep only one of them."
    ]


def test_the_column_is_named_as_the_file_writes_it(files):
    path = files.roster_text("MÃ,TÊN,LOẠI,SỐ ĐẢNG VIÊN\nTU,Thị ủy,committee,bốn mươi\n")

    assert problems_of(path) == [
        f"{path}:2:SỐ ĐẢNG VIÊN: 'bốn mươi' is not a whole number; write digits only, such as 25."
    ]


def test_all_errors_of_a_roster_are_reported_at_once(files):
    path = files.roster_text(
        "id,name,kind,parent,members,officer_email\n"
        "TU,Thị ủy,committee,,40,\n"
        "X1,Xã,commune,,abc,\n"
        "X2,Xã,xa lo,,3,\n"
        "X3,Xã,commune,NOPE,3,\n"
        "X3,Xã,commune,,3,\n"
        "X4,Xã,commune,,3,not-an-address\n"
    )

    problems = problems_of(path)

    assert [p.split(": ")[0] for p in problems] == [
        f"{path}:3:members",
        f"{path}:4:kind",
        f"{path}:5:parent",
        f"{path}:6:id",
        f"{path}:7:officer_email",
    ]


def test_a_missing_roster_file_is_an_input_error(files):
    assert problems_of(files.path("nowhere.csv")) == [
        f"{files.path('nowhere.csv')}: the roster file does not exist; check the `roster:` path."
    ]


def test_a_roster_problem_prints_as_file_row_column_sentence(files):
    path = files.roster_text("id,name,kind,members\nTU,Thị ủy,committee,-2\n")

    with pytest.raises(InputError) as caught:
        load_roster(path)

    (problem,) = caught.value.problems
    assert (problem.file, problem.where, problem.what, problem.yaml) == (
        str(path),
        2,
        "members",
        False,
    )
    assert str(caught.value) == f"{path}:2:members: {problem.message}"
