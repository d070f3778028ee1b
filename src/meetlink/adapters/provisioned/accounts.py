"""Endpoint accounts of a provisioned platform: the provider's sheet, checks, generation, export.

A provider such as Viettel issues every bridge point a login and password (perhaps a room,
a server and a PIN too). Its sheet is a CSV (UTF-8) or the first sheet of an XLSX with the
columns ``unit`` (the bridge point's id), ``login``, ``password`` and optionally ``room``,
``server``, ``pin``, headers in English or Vietnamese (:data:`ACCOUNT_COLUMNS`), matched
case- and accent-insensitively; other columns are ignored, a login, password or PIN column
written twice is refused. Passwords and PINs become ``Secret`` the moment they are read, and
no problem message about a sheet quotes any of its cells (a sheet whose columns are mixed up
may hold a password anywhere): each names the row and the column.

:func:`check_accounts` compares a sheet with the planned bridge points before anything is
sent. Without a sheet, :func:`account_login`, :func:`generate_password` and
:func:`generate_pin` make accounts, and :func:`upsert_csv` writes them (or a revocation
list) for the provider to import: 0600, replaced atomically, every cell formula-safe by the
one rule of :mod:`meetlink.loading.sheets`, so that meetlink reads them back unchanged.

Example:
    >>> import pathlib, tempfile
    >>> sheet_file = pathlib.Path(tempfile.mkdtemp()) / "viettel.csv"
    >>> _ = sheet_file.write_text("Đơn vị,Tài khoản,Mật khẩu\\nX1,vt-x1,Kp7-s3cret-x1\\n")
    >>> sheet = load_accounts(sheet_file)
    >>> sheet.accounts[0].login, sheet.accounts[0].password
    ('vt-x1', Secret('***'))
    >>> from meetlink.adapters.models import PointRef
    >>> problems = check_accounts(sheet, [PointRef(id="X2", name="Xã 2", host_unit="X2")])
    >>> [(p.where, p.what) for p in problems]  # X2 has no account; row 2 matches no point
    [(0, ''), (2, 'Đơn vị')]
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import math
import re
import secrets
import string
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import ConfigDict

from meetlink import private_files
from meetlink.adapters.models import PointRef
from meetlink.credentials.secret import Secret, SecretModel
from meetlink.errors import InputError, Problem
from meetlink.loading.roster import Equipment
from meetlink.loading.sheets import (
    FORMULA_LEADS,
    control_problems,
    find_columns,
    read_table,
    spreadsheet_safe,
)
from meetlink.text import fold, nfc

__all__ = [
    "ACCOUNT_COLUMNS",
    "FORMULA_LEADS",
    "PASSWORD_ALPHABET",
    "Account",
    "AccountSheet",
    "account_login",
    "check_accounts",
    "generate_password",
    "generate_pin",
    "load_accounts",
    "read_csv_rows",
    "rewrite_csv",
    "upsert_csv",
    "write_private",
]

ACCOUNT_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "unit": ("unit", "đơn vị", "mã đơn vị", "điểm cầu", "mã điểm cầu", "point"),
    "login": ("login", "tài khoản", "tên đăng nhập", "username"),
    "password": ("password", "mật khẩu"),
    "room": ("room", "phòng", "phòng họp"),
    "server": ("server", "máy chủ"),
    "pin": ("pin", "mã pin"),
}
_REQUIRED = ("unit", "login", "password")
_ONE_ONLY = ("login", "password", "pin")  # written twice, a wrong secret could be handed out
_HEADER_KEYS = {fold(a): column for column, aliases in ACCOUNT_COLUMNS.items() for a in aliases}

# No 0/O, 1/l/I: an officer may type the password from a printed slip. Letters and digits
# only, so no password starts a spreadsheet formula (FORMULA_LEADS); 16 of them: 93 bits.
PASSWORD_ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # noqa: S105 (an alphabet) # nosec B105
MIN_PASSWORD_BITS = 80
# A random byte below this maps to a character uniformly (byte % 57); the rest are redrawn.
_UNBIASED = 256 - 256 % len(PASSWORD_ALPHABET)
_CLASSES = tuple(
    frozenset(group) for group in (string.ascii_lowercase, string.ascii_uppercase, string.digits)
)


class Account(SecretModel):
    """One row of a provider's sheet (or one generated account); ``row`` 0 when generated."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    unit: str
    login: str = ""
    password: Secret | None = None
    room: str = ""
    server: str = ""
    pin: Secret | None = None
    row: int = 0


