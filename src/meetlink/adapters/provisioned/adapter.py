"""The ``provisioned`` platform: a provider's MCU (Viettel-style), every endpoint its account.

A conference is a room on the MCU. A computer endpoint joins with its own login and
password (and PIN, if any); a hardware endpoint (``equipment: hardware``) gets the room and
server to dial (and its PIN). Accounts come from the provider's sheet (``accounts:``, see
:mod:`.accounts`), or meetlink makes them (``generate: true``) and writes
them to ``export:`` for the provider to import.

With no provider API, the platform's state is local: rooms and issued logins (never a
password or PIN) live in ``<state_dir>/provisioned.json`` (a
:class:`~meetlink.adapters.rooms.RoomBook`), so ``create`` is idempotent across processes.

**Before anything is sent** the core calls :meth:`ProvisionedAdapter.prepare` with every
planned point of the track; it raises :class:`~meetlink.errors.InputError` for points
without an account and accounts matching no point.

**One account per bridge point** (``credential_scope = POINT``): a point's login joins
every sitting of the track. A generated password lives in two places only, the vault (the
core's) and the export (the provider's copy, 0600); the adapter never makes a second one for
a login the export already holds: :meth:`~ProvisionedAdapter.issue_access` reads it back
from there (a run killed half-way), :meth:`~ProvisionedAdapter.keep_access` writes the
vault's one back when the export lost it, and only
:meth:`~ProvisionedAdapter.rotate_access` makes a new one (replacing the export's row, so
the provider's import disables the old). :meth:`~ProvisionedAdapter.revoke_access` lists
one point's login in ``revoked.csv``. The export is written whole once, when the adapter
closes; meanwhile its rows go to a journal beside it (:mod:`.export`). The room book works
alike: while the core carries out chunks of points (:meth:`~ProvisionedAdapter.deferring`)
it stays in memory and each chunk's changed records go to its journal; both journals are
made durable by :meth:`~ProvisionedAdapter.sync`, once a chunk, and folded into their files
when the adapter closes.

**Logins** are ``{meeting}-{point}``, or ``{meeting}-{track}-{point}`` with ``login_track``
(set by the core when a point's id is that of another ``provisioned`` track's point but for
case: two units never get one login).

Example:
    >>> import pathlib, tempfile
    >>> from meetlink.adapters.models import ConferenceRequest, PointRef
    >>> export = pathlib.Path(tempfile.mkdtemp()) / "accounts.csv"
    >>> adapter = ProvisionedAdapter({"generate": True, "export": export})
    >>> request = ConferenceRequest(key="main/s1", meeting_id="q3", track="main",
    ...     sitting="s1", title="Giờ sinh hoạt", organizer_email="vp@thiuy.example",
    ...     bridge_points=(PointRef(id="x1", name="Đảng ủy xã", host_unit="x1"),))
    >>> info = adapter.create(request)
    >>> access = adapter.issue_access(request, info, request.point("x1"))
    >>> access.login, access.password, access.join_url == info.join_url
    ('q3-x1', Secret('***'), True)
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from meetlink.adapters.base import (
    AdapterSettings,
    Capability,
    ConferenceAdapter,
    CredentialScope,
)
from meetlink.adapters.models import ConferenceInfo, ConferenceRequest, PointAccess, PointRef
from meetlink.adapters.provisioned.accounts import (
    AccountSheet,
    account_login,
    check_accounts,
    generate_password,
    generate_pin,
    load_accounts,
    read_csv_rows,
)
from meetlink.adapters.provisioned.export import AccountExport, write_list
from meetlink.adapters.provisioned.settings import ProvisionedSettings
from meetlink.adapters.rooms import RoomBook, point_in_request
from meetlink.credentials.secret import Secret
from meetlink.errors import InputError, InvalidRequest, UnsupportedFeature
from meetlink.loading.roster import Equipment

__all__ = ["ProvisionedAdapter", "ProvisionedSettings"]

_EXPORT = ("unit", "login", "password", "pin", "server", "equipment")
_REVOKED = ("unit", "login", "server", "meeting", "revoked_at")


class ProvisionedAdapter(ConferenceAdapter):
    """Rooms on a provider's MCU, an account per bridge point; see the module docstring.

    ``http`` may be a :class:`~meetlink.adapters.rooms.RoomBook` shared between adapters.
    """

    name = "provisioned"
    calls_out = False  # accounts are kept in a room book on this machine
    settings_model = ProvisionedSettings
    capabilities = frozenset(
        {
            Capability.CREATE,
            Capability.UPDATE,
            Capability.CANCEL,
            Capability.ACCESS_LINK,
            Capability.ACCESS_LOGIN,
            Capability.ACCESS_PIN,
        }
    )
    requires_officer = True
    credential_scope = CredentialScope.POINT
    settings: ProvisionedSettings

    def __init__(
        self, settings: AdapterSettings | Mapping[str, Any] | None = None, *, http: object = None
    ) -> None:
        super().__init__(settings, http=http)
        self.book = RoomBook.for_adapter(self.name, self.settings.state_dir, http)
        # Read now: a bad sheet is an InputError before anything is created or sent.
        self.sheet: AccountSheet | None = (
            load_accounts(self.settings.accounts) if self.settings.accounts else None
        )
        export = self.settings.export
        self.export = AccountExport(export, _EXPORT) if export and self.sheet is None else None

    def prepare(self, points: Iterable[PointRef]) -> None:
        """Check the accounts against every planned bridge point of the track, before effects.

        Raises :class:`~meetlink.errors.InputError`, one problem per point without an account
        and per account matching no point (``FILE:ROW:COLUMN``). Generated accounts always
        match.

        Example:
            >>> import pathlib, tempfile
            >>> sheet = pathlib.Path(tempfile.mkdtemp()) / "vt.csv"
            >>> _ = sheet.write_text("unit,login,password\\nX1,vt-x1,Kp7-s3cret-x1\\n")
            >>> ProvisionedAdapter({"accounts": sheet}).prepare(
            ...     [PointRef(id="X1", name="Xã 1", host_unit="X1")])
        """
        if self.sheet is not None and (problems := check_accounts(self.sheet, points)):
            raise InputError(problems)

    def create(self, request: ConferenceRequest) -> ConferenceInfo:
        if self.sheet is not None:
            missing = [p.id for p in request.bridge_points if self.sheet.for_point(p.id) is None]
            if missing:
                raise InvalidRequest(
                    f"the account sheet {self.sheet.source} has no account for bridge point(s) "
                    f"{', '.join(missing)} of '{request.key}'; add them (or ask the provider), "
                    "then run the command again.",
                    adapter=self.name,
                )
        room = _room_name(self.settings.room_prefix, request.meeting_id, request.key)
        return self.book.create(request, lambda: (room, _url(self.settings.server, room)))

    def update(self, request: ConferenceRequest, info: ConferenceInfo) -> ConferenceInfo:
        return self.book.update(request, info)

    def cancel(self, request: ConferenceRequest, info: ConferenceInfo) -> None:
        self.book.cancel(request)

    def find(self, request: ConferenceRequest) -> ConferenceInfo | None:
        return self.book.find(request)

    def issue_access(
        self, request: ConferenceRequest, info: ConferenceInfo, point: PointRef
    ) -> PointAccess:
        """The point's account: the sheet's, or the generated one the export holds, or a new
        one written to the export first."""
        return self._access(request, info, point, keep=None, rotate=False)

    def keep_access(
        self,
        request: ConferenceRequest,
        info: ConferenceInfo,
        point: PointRef,
        current: PointAccess,
    ) -> PointAccess:
        """The point's account with ``current``'s secrets; a generated account's export row
        is written back from them when it differs (the provider's copy follows the vault).
        A sheet's account is what the sheet says (the core notices a change)."""
        kept = self._kept_as_is(request, info, point, current)
        return kept or self._access(request, info, point, keep=current, rotate=False)

    def _kept_as_is(
        self,
        request: ConferenceRequest,
        info: ConferenceInfo,
        point: PointRef,
        current: PointAccess,
    ) -> PointAccess | None:
        """``current`` for this conference when the book and the export already hold it as it
        is: a generated account granted to one more conference, with nothing to write."""
        if self.sheet is None:
            point = point_in_request(request, point, self.name)
            with self.book.edit(save=False) as data:
                room = str(self.book.live(data, request, info)["room"])
                logins = self.book.meeting(data, request.meeting_id)["accounts"]
                login = self._login(logins, request, point)
                entry = logins.get(login) or {}
            held = self._export_row(point, login, current.password, current.pin)
            settled = (
                current.login in (login, None)
                and entry.get("point") == point.id
                and entry.get("equipment") == str(point.equipment)
                and not entry.get("revoked_at")
                and self._exported(login) == held
            )
            if settled:
                return self._point_access(point, login, current.password, current.pin, room)
        return None

    def _export_row(
        self, point: PointRef, login: str, password: Secret | None, pin: Secret | None
    ) -> dict[str, str]:
        """The point's row in the export for the provider (it holds the password)."""
        return {
            "unit": point.id,
            "login": login,
            "password": password.reveal() if password else "",
            "pin": pin.reveal() if pin else "",
            "server": self.settings.server,
            "equipment": str(point.equipment),
        }

    def _point_access(
        self,
        point: PointRef,
        login: str,
        password: Secret | None,
        pin: Secret | None,
        room: str,
        server: str | None = None,
    ) -> PointAccess:
        """What a point gets: a hardware endpoint dials the room (and its PIN), a computer
        endpoint logs in."""
        server = server or self.settings.server
        if point.equipment == Equipment.HARDWARE:
            return PointAccess(
                point_id=point.id, join_url=_url(server, room), room=room, server=server, pin=pin
            )
        return PointAccess(
            point_id=point.id,
            join_url=_url(server, room),
            login=login,
            password=password,
            pin=pin,
            room=room,
            server=server,
        )

    def rotate_access(
        self,
        request: ConferenceRequest,
        info: ConferenceInfo,
        point: PointRef,
        current: PointAccess | None,
    ) -> PointAccess:
        """A generated account gets a new password (and PIN), its export row replaced and any
        revocation lifted; a sheet's account is what the provider put in the sheet."""
        access = self._access(request, info, point, keep=current, rotate=True)
        if self.sheet is not None and current is not None and access.password == current.password:
            raise UnsupportedFeature(
                f"the provider issues the password of bridge point '{point.id}' and the "
                f"account sheet {self.sheet.source} still holds the old one; ask the provider "
                "for a new password, put it in the sheet, then run the rotation again.",
                adapter=self.name,
                reason="rotate_access",
            )
        return access

    def _access(
        self,
        request: ConferenceRequest,
        info: ConferenceInfo,
        point: PointRef,
        *,
        keep: PointAccess | None,
        rotate: bool,
    ) -> PointAccess:
        point = point_in_request(request, point, self.name)
        with self.book.edit() as data:
            room = self.book.live(data, request, info)["room"]
            server = self.settings.server
            logins = self.book.meeting(data, request.meeting_id)["accounts"]
            if self.sheet is None:
                login = self._login(logins, request, point, rotate=rotate)
                self._check_owner(logins, login, point)
                if rotate:
                    self._lift_revocation(logins, login, request.meeting_id)
                else:
                    _refuse_revoked(logins, login, point)
                password, pin = self._generated(login, point, logins, keep, rotate)
            else:
                account = self.sheet.for_point(point.id)
                computer = point.equipment != Equipment.HARDWARE
                if account is None or (computer and not (account.login and account.password)):
                    raise InvalidRequest(
                        f"the account sheet {self.sheet.source} has no login and password for "
                        f"bridge point '{point.id}'; complete its row and run the command again.",
                        adapter=self.name,
                    )
                login, password, pin = account.login, account.password, account.pin
                room, server = account.room or room, account.server or server
                if login:
                    _refuse_revoked(logins, login, point)
                    logins.setdefault(login, {"point": point.id, "issued_at": _now()})
        return self._point_access(point, login, password, pin, room, server)

    def revoke_access(self, request: ConferenceRequest, point: PointRef) -> str | None:
        """List one point's account for the provider to disable, after the meeting.

        Adds it to the revocation CSV (``revocations:``, or ``<state_dir>/revoked.csv``;
        0600, formula-safe, each login once) and marks it revoked in the state (no access is
        issued for it until it is rotated on request). Returns the login, or None for a
        generated account never issued (the provider never had it).
        """
        path = self._revocations()
        when = _now()
        with self.book.edit() as data:
            logins = self.book.meeting(data, request.meeting_id)["accounts"]
            if self.sheet is None:
                login = self._login(logins, request, point)
                if login not in logins:
                    return None
            else:
                account = self.sheet.for_point(point.id)
                if account is None or not account.login:
                    return None
                login = account.login
            logins.setdefault(login, {"point": point.id})["revoked_at"] = when
            row = {
                "unit": point.id,
                "login": login,
                "server": self.settings.server,
                "meeting": request.meeting_id,
                "revoked_at": when,
            }
            write_list(path, _REVOKED, [row], key=("meeting", "login"))
        return login

    def _revocations(self) -> Path:
        path = self.settings.revocations or (
            self.settings.state_dir / "revoked.csv" if self.settings.state_dir else None
        )
        if path is None:
            raise InvalidRequest(
                "there is nowhere to write the revocation list; set `revocations:` (or "
                "`state_dir:`) in the track's settings and run the command again.",
                adapter=self.name,
            )
        return path

    def _lift_revocation(self, logins: dict[str, Any], login: str, meeting_id: str) -> None:
        entry = logins.get(login)
        if entry is None or not entry.get("revoked_at"):
            return
        path = self._revocations()
        kept = [
            r
            for r in read_csv_rows(path)
            if (r.get("meeting"), r.get("login")) != (meeting_id, login)
        ]
        write_list(path, _REVOKED, kept, key=(), replace=True)
        entry.pop("revoked_at", None)

    def _login(
        self,
        logins: dict[str, Any],
        request: ConferenceRequest,
        point: PointRef,
        *,
        rotate: bool = False,
    ) -> str:
        """A generated account's login: ``{meeting}-{point}``, or with ``login_track``
        ``{meeting}-{track}-{point}``. A login issued before the track was added to it is
        kept (its officer has it) until the account is rotated."""
        plain = account_login(request.meeting_id, point.id)
        if not self.settings.login_track:
            return plain
        login = account_login(request.meeting_id, point.id, track=request.track)
        earlier = logins.get(plain) or {}
        if not rotate and login not in logins and earlier.get("point") == point.id:
            return plain
        return login

    def _check_owner(self, logins: dict[str, Any], login: str, point: PointRef) -> None:
        entry = logins.get(login) or {}
        if entry.get("point", point.id) != point.id:
            raise InvalidRequest(
                f"bridge points '{entry['point']}' and '{point.id}' would share the login "
                f"'{login}'; give one of them another id in the roster and run the command again.",
                adapter=self.name,
            )

    def _generated(
        self,
        login: str,
        point: PointRef,
        logins: dict[str, Any],
        keep: PointAccess | None,
        rotate: bool,
    ) -> tuple[Secret | None, Secret | None]:
        """The generated account's secrets: kept, read back from the export, or new."""
        exported = self._exported(login)
        # A hardware endpoint is registered by the provider; its officer dials, no password.
        hardware = point.equipment == Equipment.HARDWARE
        if rotate:
            password = None if hardware else generate_password(self.settings.password_length)
            pin = generate_pin(self.settings.pin_digits) if self.settings.pin_digits else None
        elif keep is not None:
            password, pin = keep.password, keep.pin
        elif exported is not None and exported.get("equipment") == str(point.equipment):
            password = Secret(exported["password"]) if exported.get("password") else None
            pin = Secret(exported["pin"]) if exported.get("pin") else None
            if password is not None or hardware:
                return password, pin
            password = generate_password(self.settings.password_length)
        else:
            password = None if hardware else generate_password(self.settings.password_length)
            pin = generate_pin(self.settings.pin_digits) if self.settings.pin_digits else None
        row = self._export_row(point, login, password, pin)
        if exported != row:
            self._must_export().put(row)  # before the state says so
        entry = logins.get(login) or {}
        generation = int(entry.get("generation", 0)) + (1 if rotate or exported is None else 0)
        logins[login] = {
            "point": point.id,
            "generation": max(generation, 1),
            "equipment": str(point.equipment),
            "issued_at": entry.get("issued_at") or _now(),
        }
        return password, pin

    def _must_export(self) -> AccountExport:
        if self.export is None:  # the settings require an export with `generate`
            raise InvalidRequest("set `export:` for generated accounts.", adapter=self.name)
        return self.export

    def _exported(self, login: str) -> dict[str, str] | None:
        """The export's row of ``login`` (the provider's copy, its journal merged), or None."""
        return self._must_export().get(login)

    @contextlib.contextmanager
    def deferring(self) -> Iterator[None]:
        """While the core writes a chunk of points: the export's rows and the room book's
        changes are made durable by :meth:`sync` (before the chunk's commit), not each."""
        with contextlib.ExitStack() as stack:
            if self.export is not None:
                stack.enter_context(self.export.deferring())
            stack.enter_context(self.book.deferring())
            yield

    def sync(self) -> None:
        """Make durable the export rows and room-book changes made since the last call."""
        if self.export is not None:
            self.export.sync()
        self.book.flush()

    def close(self) -> None:
        """The export rewritten once, with every row of the run (its journal merged), and
        the room book once, with its journal folded in."""
        try:
            if self.export is not None:
                self.export.close()
            self.book.compact()
        finally:
            super().close()


def _refuse_revoked(logins: dict[str, Any], login: str, point: PointRef) -> None:
    if logins.get(login, {}).get("revoked_at"):
        raise InvalidRequest(
            f"the account '{login}' of bridge point '{point.id}' was revoked after the meeting; "
            "ask the provider to enable it again (or for a new sheet), then run the command "
            "again with a fresh state folder.",
            adapter="provisioned",
        )


_NOT_ROOM = re.compile(r"[^a-z0-9]+")


def _room_name(prefix: str, meeting_id: str, key: str) -> str:
    """A readable room name, unique per meeting and key (a hash settles what cleaning merged)."""
    readable = _NOT_ROOM.sub("-", f"{meeting_id}-{key}".lower()).strip("-")[:48]
    digest = hashlib.sha256(f"{meeting_id}\n{key}".encode()).hexdigest()[:8]
    return f"{prefix}{readable}-{digest}"


def _url(server: str, room: str) -> str:
    return f"https://{server}/join/{room}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
