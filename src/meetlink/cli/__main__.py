"""``python -m meetlink.cli``: the same as the ``meetlink`` command."""

from __future__ import annotations

import sys

from meetlink.cli import main

sys.exit(main())
