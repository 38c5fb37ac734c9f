"""``allhub demo``'s re-login check-in (issue 21): one AgentRouter-like account.

The sandbox's AnyRouter site credits $0.50 on the day's first password login (``login_reward``),
and its first demo account checks in by logging in again with its stored login, so the demo's
check-in log shows "+$0.50 on login" and the Check-in page the method with its stored login.
"""

from __future__ import annotations

from typing import Any

from allhub_core.accounts import update_accounts
from allhub_core.store import Store
from allhub_core.sync import set_checkin_method

__all__ = ["DEMO_LOGIN_REWARD", "seed_demo_relogin"]

DEMO_LOGIN_REWARD = 250_000  # $0.50


def seed_demo_relogin(store: Store, sandbox: Any) -> int | None:
    """Turn the AnyRouter site's first demo account into the re-login example; its id, or None
    when the sandbox has no AnyRouter site or no account on it."""
    try:
        site = sandbox.site("anyrouter")
    except KeyError:
        return None
    site.login_reward = DEMO_LOGIN_REWARD
    with store.read() as con:
        rows = con.execute("SELECT id, user_id FROM accounts WHERE site_url = ? ORDER BY id",
                           [site.url.rstrip("/")]).fetchall()
    users = {str(u.id): u for u in site.users}
    found = next(((aid, users[uid]) for aid, uid in rows if uid in users), None)
    if found is None:
        return None
    aid, user = found
    update_accounts(store, {aid: {"site_name": "AgentRouter-like (logs in to check in)"}})
    set_checkin_method(store, [aid], "relogin", username=user.username, password=user.password)
    return int(aid)
