"""The Keys page's grid: the rows ``keys.key_rows`` returns as a read-only table with a ✓ column,
flat or one table per account, and which keys the user ticked.

The frame holds what the user reads (masked keys only: ``key_rows`` never returns a secret);
positions map back to the rows it was built from, so no id needs to travel in a hidden column.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pandas as pd
import streamlit as st

from pages._text import esc

__all__ = ["SelectedKey", "key_frame", "key_grid"]

#: One ticked key: (account id, key id).
SelectedKey = tuple[int, str]

_STATUS = {"enabled": "🟢 enabled", "disabled": "⚪ disabled", "expired": "🔴 expired", "exhausted": "🟠 exhausted"}


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _remaining(row: dict[str, Any]) -> str:
    """Remaining as the extension shows it: a USD amount, or "unlimited" (one text column, so
    the two never need two columns)."""
    if row["unlimited"]:
        return "unlimited"
    return "—" if row["remaining_usd"] is None else f"${row['remaining_usd']:,.2f}"


def _expiry(value: str | None) -> str:
    return "never" if not value else datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M")


def key_frame(rows: Sequence[dict[str, Any]], selected: set[SelectedKey] | None = None) -> pd.DataFrame:
    """The grid's table of these rows, in their order (no secret: ``masked_key`` only)."""
    selected = selected or set()
    return pd.DataFrame([{
        "select": (int(r["account_id"]), str(r["key_id"])) in selected,
        "account": r["site_name"] or f"account {r['account_id']}",
        "key_id": str(r["key_id"]),
        "name": r["name"] or "",
        "masked_key": r["masked_key"] or "",
        "group": r["group"] or "(own group)",
        "remaining": _remaining(r),
        "used": r["used_usd"],
        "status": _STATUS.get(r["status"], r["status"]),
        "expires": _expiry(r["expires_at"]),
        "last_used": _when(r["accessed_at"]),
        "fetched": _when(r["fetched_at"]),
    } for r in rows], columns=["select", "account", "key_id", "name", "masked_key", "group", "remaining", "used",
                               "status", "expires", "last_used", "fetched"])


def _columns() -> dict[str, Any]:
    cc = st.column_config
    return {
        "select": cc.CheckboxColumn("✓", help="Select to reveal, delete or edit", width="small"),
        "account": cc.TextColumn("Account"),
        "key_id": cc.TextColumn("ID", width="small"),
        "name": cc.TextColumn("Name"),
        "masked_key": cc.TextColumn("Key", help="Masked; select the row and click Reveal for the full key"),
        "group": cc.TextColumn("Group"),
        "remaining": cc.TextColumn("Remaining", help="What the key may still spend, in USD, or unlimited"),
        "used": cc.NumberColumn("Used", format="$%.2f"),
        "status": cc.TextColumn("Status"),
        "expires": cc.TextColumn("Expires"),
        "last_used": cc.DatetimeColumn("Last used", format="YYYY-MM-DD HH:mm"),
        "fetched": cc.DatetimeColumn("Fetched", format="YYYY-MM-DD HH:mm"),
    }


def _ticked(key: str, rows: Sequence[dict[str, Any]]) -> list[SelectedKey]:
    state = st.session_state.get(key) or {}
    edited = state.get("edited_rows", {}) if isinstance(state, dict) else getattr(state, "edited_rows", {})
    out = []
    for pos, change in edited.items():
        i = int(pos)
        if change.get("select") and 0 <= i < len(rows):
            out.append((int(rows[i]["account_id"]), str(rows[i]["key_id"])))
    return out


def _one_grid(rows: Sequence[dict[str, Any]], key: str, hide_account: bool) -> list[SelectedKey]:
    frame = key_frame(rows)
    if hide_account:
        frame = frame.drop(columns="account")
    st.data_editor(frame, key=key, hide_index=True, num_rows="fixed", width="stretch", placeholder="—",
                   height=min(38 + 35 * max(len(frame), 1), 600),
                   disabled=[c for c in frame.columns if c != "select"], column_config=_columns())
    return _ticked(key, rows)


PAGE_ROWS = 500  # keys in one flat grid
PAGE_ACCOUNTS = 25  # accounts (each its own grid) a page when grouped
PICKER_MAX = 200  # accounts the Accounts filter lists


def key_grid(rows: Sequence[dict[str, Any]], version: int, grouped: bool) -> list[SelectedKey]:
    """Draw the keys (one table, or one per account under its name) and return the ticked ones.

    Editors are keyed by the rows they show: a different set of rows (a filter, a fetch) starts
    with nothing ticked, since ticks are kept by position."""
    if not grouped:
        return _one_grid(rows, f"keys_grid_{version}_{hash(tuple((r['account_id'], r['key_id']) for r in rows))}",
                         hide_account=False)
    chosen: list[SelectedKey] = []
    by_account: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        by_account.setdefault(int(r["account_id"]), []).append(r)
    for aid, part in by_account.items():
        name = part[0]["site_name"] or f"account {aid}"
        st.markdown(f"**{esc(name)}** · {len(part)} key(s)")
        ident = hash(tuple(r["key_id"] for r in part))
        chosen += _one_grid(part, f"keys_grid_{version}_{aid}_{ident}", hide_account=True)
    return chosen
