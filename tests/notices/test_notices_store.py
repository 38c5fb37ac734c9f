"""The announcements on a real DuckDB file: a new announcement is unread once; seen again it keeps
its read state; one whose text changed under the same identity is unread again, once; one that
left the site's answer is kept but not listed (and comes back read); marking read by id refuses an
unknown id without changing anything; the per-site switch and the interval decide which sites are
due; the page's safe Markdown holds no tag, script or image."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from allhub_core.accounts import AccountInput, add_account
from allhub_core.errors import NotFound, ValidationError
from allhub_core.notices import (
    DEFAULT_INTERVAL_S,
    NoticeRecord,
    cache,
    due_origins,
    mark_read,
    notice_interval_s,
    notice_rows,
    record_site_sync,
    safe_markdown,
    set_notice_interval,
    set_site_enabled,
    site_key,
    store_notices,
    unread_count,
)

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
ORIGIN = "https://relay.example"
KEY = site_key("new-api", ORIGIN)


def _account(store):
    return add_account(store, AccountInput(site_url=ORIGIN, site_name="Relay", user_id="1", access_token="t" * 24))


def _rec(fp, text, title=""):
    return NoticeRecord(fingerprint=fp, title=title, text=text)


def test_new_unread_once_then_read_state_holds(store):
    aid = _account(store)
    new = store_notices(store, KEY, ORIGIN, aid, [_rec("a", "## Maintenance\nTonight."), _rec("b", "Price cut")], T0)
    assert len(new) == 2 and unread_count(store) == 2
    rows = notice_rows(store)
    assert [set(r) for r in rows] == [{"notice_id", "account_id", "site_name", "title", "text", "first_seen",
                                       "read"}] * 2
    assert {r["title"] for r in rows} == {"Maintenance", "Price cut"} and rows[0]["site_name"] == "Relay"
    assert mark_read(store, [new[0]]) == 1
    again = store_notices(store, KEY, ORIGIN, aid, [_rec("a", "## Maintenance\nTonight."), _rec("b", "Price cut")],
                          T0 + timedelta(hours=2))
    assert again == [] and unread_count(store) == 1
    assert [r["notice_id"] for r in notice_rows(store, unread_only=True)] == [new[1]]


def test_changed_text_same_identity_is_unread_again_once(store):
    aid = _account(store)
    key = site_key("sub2api", ORIGIN, aid)
    [nid] = store_notices(store, key, ORIGIN, aid, [_rec("7", "Old text", "Notice")], T0)
    mark_read(store, all=True)
    assert store_notices(store, key, ORIGIN, aid, [_rec("7", "New text", "Notice")], T0 + timedelta(hours=1)) == [nid]
    assert store_notices(store, key, ORIGIN, aid, [_rec("7", "New text", "Notice")], T0 + timedelta(hours=2)) == []
    [row] = notice_rows(store)
    assert row["text"] == "New text" and row["read"] is False


def test_gone_is_kept_and_comes_back_read(store):
    aid = _account(store)
    [nid] = store_notices(store, KEY, ORIGIN, aid, [_rec("a", "A")], T0)
    mark_read(store, all=True)
    store_notices(store, KEY, ORIGIN, aid, [], T0 + timedelta(hours=1))
    assert notice_rows(store) == []
    assert store_notices(store, KEY, ORIGIN, aid, [_rec("a", "A")], T0 + timedelta(hours=2)) == []
    assert [(r["notice_id"], r["read"]) for r in notice_rows(store)] == [(nid, True)]


def test_mark_read_refuses_unknown_and_empty_without_change(store):
    aid = _account(store)
    [nid] = store_notices(store, KEY, ORIGIN, aid, [_rec("a", "A")], T0)
    with pytest.raises(NotFound, match="No announcement with id nope"):
        mark_read(store, [nid, "nope"])
    with pytest.raises(ValidationError):
        mark_read(store, [])
    assert unread_count(store) == 1
    assert mark_read(store, all=True) == 1 and mark_read(store, all=True) == 0


def test_due_origins_interval_and_switch(store):
    other = "https://other.example"
    assert notice_interval_s(store) == DEFAULT_INTERVAL_S == 3600
    with store.write() as con:
        record_site_sync(con, ORIGIN, T0)
    assert due_origins(store, [ORIGIN, other], now=T0 + timedelta(minutes=30)) == ([other], [ORIGIN])
    assert due_origins(store, [ORIGIN, other], now=T0 + timedelta(minutes=61)) == ([ORIGIN, other], [])
    assert due_origins(store, [ORIGIN], now=T0, due_only=False) == ([ORIGIN], [])
    set_site_enabled(store, other, False)
    assert due_origins(store, [other], now=T0, due_only=False) == ([], [other])
    set_notice_interval(store, 600)
    assert due_origins(store, [ORIGIN], now=T0 + timedelta(minutes=11)) == ([ORIGIN], [])
    with pytest.raises(ValidationError):
        set_notice_interval(store, 5)
    assert notice_interval_s(store) == 600


def test_safe_markdown_is_inert():
    hostile = ("# Hi\n<script>window.__pwned=1</script><img src='https://x.invalid/p.png' onerror='x()'>"
               "<p onclick='y()'>Body</p>![t](https://x.invalid/t.png)[go](javascript:alert(1))")
    md = safe_markdown(hostile)
    assert "<" not in md and "script" not in md and "__pwned" not in md and "onerror" not in md
    assert "![" not in md and "javascript" not in md and "Body" in md and "# Hi" in md
    assert "![t](https://x.invalid/t.png)" in safe_markdown(hostile, images=True)


def test_gone_ones_are_kept_up_to_a_limit_per_site(store, monkeypatch):
    monkeypatch.setattr(cache, "KEEP_GONE", 2)
    aid = _account(store)
    for n in range(4):  # each sync lists one announcement: the previous ones are gone
        store_notices(store, KEY, ORIGIN, aid, [_rec(f"n{n}", f"Notice {n}")], T0 + timedelta(hours=n))
    with store.read() as con:
        kept = [r[0] for r in con.execute("SELECT text FROM notices ORDER BY last_seen").fetchall()]
    assert kept == ["Notice 1", "Notice 2", "Notice 3"]  # two gone ones (the newest) and the listed one
