"""Notification channels: add, list, change and remove them (each URL stored encrypted, shown
masked); the checks of a channel's name, policy and the jobs it follows."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from allhub_core.automation.notify import store as db
from allhub_core.automation.notify.channels import CHANNEL_KINDS, JOBS, POLICIES, build_url, check_apprise_url, mask_url
from allhub_core.errors import AllhubError, ValidationError
from allhub_core.store import Store

__all__ = ["add_channel", "get_channel", "list_channels", "remove_channel", "set_channel"]

_NAME = re.compile(r"^[^\x00-\x1f\x7f]{1,64}$")


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError("A notification channel needs a name.")
    if not _NAME.match(name):
        raise ValidationError("A channel name is at most 64 characters, without control characters.")
    return name


def _check_policy(policy: str) -> str:
    if policy not in POLICIES:
        raise ValidationError(f"The policy must be one of {', '.join(POLICIES)}.")
    return policy


def _check_jobs(jobs: Iterable[str] | str) -> tuple[str, ...]:
    items = [j.strip() for j in (jobs.split(",") if isinstance(jobs, str) else jobs) if j and j.strip()]
    bad = [j for j in items if j not in JOBS]
    if bad:
        raise ValidationError(f"There is no job {bad[0]!r} to follow; use {' or '.join(JOBS)}.")
    return tuple(j for j in JOBS if j in items)


def add_channel(store: Store, name: str, kind: str, *, fields: dict | None = None, url: str | None = None,
                policy: str = "always", jobs: Iterable[str] | str = ("refresh", "checkin"),
                daily_summary: bool = False) -> dict:
    """Add a channel: ``fields`` of ``CHANNEL_KINDS[kind]``, or ``url`` (any Apprise URL; kind
    ``apprise`` or a kind whose URL you built yourself). Returns the channel as ``list_channels``
    shows it (masked). Nothing is sent; ``send_test`` does that."""
    name = _check_name(name)
    if kind not in CHANNEL_KINDS:
        raise ValidationError(f"There is no channel kind {kind!r}; use one of {', '.join(CHANNEL_KINDS)}.")
    if url is not None and fields:
        raise ValidationError("Give either the channel's fields or its Apprise URL, not both.")
    the_url = check_apprise_url(url) if url is not None else build_url(kind, dict(fields or {}))
    db.insert_channel(store, name=name, kind=kind, url=the_url, policy=_check_policy(policy),
                      jobs=_check_jobs(jobs), daily_summary=bool(daily_summary))
    return get_channel(store, name)


def _public(store: Store, row: dict) -> dict:
    try:
        shown = mask_url(db.channel_url(store, row["id"]))
    except AllhubError:
        shown = "(cannot be decrypted)"
    return {
        "name": row["name"], "kind": row["kind"],
        "kind_label": CHANNEL_KINDS[row["kind"]].label if row["kind"] in CHANNEL_KINDS else row["kind"],
        "url": shown, "policy": row["policy"], "jobs": list(row["jobs"]), "daily_summary": bool(row["daily_summary"]),
        "enabled": bool(row["enabled"]),
        "created_at": row["created_at"].isoformat() if row["created_at"] else None,
        "last_sent_at": row["last_sent_at"].isoformat() if row["last_sent_at"] else None,
        "last_ok": row["last_ok"], "last_message": row["last_message"],
    }


def list_channels(store: Store) -> list[dict]:
    """Every channel, by name, with its URL masked (never a secret)."""
    return [_public(store, r) for r in db.channel_rows(store)]


def get_channel(store: Store, name: str) -> dict:
    return _public(store, db.channel_row(store, name))


def remove_channel(store: Store, name: str) -> None:
    db.delete_channel(store, name)


def set_channel(store: Store, name: str, /, **changes: Any) -> dict:
    """Change the channel ``name``: a new ``name``, ``policy``, ``jobs``, ``daily_summary``, ``enabled``, ``url`` (a
    new Apprise URL) or ``fields`` (new fields of its kind)."""
    row = db.channel_row(store, name)
    allowed = {"name", "policy", "jobs", "daily_summary", "enabled", "url", "fields"}
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise ValidationError(f"A channel has no setting {unknown[0]!r}.")
    out: dict[str, Any] = {}
    if changes.get("name") is not None:
        out["name"] = _check_name(changes["name"])
    if changes.get("policy") is not None:
        out["policy"] = _check_policy(changes["policy"])
    if changes.get("jobs") is not None:
        out["jobs"] = _check_jobs(changes["jobs"])
    for flag in ("daily_summary", "enabled"):
        if changes.get(flag) is not None:
            out[flag] = bool(changes[flag])
    if changes.get("url") is not None:
        out["url"] = check_apprise_url(changes["url"])
    elif changes.get("fields") is not None:
        out["url"] = build_url(row["kind"], dict(changes["fields"]))
    db.update_channel(store, row["id"], out)
    return get_channel(store, out.get("name", name))