@dataclass(frozen=True)
class AccountSheet:
    """The accounts of a sheet file, in file order; ``headers`` as the file writes them."""

    source: str
    accounts: tuple[Account, ...]
    headers: Mapping[str, str]

    def column(self, name: str) -> str:
        """The header of a canonical column as written in the file."""
        return self.headers.get(name, name)

    def for_point(self, point_id: str) -> Account | None:
        """The account whose unit is ``point_id`` (case-insensitively), or None."""
        wanted = _match_key(point_id)
        return next((a for a in self.accounts if _match_key(a.unit) == wanted), None)


def _match_key(code: str) -> str:
    return nfc(code).casefold()


def load_accounts(path: str | Path) -> AccountSheet:
    """Read a provider's account sheet; raise :class:`InputError` listing every problem."""
    path = Path(path)
    shown = str(path)
    if not path.is_file():
        raise InputError.single(
            shown, "the account sheet does not exist; check the track's `accounts:` setting."
        )
    header, rows = read_table(path, known=_HEADER_KEYS)
    return _parse(shown, header, rows)


def _parse(shown: str, header: list[str], rows: Iterator[tuple[int, list[str]]]) -> AccountSheet:
    problems: list[Problem] = []
    duplicated: list[Problem] = []  # a repeated unit, room or server column: the first counts
    found = find_columns(shown, header, _HEADER_KEYS, duplicated)
    columns, titles = found.index, found.title
    for repeat in duplicated:
        column = _HEADER_KEYS.get(fold(repeat.what), "")
        if column in _ONE_ONLY:
            problems.append(
                Problem(
                    shown,
                    1,
                    repeat.what,
                    (
                        f"this column repeats the {column} column '{titles[column]}', so "
                        f"which one holds the {column}s is unclear; delete or rename one."
                    ),
                )
            )
    missing = [c for c in _REQUIRED if c not in columns]
    if missing:
        wanted = ", ".join(f"'{c}' (or '{ACCOUNT_COLUMNS[c][1]}')" for c in missing)
        problems.append(Problem(shown, 1, "", f"the header has no column {wanted}; add it."))
    if problems:
        raise InputError(problems)

    accounts: list[Account] = []
    first_row: dict[tuple[str, str], int] = {}  # (column, value) → the row it is first on
    for number, record in rows:
        if not any(cell.strip() for cell in record):
            continue
        cells = {k: record[i].strip() if i < len(record) else "" for k, i in columns.items()}
        problems.extend(control_problems(shown, number, cells, titles))
        unit = nfc(cells["unit"])
        if not unit:
            problems.append(
                Problem(shown, number, titles["unit"], "the unit is empty; write its code.")
            )
            continue
        for column, value in (("unit", _match_key(unit)), ("login", cells["login"])):
            seen = first_row.setdefault((column, value), number)
            if value and seen != number:
                message = f"this {column} is on row {seen} already; keep one account per point."
                problems.append(Problem(shown, number, titles[column], message))
        password, pin = cells["password"], cells.get("pin", "")
        accounts.append(
            Account(
                unit=unit,
                login=cells["login"],
                password=Secret(password) if password else None,
                room=cells.get("room", ""),
                server=cells.get("server", ""),
                pin=Secret(pin) if pin else None,
                row=number,
            )
        )
    if problems:
        raise InputError(problems)
    return AccountSheet(shown, tuple(accounts), titles)


def check_accounts(accounts: AccountSheet, points: Iterable[PointRef]) -> list[Problem]:
    """What is wrong between a provider's sheet and the planned bridge points; [] when nothing.

    A point with no account is a problem naming the point; an account that matches no point
    is a problem at its row; a computer endpoint's account needs a login and a password.
    Problems print as ``FILE:ROW:COLUMN: sentence`` and never quote a secret.

    Example:
        >>> sheet = AccountSheet("vt.csv", (Account(unit="X1", login="vt-x1", row=2),), {})
        >>> points = [PointRef(id="X1", name="Xã", host_unit="X1")]
        >>> [(p.where, p.what) for p in check_accounts(sheet, points)]  # a computer: no password
        [(2, 'password')]
    """
    problems: list[Problem] = []

    def add(row: int, column: str, message: str) -> None:
        problems.append(
            Problem(accounts.source, row, accounts.column(column) if row else "", message)
        )

    matched: set[str] = set()
    for point in points:
        account = accounts.for_point(point.id)
        if account is None:
            add(
                0,
                "",
                f"bridge point '{point.id}' ({point.name}) has no account in this sheet; "
                "add a row with its code and the login the provider issued for it.",
            )
            continue
        matched.add(_match_key(account.unit))
        if point.equipment == Equipment.HARDWARE:
            continue  # it dials the room; the provider registers the device itself
        for column, value in (("login", account.login), ("password", account.password)):
            if not value:
                add(
                    account.row,
                    column,
                    f"bridge point '{point.id}' joins from a computer and "
                    f"needs a {column}; fill it in from the provider's list.",
                )
    for account in accounts.accounts:
        if _match_key(account.unit) not in matched:
            add(  # the cell is not quoted: a sheet with its columns mixed up holds a password
                account.row,
                "unit",
                "no bridge point has the code in this cell; correct it (`meetlink plan` lists "
                "the points), or delete the row: it would not be used.",
            )
    return sorted(problems, key=lambda p: p.where)  # stable: a row's columns in order


