"""The rule "new announcement" against the sandbox over real HTTP: a refresh run of all accounts
that finds a new announcement tells every channel following ``notices`` once (site and title, no
HTML of the site's, no secret); a second refresh with nothing new tells nothing; a changed
announcement is told again; a channel that does not follow the rule hears nothing of it."""

from __future__ import annotations

import json

import pytest
from shared import add_demo_account, fast_politeness

from allhub_core.automation import notify, run_job
from allhub_core.notices import mark_read
from allhub_core.sandbox._notices import HOSTILE_NOTICE

FAST = fast_politeness()


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api"], users_per_site=1, seed=43)


pytestmark = pytest.mark.usefixtures("fresh_sites")


def _ask_every_time(store):
    """The next refresh refreshes the account again and finds its site's announcements due (the
    intervals' own tests are elsewhere): as if both were last done long ago."""
    with store.write() as con:
        con.execute("UPDATE notice_sites SET last_synced = NULL")
        con.execute("UPDATE accounts SET last_sync_time = NULL")


def test_a_new_announcement_is_told_once_to_the_channels_that_follow_it(store, sandbox, sink):
    _, site, user = add_demo_account(store, sandbox, "new-api")
    assert "notices" in notify.JOBS
    notify.add_channel(store, "news", "webhook", fields={"url": sink.url("/hooks/news")}, jobs=("notices",))
    notify.add_channel(store, "checkin-only", "webhook", fields={"url": sink.url("/hooks/checkin")},
                       jobs=("checkin",))
    run_job(store, "refresh", politeness=FAST)  # nothing announced yet
    assert sink.got == []

    site.notice = HOSTILE_NOTICE
    _ask_every_time(store)
    report = run_job(store, "refresh", politeness=FAST)
    assert [n["channel"] for n in report.notify] == ["news"] and report.notify[0]["ok"] is True
    (req,) = sink.got
    assert req["path"] == "/hooks/news"
    body = json.loads(req["body"])
    assert body["title"] == "allhub: 1 new announcement"
    assert "Maintenance tonight" in body["message"]
    for bad in ("<script", "__pwned", "onerror", "tracker.invalid", user.access_token):
        assert bad not in req["body"], bad

    sink.got.clear()
    _ask_every_time(store)
    run_job(store, "refresh", politeness=FAST)
    assert sink.got == []  # nothing new: nothing told

    mark_read(store, all=True)
    site.notice = HOSTILE_NOTICE.replace("02:00", "03:00")
    _ask_every_time(store)
    run_job(store, "refresh", politeness=FAST)
    (req,) = sink.got
    assert json.loads(req["body"])["title"] == "allhub: 1 new announcement"
