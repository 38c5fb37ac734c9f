"""Site announcements against the sandbox relay sites over real HTTP: New API's /api/notice and
the structured announcements of its /api/status, Sub2API's per-account list; a new announcement is
unread once, a second sync with nothing changed adds nothing, a changed one is unread again; two
accounts of one site share one fetch; a sync within the hour sends no request (counted at the
site), a site switched off sends none, a family without announcements gives none without error; a
failing site keeps what was stored and says why in one sentence."""

from __future__ import annotations

import pytest
from shared import add_demo_account, fast_politeness

from allhub_core.errors import NotFound
from allhub_core.notices import mark_read, notice_rows, set_site_enabled
from allhub_core.sandbox._notices import HOSTILE_NOTICE, structured, sub2api_item
from allhub_core.sync import refresh
from allhub_core.sync.notices import read_notices, sync_notices

FAST = fast_politeness(read_timeout=2.0, retries=0, retries_429=0)
DIALECTS = ["new-api", "one-api", "sub2api", "voapi-v2"]


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=DIALECTS, users_per_site=2, seed=21)


pytestmark = pytest.mark.usefixtures("fresh_sites")


def _paths(site):
    return [r.path for r in site.requests]


def test_new_api_notice_and_status_announcements_unread_once(store, sandbox):
    aid, site, _ = add_demo_account(store, sandbox, "new-api")
    site.notice = "## Maintenance tonight\nRequests may fail."
    site.announcements = [structured(1, "New models: **gpt-5**", extra="See the price list."),
                          structured(2, "Top-up bonus", kind="success")]
    report = sync_notices(store, [aid], FAST)
    assert [r["status"] for r in report.rows()] == ["ok"] and len(report.new_ids) == 3
    rows = notice_rows(store)
    assert {r["title"] for r in rows} == {"Maintenance tonight", "New models: gpt-5", "Top-up bonus"}
    assert all(r["read"] is False and r["account_id"] == aid for r in rows)
    assert any("See the price list." in r["text"] for r in rows)

    site.clear_requests()
    again = sync_notices(store, [aid], FAST)  # not due_only: asked again, nothing new
    assert again.new_ids == [] and sorted(_paths(site)) == ["/api/notice", "/api/status"]
    assert len(notice_rows(store, unread_only=True)) == 3


def test_changed_notice_is_unread_again_and_read_ones_stay_read(store, sandbox):
    aid, site, _ = add_demo_account(store, sandbox, "new-api")
    site.notice = "Version 1 of the notice"
    site.announcements = [structured(1, "Stays the same")]
    sync_notices(store, [aid], FAST)
    mark_read(store, all=True)
    site.notice = "Version 2 of the notice"
    report = sync_notices(store, [aid], FAST)
    [new] = report.new_ids
    unread = notice_rows(store, unread_only=True)
    assert [(r["notice_id"], r["text"]) for r in unread] == [(new, "Version 2 of the notice")]
    assert sync_notices(store, [aid], FAST).new_ids == []
    assert {r["text"] for r in notice_rows(store)} == {"Version 2 of the notice", "Stays the same"}


def test_same_site_accounts_share_one_fetch_and_the_hour_limit_sends_nothing(store, sandbox):
    a1, site, _ = add_demo_account(store, sandbox, "new-api", 0)
    a2, _, _ = add_demo_account(store, sandbox, "new-api", 1)
    site.notice = HOSTILE_NOTICE
    site.clear_requests()
    report = sync_notices(store, [a1, a2], FAST, due_only=True)
    assert report.rows()[0]["account_ids"] == [a1, a2] and len(report.new_ids) == 1
    assert sorted(_paths(site)) == ["/api/notice", "/api/status"]
    site.clear_requests()
    later = sync_notices(store, [a1, a2], FAST, due_only=True)
    assert [r["status"] for r in later.rows()] == ["not_due"] and site.requests == []
    assert len(notice_rows(store)) == 1 and notice_rows(store)[0]["text"] == HOSTILE_NOTICE


def test_a_site_switched_off_is_not_asked(store, sandbox):
    aid, site, _ = add_demo_account(store, sandbox, "one-api")
    site.notice = "Hello"
    set_site_enabled(store, site.url, False)
    site.clear_requests()
    report = sync_notices(store, [aid], FAST)
    assert [r["status"] for r in report.rows()] == ["disabled"] and site.requests == [] and notice_rows(store) == []
    set_site_enabled(store, site.url, True)
    assert len(sync_notices(store, [aid], FAST).new_ids) == 1


