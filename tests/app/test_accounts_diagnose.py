"""The Accounts page's Diagnose button (issue 21): with one account ticked, it asks the sandbox site
read-only and shows the diagnosis as copyable code, every probe named, no secret in it."""

from __future__ import annotations

import pytest
from appsupport import select_rows, start
from shared import add_demo_account

from allhub_core.accounts import get_secrets, set_preference
from allhub_core.sites import PROBES


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api"], users_per_site=1, seed=21)


pytestmark = pytest.mark.usefixtures("fresh_sites")


def test_diagnose_shows_the_probes_as_code_without_secrets(store, sandbox):
    aid, site, user = add_demo_account(store, sandbox, "new-api")
    set_preference(store, "per_site_window_requests", 0)
    secrets = [s for s in get_secrets(store, [aid])[aid].values() if s]
    at = start()
    assert not [b for b in at.button if b.key == "diagnose_one"]  # nothing ticked: no button
    select_rows(at, 0)
    site.clear_requests()
    at.button(key="diagnose_one").click().run()

    assert not at.exception
    [code] = at.code
    text = code.value
    assert text.startswith("allhub ") and f"account:   {aid} " in text and f"user id {user.id}" in text
    assert all(any(line.startswith(name + " ") for line in text.splitlines()) for name in PROBES)
    assert site.requests and all(r.method == "GET" for r in site.requests)
    assert not any(s in text for s in secrets + [t.key for t in user.tokens])
