"""``allhub daemon``: the scheduler as a headless process for servers.

Logs one line per job (and each state change: active, waiting for another scheduler's
lease, stopping) to stdout. Exit status a supervisor understands: 0 after SIGTERM/SIGINT (or
``--once`` that ran cleanly), 1 when ``--once`` had failures or the store cannot be used (a
fatal store error), 2 on bad configuration (damaged saved settings).
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from datetime import datetime
from typing import Any

from allhub_core.automation.clock import Clock
from allhub_core.automation.runlog import PROCESS, interrupt_runs
from allhub_core.automation.scheduler import TICK_S, Scheduler
from allhub_core.automation.settings import AutomationSettings, get_settings
from allhub_core.errors import StoreError, ValidationError
from allhub_core.store import Store

__all__ = ["run_daemon", "describe_settings", "LOG_LEVELS"]

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
#: how long a stop waits for the job in progress before leaving anyway
STOP_GRACE_S = 30.0

log = logging.getLogger("allhub.automation")


def describe_settings(s: AutomationSettings) -> str:
    parts = [f"refresh {'every ' + str(s.refresh_interval_s) + ' s' if s.refresh_enabled else 'off'}"]
    if s.checkin_enabled:
        how = f"random in {s.window}" if s.checkin_mode == "random" else f"at {s.checkin_time}"
        retry = f", retries every {s.retry_interval_s} s up to {s.retry_max}" if s.retry_enabled else ""
        parts.append(f"check-in {how}{retry}")
    else:
        parts.append("check-in off")
    parts.append(f"usage sync {'every ' + str(s.usage_sync_interval_s) + ' s' if s.usage_sync_enabled else 'off'}")
    parts.append(f"WebDAV sync {'every ' + str(s.webdav_sync_interval_s) + ' s' if s.webdav_sync_enabled else 'off'}")
    return "; ".join(parts)


def run_daemon(db_path: str | None, *, once: bool = False, log_level: str = "INFO", clock: Clock | None = None,
               stop_event: threading.Event | None = None, tick_s: float = TICK_S, politeness: Any = None,
               install_signals: bool = True, stop_grace_s: float = STOP_GRACE_S) -> int:
    """Run the scheduler until SIGTERM/SIGINT (or one tick with ``once``); the exit status.
    ``stop_grace_s``: how long a stop waits for a running job before recording it interrupted."""
    root = logging.getLogger("allhub")
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%d %H:%M:%S"))
    old_level, old_propagate = root.level, root.propagate
    root.addHandler(handler)
    root.setLevel(getattr(logging, log_level.upper(), logging.INFO))
    root.propagate = False
    try:
        return _run(db_path, once=once, clock=clock, stop_event=stop_event, tick_s=tick_s, politeness=politeness,
                    install_signals=install_signals, stop_grace_s=stop_grace_s)
    finally:
        handler.flush()
        root.removeHandler(handler)
        root.setLevel(old_level)
        root.propagate = old_propagate


def _run(db_path: str | None, *, once: bool, clock: Clock | None, stop_event: threading.Event | None,
         tick_s: float, politeness: Any, install_signals: bool, stop_grace_s: float = STOP_GRACE_S) -> int:
    try:
        store = Store(db_path)
        settings = get_settings(store, strict=True)
    except ValidationError as exc:
        log.error("bad configuration: %s", exc)
        return 2
    except StoreError as exc:
        log.error("cannot use the database: %s", exc)
        return 1
    sched = Scheduler(store.path, clock=clock, tick_s=tick_s, politeness=politeness)
    log.info("allhub daemon (pid %s) on %s: %s", sched.holder.split(":")[1], store.path, describe_settings(settings))
    if once:
        try:
            reports = sched.tick()
        except StoreError as exc:
            log.error("cannot use the database: %s", exc)
            return 1
        finally:
            sched.release()
        if sched.waiting_for is not None:
            log.info("nothing run: another scheduler holds the lease")
        elif not reports:
            log.info("nothing is due")
        return max((r.exit_code() for r in reports), default=0)

    stop = stop_event or threading.Event()
    if install_signals:
        def on_signal(signum: int, _frame: Any) -> None:
            log.info("stopping on %s", signal.Signals(signum).name)
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
    worker = threading.Thread(target=sched.run_forever, args=(stop,), name="allhub-scheduler", daemon=True)
    worker.start()
    while not stop.wait(0.5):
        if not worker.is_alive():  # pragma: no cover - run_forever only returns when stopped
            break
    worker.join(stop_grace_s)
    if worker.is_alive():
        job = sched.running_job or "job"
        try:  # the run stays in the log, closed as interrupted with what it had done
            interrupt_runs(store, PROCESS, datetime.now().astimezone(), "the daemon was stopped")
        except StoreError as exc:
            log.error("could not close the %s run: %s", job, exc)
        log.warning("a %s run was still going on; it is recorded as interrupted", job)
        sched.release()
    log.info("allhub daemon stopped")
    return 0
