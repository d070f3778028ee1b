"""The machine and date line every benchmark prints beside its figures."""

from __future__ import annotations

import datetime as dt
import os
import platform


def machine_line() -> str:
    """``date · CPU · cores · Python`` for the README's figures table."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (
        f"{dt.date.today().isoformat()} · {cpu} · {os.cpu_count()} cores · "
        f"Python {platform.python_version()} · {platform.system()} {platform.release()}"
    )
