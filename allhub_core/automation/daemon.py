"""``allhub daemon``: the scheduler as a headless process for servers.

Logs one line per job (and each state change: active, waiting for another scheduler's
lease, stopping) to stdout; "allhub daemon stopped" is always the last line.

On SIGTERM/SIGINT the job in progress gets ``--stop-grace`` seconds to finish. A refresh or
check-in still going after that is stopped (``Scheduler.cancel``): the accounts it finished
stay written and the run is recorded as interrupted, its counts those of the results it
recorded; the threads are joined before the process exits (a thread still inside DuckDB at
interpreter exit aborts the process). A job that does not stop within ``CANCEL_WAIT_S`` more
(a WebDAV transfer waiting for its own deadline) is recorded as interrupted and left behind:
the process then ends at once with status 1.

Exit status a supervisor understands: 0 after SIGTERM/SIGINT with every job finished or
stopped (or ``--once`` that ran cleanly); 1 when ``--once`` had failures, the store cannot be
used (a fatal store error), or a stop had to leave a job behind; 2 on bad configuration
(damaged saved settings).
"""

from __future__ import annotations

import logging
import os
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
from allhub_core.net import Politeness
from allhub_core.store import Store

__all__ = ["LOG_LEVELS", "describe_settings", "run_daemon"]

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
#: how long a stop waits for the job in progress before stopping it
STOP_GRACE_S = 30.0
#: how long a job told to stop may take to write what it finished and end
CANCEL_WAIT_S = 15.0
#: the exit status of a stop that had to leave a job behind
LEFT_BEHIND = 1

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
               stop_event: threading.Event | None = None, tick_s: float = TICK_S, politeness: Politeness | None = None,
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
    left: list[threading.Thread] = []
    try:
        return _run(db_path, once=once, clock=clock, stop_event=stop_event, tick_s=tick_s, politeness=politeness,
                    install_signals=install_signals, stop_grace_s=stop_grace_s, left_behind=left)
    finally:
        handler.flush()
        if left and install_signals:
            # A thread is still working; the interpreter's exit would tear DuckDB down under it
            # (a C++ abort) and let it log after "stopped". This process is the daemon: end now.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(LEFT_BEHIND)
        root.removeHandler(handler)
        root.setLevel(old_level)
        root.propagate = old_propagate


def _run(db_path: str | None, *, once: bool, clock: Clock | None, stop_event: threading.Event | None,
         tick_s: float, politeness: Politeness | None, install_signals: bool, stop_grace_s: float = STOP_GRACE_S,
         left_behind: list[threading.Thread] | None = None) -> int:
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
    code = 0
    if worker.is_alive():
        job = sched.running_job or "job"
        log.info("a %s run is still going on after %g s; stopping it", job, stop_grace_s)
        sched.cancel.set()  # it writes what it finished and records the run interrupted
        worker.join(CANCEL_WAIT_S)
        if worker.is_alive():
            try:  # the run stays in the log, closed as interrupted with what it had done
                interrupt_runs(store, PROCESS, datetime.now().astimezone(), "the daemon was stopped")
            except StoreError as exc:
                log.error("could not close the %s run: %s", job, exc)
            log.warning("the %s run did not stop; it is recorded as interrupted and left behind", job)
            sched.release()
            code = LEFT_BEHIND
            if left_behind is not None:
                left_behind.append(worker)
        else:
            log.warning("the %s run was stopped; it is recorded as interrupted with what it had done", job)
    log.info("allhub daemon stopped")
    return code
