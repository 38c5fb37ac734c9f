"""Services that join the store and the sites layer: recognise, refresh, check in, provision.

Why the shape: HTTP results are gathered concurrently with no database lock held
(``store.released()`` lets go of a page run's lock while the network works), then written in
one transaction per batch through the store's single write path. One account's failure is
its own result; the others in the batch are unaffected and nothing already stored is lost.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import Any, Callable

from allhub_core.accounts.write import AccountInput, require_ids, get_secrets, parse_id
from allhub_core.store.db import Store
from allhub_core.errors import ValidationError
from allhub_core.origin import origin_key
from allhub_core.accounts.preferences import get_preferences
from allhub_core.sites import (CheckInResult, Politeness, RecognizeResult, RefreshResult, SiteCredentials, checkin_accounts,
                    create_token, list_tokens, recognize, refresh_accounts)

__all__ = ["politeness_for", "credentials_for", "refresh", "checkin", "recognize_and_fill", "recognize_input",
           "provision_default_key", "RefreshOutcome", "todays_checkins", "mark_custom_checked"]


def politeness_for(store: Store, per_site_concurrency: int | None = None, per_site_rpm: float | None = None) -> Politeness:
    """The saved politeness settings, with per-run overrides (``--per-site-rpm 0``: no bucket)."""
    prefs = get_preferences(store)
    conc = per_site_concurrency if per_site_concurrency is not None else prefs["per_site_concurrency"]
    rpm = per_site_rpm if per_site_rpm is not None else prefs["per_site_rpm"]
    if conc < 1:
        raise ValidationError("--per-site-concurrency must be at least 1.")
    if rpm < 0:
        raise ValidationError("--per-site-rpm must be 0 (no limit) or more.")
    return Politeness(per_site_concurrency=int(conc), per_site_rpm=float(rpm))


def credentials_for(store: Store, ids: list[int] | None, *, only_enabled: bool = True,
                    checkin: bool = False) -> list[SiteCredentials]:
    sql = ("SELECT id, site_url, site_type, auth_type, user_id, checkin_url, exchange_rate FROM accounts "
           "WHERE true")
    params: list[Any] = []
    if ids is not None:
        sql += " AND list_contains(?, id)"
        params.append([int(i) for i in ids])
    if only_enabled:
        sql += " AND NOT disabled"
    if checkin:
        sql += " AND coalesce(checkin_supported, true)"
    with store.read() as con:
        if ids is not None:
            require_ids(con, ids)
        rows = con.execute(sql + " ORDER BY id", params).fetchall()
    secrets = get_secrets(store, [r[0] for r in rows])
    return [SiteCredentials(account_id=str(r[0]), site_url=r[1], site_type=r[2], auth_type=r[3],
                            user_id=r[4] or None, checkin_url=r[5] or None, exchange_rate=r[6],
                            **{k: v for k, v in secrets.get(r[0], {}).items()}) for r in rows]


def _run(coro):
    return asyncio.run(coro)


def _persist_rotated(store: Store, con, account_id: str, rotated: dict[str, str]) -> None:
    box = store.box
    for key, col in (("access_token", "access_token_enc"), ("refresh_token", "refresh_token_enc"),
                     ("cookie", "cookie_enc")):
        if rotated.get(key):
            con.execute(f"UPDATE accounts SET {col} = ? WHERE id = ?", [box.encrypt(rotated[key]), int(account_id)])


@dataclass
class RefreshOutcome:
    results: list[RefreshResult]
    skipped: list[int]

    @property
    def failed(self) -> list[RefreshResult]:
        return [r for r in self.results if not r.ok]

    def summary(self) -> str:
        ok = len(self.results) - len(self.failed)
        text = f"Refresh complete: {ok} succeeded, {len(self.failed)} failed"
        return text + (f", {len(self.skipped)} skipped (synced recently)." if self.skipped else ".")


def refresh(store: Store, ids: list[Any] | None = None, *, force: bool = False, politeness: Politeness | None = None,
            on_result: Callable[[RefreshResult], None] | None = None) -> RefreshOutcome:
    """Refresh the given (or all enabled) accounts and write the results in one transaction."""
    aids = [parse_id(i) for i in ids] if ids is not None else None
    politeness = politeness or politeness_for(store)
    creds = credentials_for(store, aids, only_enabled=aids is None)
    skipped: list[int] = []
    if not force:
        guard = get_preferences(store)["refresh_min_interval_s"]
        with store.read() as con:
            recent = {r[0] for r in con.execute(
                "SELECT id FROM accounts WHERE last_sync_time > now() - to_seconds(?)", [guard]).fetchall()}
        skipped = [int(c.account_id) for c in creds if int(c.account_id) in recent]
        creds = [c for c in creds if int(c.account_id) not in recent]
    if not creds:
        return RefreshOutcome([], skipped)
    with store.released():
        results = _run(refresh_accounts(creds, politeness, on_result=on_result))
    write_refresh_results(store, results)
    return RefreshOutcome(results, skipped)


def write_refresh_results(store: Store, results: list[RefreshResult]) -> None:
    """One transaction for the batch: two set-based UPDATEs from a registered frame.

    Failures move only health and the sync time (the last good figures stay); successes write
    every figure. Accounts deleted while the batch ran simply match no row.
    """
    import pandas as pd

    ok_rows, failed_rows = [], []
    for r in results:
        if not r.ok:
            failed_rows.append({"id": int(r.account_id), "health_status": r.health_status,
                                "health_reason": r.health_reason})
            continue
        av = r.availability or {}
        status = {m: (av.get(m) or ("unavailable", "not_collected"))[0]
                  for m in ("consumption", "income", "tokens", "requests")}
        ck = r.checkin_status if r.checkin_status in ("checked", "not_checked") else None
        ok_rows.append({
            "id": int(r.account_id), "health_status": r.health_status, "health_reason": r.health_reason,
            "quota": r.quota, "today_consumption": r.today_consumption, "today_income": r.today_income,
            "today_prompt_tokens": r.today_prompt_tokens, "today_completion_tokens": r.today_completion_tokens,
            "today_requests": r.today_requests, "consumption_availability": status["consumption"],
            "income_availability": status["income"], "tokens_availability": status["tokens"],
            "requests_availability": status["requests"],
            "stats_reason": ", ".join(sorted({v[1] for v in av.values() if v and v[1]})),
            "checkin_supported": False if r.checkin_status == "unsupported" else r.checkin_supported,
            "checkin_today": ck, "username": r.username, "user_id": r.user_id})
    ints = ["quota", "today_consumption", "today_income", "today_prompt_tokens", "today_completion_tokens",
            "today_requests"]
    with store.write() as con:
        for r in results:
            if r.rotated:
                _persist_rotated(store, con, r.account_id, r.rotated)
        if failed_rows:
            con.register("refresh_failed", pd.DataFrame(failed_rows))
            con.execute("""UPDATE accounts SET health_status = f.health_status, health_reason = f.health_reason,
                               last_sync_time = now(), updated_at = now()
                           FROM refresh_failed f WHERE accounts.id = f.id""")
            con.unregister("refresh_failed")
        if ok_rows:
            frame = pd.DataFrame(ok_rows)
            for col in ints:
                frame[col] = frame[col].astype("Int64")
            frame["checkin_supported"] = frame["checkin_supported"].astype("boolean")
            con.register("refresh_ok", frame)
            con.execute("""UPDATE accounts SET health_status = r.health_status, health_reason = r.health_reason,
                    last_sync_time = now(), updated_at = now(), quota = coalesce(r.quota, accounts.quota),
                    today_consumption = r.today_consumption, today_income = r.today_income,
                    today_prompt_tokens = r.today_prompt_tokens, today_completion_tokens = r.today_completion_tokens,
                    today_requests = r.today_requests, consumption_availability = r.consumption_availability,
                    income_availability = r.income_availability, tokens_availability = r.tokens_availability,
                    requests_availability = r.requests_availability, stats_reason = r.stats_reason,
                    stats_date = current_date,
                    checkin_supported = coalesce(r.checkin_supported, accounts.checkin_supported),
                    checkin_status = coalesce(r.checkin_today, accounts.checkin_status),
                    checkin_date = CASE WHEN r.checkin_today IS NOT NULL THEN current_date
                                        ELSE accounts.checkin_date END,
                    username = CASE WHEN accounts.username = '' THEN coalesce(r.username, '')
                                    ELSE accounts.username END,
                    user_id = CASE WHEN accounts.user_id = '' THEN coalesce(r.user_id, '') ELSE accounts.user_id END
                FROM refresh_ok r WHERE accounts.id = r.id""")
            con.unregister("refresh_ok")


def checkin(store: Store, ids: list[Any] | None = None, *, politeness: Politeness | None = None,
            on_result: Callable[[CheckInResult], None] | None = None) -> list[CheckInResult]:
    """Check in the given (or all enabled, check-in capable) accounts; results written in one go."""
    aids = [parse_id(i) for i in ids] if ids is not None else None
    politeness = politeness or politeness_for(store)
    creds = credentials_for(store, aids, only_enabled=aids is None, checkin=aids is None)
    if not creds:
        return []
    with store.released():
        results = _run(checkin_accounts(creds, politeness, on_result=on_result))
    with store.write() as con:
        existing = {r[0] for r in con.execute("SELECT id FROM accounts").fetchall()}
        for r in results:
            aid = int(r.account_id)
            if aid not in existing:
                continue
            _persist_rotated(store, con, r.account_id, r.rotated)
            con.execute("INSERT INTO checkin_log (account_id, result, message, checkin_url) VALUES (?, ?, ?, ?)",
                        [aid, r.result, r.message or "", r.checkin_url])
            if r.result in ("success", "already_checked"):
                con.execute("UPDATE accounts SET checkin_status = 'checked', checkin_date = current_date, "
                            "checkin_supported = true WHERE id = ?", [aid])
            elif r.result == "unsupported":
                con.execute("UPDATE accounts SET checkin_supported = false WHERE id = ?", [aid])
            if r.health_checked:
                con.execute("UPDATE accounts SET health_status = ?, health_reason = ?, updated_at = now() "
                            "WHERE id = ?", [r.health_status, r.health_reason, aid])
    return results


def mark_custom_checked(store: Store, ids: list[Any]) -> int:
    """Record that the user checked these accounts in by hand on their custom check-in page today."""
    aids = [parse_id(i) for i in ids]
    with store.write() as con:
        require_ids(con, aids)
        con.execute("UPDATE accounts SET custom_checkin_date = current_date WHERE list_contains(?, id)", [aids])
        for aid in aids:
            con.execute("INSERT INTO checkin_log (account_id, result, message) VALUES (?, 'success', ?)",
                        [aid, "Checked in by hand on the site's check-in page."])
    return len(aids)


def todays_checkins(store: Store) -> list[dict]:
    """Every enabled account with its check-in state today and the latest attempt's message."""
    sql = """
    WITH last AS (
        SELECT account_id, result, message, checkin_url, attempted_at FROM checkin_log WHERE day = current_date
        QUALIFY row_number() OVER (PARTITION BY account_id ORDER BY attempted_at DESC, id DESC) = 1
    )
    SELECT a.id, a.site_name, a.site_url, a.site_type,
           CASE WHEN a.custom_checkin_date = current_date THEN 'checked'
                WHEN a.checkin_supported = false THEN 'unsupported'
                WHEN a.checkin_date = current_date THEN a.checkin_status ELSE 'unknown' END AS state,
           l.result, l.message, coalesce(nullif(a.checkin_url, ''), l.checkin_url) AS checkin_url, l.attempted_at
    FROM accounts a LEFT JOIN last l ON l.account_id = a.id
    WHERE NOT a.disabled ORDER BY a.id"""
    with store.read() as con:
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]


