"""``python -m meetlink`` runs the command line."""

from __future__ import annotations

import sys

from meetlink.cli import main

sys.exit(main())
