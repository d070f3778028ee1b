"""Shared test helpers: write rosters and meeting files, build units, meetings and plans.

Rosters and meeting files go into ``tmp_path``; units, meetings and plans are built in code
for the planner tests. The factories are stateless, so they are session-scoped and safe to
use inside hypothesis tests.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

from meetlink.loading.meeting import Meeting
from meetlink.loading.roster import COLUMNS, Roster, Unit
from meetlink.planning import Plan, plan_meeting

ALL_KINDS = ["committee", "commune", "attached", "village", "agency"]

Row = Mapping[str, Any] | Sequence[Any]


def meeting_data(**overrides: Any) -> dict[str, Any]:
    """A valid meeting mapping (one track, one sitting, every kind); keys replaced by overrides."""
    data: dict[str, Any] = {
        "id": "demo-2023q3",
        "title": "Giờ sinh hoạt toàn Đảng bộ",
        "organizer": {"name": "Văn phòng Thị ủy", "email": "vanphong@thiuy.example"},
        "timezone": "Asia/Ho_Chi_Minh",
        "roster": "roster.csv",
        "tracks": [
            {
                "id": "main",
                "platform": "memory",
                "units": {"kinds": list(ALL_KINDS)},
                "sittings": [
                    {"id": "s1", "start": "2023-09-10T08:00", "end": "2023-09-10T10:00"},
                ],
            }
        ],
    }
    data.update(overrides)
    return data


class Files:
    """Writes roster and meeting files into one folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, name: str) -> Path:
        return self.root / name

    def _table(self, rows: Iterable[Row], header: Sequence[str] | None) -> list[list[Any]]:
        rows = list(rows)
        if header is not None:
            return [list(header), *(list(r) for r in rows)]
        keys = [c for c in COLUMNS if any(isinstance(r, Mapping) and c in r for r in rows)]
        table: list[list[Any]] = [keys]
        for row in rows:
            assert isinstance(row, Mapping), "give a header when rows are lists"
            table.append([row.get(k, "") for k in keys])
        return table

    def roster_csv(
        self,
        rows: Iterable[Row],
        *,
        header: Sequence[str] | None = None,
        name: str = "roster.csv",
        encoding: str = "utf-8",
        bom: bool = False,
    ) -> Path:
        """A CSV roster; rows are dicts keyed by canonical column, or lists under ``header``."""
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(self._table(rows, header))
        text = ("\ufeff" if bom else "") + buffer.getvalue()
        target = self.path(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode(encoding))
        return target

    def roster_text(self, text: str, *, name: str = "roster.csv") -> Path:
        """A CSV roster written verbatim (for exact row numbers)."""
        target = self.path(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        return target

    def roster_xlsx(
        self,
        rows: Iterable[Row],
        *,
        header: Sequence[str] | None = None,
        name: str = "roster.xlsx",
        first_sheet_rows: Sequence[Sequence[Any]] | None = None,
    ) -> Path:
        """An XLSX roster on the first sheet (``None`` rows stay blank); a decoy second sheet."""
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.worksheets[0]
        sheet.title = "Danh sách"
        table = first_sheet_rows if first_sheet_rows is not None else self._table(rows, header)
        for number, row in enumerate(table, start=1):
            for column, value in enumerate(row or (), start=1):
                if value is not None and value != "":
                    sheet.cell(row=number, column=column, value=value)
        decoy = book.create_sheet("Ghi chú")
        decoy.append(["id", "name", "kind", "members"])
        decoy.append(["NOT-THIS", "Sheet two", "nonsense", "-1"])
        target = self.path(name)
        book.save(target)
        return target

    def meeting(
        self,
        data: Mapping[str, Any] | str | None = None,
        *,
        name: str = "meeting.yaml",
        **overrides: Any,
    ) -> Path:
        """A meeting file: a mapping (dumped as YAML), verbatim text, or the default meeting
        with ``overrides`` (``files.meeting(roster="data/roster.csv")``)."""
        target = self.path(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            text = data
        else:
            text = yaml.safe_dump(
                dict(data if data is not None else meeting_data(**overrides)),
                sort_keys=False,
                allow_unicode=True,
            )
        target.write_text(text, encoding="utf-8")
        return target


@pytest.fixture
def files(tmp_path: Path) -> Files:
    return Files(tmp_path)


def _unit(unit_id: str, kind: str = "agency", members: int = 20, **fields: Any) -> Unit:
    fields.setdefault("name", f"Chi bộ {unit_id}")
    return Unit(id=unit_id, kind=kind, members=members, **fields)  # type: ignore[arg-type]


def _meeting(**overrides: Any) -> Meeting:
    return Meeting.model_validate(
        meeting_data(**overrides),
        context={"timezone": overrides.get("timezone", "Asia/Ho_Chi_Minh")},
    )


def _plan(units: Sequence[Unit], **overrides: Any) -> Plan:
    return plan_meeting(_meeting(**overrides), Roster("roster.csv", tuple(units)))


@pytest.fixture(scope="session")
def unit() -> Callable[..., Unit]:
    """``unit(id, kind="agency", members=20, **fields)``: a Unit built in code."""
    return _unit


@pytest.fixture(scope="session")
def meeting() -> Callable[..., Meeting]:
    """``meeting(**overrides)``: a validated Meeting, overriding keys of the default mapping."""
    return _meeting


@pytest.fixture(scope="session")
def plan() -> Callable[..., Plan]:
    """``plan(units, **meeting_overrides)``: the plan of these units (roster file 'roster.csv')."""
    return _plan


@pytest.fixture(scope="session")
def track() -> Callable[..., dict[str, Any]]:
    """``track(id, kinds=..., sittings=n or list, **keys)``: a track mapping for meeting_data."""

    def make(
        track_id: str = "main",
        *,
        kinds: Sequence[str] = tuple(ALL_KINDS),
        ids: Sequence[str] = (),
        sittings: int | Sequence[Mapping[str, Any]] = 1,
        **keys: Any,
    ) -> dict[str, Any]:
        if isinstance(sittings, int):
            sittings = [
                {
                    "id": f"s{i}",
                    "start": f"2023-09-1{i}T08:00",
                    "end": f"2023-09-1{i}T10:00",
                }
                for i in range(1, sittings + 1)
            ]
        units: dict[str, Any] = {"kinds": list(kinds)}
        if ids:
            units["ids"] = list(ids)
        return {
            "id": track_id,
            "platform": "memory",
            "units": units,
            "sittings": [dict(s) for s in sittings],
            **keys,
        }

    return make


# --------------------------------------------------------------------------- printed sheets


def _print_problems(sheet: Any, *, repeat_header: bool = True) -> list[str]:
    """What keeps an openpyxl worksheet (read back) from printing as an office prints a
    table (meetlink.loading.printed): empty when it is ready."""
    problems = []
    setup = sheet.page_setup
    if (setup.orientation, str(setup.paperSize)) != ("landscape", "9"):
        problems.append(f"{sheet.title}: not A4 landscape ({setup.orientation}, {setup.paperSize})")
    if (setup.fitToWidth, setup.fitToHeight) != (1, 0):
        problems.append(f"{sheet.title}: not fitted to one page wide")
    properties = sheet.sheet_properties.pageSetUpPr
    if properties is None or not properties.fitToPage:
        problems.append(f"{sheet.title}: fitToPage is off, so the fit is ignored")
    if repeat_header and not sheet.print_title_rows:
        problems.append(f"{sheet.title}: no header row repeated on every page")
    if not sheet.print_options.horizontalCentered:
        problems.append(f"{sheet.title}: not centred on the page")
    if sheet.oddFooter.center.text != "Trang &P/&N":
        problems.append(f"{sheet.title}: no page number in the footer")
    if sheet.freeze_panes is None:
        problems.append(f"{sheet.title}: the panes are not frozen below the header")
    title = sheet["A1"]
    if not (title.value and title.font.bold and title.font.name == "Times New Roman"):
        problems.append(f"{sheet.title}: no bold title in A1")
    for row in sheet.iter_rows(min_row=1, max_row=sheet.max_row, max_col=sheet.max_column):
        for cell in row:
            if cell.font.name != "Times New Roman":
                problems.append(f"{sheet.title}!{cell.coordinate}: font {cell.font.name}")
            text = str(cell.value or "")
            if "Số chỗ" in text or "provisioned" in text:
                problems.append(f"{sheet.title}!{cell.coordinate}: a raw label {text!r}")
    return problems


@pytest.fixture(scope="session")
def print_problems() -> Callable[..., list[str]]:
    """``print_problems(sheet, repeat_header=True)``: why a sheet is not ready to print."""
    return _print_problems


def _pdf_pages(source: Path) -> list[tuple[float, float, str]]:
    """``source`` (XLSX, DOCX) converted by LibreOffice: each page's width, height, text."""
    import shutil
    import subprocess

    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: the printed pages are not checked")
    fc_list = shutil.which("fc-list")
    serif = fc_list is not None and any(
        subprocess.run([fc_list, name], capture_output=True, text=True, check=False).stdout.strip()
        for name in ("Times New Roman", "Liberation Serif")
    )
    if not serif:
        pytest.skip(
            "neither Times New Roman nor Liberation Serif (fonts-liberation) is installed: "
            "LibreOffice would print with another font's widths"
        )
    pypdf = pytest.importorskip("pypdf", reason="pypdf (the test extra) reads the PDF pages")
    folder = source.parent / "pdf"
    profile = source.parent / "lo-profile"  # its own profile: runs beside another soffice
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    reader = pypdf.PdfReader(folder / f"{source.stem}.pdf")
    return [
        (float(page.mediabox.width), float(page.mediabox.height), page.extract_text() or "")
        for page in reader.pages
    ]


@pytest.fixture(scope="session")
def pdf_pages() -> Callable[[Path], list[tuple[float, float, str]]]:
    """``pdf_pages(path)``: the pages LibreOffice prints (skips without soffice or pypdf)."""
    return _pdf_pages


@pytest.fixture(autouse=True)
def _english_command(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ``meetlink`` command speaks English in every test, whatever the locale of the
    machine (a ``vi_VN`` one would make it Vietnamese); tests/cli sets its language itself."""
    monkeypatch.setenv("MEETLINK_LANG", "en")