def recognize_input(data: AccountInput, *, password: str | None = None,
                    politeness: Politeness | None = None) -> RecognizeResult:
    """Ask the site who this is (login, token or cookie); never raises for bad input."""
    site_type = data.site_type if data.site_type and data.site_type != "unknown" else None
    return _run(recognize(data.site_url, username=data.username or None, password=password,
                          access_token=data.access_token or None, cookie=data.cookie or None,
                          user_id=data.user_id or None, site_type=site_type,
                          refresh_token=data.refresh_token or None, politeness=politeness))


def recognize_and_fill(data: AccountInput, *, password: str | None = None, explicit_site_type: bool = False,
                       explicit_rate: bool = False, politeness: Politeness | None = None) -> tuple[AccountInput, str]:
    """Fill what the site tells us into ``data``; returns the new input and a note for the user.

    If the site cannot be reached but the user gave enough to save (URL, user id, secret), the
    account is saved with health ``warning`` and the reason, as the extension does; otherwise
    the recognition message is raised as a ValidationError.
    """
    result = recognize_input(data, password=password, politeness=politeness)
    if result.ok:
        filled = replace(
            data,
            site_url=result.site_url or data.site_url,
            site_type=data.site_type if explicit_site_type else (result.site_type or data.site_type),
            site_name=data.site_name or result.site_name or _host(data.site_url),
            exchange_rate=data.exchange_rate if explicit_rate else (result.exchange_rate or data.exchange_rate),
            user_id=data.user_id or (result.user_id or ""),
            username=data.username or (result.username or ""),
            auth_type=result.auth_type or data.auth_type,
            access_token=result.access_token or data.access_token,
            cookie=result.cookie or data.cookie,
            refresh_token=result.refresh_token or data.refresh_token,
            checkin_supported=result.checkin_supported,
            quota=result.quota,
            health_status="healthy",
            health_reason="",
        )
        return filled, ""
    enough = data.user_id and (data.access_token or data.cookie) and origin_key(data.site_url)
    # Save anyway only when the site could not answer (down, unreachable, busy, behind a browser
    # check); a site that answered "no" (wrong token, wrong user id) gets its message instead.
    reason = result.health_reason or result.message or ""
    unreachable = result.health_status == "error" or reason.startswith(("HTTP 5", "HTTP 429")) \
        or "browser check" in reason
    if enough and not result.needs_user_id and unreachable:
        saved = replace(data, site_name=data.site_name or _host(data.site_url),
                        health_status="warning", health_reason=result.message)
        return saved, f"Saved without live data: {result.message}"
    raise ValidationError(result.message)


def _host(url: str) -> str:
    key = origin_key(url)
    return key.split("://", 1)[1] if key else ""


def provision_default_key(store: Store, account_id: Any) -> str:
    """Create ``user group (auto)`` when the account has no key; a sentence saying what happened."""
    aid = parse_id(account_id)
    creds = credentials_for(store, [aid], only_enabled=False)
    if not creds:
        return f"Account {aid} does not exist."
    c = creds[0]
    if c.auth_type == "none" or c.site_type in ("sub2api", "AIHubMix", "openrouter"):
        return "Skipped creating a default API key: this site type does not allow it."

    async def go() -> str:
        tokens = await list_tokens(c)
        if tokens:
            return "The account already has an API key. Skipped auto-creation."
        await create_token(c, name="user group (auto)")
        return "Created a default API key (user group (auto))."

    try:
        with store.released():
            return _run(go())
    except Exception as exc:  # noqa: BLE001 - never roll back the add for this
        from allhub_core.net import SiteError

        reason = str(exc) if isinstance(exc, SiteError) else type(exc).__name__
        return f"Account saved, but failed to auto-create an API key: {reason}"
