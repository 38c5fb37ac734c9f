"""Overview page: the landing page's figures, charts, attention list, empty states and the PNG card."""

from __future__ import annotations

import pytest
from appsupport import button, metrics, seed, start, texts
from historysupport import charts, day, finite, snapshots

from allhub_core.accounts import get_preferences
from allhub_core.history import overview


def test_overview_is_the_landing_page_and_says_how_to_start_when_empty():
    at = start(None)
    assert [t.value for t in at.title] == ["Overview"]
    assert texts(at.info)[0].startswith("No accounts yet: add one on the **Add account** page.")
    assert [p.label for p in at.get("page_link")] == ["Add account"]
    assert not charts(at)


def test_accounts_without_history_say_refresh_to_start_recording(store):
    seed(store, "Alpha", usd=4, health="healthy", synced=True)
    at = start(None)
    assert not at.exception
    assert metrics(at)["Total balance"] == "$4.00"
    assert any("refresh to start recording" in t for t in texts(at.info)), texts(at.info)
    assert set(charts(at)) == {"ov_health", "ov_checkin"}  # no empty trend


@pytest.fixture
def three(store):
    ids = {
        "A": seed(store, "Alpha", usd=12, health="healthy", synced=True, checkin="checked",
                  consumption_usd=1.5, income_usd=0.25),
        "B": seed(store, "Bravo", usd=0.4, health="error", synced=True, checkin="not_checked", consumption_usd=0.5),
        "C": seed(store, "Charlie", usd=30, health="healthy", synced=True, exclude_total=True),
    }
    snapshots(store, {day(2): {ids["A"]: 10, ids["B"]: 1}, day(1): {ids["A"]: 11, ids["B"]: 0.5},
                      day(0): {ids["A"]: 12, ids["B"]: 0.4, ids["C"]: 30}})
    return ids


def test_figures_trend_and_states_come_from_the_history_room(store, three):
    at = start(None)
    assert not at.exception
    ov = overview(store)
    shown = metrics(at)
    assert shown["Total balance"] == "$12.40"  # Charlie is excluded from the total
    assert shown["Today's consumption"] == "$2.00" and shown["Today's income"] == "$0.25"
    assert shown["Complete / partial today"] == f"{ov.complete} / {ov.partial}"
    drawn = charts(at)
    trend = drawn["ov_trend"]["traces"][0]
    assert finite(trend["y"]) == pytest.approx([11.0, 11.5, 12.4])  # summed per day, without Charlie
    assert trend["x"][-3:] == [str(day(2)), str(day(1)), str(day(0))] and len(trend["x"]) <= 30
    health = drawn["ov_health"]["traces"][0]
    assert dict(zip(health["y"], health["x"], strict=True)) == {"healthy": 2, "error": 1}
    assert sum(drawn["ov_checkin"]["traces"][0]["x"]) == 3


def test_attention_lists_errors_and_low_balances_by_the_threshold(store, three):
    # the attention queue (issue 21; its own tests: test_overview_attention.py): one expander a category
    at = start(None)

    def shown():
        return [e.label for e in at.expander if " · " in e.label]

    assert shown() == ["Site unreachable · 1", "Low balance · 1"]  # Bravo: down, and under the default line
    assert [s.value for s in at.subheader if s.value.startswith("Needs attention")] == ["Needs attention · 2"]
    at.number_input(key="ov_low").set_value(20.0).run()
    assert shown() == ["Site unreachable · 1", "Low balance · 2"]  # Charlie is excluded from the balance
    low = [m.value for m in at.markdown if "under the low-balance line" in m.value]
    assert [m.split("**")[1] for m in low] == ["Bravo", "Alpha"]  # the lowest balance first
    at.number_input(key="ov_low").set_value(0.0).run()  # 0 = no low-balance rule
    assert shown() == ["Site unreachable · 1"]
    at.number_input(key="ov_low").set_value(20.0).run()

    assert get_preferences(store)["low_balance_usd"] == 20.0  # kept for the next visit
    again = start(None)
    assert again.number_input(key="ov_low").value == 20.0
    assert "Open the Accounts grid" in [p.label for p in at.get("page_link")]


def test_share_snapshot_is_a_png_download(store, three, downloads):
    at = start(None)
    assert not at.get("download_button")
    button(at, "Make the PNG").click().run()
    assert not at.exception and not at.error
    [name] = [n for n in downloads if n.endswith(".png")]
    assert name.startswith("allhub-") and downloads[name].startswith(b"\x89PNG\r\n\x1a\n")
    assert [d.label for d in at.get("download_button")] == ["Download PNG"]
    at.checkbox(key="ov_names").check().run()  # another choice: the old card is not offered
    assert not at.get("download_button")
    assert any("make the PNG again" in t for t in texts(at.caption))
