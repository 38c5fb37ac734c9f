"""What the sites told us about accounts, written and read as SQL: health, figures, check-in.

The ``sync`` room talks to the sites and hands the outcome here as plain rows; this module
owns the SQL. Each batch is one transaction through the store's single write path, written
set-based from a registered frame, so a batch of a thousand accounts is two UPDATEs.
Failures move only health and the sync time (the last good figures stay); accounts deleted
while a batch ran simply match no row. See docs/health.md for what each health means.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import duckdb

from allhub_core.accounts.attention import attention_kinds_sql
from allhub_core.accounts.checkin_today import (
    able_to_check_in_sql,
    checked_today_sql,
    checkin_state_sql,
    todays_log_join,
)
from allhub_core.accounts.model import parse_id
from allhub_core.accounts.write import SECRET_NAMES, get_secrets, require_ids
from allhub_core.store import Store, one_row, rows_table, sealed
from allhub_core.vocab import CheckInReason, CheckInResult, CheckInState

__all__ = [
    "CheckInRetryPlan",
    "checkin_retry_plan",
    "count_in_run",
    "credential_rows",
    "mark_custom_checked",
    "recently_synced",
    "record_checkins",
    "stalest_first",
    "todays_checkins",
    "write_refresh_rows",
]

_FIGURES = ["quota", "subscription_quota", "today_consumption", "today_income", "today_prompt_tokens",
            "today_completion_tokens", "today_requests"]
_OK_COLUMNS = {"id": "BIGINT", "health_status": "VARCHAR", "health_reason": "VARCHAR",
               **{c: "BIGINT" for c in _FIGURES},
               **{c: "VARCHAR" for c in ("consumption_availability", "income_availability", "tokens_availability",
                                         "requests_availability", "stats_reason", "checkin_today", "username",
                                         "user_id")},
               "checkin_supported": "BOOLEAN"}


def _scope(ids: list[int] | None, only_enabled: bool, checkin: bool) -> tuple[str, list[Any]]:
    """The WHERE clause of a run: ``ids`` None means every account (enabled ones when
    ``only_enabled``); ``checkin`` keeps only accounts whose check-in support is not known to
    be missing."""
    sql, params = "WHERE true", []
    if ids is not None:
        sql += " AND list_contains(?, id)"
        params.append([int(i) for i in ids])
    if only_enabled:
        sql += " AND NOT disabled"
    if checkin:
        sql += f" AND {able_to_check_in_sql('accounts')}"
    return sql, params


def count_in_run(store: Store, *, only_enabled: bool = True, checkin: bool = False) -> int:
    """How many accounts a run over all accounts would take (for a progress bar; no secrets read)."""
    where, params = _scope(None, only_enabled, checkin)
    with store.read() as con:
        return int(one_row(con.execute(f"SELECT count(*) FROM accounts {where}", params))[0])


def credential_rows(store: Store, ids: list[int] | None, *, only_enabled: bool = True,
                    checkin: bool = False) -> list[dict[str, Any]]:
    """What the network needs for each account (secrets decrypted), in id order (see ``_scope``);
    ``checkin_known_today``: today's check-in is known done (``checked_today_sql``), so a refresh
    need not ask the site's check-in state again."""
    where, params = _scope(ids, only_enabled, checkin)
    sql = ("SELECT id, site_name, site_url, site_type, auth_type, user_id, checkin_url, exchange_rate, "
           f"checkin_method, checkin_request, {checked_today_sql('accounts')} FROM accounts {where}")
    with store.read() as con:
        if ids is not None:
            require_ids(con, ids)
        rows = con.execute(sql + " ORDER BY id", params).fetchall()
    secrets = get_secrets(store, [r[0] for r in rows])
    return [{"account_id": str(r[0]), "site_name": r[1], "site_url": r[2], "site_type": r[3], "auth_type": r[4],
             "user_id": r[5] or None, "checkin_url": r[6] or None, "exchange_rate": r[7],
             "checkin_method": r[8], "checkin_request": r[9] or None, "checkin_known_today": bool(r[10]),
             **secrets.get(r[0], {})} for r in rows]


