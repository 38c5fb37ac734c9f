"""Shared fixtures: a fresh store per test, and a real dashboard server for browser tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/shared.py for every test folder

from shared import fast_politeness, shared_sandbox, stop_all  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    """No test touches data/allhub.duckdb or a real key: each gets its own paths."""
    monkeypatch.setenv("ALLHUB_DB", str(tmp_path / "allhub.duckdb"))
    monkeypatch.delenv("ALLHUB_SECRET_KEY", raising=False)
    # No scheduler and no refresh-on-open in dashboards the tests start (AppTest or a server),
    # unless a test turns them on (tests/app/test_automation_page.py, tests/e2e/test_automation_flow.py).
    monkeypatch.setenv("ALLHUB_NO_BACKGROUND", "1")


@pytest.fixture
def sink():
    """A local HTTP server that records what notifications POST to it (``shared.Sink``)."""
    from shared import Sink

    server = Sink()
    yield server
    server.close()


@pytest.fixture(scope="session")
def fast():
    """One fast politeness for loopback sites (no rate bucket, tiny backoffs)."""
    return fast_politeness()


@pytest.fixture(scope="session")
def sandbox_factory():
    """``sandbox_factory(dialects=[...], users_per_site=2, seed=3)``: one running sandbox per
    set of arguments for the whole session, reset before it is handed out again."""
    yield shared_sandbox
    stop_all()


@pytest.fixture
def fresh_sites(request):
    """The module's ``sandbox`` fixture reset before each test (its data as seeded) and its
    faults cleared after: ``pytestmark = pytest.mark.usefixtures("fresh_sites")``."""
    sandbox = request.getfixturevalue("sandbox")
    for site in sandbox.sites:
        site.reset()
    yield sandbox
    for site in sandbox.sites:
        site.clear_faults()


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "allhub.duckdb"


@pytest.fixture
def store(db_path):
    from allhub_core.store import Store

    return Store(db_path)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Dashboard:
    """A real `streamlit run app.py` on a free loopback port over its own database."""

    def __init__(self, db: Path):
        self.db = db
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "ALLHUB_DB": str(db)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "serve.py"), "--server.headless=true",
             f"--server.port={self.port}", "--server.address=127.0.0.1", "--browser.gatherUsageStats=false",
             "--server.fileWatcherType=none"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
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


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Browser tests must fail, not skip, when Chromium is missing.
    assert Path(CHROMIUM).exists(), f"Chromium is required for the browser tests at {CHROMIUM} (make test installs it)"
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def dashboard(tmp_path_factory):
    d = Dashboard(tmp_path_factory.mktemp("dash") / "allhub.duckdb")
    yield d
    d.stop()


@pytest.fixture
def dav_server(tmp_path_factory):
    """``dav_server(mode="normal"|"no_move"|"conflict_on_move"|"redirect_away")``: a real wsgidav
    server on 127.0.0.1 over a fresh folder (tests/webdav_server.py), stopped after the test."""
    from webdav_server import DavServer

    started: list[DavServer] = []

    def start(mode: str = "normal", **kw) -> DavServer:
        server = DavServer(tmp_path_factory.mktemp("dav"), mode, **kw)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def pytest_collection_modifyitems(config, items):
    """Browser tests last: Playwright's sync API leaves an event loop running in the main
    thread for the rest of the session, and asyncio.run() refuses to start inside one."""
    items.sort(key=lambda item: "/e2e/" in str(item.fspath))
