"""The Accounts grid: which columns the browser gets, and the diff its edits make.

The frame sent to the browser never holds a secret (only the masked hint), because
``st.data_editor`` serialises the whole frame. Edits arrive as positions in this frame
(``edited_rows``), so the frame keeps a read-only ``id`` column and a deterministic order,
and ``grid_changes`` maps positions back to ids, keeping only real changes of editable columns.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas costs ~0.3 s to import: only the grid's callers pay for it
    import pandas as pd

from allhub_core.vocab import CheckInState, Health

__all__ = ["GRID_EDITABLE", "grid_changes", "grid_frame", "selected_ids"]

#: Columns the user may edit in the grid -> account field name.
GRID_EDITABLE = {
    "site_name": "site_name", "tags": "tags", "notes": "notes", "exchange_rate": "exchange_rate",
    "pinned": "pinned", "disabled": "disabled", "order": "manual_position",
    "exclude_from_total_balance": "exclude_from_total_balance",
    "exclude_from_today_income": "exclude_from_today_income",
}

#: health -> what the grid shows: the enum's icon and its stored word ("🟢 healthy")
HEALTH_BADGE = {h: f"{h.icon} {h.value}" for h in Health}
#: today's check-in state -> what the grid shows (the enum's own badge)
CHECKIN_BADGE = {state: state.badge for state in CheckInState}


def grid_frame(df: pd.DataFrame, currency: str, selected: bool = False) -> pd.DataFrame:
    """The browser-side frame for ``list_accounts`` output, with money in ``currency``."""
    import pandas as pd  # noqa: PLC0415 - pandas costs ~0.3 s to import: only the grid's callers pay

    cur = "cny" if currency == "CNY" else "usd"
    # Column order is what a user scans first: who, health, money, check-in; then the rest.
    out = pd.DataFrame({
        "select": pd.Series([bool(selected)] * len(df), dtype=bool),
        "id": df["id"].astype("int64"),
        "site_name": df["site_name"].astype(object),
        "health": df["health_status"].map(lambda s: HEALTH_BADGE.get(s, s)).astype(object),
        "balance": df[f"balance_{cur}"].astype("float64"),
        "subscription": df[f"subscription_{cur}"].astype("float64"),
        "today_consumption": df[f"today_consumption_{cur}"].astype("float64"),
        "today_income": df[f"today_income_{cur}"].astype("float64"),
        "checkin": df["checkin_status"].map(lambda s: CHECKIN_BADGE.get(s, s)).astype(object),
        "tags": df["tags"].map(lambda v: list(v)),
        "health_reason": df["health_reason"].astype(object),
        "site_url": df["site_url"].astype(object),
        "site_type": df["site_type"].astype(object),
        "username": df["username"].astype(object),
        "pinned": df["pinned"].astype(bool),
        "disabled": df["disabled"].astype(bool),
        "order": df["manual_position"].astype("Int64"),
        "exchange_rate": df["exchange_rate"].astype("float64"),
        "notes": df["notes"].astype(object),
        "exclude_from_total_balance": df["exclude_from_total_balance"].astype(bool),
        "exclude_from_today_income": df["exclude_from_today_income"].astype(bool),
        "secret": df["secret_hint"].astype(object),
        "last_sync_time": df["last_sync_time"],
    })
    return out.reset_index(drop=True)


def _missing(v: Any) -> bool:
    import pandas as pd  # noqa: PLC0415 - pandas costs ~0.3 s to import: only the grid's callers pay

    if v is None or v is pd.NA:
        return True
    return isinstance(v, float) and math.isnan(v)


def _same(a: Any, b: Any) -> bool:
    if _missing(a) and _missing(b):
        return True
    if _missing(a) or _missing(b):
        return False
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return list(a or []) == list(b or [])
    return bool(a == b)


def grid_changes(frame: pd.DataFrame, edited_rows: dict[Any, dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """``{account_id: {field: new_value}}`` for the edited rows, only what really changed."""
    changes: dict[int, dict[str, Any]] = {}
    for pos, cols in (edited_rows or {}).items():
        pos = int(pos)
        if pos < 0 or pos >= len(frame):
            continue
        row = frame.iloc[pos]
        fields = {}
        for col, value in cols.items():
            if col not in GRID_EDITABLE:
                continue
            if col == "tags" and value is not None:
                value = [str(t) for t in value]
            if not _same(row[col], value):
                fields[GRID_EDITABLE[col]] = value
        if fields:
            changes[int(row["id"])] = fields
    return changes


def selected_ids(frame: pd.DataFrame, edited_rows: dict[Any, dict[str, Any]]) -> list[int]:
    """Ids of rows whose ``select`` box is ticked (the frame's default plus the edits)."""
    sel = frame["select"].tolist()
    for pos, cols in (edited_rows or {}).items():
        pos = int(pos)
        if 0 <= pos < len(sel) and "select" in cols:
            sel[pos] = bool(cols["select"])
    return [int(i) for i, s in zip(frame["id"], sel, strict=True) if s]
