"""``allhub daemon`` and the automation commands: --once against the sandbox over real HTTP,
two daemons on one file, SIGTERM in a subprocess, exit codes, and the CLI contract."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from shared import add_sandbox_accounts

from allhub_core.accounts import account_records
from allhub_core.automation import lease_holder, list_runs, run_results, save_settings
from allhub_core.automation.daemon import CANCEL_WAIT_S
from allhub_core.cli.main import main
from allhub_core.store import Store
from allhub_core.sync import save_backup_settings

ROOT = Path(__file__).resolve().parents[2]
DIALECTS = ["new-api", "veloera", "one-api"]


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=DIALECTS, users_per_site=2, seed=7)


@pytest.fixture(autouse=True)
def clean(sandbox, monkeypatch):
    monkeypatch.setitem(sys.modules, "allhub_core.automation.notify", None)  # no notifier in these tests
    for site in sandbox.sites:
        site.reset()
    yield


def load(db_path, sandbox) -> list[int]:
    return add_sandbox_accounts(Store(db_path), sandbox)


def checkin_posts(sandbox) -> list[tuple[str, int | None]]:
    return [(site.url, r.user_id) for site in sandbox.sites for r in site.requests
            if r.method == "POST" and "check" in r.path]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1"}


def _daemon(db_path, *extra: str, merge_stderr: bool = True) -> subprocess.Popen:
    """``allhub --db DB daemon EXTRA...`` in its own process, output read as text."""
    return subprocess.Popen([sys.executable, "-m", "allhub_core", "--db", str(db_path), "daemon", *extra], cwd=ROOT,
                            env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE, text=True)


def test_daemon_once_runs_what_is_due_and_exits_0(db_path, sandbox, capsys):
    ids = load(db_path, sandbox)
    assert main(["--db", str(db_path), "automation", "set", "--refresh", "on", "--checkin", "on",
                 "--checkin-time", "00:00"]) == 0
    capsys.readouterr()
    assert main(["--db", str(db_path), "daemon", "--once"]) == 0
    out = capsys.readouterr().out
    assert "scheduler active" in out
    # check-in time 00:00 has passed: a catch-up, except in the first minutes after midnight
    # (CATCH_UP_GRACE_S), when the same run is the day's scheduled one
    assert re.search(r"Check-in \((catch-up|schedule)\): ok: Check-in finished:", out), out
    assert "Refresh (schedule): ok: Refresh complete:" in out
    runs = {r["job"]: r for r in list_runs(Store(db_path))}
    assert runs["checkin"]["status"] == "ok" and runs["checkin"]["done"] == len(ids)
    assert runs["refresh"]["status"] == "ok"
    posts = checkin_posts(sandbox)
    assert len(posts) == len(set(posts)) == 4  # new-api and veloera users; one-api has no check-in
    # again: nothing is due (refresh not before its interval, check-in done today)
    assert main(["--db", str(db_path), "daemon", "--once"]) == 0
    assert "nothing is due" in capsys.readouterr().out
    assert checkin_posts(sandbox) == posts


def test_two_daemons_on_one_file_check_each_account_in_once(db_path, sandbox):
    load(db_path, sandbox)
    save_settings(Store(db_path), checkin_enabled=True, checkin_mode="fixed", checkin_time="00:00")
    procs = [_daemon(db_path, "--once") for _ in range(3)]
    outs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outs
    posts = checkin_posts(sandbox)
    assert len(posts) == len(set(posts)) == 4, outs
    assert [r["job"] for r in list_runs(Store(db_path))].count("checkin") == 1


def _reader(proc: subprocess.Popen) -> queue.Queue:
    lines: queue.Queue = queue.Queue()

    def pump() -> None:
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def _wait_for(lines: queue.Queue, text: str, seen: list[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            continue
        if line is None:
            break
        seen.append(line)
        if text in line:
            return
    raise AssertionError(f"{text!r} not logged; got {''.join(seen)}")


def _sigterm(proc: subprocess.Popen, lines: queue.Queue, seen: list[str]) -> None:
    """SIGTERM: the daemon exits 0 and says it stopped."""
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0
    _wait_for(lines, "allhub daemon stopped", seen)


def test_daemon_stops_cleanly_on_sigterm_and_logs_to_stdout(db_path, sandbox):
    load(db_path, sandbox)
    save_settings(Store(db_path), refresh_enabled=True)
    proc = _daemon(db_path, merge_stderr=False)
    try:
        lines, seen = _reader(proc), []
        _wait_for(lines, "scheduler active", seen)
        _wait_for(lines, "Refresh (schedule): ok", seen)
        _sigterm(proc, lines, seen)
    finally:
        if proc.poll() is None:
            proc.kill()
    text = "".join(seen)
    assert "stopping on SIGTERM" in text and proc.stderr.read() == ""

    assert lease_holder(Store(db_path)) is None  # given up on the way out


def test_a_second_daemon_waits_for_the_first(db_path, sandbox):
    load(db_path, sandbox)
    first = _daemon(db_path)
    second = None
    try:
        l1, s1 = _reader(first), []
        _wait_for(l1, "scheduler active", s1)
        second = _daemon(db_path)
        l2, s2 = _reader(second), []
        _wait_for(l2, "waiting: ", s2)
        second.send_signal(signal.SIGINT)
        first.send_signal(signal.SIGTERM)
        assert second.wait(timeout=60) == 0 and first.wait(timeout=60) == 0
    finally:
        for p in (first, second):
            if p is not None and p.poll() is None:
                p.kill()


def test_daemon_exit_codes_for_bad_config_and_a_broken_store(db_path, tmp_path, capsys):
    store = Store(db_path)
    with store.write() as con:
        con.execute("INSERT INTO automation_settings VALUES ('refresh_interval_s', '5')")
    assert main(["--db", str(db_path), "daemon", "--once"]) == 2
    out = capsys.readouterr().out
    assert "bad configuration" in out and "refresh_interval_s" in out and "Traceback" not in out
    assert main(["--db", str(tmp_path / "missing" / "x.duckdb"), "daemon"]) == 1
    assert "cannot use the database" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exited:
        main(["daemon", "--log-level", "LOUD"])
    assert exited.value.code == 2


def test_automation_show_set_and_runs(db_path, capsys):
    db = ["--db", str(db_path)]
    assert main([*db, "automation", "set", "--checkin", "on", "--checkin-window", "22:00-02:00",
                 "--retry-interval", "600", "--retry-max", "2", "--usage-sync", "on", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    s = info["settings"]
    assert s["checkin_enabled"] and (s["checkin_window_start"], s["checkin_window_end"]) == ("22:00", "02:00")
    assert s["retry_enabled"] and s["retry_interval_s"] == 600 and s["retry_max"] == 2 and s["usage_sync_enabled"]
    assert [r["job"] for r in info["next_runs"]] == ["refresh", "checkin", "checkin_retry", "usage_sync", "webdav_sync",
                                                  "models_sync"]
    assert "random in 22:00–02:00" in info["next_runs"][1]["note"]
    assert main([*db, "automation", "show"]) == 0
    out = capsys.readouterr().out
    assert "Auto check-in:  on" in out and "Scheduler:      none running" in out
    for bad in (["--checkin-window", "9-5"], ["--refresh-interval", "10"], ["--checkin-time", "25:61"], []):
        assert main([*db, "automation", "set", *bad]) == 2
        err = capsys.readouterr().err
        assert err.startswith("allhub: ") and err.count("\n") == 1 and "Traceback" not in err
    assert main([*db, "automation", "run", "usage_sync", "--json"]) == 0
    run = json.loads(capsys.readouterr().out)
    assert run["job"] == "usage_sync" and run["trigger"] == "manual" and run["status"] == "ok"
    assert main([*db, "runs", "--json"]) == 0
    [logged] = json.loads(capsys.readouterr().out)
    assert logged["id"] == run["id"] and logged["results"] == [] and logged["notify"] == []
    assert main([*db, "runs"]) == 0
    assert "usage_sync  manual" in capsys.readouterr().out
    assert main([*db, "runs", "--limit", "0"]) == 2


def _drain(lines: queue.Queue, seen: list[str]) -> None:
    """Everything the process still printed, up to the end of its output."""
    while (line := lines.get(timeout=30)) is not None:
        seen.append(line)


def test_sigterm_with_a_job_past_the_grace_stops_it_and_records_what_it_did(db_path, sandbox):
    """One site hangs, so the refresh is still going when SIGTERM comes and past the 1 s grace:
    the daemon stops the job (cancelled, not abandoned), exits 0 with nothing on stderr (no
    "terminate called" abort), logs "stopped" last, and the run is in the log as interrupted
    with counts that match the results it recorded; the finished accounts' figures stay, and
    the database opens and reads as before."""

    ids = load(db_path, sandbox)
    save_settings(Store(db_path), refresh_enabled=True)
    hanging = sandbox.site("new-api")
    hanging.inject("slow", ms=60_000)
    proc = _daemon(db_path, "--stop-grace", "1", merge_stderr=False)
    try:
        lines, seen = _reader(proc), []
        _wait_for(lines, "scheduler active", seen)
        deadline = time.monotonic() + 60
        while not any(r["job"] == "refresh" and r["status"] == "running" and r["done"] >= 4
                      for r in list_runs(Store(db_path))):
            assert time.monotonic() < deadline, "the healthy accounts were never refreshed"
            time.sleep(0.2)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        assert time.monotonic() - started < 20  # the grace, then a second or two to stop the job
        _drain(lines, seen)
    finally:
        if proc.poll() is None:
            proc.kill()
    err = proc.stderr.read()
    assert err == "", err  # no "terminate called after throwing ..." abort, no traceback
    text = "".join(seen)
    assert "stopping on SIGTERM" in text and "recorded as interrupted" in text, text
    assert [line for line in seen if line.strip()][-1].rstrip().endswith("allhub daemon stopped"), text
    [run] = [r for r in list_runs(Store(db_path)) if r["job"] == "refresh"]
    assert run["status"] == "failed", (run, seen)
    assert run["summary"] == f"Interrupted: the run was stopped after 4 of {len(ids)} account(s)."
    assert run["finished_at"] is not None
    results = run_results(Store(db_path), run["id"])
    counts = run["counts"]
    assert counts["refreshed"] + counts["failed"] + counts["skipped"] == len(results) == run["done"] == 4
    assert counts == {"refreshed": 4, "failed": 0, "skipped": 0}
    records = {int(r["id"]): r for r in account_records(Store(db_path))}
    assert sorted(records) == sorted(ids)  # the store reads whole
    refreshed = {i for i, r in records.items() if r["last_sync_time"] is not None}
    assert refreshed == {int(r["account_id"]) for r in results if r["ok"]}
    assert not any(r["site_url"] == hanging.url for i, r in records.items() if i in refreshed)


def test_sigterm_leaves_a_job_that_does_not_stop_behind_and_exits_1(db_path, dav_server):
    """A WebDAV sync reading from a server that drips its answer does not listen for a stop (it
    ends at its own deadline, 120 s here): after the grace and the wait for a stopped job, the
    daemon records the run interrupted, logs "stopped" last and ends at once with status 1, with
    no abort on stderr."""
    from webdav_server import PASSWORD, USER  # noqa: PLC0415 - wsgidav loads only for the test that serves WebDAV

    dav = dav_server("drip")
    dav.drip_every = 0.5
    store = Store(db_path)
    save_backup_settings(store, url=dav.url("/"), username=USER, password=PASSWORD, timeout_s=120)
    save_settings(store, webdav_sync_enabled=True, webdav_sync_interval_s=300)
    proc = _daemon(db_path, "--stop-grace", "1", merge_stderr=False)
    try:
        lines, seen = _reader(proc), []
        _wait_for(lines, "scheduler active", seen)
        deadline = time.monotonic() + 60
        while dav.sent < 2:
            assert time.monotonic() < deadline, "the sync never started reading"
            time.sleep(0.2)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 1
        assert time.monotonic() - started < 1 + CANCEL_WAIT_S + 10
        _drain(lines, seen)
    finally:
        if proc.poll() is None:
            proc.kill()
    err = proc.stderr.read()
    assert err == "", err
    text = "".join(seen)
    assert "the webdav_sync run did not stop; it is recorded as interrupted and left behind" in text, text
    assert [line for line in seen if line.strip()][-1].rstrip().endswith("allhub daemon stopped"), text
    [run] = list_runs(Store(db_path))
    assert run["job"] == "webdav_sync" and run["status"] == "failed"
    assert run["summary"].startswith("Interrupted: the daemon was stopped"), run