def recently_synced(store: Store, ids: Iterable[int], min_interval_s: float) -> set[int]:
    """The accounts among ``ids`` refreshed less than ``min_interval_s`` seconds ago."""
    with store.read() as con:
        recent = {r[0] for r in con.execute(
            "SELECT id FROM accounts WHERE last_sync_time > now() - to_seconds(?)", [min_interval_s]).fetchall()}
    return {int(i) for i in ids} & recent


def stalest_first(store: Store, ids: Iterable[int]) -> list[int]:
    """``ids`` ordered by their last refresh, never refreshed first, then oldest (then by id)."""
    wanted = [int(i) for i in ids]
    with store.read() as con:
        order = [r[0] for r in con.execute(
            "SELECT id FROM accounts ORDER BY last_sync_time ASC NULLS FIRST, id").fetchall()]
    keep = set(wanted)
    return [i for i in order if i in keep]


def _save_rotated(store: Store, con: duckdb.DuckDBPyConnection, account_id: Any, rotated: dict[str, str]) -> None:
    """Tokens a site rotated during the run (Sub2API), encrypted like every secret."""
    for col, blob in sealed(store.box, {k: rotated.get(k) for k in SECRET_NAMES}, skip_empty=True).items():
        con.execute(f"UPDATE accounts SET {col} = ? WHERE id = ?", [blob, int(account_id)])