def test_sub2api_per_account_and_changed_in_place(store, sandbox):
    aid, site, _ = add_demo_account(store, sandbox, "sub2api")
    site.announcements = [sub2api_item(5, "Scheduled upgrade", "<p>Down at 03:00</p>")]
    site.clear_requests()
    report = sync_notices(store, [aid], FAST)
    assert report.rows()[0]["status"] == "ok" and len(report.new_ids) == 1
    assert any(r.path == "/api/v1/announcements" and "unread_only=1" in r.query for r in site.requests)
    [row] = notice_rows(store)
    assert row["title"] == "Scheduled upgrade" and row["text"] == "<p>Down at 03:00</p>"
    mark_read(store, all=True)
    site.announcements = [sub2api_item(5, "Scheduled upgrade", "<p>Down at 04:00 instead</p>",
                                       updated_at="2026-12-02T08:00:00Z")]
    assert sync_notices(store, [aid], FAST).new_ids == [row["notice_id"]]
    [row] = notice_rows(store, unread_only=True)
    assert "04:00" in row["text"]
    site.announcements = []  # read on the site: its unread-only list is empty, ours still has it
    assert sync_notices(store, [aid], FAST).new_ids == [] and len(notice_rows(store)) == 1


def test_family_without_announcements_gives_none_without_error(store, sandbox):
    aid, site, _ = add_demo_account(store, sandbox, "voapi-v2")
    site.clear_requests()
    report = sync_notices(store, [aid], FAST)
    assert [r["status"] for r in report.rows()] == ["none"] and report.exit_code() == 0
    assert site.requests == [] and notice_rows(store) == []


def test_failing_site_keeps_what_was_stored(store, sandbox):
    aid, site, _ = add_demo_account(store, sandbox, "new-api")
    site.notice = "Kept"
    sync_notices(store, [aid], FAST)
    site.inject("500", path="/api/notice")
    report = sync_notices(store, [aid], FAST)
    [row] = report.rows()
    assert row["status"] == "failed" and row["message"] and "Traceback" not in row["message"]
    assert report.exit_code() == 1 and [r["text"] for r in notice_rows(store)] == ["Kept"]


def test_unknown_account_is_refused_before_any_request_unless_due_only(store, sandbox):
    aid, site, _ = add_demo_account(store, sandbox, "new-api")
    site.clear_requests()
    with pytest.raises(NotFound):
        sync_notices(store, [aid, 9999], FAST)
    assert site.requests == []
    report = sync_notices(store, [aid, 9999], FAST, due_only=True)  # a refresh's follow-up: no error
    assert report.rows()[0]["account_ids"] == [aid]


def test_refresh_of_everything_brings_the_due_announcements(store, sandbox):
    _, site, _ = add_demo_account(store, sandbox, "new-api")
    site.notice = "After refresh"
    report = refresh(store, force=True, politeness=FAST)
    assert report.notices is not None and len(report.notices.new_ids) == 1
    site.clear_requests()
    refresh(store, force=True, politeness=FAST)
    assert "/api/notice" not in _paths(site)  # within the hour


def test_reading_a_sub2api_announcement_marks_it_read_on_the_site_too(store, sandbox):
    """As the extension does: an announcement read here is told to Sub2API
    (``POST /api/v1/announcements/{id}/read``), so the site's unread list no longer has it; a
    New API notice has no such state and asks nothing; a site that refuses keeps it read here and
    says why in one sentence."""
    aid, site, user = add_demo_account(store, sandbox, "sub2api")
    site.announcements = [sub2api_item(7, "Maintenance", "Tonight"), sub2api_item(8, "Prices", "Lower")]
    sync_notices(store, [aid], FAST)
    by_title = {r["title"]: r["notice_id"] for r in notice_rows(store)}
    site.clear_requests()
    report = read_notices(store, [by_title["Maintenance"]], politeness=FAST)
    assert (report.marked, report.told, report.failures) == (1, 1, [])
    assert [r.path for r in site.requests if r.method == "POST"] == ["/api/v1/announcements/7/read"]
    assert site.announcement_reads == {user.id: {"7"}}
    assert sync_notices(store, [aid], FAST).new_ids == []  # the site's unread list: only "Prices"
    # a refusal: read here all the same, the reason in one sentence
    site.inject("500", path="/api/v1/announcements/8/read")
    report = read_notices(store, all=True, politeness=FAST)
    assert (report.marked, report.told, len(report.failures)) == (1, 0, 1)
    assert "Traceback" not in report.summary() and notice_rows(store, unread_only=True) == []
    # New API keeps no read state: nothing is sent
    napi, nsite, _ = add_demo_account(store, sandbox, "new-api")
    nsite.notice = "Hello"
    sync_notices(store, [napi], FAST)
    nsite.clear_requests()
    assert read_notices(store, all=True, politeness=FAST).told == 0
    assert [r for r in nsite.requests if r.method == "POST"] == []
