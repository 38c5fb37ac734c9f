"""Browser-test settings and the dashboard they drive.

Chromium: Debian's /usr/bin/chromium, with a tall viewport so full-page screenshots show whole
pages; the tests fail, never skip, when it is missing.

``dashboard``: a real ``streamlit run serve.py`` on a free loopback port, with ``.url`` and ``.db``
(the database its pages open). One server is shared by the whole session: before each test it
is pointed at a new, empty database folder (``ALLHUB_DB`` names a symlinked folder, which the
fixture moves), so every test still starts from an empty store. A test gets a server of its own
when it needs one: marked ``own_dashboard`` (e.g. it watches a server's first visit), or when it
changed the environment the server would inherit (e.g. it turned the scheduler on).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
#: Environment variables that differ from test to test without changing what a server does.
PER_TEST_ENV = ("ALLHUB_DB", "PYTEST_CURRENT_TEST")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Browser tests must fail, not skip, when Chromium is missing.
    assert Path(CHROMIUM).exists(), f"Chromium is required for the browser tests at {CHROMIUM} (make test installs it)"
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1600}, "accept_downloads": True}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env() -> dict[str, str]:
    """The environment a dashboard started now would inherit, less what differs per test anyway."""
    return {k: v for k, v in os.environ.items() if k not in PER_TEST_ENV}


class Dashboard:
    """A real `streamlit run serve.py` on a free loopback port over ``db``, in ``env``."""

    def __init__(self, db: Path, env: dict[str, str]):
        self.db = db
        self.env = env
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "serve.py"), "--server.headless=true",
             f"--server.port={self.port}", "--server.address=127.0.0.1", "--browser.gatherUsageStats=false",
             "--server.fileWatcherType=none"],
            cwd=ROOT, env={**env, "ALLHUB_DB": str(db)}, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 45
        while True:
            try:
                with urllib.request.urlopen(self.url + "/_stcore/health", timeout=2) as r:
                    if r.read() == b"ok":
                        break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the dashboard did not start")
            time.sleep(0.3)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@dataclass(frozen=True)
class Lent:
    """The shared server as one test sees it: its address, and this test's own database."""

    url: str
    db: Path


class SharedDashboard:
    """One dashboard for the session; ``lend(folder)`` points it at an empty database there.

    The server's ``ALLHUB_DB`` is ``<home>/current/allhub.duckdb`` and ``current`` is a symlink,
    replaced atomically for each test. The pages open the database at every run and let go of it
    when the run ends, so the next run opens the new, empty file (created and migrated then).
    """

    def __init__(self, home: Path):
        self.link = home / "current"
        first = home / "first"
        first.mkdir()
        self.link.symlink_to(first, target_is_directory=True)
        self.env = {k: v for k, v in server_env().items() if k != "ALLHUB_SECRET_KEY"}
        self.env["ALLHUB_NO_BACKGROUND"] = "1"  # as tests/conftest.py's _isolated_env sets it
        self.server: Dashboard | None = None

    def lend(self, folder: Path) -> Lent:
        step = self.link.with_name("next")
        step.symlink_to(folder, target_is_directory=True)
        os.replace(step, self.link)
        if self.server is None or self.server.proc.poll() is not None:  # first use, or it died
            self.server = Dashboard(self.link / "allhub.duckdb", self.env)
        return Lent(self.server.url, folder / "allhub.duckdb")

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()


@pytest.fixture(scope="session")
def shared_dashboard(tmp_path_factory):
    shared = SharedDashboard(tmp_path_factory.mktemp("shared-dashboard"))
    yield shared
    shared.stop()


@pytest.fixture
def dashboard(request, tmp_path_factory):
    """The dashboard over an empty database of this test's own (see the module's docstring)."""
    folder = tmp_path_factory.mktemp("dash")
    shared: SharedDashboard = request.getfixturevalue("shared_dashboard")
    if request.node.get_closest_marker("own_dashboard") is None and server_env() == shared.env:
        yield shared.lend(folder)
        return
    own = Dashboard(folder / "allhub.duckdb", server_env())
    yield own
    own.stop()
