"""Issue 13's bad-input suite: every bad input ends with exit code 2, a located sentence, and
nothing written.

One row per case: the meeting file and the roster (and a provider's account sheet) as
written, the location the message must start with (``FILE:ROW:COLUMN`` for a sheet,
``FILE:LINE: key.path`` for the meeting file) and a piece of its sentence. Each row runs the
real command line in-process (``meetlink open``) and checks that it exits 2 before anything
is made: no ``.meetlink`` state folder, no outbox, no file added or changed beside the
input, no traceback, no control character echoed to the terminal, and no secret of the
sheet in the output. The last test loads every hostile input under ``tracemalloc``: memory
is bounded by the input's real size, whatever it declares or expands to.
"""

# ruff: noqa: E501 - roster rows read best one to a line

from __future__ import annotations

import io
import re
import tracemalloc
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from meetlink.cli import main
from meetlink.credentials.vault import VaultKey
from meetlink.errors import InputError
from meetlink.loading import load_meeting

MEETING = """\
id: bad-input
title: "Giờ sinh hoạt toàn Đảng bộ"
organizer: {name: "Văn phòng Thị ủy", email: vp@thiuy.example.org}
roster: roster.csv
tracks:
  - id: main
    platform: memory
    units: {kinds: [committee, commune, attached, village, agency]}
    sittings:
      - {id: s1, start: 2023-09-10T08:00, end: 2023-09-10T10:00}
"""  # a key added at the end is on line 11

ROSTER = """\
mã,tên tổ chức đảng,loại,trực thuộc,số đảng viên,địa điểm,cán bộ kỹ thuật,email,email nhận giấy mời
TU,Thị ủy,committee,,40,Hội trường tầng 3,Ngô Văn An,ktv.tu@thiuy.example.org,vp@thiuy.example.org
X1,Xã Hòa Phong,commune,,30,Hội trường xã,Lê Thị Bình,ktv.x1@xa.example.org,bithu.x1@xa.example.org
"""

PROVISIONED = MEETING.replace(
    "platform: memory", "platform: provisioned\n    settings: {accounts: accounts.csv}"
)
ACCOUNTS = "đơn vị,tài khoản,mật khẩu\nTU,vt-tu,Kp7-tu-0000\nX1,vt-x1,Kp7-x1-0000\n"
SECRET = "S3cretMarker9QX"

BERLIN = "timezone: Europe/Berlin\n"


def meeting(old: str, new: str, *, text: str = MEETING) -> str:
    assert old in text, old
    return text.replace(old, new)


def roster(old: str, new: str) -> str:
    assert old in ROSTER, old
    return ROSTER.replace(old, new)


def sitting(written: str, *, extra: str = "") -> str:
    """The meeting with its one sitting written as given (on line 10), ``extra`` appended."""
    return meeting("{id: s1, start: 2023-09-10T08:00, end: 2023-09-10T10:00}", written) + extra


def sparse_xlsx(*rows: list[object], far: str = "XFD1048576") -> Callable[[Path], None]:
    """A workbook with ``rows`` at the top and one cell in the far corner, its declared
    dimension A1:far (a 5 KB file that once cost 3.8 GB and 46 s to read); none if ``far``
    is empty."""

    def write(path: Path) -> None:
        import openpyxl

        book = openpyxl.Workbook()
        for row in rows:
            book.active.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        if not far:
            book.save(path)
            return
        number = re.sub(r"\D", "", far)
        with (
            zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source,
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target,
        ):
            for item in source.infolist():
                data = source.read(item.filename)
                if item.filename == "xl/worksheets/sheet1.xml":
                    xml = re.sub(
                        r'<dimension ref="[^"]*"\s*/>',
                        f'<dimension ref="A1:{far}"/>',
                        data.decode(),
                    )
                    corner = (
                        f'<row r="{number}"><c r="{far}" t="inlineStr"><is><t>x</t></is></c></row>'
                    )
                    xml = xml.replace("</sheetData>", corner + "</sheetData>").replace(
                        "<sheetData/>", f"<sheetData>{corner}</sheetData>"
                    )
                    data = xml.encode()
                target.writestr(item, data)

    return write


