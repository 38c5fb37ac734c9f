"""Accounts page: subscription quota beside the wallet, and the "needs attention" filter."""

from __future__ import annotations

from appsupport import grid_names, seed, start

from allhub_core import accounts as acc
from allhub_core.accounts import QUOTA_PER_USD


def _set(store, aid, **cols):
    with store.write() as con:
        con.execute(f"UPDATE accounts SET {', '.join(f'{k} = ?' for k in cols)} WHERE id = ?", [*cols.values(), aid])


def test_subscription_column_and_totals_say_what_they_sum(store):
    planned = seed(store, "Planned", usd=10.0)
    seed(store, "Wallet only", usd=5.0)
    _set(store, planned, subscription_quota=93 * QUOTA_PER_USD)
    at = start()
    frame = at.data_editor[0].value
    subs = dict(zip(frame["site_name"], frame["subscription"], strict=True))
    assert subs["Planned"] == 93.0 and subs["Wallet only"] != subs["Wallet only"]  # NaN: no plan
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Total balance"] == "$15.00"  # wallets only
    assert any("Not in it: $93.00 of subscription quota" in c.value and "summed apart" in c.value
               for c in at.caption)
    tot = acc.totals(store, acc.AccountFilter())
    assert (tot["balance_usd"], tot["subscription_usd"], tot["subscription_covered"]) == (15.0, 93.0, 1)
    rec = acc.get_account(store, planned)
    assert rec["subscription_quota"] == 93 * QUOTA_PER_USD and rec["subscription_usd"] == 93.0


def test_no_plans_no_empty_column(store):
    seed(store, "Plain", usd=1.0)
    at = start()
    assert "subscription" not in at.data_editor[0].value.columns
    assert not any("subscription quota" in c.value for c in at.caption)


def test_needs_attention_filter(store):
    seed(store, "Fine", health="healthy")
    broken = seed(store, "Broken", health="error")
    failed = seed(store, "Check-in failed", health="healthy")
    with store.write() as con:
        con.execute("INSERT INTO checkin_log (account_id, result, message) VALUES (?, 'failed', 'HTTP 500')", [failed])
    at = start()
    assert sorted(grid_names(at)) == ["Broken", "Check-in failed", "Fine"]
    toggle = at.toggle(key="f_attention")
    assert toggle.label == "Needs attention only (2)"
    toggle.set_value(True).run()
    assert not at.exception
    assert sorted(grid_names(at)) == ["Broken", "Check-in failed"]
    ids = {r["id"] for r in acc.account_records(store, f=acc.AccountFilter(attention=True))}
    assert ids == {str(broken), str(failed)}
