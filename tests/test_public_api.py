"""The package root's public API: sorted, complete, importable (as httpx guards its own)."""

from __future__ import annotations

import subprocess
import sys

import meetlink


def test_all_is_sorted_and_every_name_exists() -> None:
    names = [n for n in meetlink.__all__ if n != "__version__"]
    assert names == sorted(names, key=lambda n: (n[0].islower(), n))
    assert all(hasattr(meetlink, name) for name in meetlink.__all__)


def test_the_python_api_opens_a_meeting_without_the_command_line() -> None:
    assert callable(meetlink.open_meeting)
    assert meetlink.open_meeting.__module__ == "meetlink.reconcile.run"


def test_importing_meetlink_does_not_import_the_google_client() -> None:
    code = "import sys, meetlink; print('googleapiclient' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
