"""One answer to "is this account checked in today?" (issue 17): the Accounts page (its rows, grid
badge and check-in filter counts), the Check-in page's data, the Overview, the scheduler's list
of accounts still to check in, the daily summary and ``allhub account list --json`` agree on a
store holding every case."""

from __future__ import annotations

import json
from datetime import date, datetime

from allhub_core import accounts as acc
from allhub_core.accounts.status import mark_custom_checked, record_checkins, todays_checkins, write_refresh_rows
from allhub_core.automation import notify
from allhub_core.automation.schedule import checkin_candidates
from allhub_core.cli.main import main
from allhub_core.history import overview
from allhub_core.sync import EXAMPLE_CHECKIN_REQUEST
from allhub_core.vocab import CheckInResult, CheckInState

C, TODO, NA, UNKNOWN = (CheckInState.CHECKED, CheckInState.NOT_CHECKED, CheckInState.UNSUPPORTED,
                        CheckInState.UNKNOWN)
#: case -> today's state every surface must show
EXPECTED = {
    "hand_marked": C,        # the site says "not yet", the user checked in on its page and marked it
    "custom_method": UNKNOWN,  # checks in with its own request; the site's built-in is missing
    "custom_done": C,        # the same, checked in today with its request
    "unsupported": NA,       # the site has no check-in
    "failed": TODO,          # the site says "not yet" and today's attempt failed
    "needs_user": UNKNOWN,   # Turnstile: today's attempt needs the user, status not seen today
    "site_checked": C,       # a refresh saw the site's own "checked in today"
    "logged_then_stale": C,  # checked in by us today, a later refresh read the site as "not yet"
    "nothing": UNKNOWN,      # nothing known today
}


def _refresh(store, aid, *, checkin_today=None, supported=None):
    write_refresh_rows(store, [{"id": aid, "health_status": "healthy", "health_reason": "",
                                "quota": 1_000_000, "stats_reason": "", "checkin_today": checkin_today,
                                **dict.fromkeys(("consumption_availability", "income_availability",
                                                 "tokens_availability", "requests_availability"), "unavailable"),
                                "checkin_supported": supported}], [])


def _checkin(store, aid, result):
    record_checkins(store, [{"account_id": aid, "result": result.value, "message": f"{result.label}."}])


def _build(store) -> dict[str, int]:
    ids = {}
    for name in EXPECTED:
        ids[name] = acc.add_account(store, acc.AccountInput(
            site_url=f"https://{name.replace('_', '-')}.example.com", site_name=name, user_id="1",
            access_token="tok-abcdefghijklmnop",
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
    return ids


def test_every_surface_agrees_on_todays_checkin(store, capsys, sink):
    ids = _build(store)
    name_of = {v: k for k, v in ids.items()}
    expected = {name: state.value for name, state in EXPECTED.items()}
    checked = {name for name, state in EXPECTED.items() if state is C}

    # The Accounts page: its rows, the grid's badge, and the check-in filter's counts and rows.
    prefs = acc.get_preferences(store)
    frame = acc.list_accounts(store, acc.AccountFilter(), prefs)
    assert dict(zip(frame["site_name"], frame["checkin_status"], strict=True)) == expected
    grid = acc.grid_frame(frame, "USD")
    badges = {k: acc.CHECKIN_BADGE[CheckInState(v)] for k, v in expected.items()}
    assert dict(zip(frame["site_name"], grid["checkin"], strict=True)) == badges
    facets = acc.facet_counts(store, acc.AccountFilter())["checkin"]
    want = {s: sum(1 for v in EXPECTED.values() if v is s) for s in CheckInState}
    assert facets == {"checked": want[C], "not_checked": want[TODO], "outdated": want[UNKNOWN],
                      "unsupported": want[NA]}
    only_checked = acc.list_accounts(store, acc.AccountFilter(checkin=["checked"]), prefs)
    assert set(only_checked["site_name"]) == checked

    # The Check-in page's data.
    assert {r["site_name"]: r["state"] for r in todays_checkins(store)} == expected

    # The Overview: counts by today's state, and "not checked in today" among its reasons.
    ov = overview(store)
    assert ov.by_checkin == {s.value: n for s, n in want.items() if n}
    not_checked_in = {a["site_name"] for a in ov.attention if "not_checked_in" in a["kinds"]}
    assert not_checked_in.isdisjoint(checked)
    assert not_checked_in == {"failed", "logged_then_stale"} - checked

    # The scheduler: every account able to check in and not checked in today is still to do.
    due = {name_of[aid] for aid, _ in checkin_candidates(store, date.today())}
    assert due == set(EXPECTED) - checked - {"unsupported"}

    # The daily summary states the same counts.
    notify.add_channel(store, "daily", "webhook", fields={"url": sink.url("/hook")}, jobs=(), daily_summary=True)
    notify.send_daily_summary(store, datetime.now().astimezone())
    assert (f"Check-in today: checked {want[C]} · not checked {want[TODO]} · not supported {want[NA]}"
            in sink.json()["message"])

    # allhub account list --json
    assert main(["account", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {r["site_name"]: r["checkin_status"] for r in listed} == expected