_NOT_LOGIN = re.compile(r"[^a-z0-9]+")


@functools.lru_cache(maxsize=65536)  # asked for every point of every conference
def account_login(
    meeting_id: str, point_id: str, *, track: str | None = None, limit: int = 64
) -> str:
    """A login ``{meeting}-{point}`` in ``[a-z0-9-]`` (``{meeting}-{track}-{point}`` with a
    ``track``: a point in two tracks on one provider gets a login in each).

    When cleaning the point id loses more than case (accents, other signs) a short hash of
    it is added, so ids that clean alike still get their own logins.

    Example:
        >>> account_login("myhao-2023q3", "X1"), account_login("Mỹ Hào", "X 1")[:11]
        ('myhao-2023q3-x1', 'my-hao-x-1-')
        >>> account_login("q3", "X1", track="chi-bo")
        'q3-chi-bo-x1'
    """

    def clean(text: str) -> str:
        return _NOT_LOGIN.sub("-", fold(text)).strip("-")

    parts = (meeting_id, track, point_id) if track else (meeting_id, point_id)
    login = "-".join(clean(part) for part in parts).strip("-")
    if clean(point_id) != point_id.lower():
        login = f"{login[: limit - 9]}-{hashlib.sha256(point_id.encode()).hexdigest()[:8]}"
    return login[:limit]


def generate_password(length: int = 16) -> Secret:
    """A random password from :data:`PASSWORD_ALPHABET` with a lower case letter, a capital
    and a digit (what provider policies ask for); at least 80 bits.

    Example:
        >>> len(generate_password().reveal())
        16
    """
    if length * math.log2(len(PASSWORD_ALPHABET)) < MIN_PASSWORD_BITS:
        raise ValueError(f"a {length}-character password is too weak; use at least 14.")
    size = len(PASSWORD_ALPHABET)
    while True:  # rejection keeps the draw uniform over the passwords that pass
        # One call to the system's random source a password, not one a character.
        drawn = [b for b in secrets.token_bytes(2 * length) if b < _UNBIASED][:length]
        if len(drawn) < length:
            continue  # too many bytes redrawn (rare): draw again
        text = "".join([PASSWORD_ALPHABET[b % size] for b in drawn])
        if all(not group.isdisjoint(text) for group in _CLASSES):
            return Secret(text)


def generate_pin(digits: int = 6) -> Secret:
    """A random PIN whose first digit is not 0 (a spreadsheet would drop it).

    >>> len(generate_pin(6).reveal())
    6
    """
    low = 10 ** (digits - 1)
    return Secret(str(low + secrets.randbelow(9 * low)))


def upsert_csv(
    path: Path, header: Sequence[str], rows: Iterable[Mapping[str, str]], *, key: Sequence[str]
) -> None:
    """Put ``rows`` into the CSV ``path``, each replacing the row with the same ``key`` cells.

    Written for the provider: UTF-8 with a BOM (Excel shows Vietnamese), CRLF rows
    (RFC 4180), every cell through :func:`~meetlink.loading.sheets.spreadsheet_safe`, and
    with :func:`write_private`.
    """
    new = list(rows)
    replaced = {tuple(r.get(k, "") for k in key) for r in new}
    kept = [r for r in read_csv_rows(path) if tuple(r.get(k, "") for k in key) not in replaced]
    rewrite_csv(path, header, kept + new)


def rewrite_csv(path: Path, header: Sequence[str], rows: Iterable[Mapping[str, str]]) -> None:
    """Replace the CSV ``path`` with ``rows``, as :func:`upsert_csv` writes them."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(h) for h in header])
    writer.writerows([spreadsheet_safe(r.get(c, "")) for c in header] for r in rows)
    write_private(path, buffer.getvalue().encode("utf-8-sig"))


def write_private(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically, the file readable by its owner only
    (:func:`meetlink.private_files.write_private`)."""
    private_files.write_private(path, data)


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV this module wrote, as dicts by header (cells as they were before
    :func:`rewrite_csv` made them formula-safe); [] if the file is absent.

    Read by :func:`~meetlink.loading.sheets.read_table`, like every table meetlink reads;
    a file that is not UTF-8 or not CSV raises :class:`~meetlink.errors.InputError`.
    """
    if not path.is_file():
        return []
    header, rows = read_table(path)
    return [
        {title: cells[i] if i < len(cells) else "" for i, title in enumerate(header) if title}
        for _, cells in rows
        if any(cells)
    ]
