"""meetlink: plan, open and report simultaneous online meetings across many bridge points."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
