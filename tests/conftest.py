"""Shared fixtures (a fresh store per test, the sandbox sites, a notification sink, a WebDAV
server) and the test tiers.

Tiers: every test in ``tests/e2e/`` (and any test that draws a PNG with kaleido's Chromium) is
marked ``browser``; every test whose code, helpers or fixtures start another process is marked
``subprocess`` (found by reading their bytecode, see ``_kinds``); ``slow``: the AppTest tests
(``tests/app/``) and the in-process tests listed in ``tests/slow_tests.txt``. ``make test`` runs them all; ``make test-fast`` runs
``-m "not browser and not subprocess and not slow"``, still against real DuckDB files and the
sandbox sites over HTTP on 127.0.0.1 (in-process servers).
"""

from __future__ import annotations

import dis
import inspect
import os
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
sys.path.insert(0, str(TESTS))  # tests/shared.py for every test folder

from shared import Sink, fast_politeness, shared_sandbox, stop_all  # noqa: E402
from webdav_server import DavServer  # noqa: E402

from allhub_core.store import Store  # noqa: E402


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
    return Store(db_path)


@pytest.fixture
def dav_server(tmp_path_factory):
    """``dav_server(mode="normal"|"no_move"|"conflict_on_move"|"redirect_away")``: a real wsgidav
    server on 127.0.0.1 over a fresh folder (tests/webdav_server.py), stopped after the test."""
    started: list[DavServer] = []

    def start(mode: str = "normal", **kw) -> DavServer:
        server = DavServer(tmp_path_factory.mktemp("dav"), mode, **kw)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


# ---- tiers -------------------------------------------------------------------------------------
#: Modules whose use starts another process, and the ``os`` functions that do.
PROCESS_MODULES = frozenset({"subprocess", "multiprocessing", "pty"})
OS_SPAWNERS = frozenset({"system", "popen", "fork", "forkpty", "execv", "execve", "execl", "execle", "execlp",
                         "execvp", "execvpe", "spawnv", "spawnve", "spawnl", "posix_spawn", "posix_spawnp"})
#: Names of the project's functions that drive a Chromium (kaleido draws PNGs with it).
BROWSER_CALLS = frozenset({"figure_png"})
#: In-process tests too slow for ``make test-fast``: node ids, one a line, in tests/slow_tests.txt
#: (how they were chosen is at its top). Every AppTest (tests/app) is ``slow`` too.
SLOW = frozenset(line.strip() for line in (TESTS / "slow_tests.txt").read_text(encoding="utf-8").splitlines()
                 if line.strip() and not line.startswith("#"))

_LOADS = frozenset({"LOAD_GLOBAL", "LOAD_NAME"})
_ATTRS = frozenset({"LOAD_ATTR", "LOAD_METHOD"})


def _instructions(code: types.CodeType) -> Iterator[dis.Instruction]:
    """Every instruction of ``code`` and of the functions, lambdas and comprehensions inside it."""
    yield from dis.get_instructions(code)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _instructions(const)


def _is_test_code(obj: Any) -> bool:
    """Defined in a file under tests/ (the tests' own helpers, fixtures and classes)."""
    code = getattr(obj, "__code__", None)
    file = code.co_filename if code else getattr(sys.modules.get(obj.__module__), "__file__", None)
    return bool(file) and Path(file).resolve().is_relative_to(TESTS)


def _kinds(obj: Any, memo: dict[int, frozenset[str]]) -> frozenset[str]:
    """What a test function, fixture, or tests' helper function or class reaches: ``subprocess``
    when it (or a helper of tests/ it names, to any depth) uses subprocess, multiprocessing or an
    ``os`` process call; ``browser`` when it calls one of ``BROWSER_CALLS``. The project's own
    code is not followed: the CLI run in-process stays in the fast tier."""
    key = id(obj)
    if key in memo:
        return memo[key]
    memo[key] = frozenset()  # a helper that names itself (or a cycle) adds nothing
    found: set[str] = set()
    if inspect.isclass(obj):
        for klass in obj.__mro__:
            if _is_test_code(klass):
                for member in vars(klass).values():
                    member = getattr(member, "__func__", None) or getattr(member, "fget", None) or member
                    if inspect.isfunction(member):
                        found |= _kinds(member, memo)
    elif inspect.isfunction(obj := inspect.unwrap(obj)) and _is_test_code(obj):
        names: set[str] = set()
        attrs: set[str] = set()
        for ins in _instructions(obj.__code__):
            if ins.opname in _LOADS:
                names.add(ins.argval)
            elif ins.opname in _ATTRS:
                attrs.add(ins.argval)
        if (names | attrs) & BROWSER_CALLS:
            found.add("browser")
        for name in names:
            value = obj.__globals__.get(name)
            if inspect.ismodule(value):
                if value.__name__ in PROCESS_MODULES or (value is os and attrs & OS_SPAWNERS):
                    found.add("subprocess")
            elif (getattr(value, "__module__", None) or "").split(".")[0] in PROCESS_MODULES:
                found.add("subprocess")  # from subprocess import run, Popen
            elif inspect.isfunction(value) or inspect.isclass(value):
                found |= _kinds(value, memo)
    memo[key] = frozenset(found)
    return memo[key]


def _item_kinds(item: pytest.Item, memo: dict[int, frozenset[str]]) -> set[str]:
    kinds: set[str] = set()
    if TESTS / "e2e" in item.path.parents:
        kinds.add("browser")
    if TESTS / "app" in item.path.parents or item.nodeid in SLOW or item.nodeid.split("[", 1)[0] in SLOW:
        kinds.add("slow")
    function = getattr(item, "function", None)
    if function is not None:
        kinds |= _kinds(function, memo)
    fixtureinfo = getattr(item, "_fixtureinfo", None)
    for name in getattr(item, "fixturenames", ()):
        for fixturedef in (fixtureinfo.name2fixturedefs.get(name, ()) if fixtureinfo else ()):
            kinds |= _kinds(fixturedef.func, memo)
    return kinds


def pytest_collection_modifyitems(config, items):
    """Mark each test's tier (see the module's docstring), then put the browser tests last:
    Playwright's sync API leaves an event loop running in the main thread for the rest of the
    session, and asyncio.run() refuses to start inside one."""
    memo: dict[int, frozenset[str]] = {}
    for item in items:
        kinds = _item_kinds(item, memo)
        for kind in sorted(kinds):
            item.add_marker(kind)
    items.sort(key=lambda item: TESTS / "e2e" in item.path.parents)
