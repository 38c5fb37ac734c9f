"""Balance history page: ranges, tag and account filters, USD/CNY, per-account trend, one day's
spread, the per-account table and its download (all filtering is done by allhub_core.history)."""

from __future__ import annotations

import csv
import io

import pytest
from appsupport import seed, start, texts
from historysupport import charts, day, finite, snapshots

PAGE = "pages/balance_history.py"


@pytest.fixture
def two(store):
    a = seed(store, "Alpha", usd=12, rate=7.0, tags=["vip"], synced=True)
    b = seed(store, "Bravo", usd=90, rate=1.0, synced=True)
    snapshots(store, {day(2): {a: 10, b: 100}, day(1): {a: 11, b: 100}, day(0): {a: 12, b: 90}},
              consumption={day(0): {b: 10}})
    return {"A": a, "B": b}


def trend(at):
    return charts(at)["bh_trend"]["traces"]


def test_no_accounts_and_no_history_say_what_to_do(store):
    at = start(PAGE)
    assert texts(at.info)[0].startswith("No enabled accounts yet")
    seed(store, "Alpha", usd=1)
    at = start(PAGE)
    assert not at.exception
    assert any("refresh to start recording" in t for t in texts(at.info))
    assert "bh_trend" not in charts(at)


def test_summed_balance_of_the_last_30_days_in_usd(two):
    at = start(PAGE)
    assert not at.exception
    assert at.date_input(key="bh_range").value == (day(29), day(0))
    [line] = trend(at)
    assert len(line["x"]) == 30 and finite(line["y"]) == [110.0, 111.0, 102.0]


def test_cny_converts_each_account_at_its_own_rate(two):
    at = start(PAGE)
    at.segmented_control(key="bh_currency").set_value("CNY").run()
    [line] = trend(at)
    assert finite(line["y"]) == pytest.approx([10 * 7 + 100, 11 * 7 + 100, 12 * 7 + 90])
    assert charts(at)["bh_trend"]["traces"] and "¥" in str(at.dataframe[0].value.columns.tolist())


def test_cny_reads_the_rates_and_exclusions_of_the_accounts_in_scope(two, store):
    """The rates come for the accounts shown (the tag's, the chosen ones): each at its own rate;
    an account left out of the total counts in the sum only when chosen."""
    with store.write() as con:
        con.execute("UPDATE accounts SET exclude_from_total_balance = true WHERE id = ?", [two["B"]])
    at = start(PAGE)
    at.segmented_control(key="bh_currency").set_value("CNY").run()
    assert finite(trend(at)[0]["y"]) == pytest.approx([70.0, 77.0, 84.0])  # Bravo left out of the total
    at.selectbox(key="bh_tag").select("vip").run()
    assert finite(trend(at)[0]["y"]) == pytest.approx([70.0, 77.0, 84.0])
    at.selectbox(key="bh_tag").set_value(None).run()
    at.multiselect(key="bh_accounts").select(two["B"]).run()
    assert finite(trend(at)[0]["y"]) == pytest.approx([100.0, 100.0, 90.0])  # chosen: counted at its rate
    assert list(at.dataframe[0].value["Account"]) == ["Bravo"]


def test_per_account_expense_and_the_tag_and_account_filters(two):
    at = start(PAGE)
    at.toggle(key="bh_per_account").set_value(True).run()
    at.segmented_control(key="bh_metric").set_value("expense").run()
    traces = {t["name"]: t for t in trend(at)}
    assert set(traces) == {"Alpha", "Bravo"} and sum(finite(traces["Bravo"]["y"])) == 10.0

    at.toggle(key="bh_per_account").set_value(False).run()
    at.segmented_control(key="bh_metric").set_value("balance").run()
    at.selectbox(key="bh_tag").select("vip").run()
    assert finite(trend(at)[0]["y"]) == [10.0, 11.0, 12.0]
    assert list(at.dataframe[0].value["Account"]) == ["Alpha"]

    at.selectbox(key="bh_tag").set_value(None).run()
    at.multiselect(key="bh_accounts").select(two["B"]).run()
    assert finite(trend(at)[0]["y"]) == [100.0, 100.0, 90.0]
    assert list(at.dataframe[0].value["Account"]) == ["Bravo"]
    spread = charts(at)["bh_spread"]["traces"][0]
    assert spread["y"] == ["Bravo"] and spread["x"] == [90.0]


def test_quick_ranges_and_the_table_of_the_range(two, downloads):
    at = start(PAGE)
    at.segmented_control(key="bh_quick").set_value("7 days").run()
    assert at.date_input(key="bh_range").value == (day(6), day(0))
    assert len(trend(at)[0]["x"]) == 7
    at.segmented_control(key="bh_quick").set_value("All").run()
    assert at.date_input(key="bh_range").value == (day(2), day(0))  # from the first recorded day
    table = at.dataframe[0].value
    rows = {r["Account"]: r for r in table.to_dict("records")}
    assert rows["Bravo"]["Start $"] == 100.0 and rows["Bravo"]["End $"] == 90.0 and rows["Bravo"]["Net $"] == -10.0
    assert rows["Alpha"]["Coverage"] == "3 / 3 days"
    got = list(csv.DictReader(io.StringIO(downloads[f"balance-{day(2)}-{day(0)}.csv"].decode())))
    assert {r["site_name"] for r in got} == {"Alpha", "Bravo"} and "access_token" not in got[0]


def test_one_days_spread(two):
    at = start(PAGE)
    spread = charts(at)["bh_spread"]["traces"][0]
    assert spread["y"] == ["Alpha", "Bravo"] and spread["x"] == [12.0, 90.0]
    at.date_input(key="bh_day").set_value(day(2)).run()
    spread = charts(at)["bh_spread"]["traces"][0]
    assert spread["x"] == [10.0, 100.0]


def test_find_narrows_the_account_picker_and_keeps_what_was_chosen(two):
    """The picker lists at most PICKER_MAX accounts (100,000 of them cost every run); Find narrows
    it by name or #id, and an account already chosen stays chosen and listed while Find changes."""
    at = start(PAGE)
    assert set(at.multiselect(key="bh_accounts").options) >= {f"Alpha (#{two['A']})", f"Bravo (#{two['B']})"}
    at.text_input(key="bh_find").input("brav").run()
    assert at.multiselect(key="bh_accounts").options == [f"Bravo (#{two['B']})"]
    at.multiselect(key="bh_accounts").select(two["B"]).run()
    at.text_input(key="bh_find").input(f"#{two['A']}").run()
    assert at.multiselect(key="bh_accounts").options == [f"Bravo (#{two['B']})", f"Alpha (#{two['A']})"]
    assert at.multiselect(key="bh_accounts").value == [two["B"]]
    assert finite(trend(at)[0]["y"]) == [100.0, 100.0, 90.0]  # still Bravo's balance alone
    at.text_input(key="bh_find").input("nothing like it").run()
    assert at.multiselect(key="bh_accounts").options == [f"Bravo (#{two['B']})"]
    assert not at.exception
