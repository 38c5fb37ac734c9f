"""What we know of each site (one row per origin in the ``sites`` table).

- Its request window: at most N request starts in any W seconds, shared by every job and every
  process (``net``'s shared window). NULL is the default (the politeness preferences). The user
  sets one per site (source ``user``); a 429 lowers it (source ``429``) and the lower value is
  stored and shown, never raised again except by the user.
- Whether it sells subscription plans: asked on a refresh only where it has them, probed again
  once a day (``plans_due``).

Origins are the accounts' ``site_url`` (``origin.origin_key``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from allhub_core.accounts.preferences import WHOLE_NUMBER_LIMITS, get_preferences
from allhub_core.errors import ValidationError
from allhub_core.origin import origin_key
from allhub_core.store import Store

__all__ = [
    "PLANS_PROBE_INTERVAL",
    "SiteWindow",
    "check_window",
    "lower_site_window",
    "plans_known",
    "record_site_plans",
    "set_site_window",
    "site_rows",
    "site_windows",
    "window_changes",
]

#: How long "this site has no plans" (or has) is believed before it is asked again.
PLANS_PROBE_INTERVAL = timedelta(days=1)
WINDOW_SOURCES = ("user", "429")


@dataclass(frozen=True)
class SiteWindow:
    requests: int  # 0: no limit
    seconds: float
    source: str  # 'user' or '429'
    changed_at: datetime | None = None

    @property
    def text(self) -> str:
        return "no limit" if self.requests == 0 else f"{self.requests} per {self.seconds:g} s"


def _origin(url: str) -> str:
    key = origin_key(url)
    if key is None:
        raise ValidationError(f"{url!r} is not a site address (give its URL, such as https://example.com).")
    return key


def check_window(requests: Any, seconds: Any) -> tuple[int, float]:
    """``(N, W)`` within the preferences' bounds, or one sentence."""
    low_n, high_n, _ = WHOLE_NUMBER_LIMITS["per_site_window_requests"]
    low_w, high_w, _ = WHOLE_NUMBER_LIMITS["per_site_window_s"]
    try:
        n_raw = float(requests)
        w = float(seconds)
    except (TypeError, ValueError):
        raise ValidationError("A site's window is a number of requests and a number of seconds.") from None
    if isinstance(requests, bool) or not (math.isfinite(n_raw) and n_raw.is_integer()):
        raise ValidationError("A site's window takes a whole number of requests.")
    n = int(n_raw)
    if not low_n <= n <= high_n:
        raise ValidationError(f"A site's window allows from {low_n} (no limit) to {high_n} requests.")
    if not (math.isfinite(w) and low_w <= w <= high_w):
        raise ValidationError(f"A site's window lasts from {low_w} to {high_w} seconds.")
    return n, w


def site_windows(store: Store) -> dict[str, SiteWindow]:
    """Every site with a window of its own: ``{origin: SiteWindow}``."""
    with store.read() as con:
        rows = con.execute("SELECT origin, window_requests, window_s, window_source, window_changed_at FROM sites "
                           "WHERE window_requests IS NOT NULL AND window_s IS NOT NULL").fetchall()
    return {o: SiteWindow(int(n), float(w), src or "user", at) for o, n, w, src, at in rows}


def window_changes(store: Store) -> dict[str, float]:
    """``{origin: when its window last changed}`` in wall-clock seconds, cleared windows too
    (``net``'s shared window adopts a 429's lowering written there after this time)."""
    with store.read() as con:
        rows = con.execute("SELECT origin, epoch(window_changed_at) FROM sites "
                           "WHERE window_changed_at IS NOT NULL").fetchall()
    return {o: float(at) for o, at in rows}


