"""The provider's account sheet: loading, checking against the plan, generating and exporting."""

from __future__ import annotations

import math
import stat
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from meetlink.adapters.models import PointRef
from meetlink.adapters.provisioned.accounts import (
    FORMULA_LEADS,
    PASSWORD_ALPHABET,
    Account,
    AccountSheet,
    account_login,
    check_accounts,
    generate_password,
    generate_pin,
    load_accounts,
    read_csv_rows,
    upsert_csv,
)
from meetlink.credentials.secret import Secret
from meetlink.errors import InputError
from meetlink.loading.roster import Equipment
from meetlink.loading.sheets import spreadsheet_safe

MARKER = "Mk-7f3a9c-pass-marker"
VI_HEADER = ["STT", "Mã đơn vị", "Tên đăng nhập", "Mật khẩu", "Phòng", "Máy chủ", "Mã PIN"]


def point(point_id: str, equipment: Equipment = Equipment.COMPUTER) -> PointRef:
    return PointRef(
        id=point_id, name=f"Điểm cầu {point_id}", host_unit=point_id, equipment=equipment
    )


def write_csv(folder: Path, text: str, name: str = "viettel.csv") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def write_xlsx(folder: Path, rows: list[list[object]], name: str = "viettel.xlsx") -> Path:
    book = openpyxl.Workbook()
    for row in rows:
        book.worksheets[0].append(row)
    book.create_sheet("Ghi chú").append(["unit", "login", "password"])  # a decoy sheet
    path = folder / name
    book.save(path)
    return path


class TestLoading:
    def test_a_csv_with_vietnamese_headers_loads_every_column(self, tmp_path: Path) -> None:
        path = write_csv(
            tmp_path,
            ",".join(VI_HEADER) + "\n1,X1,vt-x1," + MARKER + ",P101,mcu2.vt.example,4821\n",
        )
        sheet = load_accounts(path)
        (account,) = sheet.accounts
        assert (account.unit, account.login, account.room, account.server, account.row) == (
            "X1",
            "vt-x1",
            "P101",
            "mcu2.vt.example",
            2,
        )
        assert account.password == Secret(MARKER)
        assert account.pin == Secret("4821")
        assert sheet.column("login") == "Tên đăng nhập"

    def test_an_xlsx_with_vietnamese_headers_loads_from_the_first_sheet(
        self, tmp_path: Path
    ) -> None:
        path = write_xlsx(
            tmp_path,
            [["Điểm cầu", "Tài khoản", "Mật khẩu", "Mã PIN"], ["TU", "vt-tu", MARKER, 123456]],
        )
        sheet = load_accounts(path)
        assert [(a.unit, a.login) for a in sheet.accounts] == [("TU", "vt-tu")]
        pin = sheet.accounts[0].pin
        assert pin is not None
        assert pin.reveal() == "123456"  # a number cell reads back without ".0"

    def test_headers_match_without_accents_and_semicolons_are_understood(
        self, tmp_path: Path
    ) -> None:
        path = write_csv(tmp_path, "don vi;TAI KHOAN;mat khau\nX1;vt-x1;pw-1234567\n")
        assert load_accounts(path).accounts[0].login == "vt-x1"

    def test_a_formula_escaped_cell_reads_back_as_written(self, tmp_path: Path) -> None:
        path = write_csv(tmp_path, "unit,login,password\n'-X1,vt-x1,pw-12345678\n")
        assert load_accounts(path).accounts[0].unit == "-X1"

    def test_a_missing_required_column_is_reported_on_the_header_row(self, tmp_path: Path) -> None:
        path = write_csv(tmp_path, "đơn vị,tài khoản\nX1,vt-x1\n")
        with pytest.raises(InputError) as caught:
            load_accounts(path)
        (problem,) = caught.value.problems
        assert problem.where == 1
        assert "'password' (or 'mật khẩu')" in problem.message

    def test_duplicate_units_and_logins_are_reported_at_their_rows(self, tmp_path: Path) -> None:
        path = write_csv(
            tmp_path,
            "Đơn vị,Tài khoản,Mật khẩu\nX1,vt-a,pw-aaaaaaaa\nx1,vt-b,pw-bbbbbbbb\nX3,vt-a,pw-c\n",
        )
        with pytest.raises(InputError) as caught:
            load_accounts(path)
        assert [(p.where, p.what) for p in caught.value.problems] == [
            (3, "Đơn vị"),
            (4, "Tài khoản"),
        ]
        assert "row 2" in caught.value.problems[0].message

    def test_problems_never_quote_a_password(self, tmp_path: Path) -> None:
        path = write_csv(tmp_path, f"unit,login,password\n,vt-x1,{MARKER}\n")
        with pytest.raises(InputError) as caught:
            load_accounts(path)
        assert MARKER not in str(caught.value) + repr(caught.value.problems)
        assert caught.value.problems[0].where == 2

    def test_a_missing_file_says_which_setting_to_check(self, tmp_path: Path) -> None:
        with pytest.raises(InputError, match="`accounts:` setting"):
            load_accounts(tmp_path / "nope.csv")

    def test_an_account_prints_its_secrets_masked(self) -> None:
        account = Account(unit="X1", login="vt-x1", password=MARKER, pin="992211")
        assert MARKER not in repr(account) + str(account) + account.model_dump_json()
        assert "Secret('***')" in repr(account)


