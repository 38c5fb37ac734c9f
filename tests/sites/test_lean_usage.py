"""Fewer requests, same figures (issue 18): today's figures the lean way equal the full way's.

Against the sandbox over real HTTP, on the same logs: many rows of every type (more than one
page of 100, top-ups and check-in rewards, some with the amount only in the text, in USD and in
CNY, manage and error rows that are no income, yesterday's rows outside the window), read once
with one merged query (``type=0``) and once the extension's way (the stat plus one query per
type). Then what a refresh asks: at most three requests per account plus the site's one
``/api/status``, two when today's check-in is known done, and the plans only where the site has
them (one probe per site and batch where that is not known).
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from urllib.parse import parse_qs

import pytest
from shared import fast_politeness

from allhub_core.net import Auth, Transport
from allhub_core.sandbox import LogRow, today_window
from allhub_core.sandbox._faults import Fault
from allhub_core.sites import SiteCredentials, refresh_accounts
from allhub_core.sites.newapi import VARIANTS, today_usage
from allhub_core.vocab import QUOTA_PER_USD, Availability

FAST = fast_politeness()
RATE = 7.3
DIALECTS = ["new-api", "one-api", "one-hub", "done-hub", "veloera"]


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=[*DIALECTS, "new-api-modern"], users_per_site=4, seed=18)


pytestmark = pytest.mark.usefixtures("fresh_sites")  # each test starts from the seeded sites


def _when(rng: random.Random) -> int:
    start, _ = today_window()
    return max(start, int(time.time()) - rng.randint(0, 3 * 3600))


def _row(site, user, rng, type_: int, quota: int = 0, content: str = "", **kw) -> LogRow:
    return LogRow(id=site.ids.next_log(), user_id=user.id, username=user.username,
                  created_at=kw.pop("created_at", None) or _when(rng), type=type_, quota=quota,
                  content=content, **kw)


def seed_busy_day(site, user, *, consume: int = 130, seed: int = 1) -> int:
    """Add a busy day to ``user``'s logs; returns today's income (the seeded rows' and these)."""
    rng = random.Random(seed)
    start, _ = today_window()
    rows, income = [], user.today_income
    for _ in range(consume):
        rows.append(_row(site, user, rng, 2, rng.randint(100, 90_000), model_name="gpt-4o-mini", token_name="k",
                         prompt_tokens=rng.randint(1, 5000), completion_tokens=rng.randint(1, 3000)))
    for k in range(6):  # top-ups with their quota
        q = (k + 1) * QUOTA_PER_USD
        rows.append(_row(site, user, rng, 1, q, f"通过兑换码充值 ${q / QUOTA_PER_USD:.6f} 额度"))
        income += q
    for yuan in (14.6, 7.3, 73.0, 3.65):  # top-ups in CNY, the amount only in the text
        rows.append(_row(site, user, rng, 1, 0, f"在线充值 ¥{yuan} 额度", hidden=("quota",)))
        income += round(yuan / RATE * QUOTA_PER_USD)
    for usd in (2.5, 0.25, 10.0):  # in USD, the amount only in the text
        rows.append(_row(site, user, rng, 1, 0, f"充值 ${usd}", hidden=("quota",)))
        income += round(usd * QUOTA_PER_USD)
    for k in range(8):  # check-in rewards and other system credits
        q = (k + 1) * 25_000
        rows.append(_row(site, user, rng, 4, q, f"签到奖励 ${q / QUOTA_PER_USD:.6f} 额度"))
        income += q
    rows.append(_row(site, user, rng, 4, 0, "签到奖励 ￥7.3", hidden=("quota",)))
    income += round(7.3 / RATE * QUOTA_PER_USD)
    for _ in range(5):  # an administrator's changes: no income
        rows.append(_row(site, user, rng, 3, 9 * QUOTA_PER_USD, "管理员增加用户额度 $9"))
    for _ in range(3):  # newer New API's error rows: neither consumption nor income
        rows.append(_row(site, user, rng, 5, 0, "upstream error", model_name="gpt-4o-mini"))
    for type_ in (1, 2, 3, 4):  # yesterday's, outside the window
        rows.append(_row(site, user, rng, type_, 77 * QUOTA_PER_USD, "$77", created_at=start - 600))
    user.logs.extend(rows)
    return income


def expected(user, income: int) -> dict:
    start, end = today_window()
    consumed = [r for r in user.logs if r.type == 2 and start <= r.created_at <= end]
    return {"consumption": sum(r.quota for r in consumed), "requests": len(consumed),
            "prompt_tokens": sum(r.prompt_tokens for r in consumed),
            "completion_tokens": sum(r.completion_tokens for r in consumed), "income": income}


def figures(usage) -> dict:
    return {"consumption": usage.consumption, "requests": usage.requests, "prompt_tokens": usage.prompt_tokens,
            "completion_tokens": usage.completion_tokens, "income": usage.income}


def read(site, user, method: str, *, page_limit: int = 20, rate=RATE):
    """(today's usage read ``method``'s way, the log requests it took)."""
    variant = VARIANTS[site.site_type]

    async def go():
        async with Transport.open(FAST) as t:
            session = t.session(site.url, Auth(access_token=user.access_token, user_id=str(user.id)),
                                [user.access_token])
            return await today_usage(session, variant, exchange_rate=rate, page_limit=page_limit, method=method)

    site.clear_requests()
    usage = asyncio.run(go())
    return usage, [r for r in site.requests if r.path.startswith("/api/log/")]


def _q(recorded, name: str) -> str | None:
    """One query parameter of a recorded request."""
    return (parse_qs(recorded.query, keep_blank_values=True).get(name) or [None])[0]


def _user(site, index: int = 0):
    return site.users[index]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_lean_figures_equal_the_full_figures_on_the_same_logs(sandbox, dialect):
    site = sandbox.site(dialect)
    user = _user(site)
    income = seed_busy_day(site, user)
    lean, lean_calls = read(site, user, "lean")
    full, full_calls = read(site, user, "full")
    assert figures(lean) == figures(full) == expected(user, income)
    assert lean.availability == full.availability
    assert all(state == Availability.COMPLETE for state, _ in lean.availability.values()), lean.availability
    assert len(lean_calls) < len(full_calls), (len(lean_calls), len(full_calls))
    assert all(_q(r, "log_type" if dialect == "done-hub" else "type") == "0" for r in lean_calls)


def test_a_day_of_up_to_100_rows_is_one_request_and_more_pages_only_past_it(sandbox):
    site = sandbox.site("new-api")
    quiet, busy = _user(site, 1), _user(site, 2)
    _, calls = read(site, quiet, "lean")
    assert len(calls) == 1
    income = seed_busy_day(site, busy, consume=230)
    start, end = today_window()
    rows_today = sum(start <= r.created_at <= end for r in busy.logs)
    usage, calls = read(site, busy, "lean")
    assert len(calls) == math.ceil(rows_today / 100) == 3
    assert figures(usage) == expected(busy, income)
    _, full_calls = read(site, busy, "full")
    assert len(full_calls) == 1 + 3 + 1 + 1  # the stat, 3 consume pages, the top-ups, the system rows


def test_rates_from_the_sites_status_are_awaited_only_for_income_rows(sandbox):
    site = sandbox.site("new-api")
    user = _user(site)
    income = seed_busy_day(site, user)
    asked = []

    async def rate() -> float:
        asked.append(1)
        return RATE

    usage, _ = read(site, user, "lean", rate=rate)
    assert usage.income == income and asked


def test_a_day_past_the_page_limit_keeps_consumption_and_income_complete(sandbox):
    site = sandbox.site("new-api")
    user = _user(site)
    income = seed_busy_day(site, user, consume=150)
    lean, calls = read(site, user, "lean", page_limit=1)
    full, _ = read(site, user, "full", page_limit=1)
    want = expected(user, income)
    assert lean.consumption == full.consumption == want["consumption"]
    assert lean.income == full.income == want["income"]
    for measure in ("consumption", "income"):
        assert lean.availability[measure] == full.availability[measure] == (Availability.COMPLETE, "")
    for measure in ("tokens", "requests"):
        assert lean.availability[measure][0] == full.availability[measure][0] == Availability.PARTIAL
    assert [r.path for r in calls].count("/api/log/self/stat") == 1


class _MergedQueryRefused(Fault):
    def matches(self, req, user_id):  # a fork that wants a type: only the merged query is refused
        return (req.path == "/api/log/self" and req.query.get("type") == "0"
                and super().matches(req, user_id))


def test_a_fork_refusing_the_merged_query_is_read_the_full_way(sandbox):
    site = sandbox.site("new-api")
    user = _user(site)
    income = seed_busy_day(site, user)
    site.faults.add(_MergedQueryRefused(kind="business_error"))
    usage, calls = read(site, user, "lean")
    assert figures(usage) == expected(user, income)
    assert usage.availability["consumption"] == (Availability.COMPLETE, "")
    assert {_q(r, "type") for r in calls if r.path == "/api/log/self"} == {"0", "1", "2", "4"}


def test_rows_that_do_not_say_their_type_are_read_the_full_way(sandbox):
    site = sandbox.site("new-api")
    user = _user(site)
    income = seed_busy_day(site, user)
    for row in user.logs:
        row.hidden = (*row.hidden, "type")  # an older fork: no type in its rows
    usage, calls = read(site, user, "lean")
    assert usage.consumption == expected(user, income)["consumption"]  # the stat
    assert {_q(r, "type") for r in calls if r.path == "/api/log/self"} == {"0", "1", "2", "4"}


def test_a_site_that_is_down_is_not_asked_four_more_times(sandbox):
    site = sandbox.site("new-api")
    user = _user(site)
    site.inject("500", path="/api/log/self")
    usage, calls = read(site, user, "lean")
    assert {_q(r, "type") for r in calls} == {"0"}  # retried, never the typed queries
    assert all(state == Availability.UNAVAILABLE for state, _ in usage.availability.values())
    assert usage.consumption is None and usage.income is None


# -- what a refresh asks ---------------------------------------------------------------------

def _creds(site, user, **kw) -> SiteCredentials:
    return SiteCredentials(str(user.id), site.url, site.site_type, "access_token", access_token=user.access_token,
                           user_id=str(user.id), **kw)


def _refresh(site, creds):
    site.clear_requests()
    results = asyncio.run(refresh_accounts(creds, FAST))
    assert all(r.ok for r in results), [r.health_reason for r in results]
    return results, [(r.method, r.path) for r in site.requests]


def test_a_routine_refresh_asks_three_things_per_account_and_the_status_once(sandbox):
    site = sandbox.site("new-api")
    results, calls = _refresh(site, [_creds(site, u, ask_plans=False) for u in site.users])
    n = len(site.users)
    assert len(calls) == 1 + 3 * n, calls
    assert calls.count(("GET", "/api/status")) == 1
    for path in ("/api/user/self", "/api/log/self", "/api/user/checkin"):
        assert calls.count(("GET", path)) == n, path
    for user, res in zip(site.users, results, strict=True):
        assert res.today_consumption == user.today_consumption and res.today_income == user.today_income
        assert res.requests_made <= 4  # its own three, and the status for the first one
        assert res.has_plans is None  # not asked


def test_a_known_check_in_is_not_asked_again_and_not_overwritten(sandbox):
    site = sandbox.site("new-api")
    results, calls = _refresh(site, [_creds(site, u, ask_plans=False, checkin_known_today=True)
                                     for u in site.users])
    assert len(calls) == 1 + 2 * len(site.users)
    assert ("GET", "/api/user/checkin") not in calls
    assert all(r.checkin_status == "unknown" for r in results)  # "not asked": the stored state stays


def test_plans_are_probed_once_per_site_where_not_known(sandbox):
    site = sandbox.site("new-api")  # no plans: /api/subscription/self answers 404
    results, calls = _refresh(site, [_creds(site, u) for u in site.users])
    assert calls.count(("GET", "/api/subscription/self")) == 1
    assert [r.has_plans for r in results].count(False) == 1
    assert all(r.subscription_quota is None for r in results)


def test_a_site_with_plans_is_asked_for_each_account(sandbox):
    site = sandbox.site("new-api-modern")
    for ask in (None, True):
        results, calls = _refresh(site, [_creds(site, u, ask_plans=ask) for u in site.users])
        assert calls.count(("GET", "/api/subscription/self")) == len(site.users)
        for user, res in zip(site.users, results, strict=True):
            active = [s for s in user.subscriptions if s["status"] == "active"]
            left = sum(s["amount_total"] - s["amount_used"] for s in active) if active else None
            assert res.subscription_quota == left
        assert True in {r.has_plans for r in results}
    _, calls = _refresh(site, [_creds(site, u, ask_plans=False) for u in site.users])
    assert ("GET", "/api/subscription/self") not in calls


def test_when_the_probe_cannot_tell_each_account_asks_its_own(sandbox):
    site = sandbox.site("new-api-modern")
    site.inject("500", path="/api/subscription/self", times=3)  # the first probe and its retries
    results, calls = _refresh(site, [_creds(site, u) for u in site.users])
    assert calls.count(("GET", "/api/subscription/self")) == 3 + len(site.users) - 1
    assert sum(r.subscription_quota is not None for r in results) >= 1