def padded_xlsx(path: Path) -> None:
    """A good roster workbook with a member of 20 MB of zeros (20 KB compressed): a bomb."""
    import openpyxl

    book = openpyxl.Workbook()
    for row in (["mã", "tên", "loại", "số đảng viên"], ["TU", "Thị ủy", "committee", 40]):
        book.active.append(row)
    book.save(path)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", bytes(20_000_000))


def noted_xlsx(path: Path) -> None:
    """1,000 units, each with a note in the sheet's last column (XFD), as is its header."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in (
        ["mã", "tên", "loại", "số đảng viên"],
        *([f"U{i}", f"Chi bộ {i}", "village", 10] for i in range(1000)),
    ):
        sheet.append(row)
    for number in range(1, 1002):
        sheet.cell(row=number, column=16384, value="ghi chú" if number == 1 else "x")
    book.save(path)


def alias_bomb() -> str:
    """Billion laughs: nine levels of nine aliases (once MemoryError after 3 GB and 42 s)."""
    levels = ['  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n']
    levels += [
        f"  {name}: &{name} [{', '.join(['*' + below] * 9)}]\n"
        for below, name in zip("abcdefgh", "bcdefghi", strict=True)
    ]
    return MEETING + "description:\n" + "".join(levels)


@dataclass(frozen=True)
class Case:
    """One bad input. ``where`` is the start of the expected line of output, with
    ``{meeting}``, ``{roster}`` and ``{accounts}`` standing for the files' paths."""

    id: str
    where: str
    says: str
    meeting: str = MEETING
    roster: str | bytes | Callable[[Path], None] = ROSTER
    roster_name: str = "roster.csv"
    accounts: str | None = None
    secret: str | None = None  # in the input; must appear nowhere in the output
    extra: dict[str, str] = field(default_factory=dict)