class TestCheckAccounts:
    @pytest.fixture
    def sheet(self, tmp_path: Path) -> AccountSheet:
        return load_accounts(
            write_csv(
                tmp_path,
                "Đơn vị,Tài khoản,Mật khẩu\nTU,vt-tu,pw-tu-123456\nX1,vt-x1,pw-x1-123456\n"
                "X9,vt-x9,pw-x9-123456\nHW,,\n",
            )
        )

    def test_a_sheet_that_matches_the_plan_has_no_problems(self, sheet: AccountSheet) -> None:
        points = [point("TU"), point("x1"), point("X9"), point("HW", Equipment.HARDWARE)]
        assert check_accounts(sheet, points) == []

    def test_a_point_without_an_account_and_an_extra_account_are_both_reported(
        self, sheet: AccountSheet
    ) -> None:
        problems = check_accounts(sheet, [point("TU"), point("X1"), point("X2"), point("HW")])
        shown = [str(p) for p in problems]
        assert shown[0].startswith(
            f"{sheet.source}: bridge point 'X2' (Điểm cầu X2) has no account"
        )
        assert shown[1].startswith(f"{sheet.source}:4:Đơn vị: no bridge point has the code in")
        assert shown[2].startswith(f"{sheet.source}:5:Tài khoản: bridge point 'HW' joins from a")
        assert shown[3].startswith(f"{sheet.source}:5:Mật khẩu: bridge point 'HW' joins from a")
        assert len(problems) == 4

    def test_a_hardware_endpoint_needs_no_login(self, sheet: AccountSheet) -> None:
        problems = check_accounts(sheet, [point("HW", Equipment.HARDWARE)])
        assert {p.where for p in problems} == {2, 3, 4}  # only the unused accounts


