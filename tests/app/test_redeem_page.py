"""The Redeem page against the sandbox relay sites over real HTTP: a pasted message's codes listed
masked with its site's account suggested, each code sent once on Redeem (credited in USD, a used
one with the site's message), nothing resent on a second click; a code per account through the
grid; a code that got no answer retried from its button; no code found in one sentence; the
demo's sample message pasted from its button. No full code in anything the page shows."""

from __future__ import annotations

import pytest
from appsupport import button, edit_grid, start, texts
from shared import add_demo_account

from allhub_core.accounts import set_preference
from allhub_core.redeem import list_redemptions, mask_code, set_sample_text

REDEEM = "pages/redeem.py"


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api", "veloera"], users_per_site=1, seed=33)


pytestmark = pytest.mark.usefixtures("fresh_sites")


def _topups(site) -> int:
    return sum(1 for r in site.requests if r.path == "/api/user/topup")


def _shown(at) -> str:
    parts = []
    for kind in ("markdown", "caption", "success", "info", "warning", "error", "title", "subheader"):
        parts += texts(getattr(at, kind))
    parts += [ed.value.to_csv() for ed in at.data_editor]
    parts += [df.value.to_csv() for df in at.dataframe]
    return "\n".join(parts)


def _paste(at, text: str):
    at.text_area(key="rd_text").set_value(text).run()
    assert not at.exception, at.exception
    return at


def test_paste_suggest_redeem_and_never_resend(store, sandbox):
    set_preference(store, "per_site_window_requests", 0)
    add_demo_account(store, sandbox, "veloera")
    aid, site, user = add_demo_account(store, sandbox, "new-api")
    good, spent = sorted(site.redemption_codes)[:2]
    site.used_codes.add(spent)
    before = user.quota
    at = _paste(start(REDEEM), f"Giveaway on {site.url}/console/topup 兑换码：\n{good}\n{spent}\n{good}")
    shown = _shown(at)
    assert "by its site" in shown and f"#{aid}" in shown
    assert at.selectbox(key="rd_account").value == aid
    assert at.data_editor[0].value["Code"].tolist() == [mask_code(good), mask_code(spent)]
    site.clear_requests()
    button(at, "Redeem 2 code(s)").click().run()
    assert not at.exception, at.exception
    shown = _shown(at)
    assert _topups(site) == 2 and user.quota == before + site.redemption_codes[good]
    assert "1 credited" in shown and "1 already used" in shown and "已被使用" in shown
    assert good not in shown and spent not in shown

    site.clear_requests()
    button(at, "Redeem 2 code(s)").click().run()
    assert _topups(site) == 0 and "not sent again" in _shown(at)


def test_each_code_on_its_own_account(store, sandbox):
    set_preference(store, "per_site_window_requests", 0)
    a, site_a, _ = add_demo_account(store, sandbox, "new-api")
    b, site_b, _ = add_demo_account(store, sandbox, "veloera")
    ca, cb = sorted(site_a.redemption_codes)[0], sorted(site_b.redemption_codes)[0]
    at = _paste(start(REDEEM), f"{ca} {cb}")
    label_b = next(lbl for lbl in _labels(at) if lbl.endswith(f"(#{b})"))
    edit_grid(at, {1: {"Account": label_b}})
    site_a.clear_requests()
    site_b.clear_requests()
    button(at, "Redeem 2 code(s)").click().run()
    assert not at.exception, at.exception
    assert _topups(site_a) == 1 and _topups(site_b) == 1 and "2 credited" in _shown(at)
    assert {(r["account_id"], r["outcome"]) for r in list_redemptions(store)} == {(a, "credited"), (b, "credited")}


def _labels(at) -> list[str]:
    return [str(o) for o in at.selectbox(key="rd_account").options]


def test_no_answer_then_retry_button(store, sandbox):
    set_preference(store, "per_site_window_requests", 0)
    _aid, site, _ = add_demo_account(store, sandbox, "new-api")
    code = sorted(site.redemption_codes)[0]
    site.inject("500", path="/api/user/topup", times=1)
    at = _paste(start(REDEEM), code)
    button(at, "Redeem 1 code(s)").click().run()
    assert "without an answer" in _shown(at) and code not in site.used_codes
    site.clear_requests()
    button(at, "Retry 1 code(s) that got no answer").click().run()
    assert not at.exception, at.exception
    assert _topups(site) == 1 and code in site.used_codes and "1 credited" in _shown(at)
    assert not [b for b in at.button if b.label.startswith("Retry")]


def test_no_code_found_and_the_demo_sample(store, sandbox):
    add_demo_account(store, sandbox, "new-api")
    at = _paste(start(REDEEM), "hello, no code in here: abc123")
    assert "No code found" in _shown(at) and not at.data_editor
    set_sample_text(store, "Demo: " + "q" * 32)
    at = start(REDEEM)
    button(at, "Paste the demo's sample message").click().run()
    assert at.text_area(key="rd_text").value == "Demo: " + "q" * 32
    assert at.data_editor[0].value["Code"].tolist() == [mask_code("q" * 32)]