def write_refresh_rows(store: Store, ok_rows: list[dict[str, Any]], failed_rows: list[dict[str, Any]],
                       rotated: dict[int, dict[str, str]] | None = None,
                       con: duckdb.DuckDBPyConnection | None = None) -> None:
    """One transaction for a refresh batch.

    ``failed_rows``: id, health_status, health_reason. ``ok_rows``: those plus every figure
    (quota, subscription quota (None: no active plan), today's consumption/income/tokens/requests,
    the four availability states,
    stats_reason), checkin_supported, checkin_today (checked / not_checked / None), username,
    user_id (filled in only where the account has none yet). ``con``: write inside the caller's
    transaction (``sync.refreshes`` adds the day's balance snapshots to it) instead of opening one.
    """
    if con is None:
        with store.write() as own:
            write_refresh_rows(store, ok_rows, failed_rows, rotated, con=own)
        return
    for aid, tokens in (rotated or {}).items():
        _save_rotated(store, con, aid, tokens)
    if failed_rows:
        rows_table(con, "refresh_failed", {"id": "BIGINT", "health_status": "VARCHAR", "health_reason": "VARCHAR"},
                   failed_rows)
        con.execute("""UPDATE accounts SET health_status = f.health_status, health_reason = f.health_reason,
                           last_sync_time = now(), updated_at = now()
                       FROM refresh_failed f WHERE accounts.id = f.id""")
        con.execute("DROP TABLE refresh_failed")
    if ok_rows:
        rows_table(con, "refresh_ok", _OK_COLUMNS, ok_rows)
        con.execute("""UPDATE accounts SET health_status = r.health_status, health_reason = r.health_reason,
                last_sync_time = now(), updated_at = now(), quota = coalesce(r.quota, accounts.quota),
                subscription_quota = r.subscription_quota,
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
        con.execute("DROP TABLE refresh_ok")


def record_checkins(store: Store, rows: list[dict[str, Any]]) -> None:
    """One transaction for a check-in batch: the log, today's state, and health where it was learned.

    Each row: account_id, result, reason (a ``CheckInReason`` value; None: unclassified), message,
    checkin_url, rotated (dict), health_checked, health_status, health_reason.
    """
    with store.write() as con:
        existing = {r[0] for r in con.execute("SELECT id FROM accounts").fetchall()}
        for row in rows:
            aid = int(row["account_id"])
            if aid not in existing:
                continue
            _save_rotated(store, con, aid, row.get("rotated") or {})
            result = CheckInResult(row["result"])
            reason = CheckInReason(row["reason"]).value if row.get("reason") else None
            con.execute("INSERT INTO checkin_log (account_id, result, reason, message, checkin_url) "
                        "VALUES (?, ?, ?, ?, ?)", [aid, result.value, reason, row.get("message") or "",
                                                   row.get("checkin_url")])
            if result.done:
                con.execute("UPDATE accounts SET checkin_status = ?, checkin_date = current_date, "
                            "checkin_supported = true WHERE id = ?", [CheckInState.CHECKED.value, aid])
            elif result is CheckInResult.UNSUPPORTED:
                con.execute("UPDATE accounts SET checkin_supported = false WHERE id = ?", [aid])
            if row.get("health_checked"):
                con.execute("UPDATE accounts SET health_status = ?, health_reason = ?, updated_at = now() "
                            "WHERE id = ?", [row["health_status"], row["health_reason"], aid])


def mark_custom_checked(store: Store, ids: list[Any]) -> int:
    """Record that the user checked these accounts in by hand on their custom check-in page today."""
    aids = [parse_id(i) for i in ids]
    with store.write() as con:
        require_ids(con, aids)
        con.execute("UPDATE accounts SET custom_checkin_date = current_date WHERE list_contains(?, id)", [aids])
        for aid in aids:
            con.execute("INSERT INTO checkin_log (account_id, result, reason, message) VALUES (?, ?, ?, ?)",
                        [aid, CheckInResult.SUCCESS.value, CheckInReason.CHECKED_IN.value,
                         "Checked in by hand on the site's check-in page."])
    return len(aids)


@dataclass
class CheckInRetryPlan:
    """Today's failed check-ins split by their reason: ``retry`` (ids a new attempt can help: a busy
    or unreachable site, an unread status, an unclassified older row) and ``left`` (id -> reason
    label: a rejected token, a Turnstile wall, check-in off... a retry would fail the same way)."""

    retry: list[int] = field(default_factory=list)
    left: dict[int, str] = field(default_factory=dict)

    def summary(self) -> str:
        """``"Retrying 2 failed check-in(s); leaving 1 that a retry cannot fix (Token or login rejected)."``"""
        if not self.retry and not self.left:
            return "No failed check-ins today."
        why = ", ".join(sorted(set(self.left.values())))
        if not self.retry:
            return f"Nothing to retry: leaving {len(self.left)} failed check-in(s) that a retry cannot fix ({why})."
        tail = f"; leaving {len(self.left)} that a retry cannot fix ({why})" if self.left else ""
        return f"Retrying {len(self.retry)} failed check-in(s){tail}."


def checkin_retry_plan(store: Store) -> CheckInRetryPlan:
    """The enabled accounts whose latest check-in today failed, split into those worth retrying
    and those left (the Check-in page's "retry failed"; the automatic retry follows the same rule)."""
    sql = f"""SELECT a.id, ck.last_reason FROM accounts a {todays_log_join("a", detail=True)}
              WHERE NOT a.disabled AND ck.last_result = '{CheckInResult.FAILED.value}' ORDER BY a.id"""
    plan = CheckInRetryPlan()
    with store.read() as con:
        for aid, reason in con.execute(sql).fetchall():
            if CheckInReason.retryable_value(reason):
                plan.retry.append(int(aid))
            else:
                plan.left[int(aid)] = CheckInReason.label_of(reason)
    return plan


def todays_checkin_sql(where: str = "") -> str:
    """The SELECT of ``todays_checkins``' rows (no order), for the enabled accounts that also meet
    ``where`` (``AND ...`` on ``a``): the Check-in page builds its page's rows with it too."""
    return f"""
    SELECT a.id, a.site_name, a.site_url, a.site_type, a.checkin_method, a.auto_checkin,
           {checkin_state_sql("a", ck="ck")} AS state,
           ck.last_result AS result, ck.last_reason AS reason, ck.last_message AS message,
           coalesce(nullif(a.checkin_url, ''), ck.last_url) AS checkin_url, ck.last_at AS attempted_at,
           {attention_kinds_sql("a", ck="ck")} AS attention
    FROM accounts a {todays_log_join("a", detail=True)}
    WHERE NOT a.disabled {where}"""


def todays_checkins(store: Store) -> list[dict]:
    """Every enabled account with its check-in state today, the latest attempt's result, reason
    (None: none today, or written before reasons: "unclassified") and message, and ``attention``
    (its ``Attention`` reasons: the one needs-attention rule)."""
    sql = f"{todays_checkin_sql()} ORDER BY a.id"
    with store.read() as con:
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
