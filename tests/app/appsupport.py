"""Helpers shared by the AppTest page tests: start the app, seed accounts, read what is shown.

The app reads ``ALLHUB_DB`` (set per test by ``tests/conftest.py``); seeding goes through
``allhub_core`` on that same file, and a few fields that only a refresh would write (today's
figures, check-in state, last sync, timestamps) are set with plain SQL.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

from allhub_core import accounts as acc
from allhub_core.accounts import QUOTA_PER_USD
from allhub_core.store import Store

ROOT = Path(__file__).resolve().parents[2]


ACCOUNTS = "pages/accounts.py"


def start(page: str | None = ACCOUNTS) -> AppTest:
    """The app run once through app.py, then switched to ``page`` (Accounts unless told;
    ``None`` stays on the landing page, Overview)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.run()
    if page:
        # (only the page under test must run cleanly: the first run shows Overview)
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def seed(store: Store, name: str, *, url: str | None = None, user_id: str = "1", usd: float = 0.0,
         rate: float = 7.2, disabled: bool = False, tags: list[str] | None = None, site_type: str = "new-api",
         exclude_total: bool = False, exclude_income: bool = False, health: str = "unknown",
         token: str | None = None, notes: str = "", username: str = "",
         consumption_usd: float | None = None, income_usd: float | None = None,
         checkin: str | None = None, synced: bool = False, updated_at: str | None = None,
         pinned: bool = False) -> int:
    """Add one account the way the app does, then set what only a refresh would write."""
    aid = acc.add_account(store, acc.AccountInput(
        site_url=url or f"https://{name.lower().replace(' ', '-')}.example.com", site_name=name,
        site_type=site_type, user_id=user_id, username=username,
        access_token=token or f"tok-{name.lower().replace(' ', '')}-SECRETVALUE-0123456789",
        tags=tags or [], notes=notes, exchange_rate=rate, disabled=disabled,
        exclude_from_total_balance=exclude_total, exclude_from_today_income=exclude_income,
        quota=round(usd * QUOTA_PER_USD), health_status=health))
    sets: dict[str, Any] = {}
    if consumption_usd is not None or income_usd is not None:
        sets.update(stats_date="today", today_consumption=round((consumption_usd or 0) * QUOTA_PER_USD),
                    today_income=round((income_usd or 0) * QUOTA_PER_USD),
                    consumption_availability="complete" if consumption_usd is not None else "unavailable",
                    income_availability="complete" if income_usd is not None else "unavailable")
    if checkin is not None:
        sets.update(checkin_supported=checkin != "unsupported", checkin_status=checkin, checkin_date="today")
    if synced:
        sets["last_sync_time"] = "now"
    if sets:
        cols, params = [], []
        for k, v in sets.items():
            if v == "today":
                cols.append(f"{k} = current_date")
            elif v == "now":
                cols.append(f"{k} = now()")
            else:
                cols.append(f"{k} = ?")
                params.append(v)
        with store.write() as con:
            con.execute(f"UPDATE accounts SET {', '.join(cols)} WHERE id = ?", [*params, aid])
    if pinned:
        acc.set_pinned(store, [aid], True)
    if updated_at is not None:
        with store.write() as con:
            con.execute("UPDATE accounts SET updated_at = CAST(? AS TIMESTAMPTZ) WHERE id = ?", [updated_at, aid])
    return aid


def snapshot(store: Store) -> dict[int, dict[str, Any]]:
    """Every account row (all columns, secrets as stored) plus its tags and pin, by id."""
    with store.read() as con:
        cur = con.execute("SELECT * FROM accounts ORDER BY id")
        names = [d[0] for d in cur.description]
        rows = {r[0]: dict(zip(names, r, strict=False)) for r in cur.fetchall()}
        for aid, tag in con.execute(
                "SELECT lk.account_id, t.name FROM account_tags lk JOIN tags t ON t.id = lk.tag_id "
                "ORDER BY t.name").fetchall():
            rows[aid].setdefault("_tags", []).append(tag)
        pins = {r[0] for r in con.execute("SELECT account_id FROM pins").fetchall()}
    for aid, row in rows.items():
        row.setdefault("_tags", [])
        row["_pinned"] = aid in pins
    return rows


def account_ids(store: Store) -> list[int]:
    with store.read() as con:
        return [r[0] for r in con.execute("SELECT id FROM accounts ORDER BY id").fetchall()]


def grid_names(at: AppTest) -> list[str]:
    """The Name column of the Accounts grid, top to bottom."""
    return list(at.data_editor[0].value["site_name"])


def grid_ids(at: AppTest) -> list[int]:
    return [int(i) for i in at.data_editor[0].value["id"]]


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def texts(elements) -> list[str]:
    """What the user reads: pages markdown-escape remote and user text (pages/_ui.esc), and
    AppTest hands back the markdown source, so drop the backslash escapes."""
    return [re.sub(r"\\(.)", r"\1", e.value) for e in elements]


def button(at: AppTest, label: str):
    """The one button (form submit buttons included) with this label."""
    found = [b for b in at.button if b.label == label]
    assert len(found) == 1, [b.label for b in at.button]
    return found[0]


def edit_grid(at: AppTest, edited_rows: dict[int, dict[str, Any]], key: str | None = None) -> AppTest:
    """Seed a data_editor's edits through session state (AppTest cannot type into cells)."""
    key = key or at.data_editor[0].key
    at.session_state[key] = {"edited_rows": edited_rows, "added_rows": [], "deleted_rows": []}
    return at.run()


def select_rows(at: AppTest, *positions: int) -> AppTest:
    return edit_grid(at, {p: {"select": True} for p in positions})