CASES = [
    # --- control characters: refused at load, in every text a sheet or the meeting file gives
    Case(
        "bell-in-a-unit-name",
        "{roster}:3:tên tổ chức đảng: ",
        "control character (U+0007)",
        roster=roster("Xã Hòa Phong", "Xã Hòa\x07Phong"),
    ),
    Case(
        "escape-sequence-in-a-unit-name",
        "{roster}:3:tên tổ chức đảng: ",
        "escape character (U+001B)",
        roster=roster("Xã Hòa Phong", "Xã \x1b[31mHòa Phong"),
    ),
    Case(
        "del-in-a-unit-name",
        "{roster}:3:tên tổ chức đảng: ",
        "DEL character (U+007F)",
        roster=roster("Xã Hòa Phong", "Xã Hòa\x7fPhong"),
    ),
    Case(
        "tab-inside-a-unit-name",
        "{roster}:3:tên tổ chức đảng: ",
        "a tab (U+0009)",
        roster=roster("Xã Hòa Phong", "Xã Hòa\tPhong"),
    ),
    Case(
        "nul-in-a-unit-id",
        "{roster}:2:mã: ",
        "NUL character (U+0000)",
        roster=roster("TU,Thị ủy", "T\x00U,Thị ủy"),
    ),
    Case(
        "c1-control-in-a-hall",
        "{roster}:2:địa điểm: ",
        "control character (U+009B)",
        roster=roster("Hội trường tầng 3", "Hội trường\x9b tầng 3"),
    ),
    Case(
        "line-break-in-a-quoted-officer-name",
        "{roster}:3:cán bộ kỹ thuật: ",
        "a line break (U+000A)",
        roster=roster("Lê Thị Bình", '"Lê Thị\nBình"'),
    ),
    Case(
        "escaped-bell-in-the-title",
        "{meeting}:2: title: ",
        "control character (U+0007)",
        meeting=meeting('"Giờ sinh hoạt', '"Giờ\\a sinh hoạt'),
    ),
    Case(
        "raw-bell-in-the-title",
        "{meeting}:2: title: ",
        "control character (U+0007)",
        meeting=meeting('"Giờ sinh hoạt', '"Giờ\x07 sinh hoạt'),
    ),
    Case(
        "escape-in-an-organizer-name",
        "{meeting}:3: organizer.name: ",
        "escape character (U+001B)",
        meeting=meeting('"Văn phòng Thị ủy"', '"Văn phòng\\e[2J Thị ủy"'),
    ),
    Case(
        "tab-in-an-agenda-item",
        "{meeting}:12: agenda[0]: ",
        "a tab (U+0009)",
        meeting=MEETING + 'agenda:\n  - "Khai\\tmạc"\n',
    ),
    Case(
        "line-break-in-a-sitting-title",
        "{meeting}:10: tracks[0].sittings[0].title: ",
        "a line break",
        meeting=sitting(
            '{id: s1, title: "Lớp\\n1", start: 2023-09-10T08:00, end: 2023-09-10T10:00}'
        ),
    ),
    # --- work bounded by the input's real size
    Case(
        "alias-bomb",
        "{meeting}:12: description.a: ",
        "anchors (&name) and aliases (*name) are not allowed",
        meeting=alias_bomb(),
    ),
    Case(
        "nesting-too-deep",
        "{meeting}:11: description[0]",
        "nest deeper than 32 levels",
        meeting=MEETING + "description: " + "[" * 200 + "]" * 200 + "\n",
    ),
    Case(
        "sparse-xlsx-one-cell-in-the-far-corner",
        "{roster}:1: ",
        "the header has no column",
        meeting=meeting("roster.csv", "roster.xlsx"),
        roster=sparse_xlsx(),
        roster_name="roster.xlsx",
    ),
    Case(
        "xlsx-that-expands-a-thousandfold",
        "{roster}: ",
        "would expand to 20,",
        meeting=meeting("roster.csv", "roster.xlsx"),
        roster=padded_xlsx,
        roster_name="roster.xlsx",
    ),
    Case(
        "csv-cell-over-the-field-limit",
        "{roster}:3: ",
        "longer than 131,072 characters",
        roster=roster("Xã Hòa Phong", '"' + "Xã " * 50_000 + '"'),
    ),
    # --- numbers, tags and times that used to end in a traceback
    Case(
        "timestamp-tag",
        "{meeting}:10: tracks[0].sittings[0].start: ",
        "the tag !!timestamp is not allowed",
        meeting=sitting("{id: s1, start: !!timestamp 2023-09-10T08:00, end: 2023-09-10T10:00}"),
    ),
    Case(
        "binary-tag",
        "{meeting}:11: description: ",
        "the tag !!binary is not allowed",
        meeting=MEETING + "description: !!binary aGVsbG8=\n",
    ),
    Case(
        "arrive-early-1e23",
        "{meeting}:11: arrive_early_minutes: ",
        "less than or equal to 1440",
        meeting=MEETING + "arrive_early_minutes: 100000000000000000000000\n",
    ),
    Case(
        "a-number-of-5000-digits",
        "{meeting}:11: arrive_early_minutes: ",
        "more than 32 characters",
        meeting=MEETING + "arrive_early_minutes: " + "1" * 5000 + "\n",
    ),
    Case(
        "duration-99999999999",
        "{meeting}:10: tracks[0].sittings[0].duration_minutes: ",
        "less than or equal to 4320",
        meeting=sitting("{id: s1, start: 2023-09-10T08:00, duration_minutes: 99999999999}"),
    ),
    Case(
        "a-start-in-year-0001",
        "{meeting}:10: tracks[0].sittings[0].start: ",
        "the year 0001 is outside 2000–2100",
        meeting=sitting("{id: s1, start: 0001-01-01T08:00, duration_minutes: 60}"),
    ),
    Case(
        "a-rehearsal-in-year-9999",
        "{meeting}:11: rehearsal: ",
        "the year 9999 is outside",
        meeting=MEETING + "rehearsal: 9999-12-31T23:00-05:00\n",
    ),
    Case(
        "a-sitting-of-four-days",
        "{meeting}:10: tracks[0].sittings[0].end: ",
        "at most 3 days",
        meeting=sitting("{id: s1, start: 2023-09-10T08:00, end: 2023-09-14T10:00}"),
    ),
    Case(
        "a-time-the-clocks-skip",
        "{meeting}:10: tracks[0].sittings[0].start: ",
        "does not exist in Europe/Berlin",
        meeting=sitting("{id: s1, start: 2024-03-31T02:30, duration_minutes: 60}", extra=BERLIN),
    ),
    Case(
        "a-time-the-clocks-show-twice",
        "{meeting}:10: tracks[0].sittings[0].start: ",
        "happens twice in Europe/Berlin",
        meeting=sitting("{id: s1, start: 2024-10-27T02:30, duration_minutes: 60}", extra=BERLIN),
    ),
    Case(
        "ends-before-it-starts-in-utc",
        "{meeting}:10: tracks[0].sittings[0].end: ",
        "is not after the start",
        meeting=sitting(
            "{id: s1, start: 2024-10-27T02:30+01:00, end: 2024-10-27T02:40+02:00}", extra=BERLIN
        ),
    ),
    # --- an empty conference, overlapping sittings, recurrences no meeting has
    Case(
        "a-header-only-roster",
        "{meeting}:8: tracks[0].units: ",
        "has no units",
        roster=ROSTER.splitlines(keepends=True)[0],
    ),
    Case(
        "a-track-that-matches-no-unit",
        "{meeting}:8: tracks[0].units: ",
        "no unit of the roster",
        meeting=meeting(
            "kinds: [committee, commune, attached, village, agency]", "kinds: [agency]"
        ),
    ),
    Case(
        "a-track-without-units",
        "{meeting}:6: tracks[0].units: ",
        "this track takes no units",
        meeting=meeting(
            "    units: {kinds: [committee, commune, attached, village, agency]}\n", ""
        ),
    ),
    Case(
        "every-member-excluded",
        "{meeting}:8: tracks[0].units: ",
        "no member to seat",
        roster=ROSTER.replace("email nhận giấy mời\n", "email nhận giấy mời,không triệu tập\n")
        .replace(".org\nX1", ".org,40\nX1")
        .replace("bithu.x1@xa.example.org\n", "bithu.x1@xa.example.org,30\n"),
    ),
    Case(
        "a-split-sitting-with-nobody",
        "{meeting}:13: tracks[0].sittings[2]: ",
        "nobody is seated at this sitting",
        roster=roster(",40,", ",1,").replace(",30,", ",2,"),
        meeting=meeting("    sittings:\n", "    attendance: split\n    sittings:\n")
        + "      - {id: s2, start: 2023-09-11T08:00, end: 2023-09-11T10:00}\n      - {id: s3, start: 2023-09-12T08:00, end: 2023-09-12T10:00}\n",
    ),
    Case(
        "overlapping-sittings",
        "{meeting}:11: tracks[0].sittings[1].start: ",
        "starts before sitting 's1' of the same track ends",
        meeting=MEETING + "      - {id: s2, start: 2023-09-10T09:00, end: 2023-09-10T11:00}\n",
    ),
    *(
        Case(
            f"freq-{freq.lower()}",
            "{meeting}:10: tracks[0].sittings[0].recurrence: ",
            f"the rule FREQ={freq} repeats",
            meeting=sitting(
                f'{{id: s1, start: 2023-09-10T08:00, end: 2023-09-10T10:00, recurrence: "FREQ={freq};COUNT=3"}}'
            ),
        )
        for freq in ("SECONDLY", "MINUTELY", "HOURLY")
    ),
    Case(
        "byminute-in-a-daily-rule",
        "{meeting}:10: tracks[0].sittings[0].recurrence: ",
        "BYMINUTE would hold the sitting",
        meeting=sitting(
            '{id: s1, start: 2023-09-10T08:00, end: 2023-09-10T08:30, recurrence: "FREQ=DAILY;BYMINUTE=0,1,2"}'
        ),
    ),
    # --- messages that pointed elsewhere or gave the wrong advice
    Case(
        "unbalanced-quote",
        "{roster}:3:tên tổ chức đảng: ",
        'a quote (") opens this cell and is never closed',
        roster=roster("X1,Xã Hòa Phong,", 'X1,"Xã Hòa Phong,') + "X2,Xã Dị Sử,commune,,12,,,,\n",
    ),
    Case(
        "utf-16le-without-a-bom",
        "{roster}: ",
        "UTF-16 (little-endian, without a byte-order mark)",
        roster=ROSTER.encode("utf-16-le"),
    ),
    Case(
        "jitsi-server-with-a-scheme",
        "{meeting}:8: tracks[0].settings.server: ",
        "the host name of the Jitsi server",
        meeting=meeting(
            "platform: memory",
            'platform: jitsi\n    settings: {server: "https://meet.example.org/room"}',
        ),
    ),
    Case(
        "jitsi-server-empty",
        "{meeting}:8: tracks[0].settings.server: ",
        "the host name of the Jitsi server",
        meeting=meeting("platform: memory", "platform: jitsi\n    settings: {server: }"),
    ),
    # --- a provider's account sheet: located, and never a cell quoted
    Case(
        "two-password-columns",
        "{accounts}:1:password: ",
        "repeats the password column 'mật khẩu'",
        meeting=PROVISIONED,
        accounts=ACCOUNTS.replace("mật khẩu\n", "mật khẩu,password\n").replace(
            "0000\n", f"0000,{SECRET}\n"
        ),
    ),
    Case(
        "a-password-in-the-unit-column",
        "{accounts}:2:đơn vị: ",
        "no bridge point has the code in this cell",
        meeting=PROVISIONED,
        accounts=ACCOUNTS.replace("TU,vt-tu,Kp7-tu-0000", f"{SECRET},vt-tu,TU"),
        secret=SECRET,
    ),
    Case(
        "a-control-character-in-a-password",
        "{accounts}:3:mật khẩu: ",
        "control character (U+0007)",
        meeting=PROVISIONED,
        accounts=ACCOUNTS.replace("Kp7-x1-0000", f"{SECRET}\x07"),
        secret=SECRET,
    ),
]

