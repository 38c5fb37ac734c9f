"""CLI commands that talk to sites: refresh, checkin, sandbox, demo (registered by cli.py)."""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
from pathlib import Path

from .cli import _emit, _Fail, _print_json

__all__ = ["register"]

MAX_CONCURRENCY = 64
MAX_RPM = 10_000.0


def _limits(p: argparse.ArgumentParser) -> None:
    p.add_argument("--per-site-concurrency", type=int, metavar="N",
                   help=f"requests in flight per site for this run (1 to {MAX_CONCURRENCY})")
    p.add_argument("--per-site-rpm", type=float, metavar="N",
                   help=f"requests per minute per site, 1 to {MAX_RPM:.0f} (0: no rate bucket)")


def _check_limits(args: argparse.Namespace) -> None:
    """Range checks for the two overrides, before the store is opened or a site is asked.

    NaN and infinity parse as floats; a tiny positive rate (0.0001/min) would make a batch
    wait for days, so a rate is 0 (no bucket) or at least 1 request per minute.
    """
    conc, rpm = args.per_site_concurrency, args.per_site_rpm
    if conc is not None and not 1 <= conc <= MAX_CONCURRENCY:
        raise _Fail(2, f"--per-site-concurrency must be at least 1 and at most {MAX_CONCURRENCY}.")
    if rpm is not None and not (rpm == 0 or (math.isfinite(rpm) and 1 <= rpm <= MAX_RPM)):
        raise _Fail(2, f"--per-site-rpm must be 0 (no limit) or a number from 1 to {MAX_RPM:.0f}.")


def cmd_refresh(args: argparse.Namespace) -> int:
    from .db import Store
    from .services import politeness_for, refresh

    _check_limits(args)
    store = Store(args.db)
    pol = politeness_for(store, args.per_site_concurrency, args.per_site_rpm)
    with store.session():
        outcome = refresh(store, args.ids or None, force=args.force or bool(args.ids), politeness=pol)
    if args.json:
        rows = [{"id": r.account_id, "ok": r.ok, "health_status": r.health_status, "health_reason": r.health_reason}
                for r in outcome.results]
        rows += [{"id": str(i), "ok": True, "skipped": True, "health_status": None,
                  "health_reason": "Refresh interval not reached, skipped"} for i in outcome.skipped]
        _print_json(rows)
    else:
        for r in outcome.results:
            mark = "ok  " if r.ok else "FAIL"
            _emit(f"{mark} {r.account_id:>5}  {r.health_status:<8} {r.health_reason}")
        _emit(outcome.summary())
    return 1 if outcome.failed else 0


def cmd_checkin(args: argparse.Namespace) -> int:
    from .db import Store
    from .services import checkin, politeness_for

    _check_limits(args)
    store = Store(args.db)
    pol = politeness_for(store, args.per_site_concurrency, args.per_site_rpm)
    with store.session():
        results = checkin(store, args.ids or None, politeness=pol)
    if args.json:
        _print_json([{"id": r.account_id, "ok": r.result in ("success", "already_checked", "unsupported"),
                      "result": r.result, "message": r.message, "health_status": r.health_status,
                      "health_reason": r.health_reason, **({"checkin_url": r.checkin_url} if r.checkin_url else {})}
                     for r in results])
    else:
        for r in results:
            extra = f"  open {r.checkin_url} in a browser" if r.result == "needs_browser" and r.checkin_url else ""
            _emit(f"{r.account_id:>5}  {r.result:<15} {r.message}{extra}")
        counts = {k: sum(1 for r in results if r.result == k) for k in
                  ("success", "already_checked", "failed", "unsupported", "needs_browser")}
        _emit("Check-in: " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items() if v) if results
              else "No accounts to check in.")
    return 1 if any(r.result in ("failed", "needs_browser") for r in results) else 0


