"""Seed 004's registration: a bloc committee, twelve organizations, their forms."""

from __future__ import annotations

from pathlib import Path

import pytest
from registration_forms import write_bloc


@pytest.fixture
def bloc(tmp_path: Path) -> Path:
    """The meeting file of seed 004's bloc committee and its list of twelve organizations."""
    return write_bloc(tmp_path)
