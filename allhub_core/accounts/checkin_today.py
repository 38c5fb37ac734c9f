"""The one answer to "is this account checked in today?", as SQL fragments every surface uses.

The Accounts page (``query.ACCOUNT_VIEW``), the Check-in page (``status.todays_checkins``), the
Overview (``history.overview``), the needs-attention rule (``attention``) and the scheduler's
accounts still to check in (``automation.schedule``) all read today's state from here, so they
cannot disagree (issue 17).

Today's check-in log is read once per query: ``todays_log_join`` joins one pre-aggregated row per
account (``done``, and the latest attempt's result, message, page and time) instead of asking
the log again for every account.

An account is checked in on a day when any of these holds:

- the user marked it checked in by hand on its check-in page (``custom_checkin_date``);
- a refresh saw the site's own "checked in today" (``checkin_date`` and ``checkin_status``);
- a check-in attempt of that day succeeded or found it already done (the check-in log), even if
  a later refresh read the site as "not yet".

Otherwise its state is ``unsupported`` when the site has no check-in and the account has no
custom request of its own, the site's status seen that day (``not_checked``), else ``unknown``.
An account is *due* (the daily automatic check-in takes it) when it is enabled, not left out of
automatic check-in (``auto_checkin``, the extension's ``automaticExecutionEnabled``), able to
check in (its own request, or a site not known to lack one) and not checked in that day.
Every literal comes from ``vocab`` (``CheckInState``, ``CheckInResult``, ``CheckInMethod``).
"""

from __future__ import annotations

from collections.abc import Iterable

from allhub_core.vocab import CheckInMethod, CheckInResult, CheckInState

__all__ = [
    "CHECKIN_DONE_SQL",
    "able_to_check_in_sql",
    "checked_today_sql",
    "checkin_due_sql",
    "checkin_state_sql",
    "sql_list",
    "todays_log_join",
]


def sql_list(values: Iterable[str]) -> str:
    """``('a', 'b')`` for an ``IN`` list of enum values (never user input)."""
    return "(" + ", ".join("'" + str(v).replace("'", "''") + "'" for v in values) + ")"


#: the check-in results that leave an account checked in: ``('success', 'already_checked')``
CHECKIN_DONE_SQL = sql_list(r.value for r in CheckInResult if r.done)


def todays_log_join(a: str = "a", ck: str = "ck", day: str = "current_date") -> str:
    """``LEFT JOIN (...) ck``: the check-in log of ``day`` aggregated once, one row per account:
    ``ck.done`` (an attempt that day succeeded or found it done) and the latest attempt's
    ``ck.last_result``, ``ck.last_message``, ``ck.last_url`` and ``ck.last_at`` (NULL: none)."""
    latest = "(attempted_at, id)"
    return (f"LEFT JOIN (SELECT account_id, bool_or(result IN {CHECKIN_DONE_SQL}) AS done, "
            f"arg_max_null(result, {latest}) AS last_result, arg_max_null(message, {latest}) AS last_message, "
            f"arg_max_null(checkin_url, {latest}) AS last_url, max(attempted_at) AS last_at "
            f"FROM checkin_log WHERE day = {day} GROUP BY account_id) {ck} ON {ck}.account_id = {a}.id")


def checked_today_sql(a: str = "a", day: str = "current_date", ck: str = "ck") -> str:
    """A boolean SQL expression: the ``accounts`` row aliased ``a`` is checked in on ``day`` (an
    SQL expression: ``current_date`` or a parameter such as ``$day``); the query joins
    ``todays_log_join(a, ck, day)``."""
    return (f"({a}.custom_checkin_date IS NOT DISTINCT FROM {day} "
            f"OR ({a}.checkin_date IS NOT DISTINCT FROM {day} "
            f"AND {a}.checkin_status = '{CheckInState.CHECKED.value}') "
            f"OR coalesce({ck}.done, false))")


def able_to_check_in_sql(a: str = "a") -> str:
    """The account can be checked in by us: its own custom request, or a site not known to lack
    a check-in (unknown counts as able: the first attempt finds out)."""
    return f"({a}.checkin_method = '{CheckInMethod.CUSTOM.value}' OR coalesce({a}.checkin_supported, true))"


def checkin_due_sql(a: str = "a", day: str = "current_date", ck: str = "ck") -> str:
    """The daily automatic check-in takes this account on ``day`` (see the module doc); the query
    joins ``todays_log_join(a, ck, day)``."""
    return (f"(NOT {a}.disabled AND {a}.auto_checkin AND {able_to_check_in_sql(a)} "
            f"AND NOT {checked_today_sql(a, day, ck)})")


def checkin_state_sql(a: str = "a", day: str = "current_date", ck: str = "ck") -> str:
    """The account's ``CheckInState`` value on ``day`` as an SQL expression (see the module doc);
    the query joins ``todays_log_join(a, ck, day)``."""
    return (f"CASE WHEN {checked_today_sql(a, day, ck)} THEN '{CheckInState.CHECKED.value}' "
            f"WHEN {a}.checkin_supported = false AND {a}.checkin_method <> '{CheckInMethod.CUSTOM.value}' "
            f"THEN '{CheckInState.UNSUPPORTED.value}' "
            f"WHEN {a}.checkin_date = {day} THEN {a}.checkin_status "
            f"ELSE '{CheckInState.UNKNOWN.value}' END")
