"""The public surface of meetlink.report: one sorted ``__all__``, every name importable."""

from __future__ import annotations

import meetlink.report as report


def isort_style(name: str) -> tuple[int, str]:
    """Constants, then classes, then functions (ruff's RUF022 order)."""
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def test_all_is_sorted_and_every_name_exists():
    assert report.__all__ == sorted(report.__all__, key=isort_style)
    assert [name for name in report.__all__ if not hasattr(report, name)] == []


def test_the_package_imports_without_matplotlib_being_loaded():
    import subprocess
    import sys

    code = "import sys, meetlink.report; print('matplotlib' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "False"
