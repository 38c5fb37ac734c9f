"""The demo database, built once for the tests that only read it (building it takes ~30 s)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def built_demo(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """``allhub demo --no-dashboard`` in a fresh process: the database path and the run. Tests
    only read it (each opens its own Store); one that changes the demo builds its own."""
    db = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    done = subprocess.run([sys.executable, "-m", "allhub_core", "demo", "--no-dashboard", "--demo-db", str(db)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return db, done
