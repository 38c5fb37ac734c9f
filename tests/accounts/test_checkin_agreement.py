"""One answer to "is this account checked in today?" and to "does it need attention?" (issue 17):
the Accounts page's data (rows, grid badge, filters and their counts), the Check-in page's data,
the Overview, the scheduler's accounts still to check in, the daily summary and ``allhub account
list --json`` agree on a store holding every case (``tests/agreement_cases.py``). The pages
themselves are checked in tests/app/test_agreement_pages.py."""

from __future__ import annotations

import json
import re
from datetime import date, datetime

from agreement_cases import ATTENTION, NA, STATE, TODO, UNKNOWN, C, build

from allhub_core import accounts as acc
from allhub_core.accounts.status import todays_checkins
from allhub_core.automation import notify
from allhub_core.automation.schedule import checkin_candidates
from allhub_core.cli.main import main
from allhub_core.history import overview
from allhub_core.vocab import CheckInState


def _summary_section(text: str, title: str) -> dict[str, str]:
    """``{name: reason}`` of one section of the daily summary's plain text."""
    lines = text.split("\n")
    if f"{title}:" not in lines:
        return {}
    out = {}
    for line in lines[lines.index(f"{title}:") + 1:]:
        m = re.match(r"^- (.+?): (.*)$", line)
        if not m:
            break
        out[m.group(1)] = m.group(2)
    return out


def test_every_surface_agrees_on_todays_checkin_and_on_needs_attention(store, capsys, sink):
    ids = build(store)
    name_of = {v: k for k, v in ids.items()}
    expected = {name: state.value for name, state in STATE.items()}
    checked = {name for name, state in STATE.items() if state is C}
    attention = set(ATTENTION)
    want = {s: sum(1 for v in STATE.values() if v is s) for s in CheckInState}

    # The Accounts page: its rows, the grid's badge, the check-in filter's counts and rows, and the
    # "Needs attention" filter with its count.
    prefs = acc.get_preferences(store)
    frame = acc.list_accounts(store, acc.AccountFilter(), prefs)
    assert dict(zip(frame["site_name"], frame["checkin_status"], strict=True)) == expected
    grid = acc.grid_frame(frame, "USD")
    assert dict(zip(frame["site_name"], grid["checkin"], strict=True)) == {
        k: acc.CHECKIN_BADGE[CheckInState(v)] for k, v in expected.items()}
    facets = acc.facet_counts(store, acc.AccountFilter())
    assert facets["checkin"] == {"checked": want[C], "not_checked": want[TODO], "outdated": want[UNKNOWN],
                                 "unsupported": want[NA]}
    assert set(acc.list_accounts(store, acc.AccountFilter(checkin=["checked"]), prefs)["site_name"]) == checked
    assert facets["attention"] == {"attention": len(attention)}
    assert set(acc.list_accounts(store, acc.AccountFilter(attention=True), prefs)["site_name"]) == attention

    # The Check-in page's data: today's state, and the reasons of the accounts needing attention.
    rows = todays_checkins(store)
    assert {r["site_name"]: r["state"] for r in rows} == expected
    assert {r["site_name"]: list(r["attention"]) for r in rows if r["attention"]} == ATTENTION

    # The Overview: counts by today's state; the accounts needing attention, each with the same
    # reasons first, and its check-in still to do as an extra fact only on those.
    ov = overview(store)
    assert ov.by_checkin == {s.value: n for s, n in want.items() if n}
    assert {a["site_name"]: a["kinds"][:len(ATTENTION[a["site_name"]])] for a in ov.attention} == ATTENTION
    extra = {a["site_name"] for a in ov.attention if "not_checked_in" in a["kinds"]}
    assert extra == {"failed", "needs_user", "broken", "rejected"}  # "low_balance" is checked in
    assert dict((a["site_name"], a["reason"].split("; ")[0]) for a in ov.attention) == {
        "broken": "Error: The site is down", "rejected": "Warning: HTTP 401: invalid token",
        "failed": "Check-in failed: Failed.", "needs_user": "Check-in needs you: Needs you.",
        "low_balance": "Low balance: $0.50"}

    # The scheduler: every account able to check in and not checked in today is still to do.
    due = {name_of[aid] for aid, _ in checkin_candidates(store, date.today())}
    assert due == set(STATE) - checked - {"unsupported"}

    # The daily summary states the same counts and names the same accounts, with their reasons.
    notify.add_channel(store, "daily", "webhook", fields={"url": sink.url("/hook")}, jobs=(), daily_summary=True)
    notify.send_daily_summary(store, datetime.now().astimezone())
    text = sink.json()["message"]
    assert (f"Check-in today: {C.label.lower()} {want[C]} · {TODO.label.lower()} {want[TODO]} · "
            f"{UNKNOWN.label.lower()} {want[UNKNOWN]} · {NA.label.lower()} {want[NA]}") in text
    listed = _summary_section(text, "Needs attention")
    assert set(listed) == attention
    # (the attention queue's entries, issue 21: severity, category, reason and fix)
    assert listed["broken"].startswith("[Critical] Site unreachable: The site could not be reached: The site is down.")
    assert "Balance $0.50 is under the low-balance line" in listed["low_balance"]

    # allhub account list --json, and its --needs-attention filter
    assert main(["account", "list", "--json"]) == 0
    assert {r["site_name"]: r["checkin_status"] for r in json.loads(capsys.readouterr().out)} == expected
    assert main(["account", "list", "--needs-attention", "--json"]) == 0
    assert {r["site_name"] for r in json.loads(capsys.readouterr().out)} == attention


def test_a_disabled_account_needs_nothing_and_the_line_at_zero_is_off(store):
    ids = build(store)
    acc.set_disabled(store, [ids["broken"]], True)
    acc.set_preference(store, "low_balance_usd", 0)
    left = set(ATTENTION) - {"broken", "low_balance"}
    assert {r["site_name"] for r in acc.attention_rows(store)} == left
    assert acc.facet_counts(store, acc.AccountFilter())["attention"] == {"attention": len(left)}
    assert {a["site_name"] for a in overview(store).attention} == left
