"""Announcements page, through app.py: per site, unread first; the site's hostile HTML shown as
inert text (no tag, no script, no image unless "Show images"); Mark read and Mark all read change
the store; "Sync now" asks the sandbox site and shows what it said; a site switched off in the
settings is stored as off; the empty state says how to get announcements."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from appsupport import button, edit_grid, seed, start, texts
from shared import add_demo_account

from allhub_core.notices import NoticeRecord, mark_read, notice_rows, site_key, site_states, store_notices
from allhub_core.sandbox._notices import HOSTILE_IMAGE_URL, HOSTILE_NOTICE, structured

PAGE = "pages/announcements.py"
T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def _store(store, aid, url, items, at=T0):
    return store_notices(store, site_key("new-api", url), url, aid,
                         [NoticeRecord(fingerprint=fp, title="", text=text) for fp, text in items], at)


@pytest.fixture
def two_sites(store):
    a = seed(store, "Alpha", url="https://alpha.example.com")
    b = seed(store, "Bravo", url="https://bravo.example.com")
    _store(store, a, "https://alpha.example.com", [("old", "Old news")], T0)
    _store(store, a, "https://alpha.example.com", [("old", "Old news"), ("hostile", HOSTILE_NOTICE)],
           T0 + timedelta(hours=1))
    [bravo_id] = _store(store, b, "https://bravo.example.com", [("b1", "Bravo price cut")])
    rows = {r["text"]: r["notice_id"] for r in notice_rows(store)}
    mark_read(store, [rows["Old news"]])
    return {"alpha": a, "bravo": b, "bravo_notice": bravo_id}


def _markdown(at):
    return [m.value for m in at.markdown]


def test_per_site_unread_first_and_hostile_html_inert(store, two_sites):
    at = start(PAGE)
    heads = texts(at.subheader)
    assert [h.split(" ·")[0] for h in heads] == ["Alpha", "Bravo"]
    md = "\n".join(_markdown(at))
    assert md.index("Maintenance tonight") < md.index("Old news")  # unread before read on one site
    assert "requests may fail for 5 minutes" in md
    for bad in ("<script", "__pwned", "onerror", "onclick", "javascript:", HOSTILE_IMAGE_URL, "<img", "<p"):
        assert bad not in md, bad
    at.toggle(key="ann_images").set_value(True).run()
    assert HOSTILE_IMAGE_URL not in "\n".join(_markdown(at))  # an HTML <img> is never shown, even then


def test_images_only_when_asked(store):
    a = seed(store, "Alpha", url="https://alpha.example.com")
    _store(store, a, "https://alpha.example.com", [("i", "Look ![chart](https://img.example.com/c.png)")])
    at = start(PAGE)
    assert "![chart]" not in "\n".join(_markdown(at))
    at.toggle(key="ann_images").set_value(True).run()
    assert "![chart](https://img.example.com/c.png)" in "\n".join(_markdown(at))


def test_mark_read_and_mark_all_read(store, two_sites):
    at = start(PAGE)
    at.button(key=f"ann_read_{two_sites['bravo_notice']}").click().run()
    assert not at.exception
    assert [r["text"] for r in notice_rows(store, unread_only=True)] == [HOSTILE_NOTICE]
    button(at, "Mark all read").click().run()
    assert notice_rows(store, unread_only=True) == []
    assert "1 announcement(s) marked read." in texts(at.success)


def test_sync_now_asks_the_site(store, sandbox_factory):
    sandbox = sandbox_factory(dialects=["new-api"], users_per_site=1, seed=41)
    _, site, _ = add_demo_account(store, sandbox, "new-api")
    site.announcements = [structured(1, "Fresh from the site")]
    at = start(PAGE)
    assert texts(at.info)[0].startswith("No announcements yet.")
    button(at, "Sync now").click().run()
    assert not at.exception
    assert any("1 new or changed" in t for t in texts(at.success))
    assert "Fresh from the site" in "\n".join(_markdown(at))


def test_a_site_switched_off(store, two_sites):
    at = start(PAGE)
    origins = list(at.data_editor(key="ann_sites").value["origin"])
    edit_grid(at, {origins.index("https://bravo.example.com"): {"asked": False}}, key="ann_sites")
    assert not at.exception
    assert site_states(store)["https://bravo.example.com"]["enabled"] is False


def test_many_announcements_come_a_page_at_a_time_and_filter_by_site_and_unread(store, two_sites):
    """30 cards a run (300 sites' worth drew for seconds), "Show more" for the next; a site filter
    and "unread only" narrow them."""
    c = seed(store, "Charlie", url="https://charlie.example.com")
    _store(store, c, "https://charlie.example.com", [(f"n{i}", f"Charlie news {i}") for i in range(40)])
    at = start(PAGE)
    def bodies():
        return [m for m in _markdown(at) if m.startswith("Charlie news")]  # each card's text (its title is bold)

    assert len(bodies()) <= 30 and any("Showing 30 of 43" in t for t in texts(at.caption))
    button(at, "Show 13 more").click().run()
    assert len(bodies()) == 40
    at.selectbox(key="ann_site").set_value("https://bravo.example.com").run()
    assert [h.split(" ·")[0] for h in texts(at.subheader)] == ["Bravo"]
    at.selectbox(key="ann_site").set_value(None)
    at.toggle(key="ann_unread_only").set_value(True).run()
    assert "Old news" not in "\n".join(_markdown(at))
