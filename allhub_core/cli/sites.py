"""``allhub refresh`` and ``allhub checkin``: runs against the sites, rendered from their reports.

Each is one logged run (``automation.run_now``, trigger ``cli``), so ``allhub runs`` lists it."""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING, Any

from allhub_core.accounts.preferences import check_run_limits
from allhub_core.automation import run_now
from allhub_core.cli.output import Fail, emit, print_json
from allhub_core.errors import AllhubError, ValidationError
from allhub_core.net import prewarm
from allhub_core.store import Store
from allhub_core.sync import politeness_for
from allhub_core.vocab import CheckInReason, CheckInResult

if TYPE_CHECKING:
    from allhub_core.sites import Politeness
    from allhub_core.store import Store

__all__ = ["cmd_checkin", "cmd_refresh"]

#: What the overrides' sentences call each of them: the flags.
_FLAG_NAMES = {"per_site_concurrency": "--per-site-concurrency", "per_site_rpm": "--per-site-rpm",
               "per_site_window": "--per-site-window", "account_deadline_s": "--account-deadline"}


def _parse_window(text: str) -> tuple[int, float]:
    """``N/W`` as (N, W), ``0`` as no limit; a text that is neither reads as (-1, NaN), which
    ``check_run_limits`` refuses with the window's sentence."""
    n_text, sep, w_text = text.strip().partition("/")
    try:
        n = int(n_text)
        w = float(w_text) if sep else (60.0 if n == 0 else math.nan)
    except ValueError:
        return -1, math.nan
    return n, w


def _check_limits(args: argparse.Namespace) -> tuple[int, float] | None:
    """Range checks for the overrides (``accounts.check_run_limits``, sentences naming the
    flags), before the store is opened or a site is asked; returns the window asked for, if any."""
    window = None if args.per_site_window is None else _parse_window(args.per_site_window)
    try:
        return check_run_limits(args.per_site_concurrency, args.per_site_rpm, window, args.account_deadline,
                                names=_FLAG_NAMES)
    except ValidationError as exc:
        raise Fail(2, str(exc)) from exc


def _politeness(args: argparse.Namespace, store: Store, window: tuple[int, float] | None) -> Politeness:

    return politeness_for(store, args.per_site_concurrency, args.per_site_rpm, per_site_window=window,
                          account_deadline_s=args.account_deadline)


def _run(args: argparse.Namespace, job: str, force: bool = False) -> Any:
    """The job as a logged run; its sync report, or the error that stopped it, raised again."""

    window = _check_limits(args)  # before the store is opened
    prewarm()  # the HTTP client made ready in a thread while the store opens and the run is claimed
    store = Store(args.db, warm=True)  # used at once: the schema check's connection is the session's
    # One connection for the whole command: the saved politeness, the run log and the results
    # (the file is let go while the sites are asked).
    with store.session():
        pol = _politeness(args, store, window)
        run = run_now(store, job, args.ids or None, trigger="cli", force=force, politeness=pol)
    if run.detail is None:  # failed outright: the same sentence and exit status as ever
        raise run.error or AllhubError(run.summary())
    return run.detail


def cmd_refresh(args: argparse.Namespace) -> int:
    report = _run(args, "refresh", force=args.force or bool(args.ids))
    if args.json:
        print_json(report.rows())
    else:
        for r in report.results:
            mark = "ok  " if r.ok else "FAIL"
            emit(f"{mark} {r.account_id:>5}  {r.health_status:<8} {r.health_reason}")
        emit(report.summary())
    return report.exit_code()


def _why(r: Any) -> str:
    """The reason beside a result that is not a plain success (issue 21), and whether a later
    try can help: "[Site error (5xx), retryable] "."""
    if r.result == CheckInResult.SUCCESS or not r.reason:
        return ""
    again = r.result == CheckInResult.FAILED and CheckInReason.retryable_value(r.reason)
    return f"[{CheckInReason.label_of(r.reason)}{', retryable' if again else ''}] "


def cmd_checkin(args: argparse.Namespace) -> int:

    report = _run(args, "checkin")
    if args.json:
        print_json(report.rows())
    else:
        for r in report.results:
            extra = (f"  open {r.checkin_url} in a browser"
                     if r.result == CheckInResult.NEEDS_BROWSER and r.checkin_url else "")
            emit(f"{r.account_id:>5}  {r.result:<15} {_why(r)}{r.message}{extra}")
        emit(report.summary())
    return report.exit_code()
