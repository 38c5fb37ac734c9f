"""``sync_models`` prices the offers of every account it stored in one statement at the end of
its transaction (issue 18: ``allhub demo``), not one per account: the offers are the ones pricing
each account on its own gives, after a first sync of every dialect, a sync of some accounts
after their site changed its models, and a sync where one account failed."""

from __future__ import annotations

import pytest
from shared import add_demo_row, fast_politeness

from allhub_core.prices import rebuild_offers
from allhub_core.sandbox import demo_accounts
from allhub_core.sync import sync_models

FAST = fast_politeness(read_timeout=2.0, retries=1, retries_429=1)
DIALECTS = ["new-api", "v-api", "one-hub", "done-hub", "one-api", "sub2api", "voapi-v2"]


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=DIALECTS, users_per_site=2, seed=23)


pytestmark = pytest.mark.usefixtures("fresh_sites")


def _offers(store):
    with store.read() as con:
        return con.execute("SELECT * EXCLUDE (fetched_at) FROM model_offers ORDER BY ALL").fetchall()


def _priced_one_by_one(store):
    with store.write() as con:
        ids = [r[0] for r in con.execute("SELECT id FROM accounts ORDER BY id").fetchall()]
        con.execute("DELETE FROM model_offers")
        for aid in ids:
            rebuild_offers(con, [aid])
    return _offers(store)


def test_the_offers_of_one_statement_are_those_of_each_account_priced_alone(store, sandbox):
    ids = [add_demo_row(store, row, f"{row['dialect']} {row['username']}") for row in demo_accounts(sandbox)]
    report = sync_models(store, politeness=FAST)
    assert report.count("ok") == len(ids) >= 10
    first = _offers(store)
    assert first and {r[0] for r in first} >= set(ids[:3])
    assert _priced_one_by_one(store) == first
    site = sandbox.site("new-api")
    site.change_models(add=["gpt-5-preview"], remove=[site.models[-1]])
    on_site = [i for i, row in zip(ids, demo_accounts(sandbox), strict=True) if row["site_url"] == site.url]
    sandbox.site("one-hub").inject("500", times=10)
    again = sync_models(store, [*on_site, ids[-1], *[i for i, row in zip(ids, demo_accounts(sandbox), strict=True)
                                                    if row["dialect"] == "one-hub"]], politeness=FAST)
    assert again.count("failed") >= 1 and any(o.added == ["gpt-5-preview"] for o in again.outcomes)
    second = _offers(store)
    assert second != first and any(r[1] == "gpt-5-preview" for r in second)
    assert _priced_one_by_one(store) == second