# What a terminal would act on: C0 controls but the line feed, DEL, C1 controls.
_CONTROLS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def write(case: Case, folder: Path) -> dict[str, Path]:
    folder.mkdir()
    paths = {
        "meeting": folder / "meeting.yaml",
        "roster": folder / case.roster_name,
        "accounts": folder / "accounts.csv",
    }
    paths["meeting"].write_text(case.meeting, encoding="utf-8")
    if isinstance(case.roster, str):
        paths["roster"].write_text(case.roster, encoding="utf-8", newline="")
    elif isinstance(case.roster, bytes):
        paths["roster"].write_bytes(case.roster)
    else:
        case.roster(paths["roster"])
    if case.accounts is not None:
        paths["accounts"].write_text(case.accounts, encoding="utf-8", newline="")
    return paths


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(autouse=True)
def _vault_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MEETLINK_VAULT_KEY", VaultKey.generate().reveal_text())
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bad_input_exits_2_at_its_location_before_anything_is_written(
    case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = write(case, tmp_path / "meeting")
    before = snapshot(tmp_path / "meeting")

    code = main(["open", str(paths["meeting"])])

    out, err = capsys.readouterr()
    where = case.where.format(**{name: str(path) for name, path in paths.items()})
    located = [line for line in err.splitlines() if line.startswith(where)]
    assert code == 2, err
    assert located, f"no line starts with {where!r}:\n{err}"
    assert any(case.says in line for line in located), err
    assert err.rstrip().endswith("nothing was done.")
    assert "Traceback" not in err
    assert not _CONTROLS.search(out + err), "a control character reached the terminal"
    assert not (tmp_path / "meeting" / ".meetlink").exists()  # no state folder, no outbox
    assert snapshot(tmp_path / "meeting") == before
    assert not (tmp_path / "config").exists()
    if case.secret is not None:
        assert case.secret not in out + err


@pytest.mark.parametrize(
    ("meeting_text", "accounts"),
    [(MEETING, None), (PROVISIONED, ACCOUNTS)],
    ids=["memory", "provisioned"],
)
def test_the_unbroken_inputs_open(
    meeting_text: str, accounts: str | None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each case fails for its own fault: the files it changes open as they are."""
    paths = write(
        Case("good", "", "", meeting=meeting_text, accounts=accounts), tmp_path / "meeting"
    )

    assert main(["open", str(paths["meeting"])]) == 0, capsys.readouterr().err
    assert (tmp_path / "meeting" / ".meetlink" / "outbox").is_dir()


def test_the_ids_of_the_cases_are_unique() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))


HOSTILE = [c for c in CASES if c.accounts is None] + [
    # data in the first columns and a stray cell far beyond them: read, the stray ignored
    Case(
        "sparse-xlsx-with-units",
        "",
        "",
        meeting=meeting("roster.csv", "roster.xlsx"),
        roster_name="roster.xlsx",
        roster=sparse_xlsx(
            ["mã", "tên", "loại", "số đảng viên"], ["TU", "Thị ủy", "committee", 40]
        ),
    ),
    # a note in the last column (XFD) of every row: rows 16,384 cells wide, as declared
    Case(
        "xlsx-notes-in-the-last-column",
        "",
        "",
        meeting=meeting("roster.csv", "roster.xlsx"),
        roster_name="roster.xlsx",
        roster=noted_xlsx,
    ),
]


PEAK_MB = 10  # the worst today: 2.3 MB, for a 28 KB workbook 16,384 columns wide


def test_loading_any_hostile_input_costs_a_few_megabytes(tmp_path: Path) -> None:
    """A few KB of input never cost more than a few MB to load: peak memory as tracemalloc
    counts it (the alias bomb and the sparse workbook once cost gigabytes). The workbooks
    that are only wide or sparse load, their stray cells ignored."""
    peaks: dict[str, float] = {}
    loaded: dict[str, int] = {}
    for number, case in enumerate(HOSTILE):
        paths = write(case, tmp_path / f"m{number}")
        tracemalloc.start()
        try:
            loaded[case.id] = len(load_meeting(paths["meeting"]).roster.units)
        except InputError:
            pass
        finally:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        peaks[case.id] = peak / 1e6
    heavy = {name: f"{mb:.1f} MB" for name, mb in peaks.items() if mb > PEAK_MB}
    assert heavy == {}
    assert peaks["sparse-xlsx-with-units"] < 1  # 1,048,576 rows declared, two read
    assert loaded == {
        "jitsi-server-with-a-scheme": 2,  # refused later, by the adapter's settings
        "jitsi-server-empty": 2,
        "sparse-xlsx-with-units": 1,
        "xlsx-notes-in-the-last-column": 1000,
    }


def test_no_problem_about_an_account_sheet_quotes_a_cell(tmp_path: Path) -> None:
    """The marker test for a provider's sheet: a sheet with its columns mixed up may hold a
    password in any column, so every problem names a row and a column, never a cell."""
    from meetlink.adapters.models import PointRef
    from meetlink.adapters.provisioned.accounts import check_accounts, load_accounts

    marks = {column: f"MK{column.upper()}9f3q" for column in ("unit", "login", "pw", "pin")}
    header = "đơn vị,tài khoản,mật khẩu,mã pin,phòng,máy chủ\n"
    refused = tmp_path / "refused.csv"
    refused.write_text(
        header
        + f"{marks['unit']},{marks['login']},{marks['pw']},{marks['pin']},r,s\n"
        + f"{marks['unit']},{marks['login']},{marks['pw']},{marks['pin']},r,s\n"  # twice
        + f"X1\x07{marks['unit']},{marks['login']}\x1b,{marks['pw']}\x07,{marks['pin']}\x00,r,s\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        load_accounts(refused)
    loaded = tmp_path / "loaded.csv"
    loaded.write_text(
        header + f"{marks['pw']},{marks['login']},X1,{marks['pin']},r,s\nX1,,,,,\n",
        encoding="utf-8",
    )
    checked = check_accounts(
        load_accounts(loaded),
        [
            PointRef(id="TU", name="Thị ủy", host_unit="TU"),
            PointRef(id="X1", name="Xã", host_unit="X1"),
        ],
    )

    problems = [*caught.value.problems, *checked]
    shown = "\n".join(str(p) for p in problems)
    assert len(caught.value.problems) == 7  # 3 repeated units or logins, 4 control characters
    assert len(checked) == 4  # TU has no account; row 2 matches no point; row 3 lacks 2 cells
    assert not any(mark in shown for mark in marks.values()), shown
    assert all(p.where and p.what for p in problems if "TU" not in p.message), shown
