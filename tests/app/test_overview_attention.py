"""Overview's attention queue (issue 21): sections by severity, one expander a category with its
count, each entry its reason and fix command, and a button that does the fix through the library
(here: putting an account back in the automatic check-in, and a new token saved from the form);
the low-balance line still moves entries in and out; secrets never on the page."""

from __future__ import annotations

from appsupport import seed, start

from allhub_core.accounts import get_account, set_preference, update_accounts
from allhub_core.automation import attention_queue


def _markdown(at) -> list[str]:
    return [m.value for m in at.markdown]


def _expanders(at) -> list[str]:
    return [e.label for e in at.expander]


def test_queue_grouped_by_severity_and_category_with_a_working_fix(store):
    broken = seed(store, "Bravo", usd=3, health="error", synced=True)
    poor = seed(store, "Alpha", usd=0.4, health="healthy", synced=True)
    lefty = seed(store, "Lefty", usd=9, health="healthy", synced=True)
    update_accounts(store, {lefty: {"auto_checkin": False}})
    set_preference(store, "low_balance_usd", 1)

    at = start(None)
    assert [s.value for s in at.subheader if s.value.startswith("Needs attention")] == ["Needs attention · 3"]
    sections = [m.split("] ", 1)[1] for m in _markdown(at) if m.startswith("##### ")]
    assert sections == ["Critical · 1", "Warning · 1", "Info · 1"]
    assert _expanders(at)[:3] == ["Site unreachable · 1", "Low balance · 1", "Left out of auto check-in · 1"]
    text = "\n".join(_markdown(at))
    assert f"**Bravo** · #{broken} — The site could not be reached." in text and f"`allhub refresh {broken}`" in text
    assert f"**Alpha** · #{poor} — Balance \\$0.40 is under the low-balance line" in text  # $ escaped: no LaTeX
    assert f"`allhub account set {lefty} --auto-checkin`" in text
    assert "SECRETVALUE" not in text
    assert [b.label for b in at.get("link_button")] == ["Open the site"]  # the top-up is on the site

    at.button(key=f"att_left_out_{lefty}_0").click().run()
    assert not at.exception
    assert get_account(store, lefty)["auto_checkin"] is True
    assert "Left out of auto check-in · 1" not in _expanders(at)
    assert any("back in the daily automatic check-in" in s.value for s in at.success)
    assert [s.value for s in at.subheader if s.value.startswith("Needs attention")] == ["Needs attention · 2"]

    at.number_input(key="ov_low").set_value(0.0).run()  # no low-balance rule: Alpha leaves the queue
    assert "Low balance · 1" not in _expanders(at)
    assert attention_queue(store).total == 1


def test_a_rejected_token_is_replaced_from_the_form(store, sandbox_factory):
    from shared import add_demo_account  # noqa: PLC0415 - tests/'s helpers

    sandbox = sandbox_factory(dialects=["new-api"], users_per_site=1, seed=2111)
    set_preference(store, "per_site_window_requests", 0)  # our own loopback site
    aid, _site, user = add_demo_account(store, sandbox, "new-api", 0)
    with store.write() as con:  # what a refresh that the site refused writes
        con.execute("UPDATE accounts SET health_status = 'warning', "
                    "health_reason = 'Site refused: access token 无效' WHERE id = ?", [aid])
    at = start(None)
    assert "Credential rejected · 1" in _expanders(at)
    at.text_input(key=f"att_credential_rejected_{aid}_0_value").input(user.access_token)
    at.button(key=f"FormSubmitter:att_credential_rejected_{aid}_0_form-Save and refresh").click().run()
    assert not at.exception
    assert "Credential rejected · 1" not in _expanders(at)
    assert get_account(store, aid)["health_status"] == "healthy"
    assert user.access_token not in "\n".join(_markdown(at))