def cmd_sandbox(args: argparse.Namespace) -> int:
    from .sandbox import serve

    serve(port=args.port, sites=args.sites, dialects=args.dialect or None, users_per_site=args.users,
          latency_ms=args.latency_ms, seed=args.seed)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .crypto import key_path_for
    from .db import Store
    from .sandbox import demo_accounts, start_sandbox
    from .preferences import set_preference
    from .services import checkin, refresh

    db = Path(args.demo_db)
    for p in (db, db.with_name(db.name + ".wal"), key_path_for(db)):
        if p.exists():
            p.unlink()  # the demo database is rebuilt each time: the sandbox's data is regenerated too
    with start_sandbox(port=args.sandbox_port) as sb:
        store = Store(db, create_folder=True)  # the demo database is ours to place
        set_preference(store, "per_site_rpm", 0)  # our own sandbox: no need to be polite
        rows = demo_accounts(sb)
        for row in rows:
            _add_demo(store, row, name=f"{row['site_name']} · {row['username']}", tags=["demo", row["dialect"]])
        # A few accounts that show what trouble looks like: a revoked token, a duplicate,
        # and a site whose check-in wants a browser (Turnstile).
        first = rows[0]
        _add_demo(store, {**first, "access_token": "revoked-token-0000000000"}, name="Expired token example",
                  tags=["demo", "needs attention"])
        _add_demo(store, first, name=f"{first['site_name']} · {first['username']} (duplicate)", tags=["demo"])
        sb.site("veloera").turnstile = True
        outcome = refresh(store, force=True)
        checkin(store, ids=None)
        _emit(f"Demo database {db}: {len(outcome.results)} accounts on {len(sb.sites)} sandbox sites; "
              f"{outcome.summary()}", flush=True)
        if args.no_dashboard:
            return 0
        # serve.py: app.py behind the origin/Host guard, as `make run` starts it
        app = Path(__file__).resolve().parent.parent / "serve.py"
        _emit(f"Dashboard on http://127.0.0.1:{args.port} (Ctrl-C to stop).", flush=True)
        env = {**os.environ, "ALLHUB_DB": str(db.resolve())}
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(app), "--server.address", "127.0.0.1",
                                 "--server.port", str(args.port)], cwd=app.parent, env=env)
        try:
            proc.wait()
        except KeyboardInterrupt:
            proc.terminate()
            proc.wait(10)
    return 0


def _add_demo(store, row: dict, name: str, tags: list[str]) -> int:
    from .accounts import AccountInput, add_account

    return add_account(store, AccountInput(
        site_url=row["site_url"], site_name=name, site_type=row["site_type"], user_id=row["user_id"],
        username=row["username"], auth_type=row["auth_type"], access_token=row.get("access_token") or "",
        cookie=row.get("cookie") or "", refresh_token=row.get("refresh_token") or "", tags=tags))


def register(sub: argparse._SubParsersAction) -> None:
    r = sub.add_parser("refresh", help="refresh balances and today's figures from the sites")
    r.add_argument("ids", nargs="*", metavar="ID", help="accounts to refresh (default: all enabled)")
    r.add_argument("--force", action="store_true", help="ignore the per-account minimum interval")
    r.add_argument("--json", action="store_true", help="print one JSON object per account")
    _limits(r)
    r.set_defaults(func=cmd_refresh)

    c = sub.add_parser("checkin", help="check in for today's free quota")
    c.add_argument("ids", nargs="*", metavar="ID", help="accounts to check in (default: all enabled with check-in)")
    c.add_argument("--json", action="store_true", help="print one JSON object per account")
    _limits(c)
    c.set_defaults(func=cmd_checkin)

    s = sub.add_parser("sandbox", help="run the local simulated relay sites (for trying allhub out)")
    s.add_argument("--port", type=int, default=0, help="port of the first site; the others follow (default: free ports)")
    s.add_argument("--sites", type=int, help="number of sites (default: one per dialect)")
    s.add_argument("--dialect", action="append", help="only this dialect (repeatable)")
    s.add_argument("--users", type=int, default=3, help="seeded users per site")
    s.add_argument("--latency-ms", type=int, default=0, help="delay added to every response")
    s.add_argument("--seed", type=int, default=1, help="seed of the generated data")
    s.set_defaults(func=cmd_sandbox)

    d = sub.add_parser("demo", help="sandbox sites + a demo database + the dashboard")
    d.add_argument("--demo-db", default="data/demo.duckdb", help="the demo database (rebuilt each time)")
    d.add_argument("--port", type=int, default=8502, help="dashboard port")
    d.add_argument("--sandbox-port", type=int, default=0, help="port of the first sandbox site")
    d.add_argument("--no-dashboard", action="store_true", help="only build the demo database")
    d.set_defaults(func=cmd_demo)
