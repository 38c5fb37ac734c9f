"""``allhub daemon``, ``allhub automation show|set|run`` and ``allhub runs``' parsers; the commands are
in ``allhub_core.cli.automation``."""

from __future__ import annotations

import argparse

__all__ = ["JOBS", "LOG_LEVELS", "WEBDAV_MODES", "register"]

_CMD = "allhub_core.cli.automation:"
_ONOFF = ("on", "off")
# Written here so the help loads no room; tests/cli/test_cli_parsers.py holds them equal to the
# automation's own (``automation.JOBS``, ``automation.daemon.LOG_LEVELS``, ``automation.settings.WEBDAV_MODES``).
#: The jobs the automation runs (``vocab.Job`` values).
JOBS = ("refresh", "checkin", "usage_sync", "webdav_sync", "models_sync")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
WEBDAV_MODES = ("merge", "upload", "download")


def register(sub: argparse._SubParsersAction) -> None:

    d = sub.add_parser("daemon", help="run the scheduler headless until SIGTERM (logs to stdout)",
                       description="Run the scheduler headless until SIGTERM or Ctrl-C, one log line per job on "
                                   "stdout, 'allhub daemon stopped' last. Exit status: 0 after a stop with every "
                                   "job finished or stopped (or a clean --once); 1 when --once had failures, the "
                                   "database cannot be used, or a job that would not stop was left behind; 2 for "
                                   "bad usage or damaged saved settings.")
    d.add_argument("--once", action="store_true", help="run whatever is due now, then exit")
    d.add_argument("--log-level", type=str.upper, choices=LOG_LEVELS, default="INFO", help="default INFO")
    d.add_argument("--stop-grace", type=float, default=30.0, metavar="S",
                   help="on SIGTERM, wait this long for a running job, then stop it: what it finished stays "
                        "and the run is recorded as interrupted (default 30)")
    d.set_defaults(run=_CMD + "cmd_daemon")

    a = sub.add_parser("automation", help="what runs by itself: show or change the schedule, run a job now")
    asub = a.add_subparsers(dest="automation_command", metavar="show|set|run")
    asub.required = True
    show = asub.add_parser("show", help="the settings, the next runs and the scheduler holding the lease")
    show.add_argument("--json", action="store_true")
    show.set_defaults(run=_CMD + "cmd_show")

    s = asub.add_parser("set", help="change automation settings")
    s.add_argument("--refresh", choices=_ONOFF, help="auto refresh on or off")
    s.add_argument("--refresh-interval", type=int, metavar="S", help="seconds between auto refreshes (min 60)")
    s.add_argument("--refresh-min-interval", type=int, metavar="S",
                   help="skip accounts refreshed within S seconds (min 30)")
    s.add_argument("--refresh-on-open", choices=_ONOFF, help="refresh stale accounts when the dashboard opens")
    s.add_argument("--checkin", choices=_ONOFF, help="daily auto check-in on or off")
    s.add_argument("--checkin-window", metavar="HH:MM-HH:MM", help="the daily window (may cross midnight)")
    s.add_argument("--checkin-time", metavar="HH:MM|random", help="a fixed daily time, or 'random' in the window")
    s.add_argument("--retry", choices=_ONOFF, help="same-day retries of failed check-ins on or off")
    s.add_argument("--retry-interval", type=int, metavar="S", help="seconds between retries (turns retries on)")
    s.add_argument("--retry-max", type=int, metavar="N", help="retries a day at most (turns retries on)")
    s.add_argument("--usage-sync", choices=_ONOFF, help="scheduled usage-log sync on or off")
    s.add_argument("--usage-sync-interval", type=int, metavar="S", help="seconds between usage syncs (min 60)")
    s.add_argument("--webdav-sync", choices=_ONOFF, help="scheduled WebDAV sync on or off")
    s.add_argument("--webdav-sync-interval", type=int, metavar="S", help="seconds between WebDAV syncs (min 300)")
    s.add_argument("--webdav-sync-mode", choices=WEBDAV_MODES, help="merge, upload or download")
    s.add_argument("--webdav-max-delete-pct", type=int, metavar="N",
                   help="the most a scheduled WebDAV sync deletes without you, in percent of the accounts "
                        "(default 25; more holds the sync back and notifies)")
    s.add_argument("--models-sync", choices=_ONOFF, help="scheduled models and prices sync on or off (daily)")
    s.add_argument("--models-sync-interval", type=int, metavar="S",
                   help="seconds between models syncs (default 86400, min 3600)")
    s.add_argument("--json", action="store_true", help="print the settings afterwards as JSON")
    s.set_defaults(run=_CMD + "cmd_set")

    r = asub.add_parser("run", help="run one job now and log it (exit 1 when some account failed)")
    r.add_argument("job", choices=JOBS)
    r.add_argument("--json", action="store_true")
    r.set_defaults(run=_CMD + "cmd_run")

    runs = sub.add_parser("runs", help="the run log, newest first")
    runs.add_argument("--limit", type=int, default=20, metavar="N", help="how many runs (default 20)")
    runs.add_argument("--job", metavar="JOB", help=f"only this job ({', '.join(JOBS)})")
    runs.add_argument("--json", action="store_true", help="with each run's per-account results")
    runs.set_defaults(run=_CMD + "cmd_runs")