def set_site_window(store: Store, url: str, requests: Any = None, seconds: Any = None) -> SiteWindow | None:
    """The user's window for one site; ``requests=None`` clears it (back to the default).

    Returns the stored window (None when cleared)."""
    origin = _origin(url)
    if requests is None:
        with store.write() as con:
            con.execute("UPDATE sites SET window_requests = NULL, window_s = NULL, window_source = NULL, "
                        "window_changed_at = now() WHERE origin = ?", [origin])
        return None
    n, w = check_window(requests, seconds)
    with store.write() as con:
        con.execute(
            "INSERT INTO sites (origin, window_requests, window_s, window_source, window_changed_at) "
            "VALUES (?, ?, ?, 'user', now()) ON CONFLICT (origin) DO UPDATE SET "
            "window_requests = excluded.window_requests, window_s = excluded.window_s, "
            "window_source = 'user', window_changed_at = now()", [origin, n, w])
    return site_windows(store).get(origin)


def _rate(n: int, w: float) -> float:
    return math.inf if n == 0 else n / w


def lower_site_window(store: Store, url: str, requests: int, seconds: float) -> bool:
    """A 429's lower window for one site, stored only when it is lower than what holds now (its
    own window, else the default); True when stored. Never raises a window."""
    origin = _origin(url)
    n, w = check_window(max(1, int(requests)), seconds)
    current = site_windows(store).get(origin)
    if current is not None:
        now_n, now_w = current.requests, current.seconds
    else:
        prefs = get_preferences(store)
        now_n, now_w = prefs["per_site_window_requests"], float(prefs["per_site_window_s"])
    if _rate(n, w) >= _rate(now_n, now_w):
        return False
    with store.write() as con:
        con.execute(
            "INSERT INTO sites (origin, window_requests, window_s, window_source, window_changed_at) "
            "VALUES (?, ?, ?, '429', now()) ON CONFLICT (origin) DO UPDATE SET "
            "window_requests = excluded.window_requests, window_s = excluded.window_s, "
            "window_source = '429', window_changed_at = now()", [origin, n, w])
    return True


def plans_known(store: Store, now: datetime | None = None) -> dict[str, bool]:
    """``{origin: has plans}`` for the sites probed within the last day (the others are due)."""
    now = now or datetime.now(UTC)
    with store.read() as con:
        rows = con.execute("SELECT origin, has_plans, plans_probed_at FROM sites "
                           "WHERE has_plans IS NOT NULL AND plans_probed_at IS NOT NULL").fetchall()
    return {o: bool(has) for o, has, at in rows if at is not None and now - at < PLANS_PROBE_INTERVAL}


def record_site_plans(store: Store, found: dict[str, bool]) -> None:
    """What a refresh learnt: ``{origin: has plans}`` (probed now)."""
    rows = [[o, bool(v)] for o, v in found.items() if o]
    if not rows:
        return
    with store.write() as con:
        con.executemany(
            "INSERT INTO sites (origin, has_plans, plans_probed_at) VALUES (?, ?, now()) "
            "ON CONFLICT (origin) DO UPDATE SET has_plans = excluded.has_plans, plans_probed_at = now()", rows)


def site_rows(store: Store) -> list[dict[str, Any]]:
    """One row per site the accounts use, for the Settings page and ``allhub site list``:
    ``origin``, ``accounts``, ``window_requests``, ``window_s``, ``window`` (text),
    ``window_source`` (``default``, ``user`` or ``429``), ``has_plans`` (None: not known)."""
    prefs = get_preferences(store)
    default_n, default_w = int(prefs["per_site_window_requests"]), float(prefs["per_site_window_s"])
    with store.read() as con:
        rows = con.execute("""
            SELECT a.site_url, count(*) AS n, s.window_requests, s.window_s, s.window_source, s.has_plans
            FROM accounts a LEFT JOIN sites s ON s.origin = a.site_url
            GROUP BY ALL ORDER BY a.site_url""").fetchall()
    out = []
    for origin, n, wn, ws, src, plans in rows:
        own = wn is not None and ws is not None
        window = SiteWindow(int(wn), float(ws), src or "user") if own else SiteWindow(default_n, default_w, "default")
        out.append({"origin": origin, "accounts": int(n), "window_requests": window.requests,
                    "window_s": window.seconds, "window": window.text, "window_source": window.source,
                    "has_plans": plans})
    return out
