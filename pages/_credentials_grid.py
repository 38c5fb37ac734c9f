"""The Credentials page's grid: ``credentials.credential_rows`` as a read-only table with a ✓
column (masked keys only: the rows never hold a secret), and which credentials the user ticked.
Positions map back to the rows, so no id travels in a hidden column."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pandas as pd
import streamlit as st

__all__ = ["credential_frame", "credential_grid", "status_of"]


def status_of(row: dict[str, Any]) -> str:
    """One word with its colour: expired wins, then the last check's outcome."""
    if row["expired"]:
        return "⏰ expired"
    if row["checked_at"] is None:
        return "⚪ not checked"
    return "🟢 working" if row["ok"] else "🔴 failed"


def _balance(row: dict[str, Any]) -> str:
    if row["balance_usd"] is None:
        return "—" if row["checked_at"] is None or row["source"] is None else "unlimited"
    text = f"${row['balance_usd']:,.2f}"
    if row["currency"] and row["currency"] != "USD" and row["raw_balance"] is not None:
        text += f" (¥{row['raw_balance']:,.2f})"
    return text


def credential_frame(rows: Sequence[dict[str, Any]], selected: set[int] | None = None) -> pd.DataFrame:
    """The grid's table of these rows, in their order."""
    selected = selected or set()
    return pd.DataFrame([{
        "select": int(r["id"]) in selected,
        "name": r["name"],
        "status": status_of(r),
        "balance": _balance(r),
        "used": r["used_usd"],
        "models": r["model_count"],
        "api_type": r["api_type"],
        "base_url": r["base_url"],
        "key": r["key_masked"],
        "tags": ", ".join(r["tags"]),
        "checked": datetime.fromisoformat(r["checked_at"]) if r["checked_at"] else None,
        "message": r["message"] or "",
    } for r in rows], columns=["select", "name", "status", "balance", "used", "models", "api_type", "base_url", "key",
                               "tags", "checked", "message"])


def _columns() -> dict[str, Any]:
    cc = st.column_config
    return {
        "select": cc.CheckboxColumn("✓", help="Select to check, export or remove", width="small"),
        "name": cc.TextColumn("Name"),
        "status": cc.TextColumn("Status"),
        "balance": cc.TextColumn("Balance", help="In USD (a provider that counts in yuan: its own figure too)"),
        "used": cc.NumberColumn("Used", format="$%.2f"),
        "models": cc.NumberColumn("Models", help="How many models the last check listed"),
        "api_type": cc.TextColumn("Type"),
        "base_url": cc.TextColumn("Base URL"),
        "key": cc.TextColumn("Key", help="Masked; the key is kept encrypted in the store"),
        "tags": cc.TextColumn("Tags"),
        "checked": cc.DatetimeColumn("Last check", format="YYYY-MM-DD HH:mm"),
        "message": cc.TextColumn("Message", width="large"),
    }


def credential_grid(rows: Sequence[dict[str, Any]], version: int) -> list[int]:
    """The grid; the ids of the ticked rows."""
    frame = credential_frame(rows)
    edited = st.data_editor(frame, hide_index=True, width="stretch", column_config=_columns(),
                            disabled=[c for c in frame.columns if c != "select"], key=f"cred_grid_{version}")
    return [int(rows[i]["id"]) for i, ticked in enumerate(edited["select"].tolist()) if ticked]
