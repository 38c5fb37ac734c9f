"""One store holding every case of "checked in today?" and "needs attention?" (issue 17), shared
by the library-level agreement test (tests/accounts/test_checkin_agreement.py) and the pages'
(tests/app/test_agreement_pages.py): every surface must say the same about each account."""

from __future__ import annotations

import json

from allhub_core import accounts as acc
from allhub_core.accounts.status import mark_custom_checked, record_checkins, write_refresh_rows
from allhub_core.store import Store
from allhub_core.sync import EXAMPLE_CHECKIN_REQUEST
from allhub_core.vocab import Attention, CheckInResult, CheckInState

C, TODO, NA, UNKNOWN = (CheckInState.CHECKED, CheckInState.NOT_CHECKED, CheckInState.UNSUPPORTED,
                        CheckInState.UNKNOWN)
#: the saved low-balance line (USD); every account holds $2 unless told
LOW_LINE = 1.5
#: case -> (today's check-in state, its reasons to need the user), what every surface must show
CASES: dict[str, tuple[CheckInState, list[Attention]]] = {
    "hand_marked": (C, []),          # the site says "not yet", the user checked in on its page and marked it
    "custom_method": (UNKNOWN, []),  # checks in with its own request; the site's built-in is missing
    "custom_done": (C, []),          # the same, checked in today with its request
    "unsupported": (NA, []),         # the site has no check-in
    "failed": (TODO, [Attention.CHECKIN_FAILED]),        # "not yet", and today's attempt failed
    "needs_user": (UNKNOWN, [Attention.CHECKIN_NEEDS_YOU]),  # Turnstile; status not seen today
    "site_checked": (C, []),         # a refresh saw the site's own "checked in today"
    "logged_then_stale": (C, []),    # checked in by us today, a later refresh read the site as "not yet"
    "nothing": (UNKNOWN, []),        # nothing known today
    "low_balance": (C, [Attention.LOW_BALANCE]),  # $0.50, under the line
    "broken": (UNKNOWN, [Attention.ERROR]),       # the site is down
    "rejected": (UNKNOWN, [Attention.WARNING]),   # the token was refused
}
STATE = {name: state for name, (state, _) in CASES.items()}
ATTENTION = {name: [k.value for k in kinds] for name, (_, kinds) in CASES.items() if kinds}


def _refresh(store: Store, aid: int, *, checkin_today: str | None = None, supported: bool | None = None,
             quota: int = 1_000_000) -> None:
    write_refresh_rows(store, [{"id": aid, "health_status": "healthy", "health_reason": "",
                                "quota": quota, "stats_reason": "", "checkin_today": checkin_today,
                                **dict.fromkeys(("consumption_availability", "income_availability",
                                                 "tokens_availability", "requests_availability"), "unavailable"),
                                "checkin_supported": supported}], [])


def _checkin(store: Store, aid: int, result: CheckInResult) -> None:
    record_checkins(store, [{"account_id": aid, "result": result.value, "message": f"{result.label}."}])


def build(store: Store) -> dict[str, int]:
    """Every case of ``CASES`` as one enabled account named after it; returns name -> id."""
    acc.set_preference(store, "low_balance_usd", LOW_LINE)
    ids = {}
    for name in CASES:
        ids[name] = acc.add_account(store, acc.AccountInput(
            site_url=f"https://{name.replace('_', '-')}.example.com", site_name=name, user_id="1",
            access_token="tok-abcdefghijklmnop", quota=1_000_000,
            checkin_url="https://hand-marked.example.com/checkin" if name == "hand_marked" else ""))
    _refresh(store, ids["hand_marked"], checkin_today=TODO.value, supported=True)
    mark_custom_checked(store, [ids["hand_marked"]])
    for name in ("custom_method", "custom_done"):
        acc.set_checkin_method(store, [ids[name]], "custom", json.dumps(EXAMPLE_CHECKIN_REQUEST))
        _refresh(store, ids[name], supported=False)
    _checkin(store, ids["custom_done"], CheckInResult.SUCCESS)
    _refresh(store, ids["unsupported"], supported=False)
    _refresh(store, ids["failed"], checkin_today=TODO.value, supported=True)
    _checkin(store, ids["failed"], CheckInResult.FAILED)
    _checkin(store, ids["needs_user"], CheckInResult.NEEDS_BROWSER)
    _refresh(store, ids["site_checked"], checkin_today=C.value, supported=True)
    _checkin(store, ids["logged_then_stale"], CheckInResult.ALREADY_CHECKED)
    _refresh(store, ids["logged_then_stale"], checkin_today=TODO.value, supported=True)
    _refresh(store, ids["low_balance"], checkin_today=C.value, supported=True, quota=250_000)
    write_refresh_rows(store, [], [{"id": ids["broken"], "health_status": "error", "health_reason": "The site is down"},
                                   {"id": ids["rejected"], "health_status": "warning",
                                    "health_reason": "HTTP 401: invalid token"}])
    return ids
