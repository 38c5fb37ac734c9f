"""``allhub sandbox`` and ``allhub demo``: the simulated relay sites, and a demo database on them."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from allhub_core.accounts import AccountInput, add_account, set_site_window
from allhub_core.automation import run_job, save_settings
from allhub_core.automation.attention import seed_demo_attention
from allhub_core.cli.demo_relogin import seed_demo_relogin
from allhub_core.cli.output import emit
from allhub_core.cli.push_client import seed_demo_push
from allhub_core.cli.redeem import seed_demo_redeem
from allhub_core.history import seed_demo_history
from allhub_core.notices import mark_read
from allhub_core.store import Store, key_path_for
from allhub_core.sync import backup_push, save_backup_settings, sync_keys, sync_models, sync_notices, sync_usage
from allhub_core.transfer import add_bookmarks

__all__ = ["cmd_demo", "cmd_sandbox"]


def cmd_sandbox(args: argparse.Namespace) -> int:
    from allhub_core.sandbox import serve  # noqa: PLC0415 - the sandbox (starlette, uvicorn) loads only for the commands that start it

    serve(port=args.port, sites=args.sites, dialects=args.dialect or None, users_per_site=args.users,
          latency_ms=args.latency_ms, seed=args.seed)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from allhub_core.sandbox import start_sandbox  # noqa: PLC0415 - the sandbox (starlette, uvicorn) loads only for the commands that start it

    db = Path(args.demo_db)
    for p in (db, db.with_name(db.name + ".wal"), key_path_for(db)):
        if p.exists():
            p.unlink()  # the demo database is rebuilt each time: the sandbox's data is regenerated too
    shutil.rmtree(db.with_name(db.name + ".requests"), ignore_errors=True)  # the old demo's request windows
    # the new file's schema is made (DuckDB, which lets go of the GIL) while the sandbox seeds its sites
    pool = ThreadPoolExecutor(1)
    creating = pool.submit(Store, db, create_folder=True)  # the demo database is ours to place
    pool.shutdown(wait=False)
    with start_sandbox(port=args.sandbox_port) as sb:
        store = creating.result()
        # One opening of the file for the whole build (issue 18): opening and closing it per unit
        # of work was two fifths of the demo's time. The sync room lets its session go around the
        # network (for other processes; none uses the demo's file while it is built): a second
        # session, of a second Store on the file, keeps the database open meanwhile, so letting go
        # and taking it back costs no closing and reopening of the file. Both end before the
        # dashboard, another process, opens the file.
        with store.session(), Store(db).session():
            dav, cred_fakes = _build_demo(store, sb, db)
        if args.no_dashboard:
            dav.stop()
            cred_fakes.stop()
            return 0
        # serve.py: app.py behind the origin/Host guard, as `make run` starts it
        app = Path(__file__).resolve().parents[2] / "serve.py"
        emit(f"Dashboard on http://127.0.0.1:{args.port} (Ctrl-C to stop).", flush=True)
        env = {**os.environ, "ALLHUB_DB": str(db.resolve())}
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(app), "--server.address", "127.0.0.1",
                                 "--server.port", str(args.port)], cwd=app.parent, env=env)
        try:
            proc.wait()
        except KeyboardInterrupt:
            proc.terminate()
            proc.wait(10)
        finally:
            dav.stop()
            cred_fakes.stop()
    return 0


def _build_demo(store: Store, sb: Any, db: Path) -> tuple[Any, Any]:
    """Fill the demo database from the running sandbox; returns the WebDAV folder's server and the
    provider fakes, which keep answering while the dashboard runs (the caller stops them)."""
    from allhub_core.sandbox import DEMO_BOOKMARKS, demo_accounts, demo_announcements  # noqa: PLC0415 - the sandbox (starlette, uvicorn) loads only for the commands that start it

    # The default politeness, as a user's sites get (issue 18); one site with a window of its
    # own, as a user who knows their site allows more would set it (Settings, Sites).
    rows = demo_accounts(sb)
    set_site_window(store, rows[0]["site_url"], 180, 180)
    # top-up rates as sites sell quota (CNY paid per USD of quota): "what you really pay" on the
    # Models page then differs from the list price on some sites
    rates = {"one-api": 1.0, "Veloera": 3.5, "done-hub": 5.0}
    for row in rows:
        _add_demo(store, row, name=f"{row['site_name']} · {row['username']}", tags=["demo", row["dialect"]],
                  rate=rates.get(row["site_type"], 7.2))
    # A few accounts that show what trouble looks like: a revoked token, a duplicate,
    # and a site whose check-in wants a browser (Turnstile).
    first = rows[0]
    _add_demo(store, {**first, "access_token": "revoked-token-0000000000"}, name="Expired token example",
              tags=["demo", "needs attention"])
    _add_demo(store, first, name=f"{first['site_name']} · {first['username']} (duplicate)", tags=["demo"])
    # a look-alike (issue 21): the same account reached through a second address of its site
    # (localhost for 127.0.0.1, as a mirror or a www. name would be), same name and user id
    _add_demo(store, {**first, "site_url": first["site_url"].replace("//127.0.0.1:", "//localhost:")},
              name=f"{first['site_name']} · {first['username']}", tags=["demo", "mirror"])
    add_bookmarks(store, DEMO_BOOKMARKS)
    sb.site("veloera").turnstile = True
    seed_demo_relogin(store, sb)  # issue 21: an AgentRouter-like account that checks in by logging in
    # through the automation jobs, so the run log has entries; auto check-in on, so the
    # Automation page shows a schedule (today's check-in is done by this run)
    report = run_job(store, "refresh", trigger="demo", sync_usage=False)
    run_job(store, "checkin", trigger="demo")
    save_settings(store, checkin_enabled=True, refresh_enabled=True, retry_enabled=True)
    # 60 days of made-up balances and usage before today, then the sites' own recent logs
    seeded = seed_demo_history(store, days=60)
    usage = sync_usage(store)
    keys = sync_keys(store)  # the Keys page: every simulated site's keys, masked
    # the Models page: every site's models and prices; then one site starts selling a new
    # model and stops another, so the next sync has changes to log (``models changes``)
    models = sync_models(store)
    changing = sb.site("new-api")
    changing.change_models(add=["gpt-5-preview"], remove=[changing.models[-1]])
    sync_models(store, [r["id"] for r in _accounts_on(store, changing.url)])
    # the Announcements page: the sites' announcements (issue 21), one of them already read
    demo_announcements(sb)
    notices = sync_notices(store)
    if notices.new_ids:
        mark_read(store, notices.new_ids[-1:])
    redeemed = seed_demo_redeem(store, sb)  # the Redeem page: codes to redeem, one redeemed already
    seed_demo_attention(store, sb)  # the Overview's attention queue: one account of each kind (issue 21)
    dav, backup = _demo_backup(store, db)
    seed_demo_push(store)  # the services a key is pushed to (Keys page, Settings): running as long as the demo
    from allhub_core.cli.creds_demo import seed_demo_credentials  # noqa: PLC0415 - starts the provider fakes

    cred_fakes, creds = seed_demo_credentials(store)  # the Credentials page: balances from the fakes
    emit(f"Demo database {db}: {len(report.rows())} accounts on {len(sb.sites)} sandbox sites; "
          f"{report.summary()} History: {seeded['snapshots']} daily balances, "
          f"{seeded['usage_rows'] + sum(usage.added.values())} usage rows. {keys.summary()} "
          f"{models.summary()} {redeemed} Backup: {backup} {creds}",
          flush=True)
    return dav, cred_fakes


def _demo_backup(store, db: Path):
    """A local WebDAV folder beside the demo database, set as the backup target, one upload done:
    the Backup page then has a server to test, a file to pull and a last result to show."""

    from allhub_core.sandbox import DEMO_PASSWORD, DEMO_USER, DemoWebdav  # noqa: PLC0415 - the sandbox (starlette, uvicorn) loads only for the commands that start it

    root = db.with_name(db.stem + "-webdav")
    shutil.rmtree(root, ignore_errors=True)
    dav = DemoWebdav(root)
    save_backup_settings(store, url=dav.url, username=DEMO_USER, password=DEMO_PASSWORD)
    return dav, backup_push(store).summary()


def _accounts_on(store, site_url: str) -> list[dict]:
    with store.read() as con:
        return [{"id": i} for (i,) in con.execute("SELECT id FROM accounts WHERE site_url = ? AND NOT disabled",
                                                  [site_url.rstrip("/")]).fetchall()]


def _add_demo(store, row: dict, name: str, tags: list[str], rate: float = 7.2) -> int:

    return add_account(store, AccountInput(
        site_url=row["site_url"], site_name=name, site_type=row["site_type"], user_id=row["user_id"],
        username=row["username"], auth_type=row["auth_type"], access_token=row.get("access_token") or "",
        cookie=row.get("cookie") or "", refresh_token=row.get("refresh_token") or "", tags=tags,
        exchange_rate=rate))
