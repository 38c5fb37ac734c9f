"""Settings page, the Sites section (issue 18): each site's request window and where it came
from, set per site, back to the default, bad input as one sentence."""

from __future__ import annotations

from appsupport import seed, start, texts

from allhub_core.accounts import lower_site_window, site_windows
from allhub_core.sync import politeness_for

PAGE = "pages/settings.py"
ALPHA, BRAVO = "https://alpha.example.com", "https://bravo.example.com"


def _sites_table(at):
    frame = next(df.value for df in at.dataframe if "Set by" in df.value.columns)
    return {r["Site"]: (r["Window"], r["Set by"]) for r in frame.to_dict("records")}


def _inputs(at):
    n = next(w for w in at.number_input if w.label.startswith("Requests per window (0"))
    s = next(w for w in at.number_input if w.label == "Window length (seconds)" and w.key.startswith("site_w_"))
    return n, s


def test_each_site_shows_its_window_and_a_user_sets_one_for_one_site(store):
    seed(store, "Alpha", url=ALPHA)
    seed(store, "Bravo", url=BRAVO)
    lower_site_window(store, BRAVO, 25, 180)
    at = start(PAGE)
    assert _sites_table(at) == {ALPHA: ("50 per 180 s", "default"), BRAVO: ("25 per 180 s", "lowered after a 429")}

    at.selectbox(key="site_pick").set_value(ALPHA).run()
    n, s = _inputs(at)
    assert (n.value, s.value) == (50, 180.0)
    n.set_value(180)
    at.button(key="site_save").click().run()
    assert not at.exception
    assert texts(at.success) == [f"{ALPHA}: window 180 per 180 s."]
    own = site_windows(store)[ALPHA]
    assert (own.requests, own.seconds, own.source) == (180, 180.0, "user")
    assert _sites_table(at)[ALPHA] == ("180 per 180 s", "your setting")
    assert _sites_table(at)[BRAVO] == ("25 per 180 s", "lowered after a 429")
    p = politeness_for(store)
    assert p.window_for(ALPHA) == (180, 180.0) and p.window_for(BRAVO) == (25, 180.0)
    assert p.window_for("https://other.example.com") == (50, 180.0)


def test_back_to_the_default_and_bad_input_changes_nothing(store):
    seed(store, "Bravo", url=BRAVO)
    lower_site_window(store, BRAVO, 25, 180)
    at = start(PAGE)
    _n, s = _inputs(at)
    s.set_value(0)  # no window lasts 0 s
    at.button(key="site_save").click().run()
    assert not at.exception
    assert texts(at.error) == ["A site's window lasts from 1 to 3600 seconds."]
    assert site_windows(store)[BRAVO].requests == 25  # unchanged

    at.button(key="site_default").click().run()
    assert not at.exception
    assert texts(at.success) == [f"{BRAVO} uses the default window again."]
    assert BRAVO not in site_windows(store)
    assert _sites_table(at) == {BRAVO: ("50 per 180 s", "default")}
    assert at.button(key="site_default").disabled


def test_no_sites_yet(store):
    at = start(PAGE)
    assert any("No sites yet" in c.value for c in at.caption)
