"""What the bench scripts share."""

from __future__ import annotations

import os


def print_load(suffix: str = "") -> None:
    """The machine's load average and CPU count (a busy machine inflates every figure)."""
    try:
        load = os.getloadavg()
    except OSError:  # not on every platform
        return
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs{suffix}")
