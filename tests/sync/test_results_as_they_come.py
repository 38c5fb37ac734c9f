"""A refresh or check-in told to stop (``cancel``, what a stopping daemon sets) ends within a few
seconds while a site hangs: the accounts that finished are in the report, marked interrupted,
and in the store; the hanging site's are not (issue 16)."""

from __future__ import annotations

import threading
import time

import pytest
from shared import add_sandbox_accounts

from allhub_core.sync import _progressive, checkin, refresh

pytestmark = pytest.mark.usefixtures("fresh_sites")


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api", "veloera", "one-api"], users_per_site=2, seed=7)


def _ids(store, sql: str) -> set[int]:
    with store.read() as con:
        return {int(r[0]) for r in con.execute(sql).fetchall()}


def _stopped_after(seconds: float) -> threading.Event:
    cancel = threading.Event()
    timer = threading.Timer(seconds, cancel.set)
    timer.daemon = True
    timer.start()
    return cancel


def _hang(store, sandbox) -> set[int]:
    add_sandbox_accounts(store, sandbox)
    site = sandbox.site("new-api")
    site.inject("slow", ms=30_000)
    return _ids(store, f"SELECT id FROM accounts WHERE site_url = '{site.url}'")


def test_a_cancelled_refresh_keeps_what_finished(store, sandbox, fast):
    stuck = _hang(store, sandbox)
    started = time.monotonic()
    report = refresh(store, force=True, politeness=fast, cancel=_stopped_after(2.0))
    assert time.monotonic() - started < 10
    assert report.interrupted and len(report.results) == 4 and not report.failed
    done = {int(r.account_id) for r in report.results}
    assert not done & stuck
    assert _ids(store, "SELECT id FROM accounts WHERE last_sync_time IS NOT NULL") == done
    assert _ids(store, "SELECT account_id FROM balance_snapshots") == done


def test_a_cancelled_checkin_keeps_what_finished(store, sandbox, fast):
    stuck = _hang(store, sandbox)
    started = time.monotonic()
    report = checkin(store, politeness=fast, cancel=_stopped_after(2.0))
    assert time.monotonic() - started < 10
    assert report.interrupted and len(report) == 4
    done = {int(r.account_id) for r in report}
    assert not done & stuck
    assert _ids(store, "SELECT account_id FROM checkin_log") == done
    assert {k.value: n for k, n in report.counts().items()} == {"success": 2, "unsupported": 2}


def test_a_slow_first_write_sets_no_pace(monkeypatch):
    """The first write of a run pays what happens once (the usage rows' first write imports
    pandas): the next batch is still written about a second later, not ten times that write's
    time later, so the run does not end with everyone's rows still to write. Later writes keep to
    a tenth of the run's time, never more than ``max_wait_s`` apart where the caller asks for it
    (the usage sync)."""
    clock = [100.0]
    monkeypatch.setattr(_progressive.time, "monotonic", lambda: clock[0])
    takes = iter([3.0, 0.15, 3.0])
    written: list[list[int]] = []

    def write(batch: list[int]) -> None:
        written.append(batch)
        clock[0] += next(takes)

    batcher = _progressive._Batcher(write, None, None, max_wait_s=2.0)
    waits = []
    for n in (1, 2, 3):
        batcher.collect(n)
        batcher.flush()
        waits.append(batcher.wait_s)
    assert waits == [_progressive.FLUSH_S, pytest.approx(0.15 / _progressive._WRITE_SHARE), 2.0]
    unbounded = _progressive._Batcher(write, None, None)
    unbounded.writes = 1  # past the first write: a 3 s write sets a 30 s pace
    takes = iter([3.0])
    unbounded.collect(4)
    unbounded.flush()
    assert unbounded.wait_s == pytest.approx(3.0 / _progressive._WRITE_SHARE)
    assert written == [[1], [2], [3], [4]]
