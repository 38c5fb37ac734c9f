"""The one answer to "is this account checked in today?", as SQL fragments every surface uses.

The Accounts page (``query.ACCOUNT_VIEW``), the Check-in page (``status.todays_checkins``), the
Overview (``history.overview``) and the scheduler's accounts still to check in
(``automation.schedule``) all read today's state from here, so they cannot disagree (issue 17).

An account is checked in on a day when any of these holds:

- the user marked it checked in by hand on its check-in page (``custom_checkin_date``);
- a refresh saw the site's own "checked in today" (``checkin_date`` and ``checkin_status``);
- a check-in attempt of that day succeeded or found it already done (the check-in log), even if
  a later refresh read the site as "not yet".

Otherwise its state is ``unsupported`` when the site has no check-in and the account has no
custom request of its own, the site's status seen that day (``not_checked``), else ``unknown``.
Every literal comes from ``vocab`` (``CheckInState``, ``CheckInResult``, ``CheckInMethod``).
"""

from __future__ import annotations

from collections.abc import Iterable

from allhub_core.vocab import CheckInMethod, CheckInResult, CheckInState

__all__ = ["CHECKIN_DONE_SQL", "checked_today_sql", "checkin_state_sql", "sql_list"]


def sql_list(values: Iterable[str]) -> str:
    """``('a', 'b')`` for an ``IN`` list of enum values (never user input)."""
    return "(" + ", ".join("'" + str(v).replace("'", "''") + "'" for v in values) + ")"


#: the check-in results that leave an account checked in: ``('success', 'already_checked')``
CHECKIN_DONE_SQL = sql_list(r.value for r in CheckInResult if r.done)


def checked_today_sql(a: str = "a", day: str = "current_date") -> str:
    """A boolean SQL expression: the ``accounts`` row aliased ``a`` is checked in on ``day`` (an
    SQL expression: ``current_date`` or a parameter such as ``$day``)."""
    return (f"({a}.custom_checkin_date IS NOT DISTINCT FROM {day} "
            f"OR ({a}.checkin_date IS NOT DISTINCT FROM {day} "
            f"AND {a}.checkin_status = '{CheckInState.CHECKED.value}') "
            f"OR EXISTS (SELECT 1 FROM checkin_log ck_log WHERE ck_log.account_id = {a}.id "
            f"AND ck_log.day = {day} AND ck_log.result IN {CHECKIN_DONE_SQL}))")


def checkin_state_sql(a: str = "a", day: str = "current_date") -> str:
    """The account's ``CheckInState`` value on ``day`` as an SQL expression (see the module doc)."""
    return (f"CASE WHEN {checked_today_sql(a, day)} THEN '{CheckInState.CHECKED.value}' "
            f"WHEN {a}.checkin_supported = false AND {a}.checkin_method <> '{CheckInMethod.CUSTOM.value}' "
            f"THEN '{CheckInState.UNSUPPORTED.value}' "
            f"WHEN {a}.checkin_date = {day} THEN {a}.checkin_status "
            f"ELSE '{CheckInState.UNKNOWN.value}' END")
