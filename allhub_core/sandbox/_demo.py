"""Demo accounts: the sandbox's seeded users as plain dicts for ``allhub demo``.

Only users that a client can use without a browser are listed (no 2FA/Turnstile/
banned users). ``auth_type`` follows the extension's default for the site type
(cookie for AnyRouter, access token elsewhere); the access token is included in
both cases, the cookie only for cookie-mode accounts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from allhub_core.sandbox._server import Sandbox


#: bookmarks for the demo database (the Import / Export page lists them)
DEMO_BOOKMARKS: list[dict[str, Any]] = [
    {"id": "bookmark-demo-status", "name": "Relay status page", "url": "https://status.example.com",
     "notes": "check here before filing a ticket", "tags": ["demo"]},
    {"id": "bookmark-demo-docs", "name": "API documentation", "url": "https://docs.example.com/api",
     "notes": "", "tags": ["demo", "docs"]},
]


def demo_accounts(sandbox: Sandbox) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for site in sandbox.sites:
        with site.lock:
            for u in site.users:
                if u.two_factor or u.turnstile or u.disabled:
                    continue
                auth = site.spec.default_auth
                row: dict[str, Any] = {
                    "site_url": site.url, "site_type": site.site_type, "site_name": site.name,
                    "dialect": site.dialect, "user_id": str(u.id), "username": u.username,
                    "auth_type": auth, "access_token": u.access_token,
                    "cookie": u.cookie if auth == "cookie" else "",
                }
                if site.spec.family == "sub2api":
                    row["refresh_token"] = u.refresh_token
                    row["token_expires_at"] = u.token_expires_at
                rows.append(row)
    return rows
