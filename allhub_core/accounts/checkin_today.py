"""The one answer to "is this account checked in today?", as SQL fragments every surface uses.

The Accounts page (``query.ACCOUNT_VIEW``), the Check-in page (``status.todays_checkins``), the
Overview (``history.overview``), the needs-attention rule (``attention``) and the scheduler's
accounts still to check in (``automation.schedule``) all read today's state from here, so they
cannot disagree (issue 17).

"Done in the log today" is an ``EXISTS`` on the check-in log: DuckDB plans it as one semi join
over that day's rows, not a lookup per account (measured at 100,000 accounts and 1.7 million
log rows: no slower than joining a pre-aggregated log, which costs a GROUP BY of the day). The
latest attempt of a day (``last_result_sql``) is one correlated aggregate the same way;
``todays_log_join`` aggregates the day's log once where its message and page are shown too.

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
    "last_result_sql",
    "sql_list",
    "todays_log_join",
]


def sql_list(values: Iterable[str]) -> str:
    """``('a', 'b')`` for an ``IN`` list of enum values (never user input)."""
    return "(" + ", ".join("'" + str(v).replace("'", "''") + "'" for v in values) + ")"


#: the check-in results that leave an account checked in: ``('success', 'already_checked')``
CHECKIN_DONE_SQL = sql_list(r.value for r in CheckInResult if r.done)


def todays_log_join(a: str = "a", ck: str = "ck", day: str = "current_date", *, detail: bool = False) -> str:
    """``LEFT JOIN (...) ck``: the check-in log of ``day`` aggregated once, one row per account:
    ``ck.done`` (an attempt that day succeeded or found it done) and the latest attempt's
    ``ck.last_result`` (NULL: none); with ``detail`` also its ``ck.last_reason`` (NULL: a row written
    before reasons, or none), ``ck.last_message``, ``ck.last_url``
    and ``ck.last_at`` (the Check-in page's columns). The latest attempt is the highest id: the log
    is only ever appended to, in time order. Its row is found by that id and read whole (issue 18:
    an ``arg_max`` of each of its columns over the day's rows cost twice as much)."""
    more = (", l.reason AS last_reason, l.message AS last_message, l.checkin_url AS last_url, "
            "l.attempted_at AS last_at") if detail else ""
    return (f"LEFT JOIN (SELECT g.account_id, g.done, l.result AS last_result{more} "
            f"FROM (SELECT account_id, bool_or(result IN {CHECKIN_DONE_SQL}) AS done, max(id) AS last_id "
            f"FROM checkin_log WHERE day = {day} GROUP BY account_id) g "
            f"JOIN checkin_log l ON l.id = g.last_id AND l.day = {day}) {ck} ON {ck}.account_id = {a}.id")


def last_result_sql(a: str = "a", day: str = "current_date") -> str:
    """The ``CheckInResult`` value of the account's latest check-in attempt on ``day`` (NULL: none)."""
    return (f"(SELECT arg_max(ck_last.result, ck_last.id) FROM checkin_log ck_last "
            f"WHERE ck_last.account_id = {a}.id AND ck_last.day = {day})")


def checked_today_sql(a: str = "a", day: str = "current_date", *, ck: str | None = None) -> str:
    """A boolean SQL expression: the ``accounts`` row aliased ``a`` is checked in on ``day`` (an
    SQL expression: ``current_date`` or a parameter such as ``$day``). ``ck``: the alias of a
    ``todays_log_join`` of the same day in the statement, whose ``done`` is read instead of a
    second look at the log (the same answer: a ``bool_or`` of the same condition over the same rows)."""
    logged = (f"coalesce({ck}.done, false)" if ck else
              f"EXISTS (SELECT 1 FROM checkin_log ck_log WHERE ck_log.account_id = {a}.id "
              f"AND ck_log.day = {day} AND ck_log.result IN {CHECKIN_DONE_SQL})")
    return (f"({a}.custom_checkin_date IS NOT DISTINCT FROM {day} "
            f"OR ({a}.checkin_date IS NOT DISTINCT FROM {day} "
            f"AND {a}.checkin_status = '{CheckInState.CHECKED.value}') "
            f"OR {logged})")


def able_to_check_in_sql(a: str = "a") -> str:
    """The account can be checked in by us: its own custom request, or a site not known to lack
    a check-in (unknown counts as able: the first attempt finds out)."""
    # the user's own request or a re-login: the site's check-in flag says nothing of them
    own = f"('{CheckInMethod.CUSTOM.value}', '{CheckInMethod.RELOGIN.value}')"
    return f"({a}.checkin_method IN {own} OR coalesce({a}.checkin_supported, true))"


def checkin_due_sql(a: str = "a", day: str = "current_date", *, ck: str | None = None) -> str:
    """The daily automatic check-in takes this account on ``day`` (see the module doc; ``ck`` as
    in ``checked_today_sql``)."""
    return (f"(NOT {a}.disabled AND {a}.auto_checkin AND {able_to_check_in_sql(a)} "
            f"AND NOT {checked_today_sql(a, day, ck=ck)})")


def checkin_state_sql(a: str = "a", day: str = "current_date", *, ck: str | None = None) -> str:
    """The account's ``CheckInState`` value on ``day`` as an SQL expression (see the module doc;
    ``ck`` as in ``checked_today_sql``)."""
    return (f"CASE WHEN {checked_today_sql(a, day, ck=ck)} THEN '{CheckInState.CHECKED.value}' "
            f"WHEN {a}.checkin_supported = false AND {a}.checkin_method NOT IN "
            f"('{CheckInMethod.CUSTOM.value}', '{CheckInMethod.RELOGIN.value}') "
            f"THEN '{CheckInState.UNSUPPORTED.value}' "
            f"WHEN {a}.checkin_date = {day} THEN {a}.checkin_status "
            f"ELSE '{CheckInState.UNKNOWN.value}' END")
