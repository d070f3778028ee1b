"""The provisioned (Viettel-style) adapter: conformance, accounts, local state, revocation."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from meetlink.adapters.models import ConferenceInfo, PointRef
from meetlink.adapters.provisioned import ProvisionedAdapter, ProvisionedSettings
from meetlink.adapters.provisioned.accounts import read_csv_rows
from meetlink.adapters.registry import get_adapter
from meetlink.adapters.rooms import RoomBook
from meetlink.errors import AdapterError, InputError, InvalidRequest, NotFound
from meetlink.loading.roster import Equipment
from meetlink.testing import AdapterConformance
from meetlink.testing.conformance import LEAK_CANARY, RequestFactory, sample_request

MARKER = "Mk-7f3a9c-pass-marker"
SHEET = (
    "STT,Mã đơn vị,Tên đăng nhập,Mật khẩu,Mã PIN\n"
    f"1,TU,vt-tu,{MARKER},418230\n"
    "2,X1,vt-x1,Pw-x1-9d8c7b6a,551902\n"
)


def sheet_file(folder: Path, text: str = SHEET) -> Path:
    path = folder / "viettel.csv"
    path.write_text(text, encoding="utf-8")
    return path


def generated(folder: Path, **more: Any) -> ProvisionedAdapter:
    settings = {"generate": True, "export": folder / "export.csv", "state_dir": folder / "state"}
    return ProvisionedAdapter(settings | more)


def state_bytes(folder: Path) -> bytes:
    return (folder / "state" / "provisioned.json").read_bytes()


class TestProvisionedGenerating(AdapterConformance):
    @pytest.fixture
    def adapter(self, tmp_path: Path) -> Iterator[ProvisionedAdapter]:
        with generated(tmp_path) as adapter:
            yield adapter

    @pytest.fixture
    def invalid_settings(self) -> dict[str, Any]:
        return {"generate": True, "export": "x.csv", "password_length": LEAK_CANARY}


class TestProvisionedFromASheet(AdapterConformance):
    @pytest.fixture
    def adapter(self, tmp_path: Path) -> Iterator[ProvisionedAdapter]:
        with ProvisionedAdapter({"accounts": sheet_file(tmp_path)}) as adapter:
            yield adapter


@pytest.fixture
def make_request() -> RequestFactory:
    return sample_request


def test_the_registry_finds_it_with_its_declarations() -> None:
    cls = get_adapter("provisioned")
    assert cls is ProvisionedAdapter
    assert cls.requires_officer
    wanted = "create update cancel access_link access_login access_pin"
    assert {str(c) for c in cls.capabilities} == set(wanted.split())


class TestPrepare:
    def test_a_missing_and_an_extra_account_are_reported_before_anything(
        self, tmp_path: Path
    ) -> None:
        adapter = ProvisionedAdapter(
            {"accounts": sheet_file(tmp_path), "state_dir": tmp_path / "state"}
        )
        points = [
            PointRef(id="TU", name="Thị ủy", host_unit="TU"),
            PointRef(id="X2", name="Xã Dị Sử", host_unit="X2"),
        ]
        with pytest.raises(InputError) as caught:
            adapter.prepare(points)
        source = str(tmp_path / "viettel.csv")
        assert [str(p) for p in caught.value.problems] == [
            f"{source}: bridge point 'X2' (Xã Dị Sử) has no account in this sheet; add a row "
            "with its code and the login the provider issued for it.",
            f"{source}:3:Mã đơn vị: no bridge point has the code in this cell; correct it "
            "(`meetlink plan` lists the points), or delete the row: it would not be used.",
        ]
        assert not (tmp_path / "state").exists()  # nothing was created

    def test_create_refuses_a_conference_whose_points_lack_accounts(
        self, tmp_path: Path, make_request: RequestFactory
    ) -> None:
        adapter = ProvisionedAdapter({"accounts": sheet_file(tmp_path)})
        request = make_request(bridge_points=(PointRef(id="X7", name="Xã 7", host_unit="X7"),))
        with pytest.raises(InvalidRequest, match=r"no account for bridge point\(s\) X7"):
            adapter.create(request)
        assert adapter.find(request) is None

    def test_a_bad_sheet_fails_when_the_adapter_is_made(self, tmp_path: Path) -> None:
        with pytest.raises(InputError, match="no column 'password'"):
            ProvisionedAdapter({"accounts": sheet_file(tmp_path, "unit,login\nX1,a\n")})

    def test_generated_accounts_always_match(
        self, tmp_path: Path, make_request: RequestFactory
    ) -> None:
        adapter = generated(tmp_path)
        request = make_request(bridge_points=(PointRef(id="Z9", name="Z", host_unit="Z9"),))
        adapter.prepare(request.bridge_points)
        access = adapter.issue_access(request, adapter.create(request), request.point("Z9"))
        assert access.login == f"{request.meeting_id}-z9"


class TestAccess:
    def test_a_computer_gets_login_password_and_pin_from_the_sheet(
        self, tmp_path: Path, make_request: RequestFactory
    ) -> None:
        adapter = ProvisionedAdapter({"accounts": sheet_file(tmp_path), "server": "mcu.vt.vn"})
        request = make_request()
        info = adapter.create(request)
        access = adapter.issue_access(request, info, request.point("TU"))
        assert access.login == "vt-tu"
        assert access.password is not None
        assert access.password.reveal() == MARKER
        assert access.pin is not None
        assert access.pin.reveal() == "418230"
        assert access.join_url == f"https://mcu.vt.vn/join/{info.external_id}"
        assert MARKER not in repr(access) + access.model_dump_json()

    def test_a_hardware_endpoint_gets_room_server_and_pin_but_no_password(
        self, tmp_path: Path, make_request: RequestFactory
    ) -> None:
        text = "unit,login,password,room,server,pin\nHW,,,8823,mcu9.vt.vn,7731\n"
        adapter = ProvisionedAdapter({"accounts": sheet_file(tmp_path, text)})
        request = make_request(
            bridge_points=(
                PointRef(id="HW", name="Hội trường", host_unit="HW", equipment=Equipment.HARDWARE),
            )
        )
        access = adapter.issue_access(request, adapter.create(request), request.point("HW"))
        assert (access.room, access.server, access.login, access.password) == (
            "8823",
            "mcu9.vt.vn",
            None,
            None,
        )
        assert access.pin is not None
        assert access.pin.reveal() == "7731"
        assert access.join_url == "https://mcu9.vt.vn/join/8823"

    def test_a_generated_hardware_endpoint_gets_a_pin_and_no_password(
        self, tmp_path: Path, make_request: RequestFactory
    ) -> None:
        adapter = generated(tmp_path)
        request = make_request(
            bridge_points=(
                PointRef(id="HW", name="HT", host_unit="HW", equipment=Equipment.HARDWARE),
            )
        )
        access = adapter.issue_access(request, adapter.create(request), request.point("HW"))
        assert access.password is None
        assert access.login is None
        assert access.pin is not None
        assert len(access.pin.reveal()) == 6
        adapter.close()  # the export is written whole when the adapter closes
        (row,) = read_csv_rows(tmp_path / "export.csv")
        assert (row["password"], row["equipment"]) == ("", "hardware")

    def test_the_export_is_private_formula_safe_and_holds_the_issued_passwords(
        self, tmp_path: Path, make_request: RequestFactory
    ) -> None:
        adapter = generated(tmp_path)
        request = make_request(
            bridge_points=(
                PointRef(id="=cmd|calc", name="Evil", host_unit="E"),
                PointRef(id="X1", name="Xã", host_unit="X1"),
            )
        )
        info = adapter.create(request)
        accesses = [adapter.issue_access(request, info, p) for p in request.bridge_points]
        adapter.close()
        export = tmp_path / "export.csv"
        assert stat.S_IMODE(export.stat().st_mode) == 0o600
        lines = export.read_bytes().decode("utf-8-sig").split("\r\n")
        assert lines[0] == "unit,login,password,pin,server,equipment"
        assert all(not line.startswith(("=", "+", "-", "@")) for line in lines)
        assert lines[1].startswith("'=cmd|calc,")
        rows = read_csv_rows(export)
        assert [row["unit"] for row in rows] == ["=cmd|calc", "X1"]  # read back as it was
        for access, row in zip(accesses, rows, strict=True):
            assert access.password is not None
            assert access.password.reveal() == row["password"]
            assert row["login"] == access.login

    def test_the_state_file_never_holds_a_password_or_pin(
        self, tmp_path: Path, make_request: RequestFactory
    ) -> None:
        adapter = ProvisionedAdapter(
            {"accounts": sheet_file(tmp_path), "state_dir": tmp_path / "state"}
        )
        request = make_request()
        info = adapter.create(request)
        for p in request.bridge_points:
            adapter.issue_access(request, info, p)
        raw = state_bytes(tmp_path)
        assert b"vt-tu" in raw  # the logins are there: the file is the right one
        assert MARKER.encode() not in raw
        assert b"418230" not in raw
        assert stat.S_IMODE((tmp_path / "state" / "provisioned.json").stat().st_mode) == 0o600

    def test_generated_secrets_reach_the_export_but_not_the_state(
        self, tmp_path: Path, make_request: RequestFactory
    ) -> None:
        adapter = generated(tmp_path)
        request = make_request()
        access = adapter.issue_access(request, adapter.create(request), request.point("X1"))
        assert access.password is not None
        assert access.pin is not None
        password, pin = access.password.reveal().encode(), access.pin.reveal().encode()
        adapter.close()
        assert password in (tmp_path / "export.csv").read_bytes()
        assert password not in state_bytes(tmp_path)
        assert pin not in state_bytes(tmp_path)

    def test_asking_again_in_a_run_gives_the_same_password(
        self, tmp_path: Path, make_request: RequestFactory
    ) -> None:
        adapter = generated(tmp_path)
        request = make_request()
        info = adapter.create(request)
        first = adapter.issue_access(request, info, request.point("X1"))
        assert adapter.issue_access(request, info, request.point("X1")) == first
        adapter.close()
        assert len(read_csv_rows(tmp_path / "export.csv")) == 1

    def test_a_new_process_reads_the_password_back_from_the_export(
        self, tmp_path: Path, make_request: RequestFactory
    ) -> None:
        # Issue 11, point 1: a new process used to make a new password for the same login.
        request = make_request()
        first = generated(tmp_path)
        info = first.create(request)
        old = first.issue_access(request, info, request.point("X1"))
        new = generated(tmp_path).issue_access(request, info, request.point("X1"))
        assert (new.login, new.password, new.pin) == (old.login, old.password, old.pin)
        first.close()
        (row,) = read_csv_rows(tmp_path / "export.csv")
        assert old.password is not None
        assert row["password"] == old.password.reveal()

    def test_keep_access_writes_the_vaults_password_back_into_a_lost_export(
        self, tmp_path: Path, make_request: RequestFactory
    ) -> None:
        request = make_request()
        adapter = generated(tmp_path)
        info = adapter.create(request)
        held = adapter.issue_access(request, info, request.point("X1"))
        adapter.close()
        (tmp_path / "export.csv").unlink()
        keeper = generated(tmp_path)
        kept = keeper.keep_access(request, info, request.point("X1"), held)
        keeper.close()
        assert (kept.login, kept.password) == (held.login, held.password)
        (row,) = read_csv_rows(tmp_path / "export.csv")
        assert held.password is not None
        assert row["password"] == held.password.reveal()

    def test_rotate_access_replaces_the_password_in_the_export(
        self, tmp_path: Path, make_request: RequestFactory
    ) -> None:
        request = make_request()
        adapter = generated(tmp_path)
        info = adapter.create(request)
        old = adapter.issue_access(request, info, request.point("X1"))
        rotator = generated(tmp_path)
        new = rotator.rotate_access(request, info, request.point("X1"), old)
        rotator.close()
        adapter.close()
        assert new.login == old.login
        assert new.password != old.password
        (row,) = read_csv_rows(tmp_path / "export.csv")
        assert new.password is not None
        assert row["password"] == new.password.reveal()

    def test_a_cancelled_conference_issues_nothing(
        self, tmp_path: Path, make_request: RequestFactory
    ) -> None:
        adapter = generated(tmp_path)
        request = make_request()
        info = adapter.create(request)
        adapter.cancel(request, info)
        with pytest.raises(NotFound, match="run `meetlink open`"):
            adapter.issue_access(request, info, request.point("X1"))


class TestState:
    def test_create_is_idempotent_across_two_adapters_sharing_a_state_dir(
        self, tmp_path: Path, make_request: RequestFactory
    ) -> None:
        request = make_request()
        info = generated(tmp_path).create(request)
        again = generated(tmp_path)
        assert again.find(request) == info
        assert again.create(request) == info
        with RoomBook(tmp_path / "state" / "provisioned.json", "x").edit(save=False) as data:
            assert list(data["meetings"][request.meeting_id]["rooms"]) == [request.key]

    def test_without_a_state_dir_nothing_is_shared(
        self, make_request: RequestFactory, tmp_path: Path
    ) -> None:
        request = make_request()
        ProvisionedAdapter({"accounts": sheet_file(tmp_path)}).create(request)
        assert ProvisionedAdapter({"accounts": sheet_file(tmp_path)}).find(request) is None

    def test_update_keeps_the_room_and_records_the_new_time(
        self, tmp_path: Path, make_request: RequestFactory
    ) -> None:
        request = make_request()
        info = generated(tmp_path).create(request)
        moved = request.model_copy(update={"title": "Dời lịch", "start": None, "end": None})
        updated = generated(tmp_path).update(moved, info)
        assert (updated.external_id, updated.join_url) == (info.external_id, info.join_url)
        assert (updated.title, updated.start, updated.extra["scheduled"]) == (
            "Dời lịch",
            None,
            "no",
        )

    def test_update_of_a_room_never_made_is_not_found(
        self, tmp_path: Path, make_request: RequestFactory
    ) -> None:
        request = make_request()
        ghost = ConferenceInfo(key=request.key, external_id="ml-ghost", join_url="https://x/j")
        with pytest.raises(NotFound):
            generated(tmp_path).update(request, ghost)

    def test_a_damaged_state_file_is_an_adapter_error_saying_what_to_do(
        self, tmp_path: Path, make_request: RequestFactory
    ) -> None:
        (tmp_path / "state").mkdir()
        (tmp_path / "state" / "provisioned.json").write_text("{not json")
        with pytest.raises(AdapterError, match="restore it from a backup"):
            generated(tmp_path).create(make_request())

    def test_http_other_than_a_room_book_is_refused(self, tmp_path: Path) -> None:
        with pytest.raises(TypeError, match="RoomBook"):
            ProvisionedAdapter({"accounts": sheet_file(tmp_path)}, http=object())


class TestRevoke:
    def test_revoke_lists_one_points_account_and_stops_its_access_only(
        self, tmp_path: Path, make_request: RequestFactory
    ) -> None:
        adapter = ProvisionedAdapter(
            {"accounts": sheet_file(tmp_path), "state_dir": tmp_path / "state"}
        )
        request = make_request()
        info = adapter.create(request)
        assert adapter.revoke_access(request, request.point("TU")) == "vt-tu"
        assert adapter.revoke_access(request, request.point("TU")) == "vt-tu"
        revoked = tmp_path / "state" / "revoked.csv"
        rows = read_csv_rows(revoked)
        assert [(r["unit"], r["login"], r["meeting"]) for r in rows] == [
            ("TU", "vt-tu", request.meeting_id)
        ]
        assert stat.S_IMODE(revoked.stat().st_mode) == 0o600
        assert MARKER.encode() not in revoked.read_bytes()
        with pytest.raises(InvalidRequest, match="was revoked after the meeting"):
            adapter.issue_access(request, info, request.point("TU"))
        assert adapter.issue_access(request, info, request.point("X1")).login == "vt-x1"

    def test_generated_accounts_never_issued_are_not_listed(
        self, tmp_path: Path, make_request: RequestFactory
    ) -> None:
        adapter = generated(tmp_path)
        request = make_request()
        info = adapter.create(request)
        access = adapter.issue_access(request, info, request.point("X1"))
        assert adapter.revoke_access(request, request.point("X1")) == access.login
        assert adapter.revoke_access(request, request.point("TU")) is None

    def test_a_rotation_issues_a_revoked_generated_account_again(
        self, tmp_path: Path, make_request: RequestFactory
    ) -> None:
        adapter = generated(tmp_path)
        request = make_request()
        info = adapter.create(request)
        old = adapter.issue_access(request, info, request.point("X1"))
        adapter.revoke_access(request, request.point("X1"))
        with pytest.raises(InvalidRequest, match="was revoked"):
            adapter.issue_access(request, info, request.point("X1"))
        new = adapter.rotate_access(request, info, request.point("X1"), None)
        assert new.password != old.password
        assert adapter.issue_access(request, info, request.point("X1")).password == new.password
        assert read_csv_rows(tmp_path / "state" / "revoked.csv") == []

    def test_revoke_needs_somewhere_to_write(
        self, tmp_path: Path, make_request: RequestFactory
    ) -> None:
        adapter = ProvisionedAdapter({"accounts": sheet_file(tmp_path)})
        request = make_request()
        adapter.create(request)
        with pytest.raises(InvalidRequest, match="set `revocations:`"):
            adapter.revoke_access(request, request.point("X1"))


class TestSettings:
    @pytest.mark.parametrize(
        ("settings", "message"),
        [
            ({"generate": False}, "set `accounts:` to the provider's account sheet"),
            ({}, "set `export:`"),  # generating by default, but nowhere to export to
            ({"accounts": "a.csv", "generate": True, "export": "e.csv"}, "not both"),
            ({"generate": True}, "set `export:`"),
            ({"accounts": "a.csv", "server": "https://mcu.example/x"}, "pattern"),
            ({"accounts": "a.csv", "password_length": 10}, "greater than or equal to 14"),
        ],
    )
    def test_bad_settings_are_refused_with_a_sentence(
        self, settings: dict[str, Any], message: str
    ) -> None:
        with pytest.raises(ValidationError, match=message):
            ProvisionedSettings.model_validate(settings)

    def test_two_points_that_would_share_a_login_are_refused(
        self, tmp_path: Path, make_request: RequestFactory
    ) -> None:
        adapter = generated(tmp_path)
        request = make_request(
            bridge_points=(
                PointRef(id="X1", name="a", host_unit="X1"),
                PointRef(id="x1", name="b", host_unit="x1"),
            )
        )
        info = adapter.create(request)
        adapter.issue_access(request, info, request.point("X1"))
        with pytest.raises(InvalidRequest, match="would share the login"):
            adapter.issue_access(request, info, request.point("x1"))

    def test_repr_shows_no_settings(self, tmp_path: Path) -> None:
        adapter = ProvisionedAdapter({"accounts": sheet_file(tmp_path)})
        assert repr(adapter) == "<ProvisionedAdapter 'provisioned'>"
        assert MARKER not in repr(adapter.sheet)


def test_with_no_sheet_accounts_are_generated_and_exported_into_the_state_folder(
    tmp_path: Path,
) -> None:
    settings = ProvisionedSettings(state_dir=tmp_path)
    assert settings.generate
    assert settings.export == tmp_path / "accounts-for-provider.csv"
