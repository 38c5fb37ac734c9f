"""The notification tables (migration 8): channels with their URL encrypted, and a small state.

``notify_channels`` holds one row per channel; ``url_enc`` is the Apprise URL encrypted with the
store's ``SecretBox`` (it carries bot tokens, webhook keys and SMTP passwords), everything else
is plain. ``notify_state`` is key/value: ``digest:<channel id>:<job>`` (the "change" policy),
``summary_day`` and ``summary_time`` (the daily summary), ``last_run:<job>`` (for the summary).
"""

from __future__ import annotations

import json
from typing import Any

from allhub_core.errors import NotFound, ValidationError
from allhub_core.store import Store, enc_column, open_one, seal_one

__all__ = [
    "ChannelRow",
    "channel_row",
    "channel_rows",
    "channel_url",
    "delete_channel",
    "get_state",
    "insert_channel",
    "record_delivery",
    "set_state",
    "update_channel",
]

_COLUMNS = ("id", "name", "kind", "policy", "jobs", "daily_summary", "enabled", "created_at", "last_sent_at",
            "last_ok", "last_message")

ChannelRow = dict[str, Any]


def _row(values: tuple) -> ChannelRow:
    row = dict(zip(_COLUMNS, values, strict=True))
    row["jobs"] = tuple(j for j in str(row["jobs"]).split(",") if j)
    return row


def channel_rows(store: Store, *, enabled_only: bool = False) -> list[ChannelRow]:
    where = "WHERE enabled" if enabled_only else ""
    with store.read() as con:
        rows = con.execute(f"SELECT {', '.join(_COLUMNS)} FROM notify_channels {where} ORDER BY name").fetchall()
    return [_row(r) for r in rows]


def channel_row(store: Store, name: str) -> ChannelRow:
    with store.read() as con:
        row = con.execute(f"SELECT {', '.join(_COLUMNS)} FROM notify_channels WHERE name = ?", [name]).fetchone()
    if row is None:
        raise NotFound(f"There is no notification channel named {name!r}.")
    return _row(row)


def channel_url(store: Store, channel_id: int) -> str:
    """The channel's Apprise URL in plain text (only for sending it)."""
    with store.read() as con:
        row = con.execute("SELECT url_enc FROM notify_channels WHERE id = ?", [channel_id]).fetchone()
    if row is None:
        raise NotFound("The notification channel is gone.")
    return open_one(store.box, row[0]) or ""


def insert_channel(store: Store, *, name: str, kind: str, url: str, policy: str, jobs: tuple[str, ...],
                   daily_summary: bool) -> None:
    blob = seal_one(store.box, url)
    with store.write() as con:
        if con.execute("SELECT 1 FROM notify_channels WHERE lower(name) = lower(?)", [name]).fetchone():
            raise ValidationError(f"A notification channel named {name!r} exists already.")
        con.execute("INSERT INTO notify_channels (name, kind, url_enc, policy, jobs, daily_summary) "
                    "VALUES (?, ?, ?, ?, ?, ?)", [name, kind, blob, policy, ",".join(jobs), daily_summary])


def update_channel(store: Store, channel_id: int, changes: dict[str, Any]) -> None:
    sets, params = [], []
    for col, value in changes.items():
        if col == "url":
            col, value = enc_column("url"), seal_one(store.box, value)
        elif col == "jobs":
            value = ",".join(value)
        sets.append(f"{col} = ?")
        params.append(value)
    if not sets:
        return
    with store.write() as con:
        if "name" in changes and con.execute(
                "SELECT 1 FROM notify_channels WHERE lower(name) = lower(?) AND id <> ?",
                [changes["name"], channel_id]).fetchone():
            raise ValidationError(f"A notification channel named {changes['name']!r} exists already.")
        con.execute(f"UPDATE notify_channels SET {', '.join(sets)} WHERE id = ?", [*params, channel_id])


def delete_channel(store: Store, name: str) -> None:
    with store.write() as con:
        row = con.execute("SELECT id FROM notify_channels WHERE name = ?", [name]).fetchone()
        if row is None:
            raise NotFound(f"There is no notification channel named {name!r}.")
        con.execute("DELETE FROM notify_state WHERE starts_with(key, ?)", [f"digest:{row[0]}:"])
        con.execute("DELETE FROM notify_channels WHERE id = ?", [row[0]])


def record_delivery(store: Store, channel_id: int, ok: bool, message: str,
                    state: dict[str, Any] | None = None) -> None:
    """The outcome of one send (and any state to keep with it) in one transaction."""
    with store.write() as con:
        con.execute("UPDATE notify_channels SET last_sent_at = now(), last_ok = ?, last_message = ? WHERE id = ?",
                    [ok, message, channel_id])
        for key, value in (state or {}).items():
            _put(con, key, value)


def _put(con: Any, key: str, value: Any) -> None:
    con.execute("INSERT INTO notify_state (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value", [key, json.dumps(value)])


def get_state(store: Store, key: str, default: Any = None) -> Any:
    with store.read() as con:
        row = con.execute("SELECT value FROM notify_state WHERE key = ?", [key]).fetchone()
    return json.loads(row[0]) if row else default


def set_state(store: Store, values: dict[str, Any]) -> None:
    with store.write() as con:
        for key, value in values.items():
            _put(con, key, value)
