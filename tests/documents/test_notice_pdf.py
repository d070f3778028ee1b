"""The notice as LibreOffice prints it: a sane number of A4 pages, the notice in portrait and
its list of bridge points on landscape pages after it (needs ``soffice``; skipped without)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice (soffice) is not installed: the PDF check needs it"
)
_PAGE = re.compile(rb"/Type\s*/Page\b(?!s)(.*?)endobj", re.DOTALL)
_BOX = re.compile(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]")


def pages(pdf: Path) -> list[tuple[float, float]]:
    """Each page's (width, height) in points, in the order the file holds them."""
    sizes = []
    for body in _PAGE.findall(pdf.read_bytes()):
        box = _BOX.search(body)
        assert box is not None, "a page without its own MediaBox"
        x0, y0, x1, y1 = (float(v) for v in box.groups())
        sizes.append((x1 - x0, y1 - y0))
    return sizes


def to_pdf(document: Path) -> Path:
    profile = (document.parent / "lo-profile").as_uri()  # its own: another soffice may run
    command = [str(SOFFICE), f"-env:UserInstallation={profile}", "--headless"]
    command += ["--convert-to", "pdf", "--outdir", str(document.parent), str(document)]
    subprocess.run(command, check=True, capture_output=True, timeout=240)
    return document.with_suffix(".pdf")


@pytest.mark.slow
def test_the_notice_prints_portrait_then_its_list_in_landscape(
    myhao_notice: Path, tmp_path: Path
) -> None:
    copy = tmp_path / myhao_notice.name
    shutil.copyfile(myhao_notice, copy)
    sizes = pages(to_pdf(copy))
    shapes = [_shape(size) for size in sizes]
    assert "?" not in shapes, sizes
    first_landscape = shapes.index("landscape")
    assert 1 <= first_landscape <= 3  # the notice itself: one to three pages
    assert shapes[first_landscape:] == ["landscape"] * (len(shapes) - first_landscape)
    # 80 bridge points: a handful of landscape pages, not one per point
    assert 3 <= len(shapes) - first_landscape <= 15


def _shape(size: tuple[float, float]) -> str:
    if _near(size, (595.3, 841.9)):
        return "portrait"
    return "landscape" if _near(size, (841.9, 595.3)) else "?"


def _near(size: tuple[float, float], expected: tuple[float, float]) -> bool:
    return abs(size[0] - expected[0]) < 2 and abs(size[1] - expected[1]) < 2