class TestGeneration:
    def test_passwords_are_sixteen_characters_without_look_alikes(self) -> None:
        texts = [generate_password().reveal() for _ in range(300)]
        assert {len(t) for t in texts} == {16}
        assert set("".join(texts)) <= set(PASSWORD_ALPHABET)
        assert not set("0O1lI") & set("".join(texts))
        assert len(set(texts)) == len(texts)

    def test_no_password_starts_like_a_formula(self) -> None:
        assert not {generate_password().reveal()[0] for _ in range(500)} & set(FORMULA_LEADS)
        assert not set(FORMULA_LEADS) & set(PASSWORD_ALPHABET)

    def test_passwords_have_each_character_class_and_at_least_80_bits(self) -> None:
        for _ in range(100):
            text = generate_password(14).reveal()
            assert any(c.islower() for c in text)
            assert any(c.isupper() for c in text)
            assert any(c.isdigit() for c in text)
        assert 14 * math.log2(len(PASSWORD_ALPHABET)) >= 80

    def test_every_character_of_the_alphabet_is_drawn(self) -> None:
        counts = Counter("".join(generate_password(64).reveal() for _ in range(200)))
        assert set(counts) == set(PASSWORD_ALPHABET)
        assert max(counts.values()) < 3 * min(counts.values())  # roughly uniform

    def test_a_password_below_80_bits_is_refused(self) -> None:
        with pytest.raises(ValueError, match="too weak"):
            generate_password(12)

    def test_pins_have_their_digits_and_never_a_leading_zero(self) -> None:
        pins = [generate_pin(6).reveal() for _ in range(300)]
        assert all(len(p) == 6 and p.isdigit() and p[0] != "0" for p in pins)

    @pytest.mark.parametrize(
        ("meeting", "point_id", "expected"),
        [
            ("myhao-2023q3", "X1", "myhao-2023q3-x1"),
            ("myhao-2023q3", "X1-cell2", "myhao-2023q3-x1-cell2"),
            ("Quý III/2023", "TU", "quy-iii-2023-tu"),
        ],
    )
    def test_logins_are_readable_and_sanitized(
        self, meeting: str, point_id: str, expected: str
    ) -> None:
        assert account_login(meeting, point_id) == expected

    def test_ids_that_clean_alike_still_get_their_own_logins(self) -> None:
        logins = {account_login("q3", pid) for pid in ("Xã 1", "Xa-1", "xa 1", "XA_1")}
        assert len(logins) == 4
        assert all(set(login) <= set("abcdefghijklmnopqrstuvwxyz0123456789-") for login in logins)


class TestExport:
    @pytest.mark.parametrize(
        ("cell", "shown"),
        [
            ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
            ("+1", "'+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("a\0b", "ab"),
            ("X1", "X1"),
        ],
    )
    def test_cells_are_escaped_by_the_one_spreadsheet_rule(self, cell: str, shown: str) -> None:
        assert spreadsheet_safe(cell) == shown

    def test_the_csv_is_private_formula_safe_and_upserted_by_key(self, tmp_path: Path) -> None:
        path = tmp_path / "out" / "accounts.csv"
        header = ("unit", "login", "password")
        upsert_csv(path, header, [{"unit": "=X1", "login": "a", "password": "p1"}], key=("login",))
        upsert_csv(path, header, [{"unit": "X2", "login": "b", "password": "p2"}], key=("login",))
        upsert_csv(path, header, [{"unit": "=X1", "login": "a", "password": "p3"}], key=("login",))
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbfunit,login,password\r\n")
        assert b"\r\n'=X1,a,p3\r\n" in raw
        assert b"p1" not in raw
        assert [r["password"] for r in read_csv_rows(path)] == ["p2", "p3"]
        assert not list(path.parent.glob(".*.tmp"))

    def test_an_exported_sheet_loads_back_as_accounts(self, tmp_path: Path) -> None:
        path = tmp_path / "export.csv"
        header = ("unit", "login", "password", "pin")
        upsert_csv(
            path,
            header,
            [{"unit": "-X1", "login": "q3-x1", "password": MARKER, "pin": "482193"}],
            key=("login",),
        )
        (account,) = load_accounts(path).accounts
        assert (account.unit, account.login, account.password) == ("-X1", "q3-x1", Secret(MARKER))

    @pytest.mark.parametrize("unit", ["=X1", "+X2", "-X3", "@X4", "'=X5", "'X6", "X7"])
    def test_an_export_round_trips_every_code(self, tmp_path: Path, unit: str) -> None:
        path = tmp_path / "export.csv"
        header = ("unit", "login", "password", "pin")
        row = {"unit": unit, "login": f"q3-{unit}", "password": "-Kp7s3cret", "pin": "+4821"}
        upsert_csv(path, header, [row], key=("login",))

        assert read_csv_rows(path) == [row]
        (account,) = load_accounts(path).accounts
        assert (account.unit, account.login) == (unit, f"q3-{unit}")
        assert account.password == Secret("-Kp7s3cret")
        assert account.pin == Secret("+4821")
