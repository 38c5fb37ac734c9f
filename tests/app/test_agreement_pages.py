"""The pages agree on "checked in today?" and "needs attention?" (issue 17): on one store holding
every case (``tests/agreement_cases.py``), the Accounts page, the Check-in page and the Overview
show each account's state with the same badge and name the same accounts as needing attention.
The library-level surfaces (daily summary, ``account list --json``, scheduler) are checked in
tests/accounts/test_checkin_agreement.py."""

from __future__ import annotations

from agreement_cases import ATTENTION, STATE, build
from appsupport import grid_names, start
from historysupport import charts

from allhub_core.vocab import Attention


def test_the_three_pages_agree_on_every_case(store):
    build(store)
    badge = {name: state.badge for name, state in STATE.items()}
    needing = set(ATTENTION)

    # Accounts: the grid's check-in badge, and the "Needs attention" toggle's count and rows.
    at = start()
    grid = at.data_editor[0].value
    assert dict(zip(grid["site_name"], grid["checkin"], strict=True)) == badge
    toggle = at.toggle(key="f_attention")
    assert toggle.label == f"Needs attention only ({len(needing)})"
    toggle.set_value(True).run()
    assert not at.exception
    assert set(grid_names(at)) == needing

    # Check-in: "Today" per account, and the same toggle with the same accounts and reasons.
    at = start("pages/checkin.py")
    table = at.dataframe[0].value
    assert dict(zip(table["Name"], table["Today"], strict=True)) == badge
    toggle = at.toggle(key="ci_attention")
    assert toggle.label == f"Needs attention only ({len(needing)})"
    toggle.set_value(True).run()
    table = at.dataframe[0].value
    assert dict(zip(table["Name"], table["Needs attention"], strict=True)) == {
        name: ", ".join(Attention(k).label for k in kinds) for name, kinds in ATTENTION.items()}

    # Overview: the accounts by check-in today, and the "Needs attention" list.
    at = start(None)
    assert not at.exception
    bars = charts(at)["ov_checkin"]["traces"][0]
    counts = {state.value.replace("_", " "): sum(1 for s in STATE.values() if s is state) for state in STATE.values()}
    assert dict(zip(bars["y"], bars["x"], strict=True)) == counts
    assert [s.value for s in at.subheader if s.value.startswith("Needs attention")] == [
        f"Needs attention · {len(needing)}"]
    # the attention queue (issue 21) names the same accounts, each once (no info entries here)
    why = {m.value.split("**")[1].replace("\\_", "_"): m.value for m in at.markdown if m.value.startswith("**")}
    assert set(why) == needing and len(why) == len(needing)
    assert "The site could not be reached: The site is down." in why["broken"]
    assert "Balance \\$0.50 is under the low-balance line" in why["low_balance"]
