"""``allhub site list`` and ``allhub site set``: each site's request window (``accounts.site_rows``,
``accounts.set_site_window``), the same table and rules as the Settings page's Sites section."""

from __future__ import annotations

import argparse
from typing import Any

from allhub_core.accounts import get_preferences, set_site_window, site_rows, site_windows
from allhub_core.cli.output import Fail, emit, open_store, print_json
from allhub_core.origin import origin_key
from allhub_core.store import Store

__all__ = ["cmd_site_list", "cmd_site_set"]

#: ``window_source`` as a person reads it.
SOURCES = {"default": "default", "user": "your setting", "429": "lowered after a 429"}


def _parse_window(text: str) -> tuple[str, str]:
    n, sep, w = text.strip().partition("/")
    if not sep or not n.strip() or not w.strip():
        raise Fail(2, "--window takes N/SECONDS, such as 180/180 (0/SECONDS: no limit).")
    return n.strip(), w.strip()


def _table(rows: list[dict[str, Any]]) -> None:
    if not rows:
        emit("No sites yet: they appear once an account is added.")
        return
    width = max(len(r["origin"]) for r in rows)
    emit(f"{'site':<{width}}  accounts  {'window':<16} set by")
    for r in rows:
        emit(f"{r['origin']:<{width}}  {r['accounts']:>8}  {r['window']:<16} {SOURCES.get(r['window_source'], '')}")


def cmd_site_list(args: argparse.Namespace) -> int:
    rows = site_rows(open_store(args))
    if args.json:
        print_json(rows)
    else:
        _table(rows)
    return 0


def cmd_site_set(args: argparse.Namespace) -> int:
    store = open_store(args)
    if args.default:
        set_site_window(store, args.url, None)
    else:
        n, w = _parse_window(args.window)
        set_site_window(store, args.url, n, w)
    origin = origin_key(args.url) or args.url
    row = next((r for r in site_rows(store) if r["origin"] == origin), None) or _row_without_accounts(store, origin)
    if args.json:
        print_json(row)
    else:
        emit(f"{origin}: {row['window']} ({SOURCES.get(row['window_source'], '')})"
             + ("; no account uses this site yet." if not row["accounts"] else "."))
    return 0


def _row_without_accounts(store: Store, origin: str) -> dict[str, Any]:
    """The row ``site_rows`` would show for a site no account uses (yet)."""
    own = site_windows(store).get(origin)
    if own is None:
        prefs = get_preferences(store)
        n, w, source = int(prefs["per_site_window_requests"]), float(prefs["per_site_window_s"]), "default"
        text = "no limit" if n == 0 else f"{n} per {w:g} s"
    else:
        n, w, source, text = own.requests, own.seconds, own.source, own.text
    return {"origin": origin, "accounts": 0, "window_requests": n, "window_s": w, "window": text,
            "window_source": source, "has_plans": None}
