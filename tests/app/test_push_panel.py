"""Pushing a key from the Keys page to a service the user runs, and that service's settings on
the Settings page, against the sandbox's CLIProxyAPI over real HTTP: the address and key saved
(the key sealed, its field emptied), a preview that lists the change and writes nothing, a push
that writes it once, a second push that changes nothing; the management key never in the session."""

from __future__ import annotations

import pytest
from appsupport import start
from shared import add_demo_account

from allhub_core.accounts import set_preference
from allhub_core.sandbox import start_push_services
from allhub_core.sync import push_target, save_push_target, sync_keys

KEYS = "pages/keys.py"
SETTINGS = "pages/settings.py"
MGMT = "apptest-management-key-7777"


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api"], users_per_site=1, seed=31)


@pytest.fixture(scope="module")
def services():
    ps = start_push_services(cliproxy_key=MGMT)
    yield ps
    ps.stop()


pytestmark = pytest.mark.usefixtures("fresh_sites")


def _save_button(at, kind: str):
    return next(b for b in at.button if b.label == "Save" and f"push_cfg_{kind}" in str(b.form_id))


def test_settings_save_the_address_and_seal_the_key(store, services):
    at = start(SETTINGS)
    at.text_input(key="push_url_cliproxyapi").input(services.cliproxy.origin)
    at.text_input(key="push_key_cliproxyapi").input(MGMT)
    _save_button(at, "cliproxyapi").click().run()
    assert not at.exception
    saved = push_target(store, "cliproxyapi")
    assert saved.url == services.cliproxy.origin + "/v0/management" and saved.has_key
    assert at.text_input(key="push_key_cliproxyapi").value == ""
    assert MGMT not in repr(at.session_state)
    at.text_input(key="push_url_ccr").input("ftp://nowhere")
    _save_button(at, "ccr").click().run()
    assert any("http://" in e.value for e in at.error) and not push_target(store, "ccr").url


def test_keys_page_previews_then_pushes_once(store, sandbox, services):
    services.cliproxy.reset()
    set_preference(store, "per_site_rpm", 0)
    _aid, site, _user = add_demo_account(store, sandbox, "new-api")
    sync_keys(store)
    at = start(KEYS)
    at.session_state[at.data_editor[0].key] = {"edited_rows": {0: {"select": True}}, "added_rows": [],
                                               "deleted_rows": []}
    at.run()
    assert any("Settings → Services you run" in i.value for i in at.info)  # nothing set yet
    save_push_target(store, "cliproxyapi", services.cliproxy.origin, MGMT)
    at.run()
    at.button(key="push_preview").click().run()
    assert not at.exception
    assert any("Would add" in i.value for i in at.info)
    assert services.cliproxy.entries == [] and services.cliproxy.writes == 0
    changes = at.dataframe[-1].value
    assert set(changes["field"]) >= {"name", "base-url", "api-key-entries"}
    at.button(key="push_push").click().run()
    assert any("Added" in s.value for s in at.success)
    [entry] = services.cliproxy.entries
    assert entry["base-url"] == site.url + "/v1"
    key = entry["api-key-entries"][0]["api-key"]
    at.button(key="push_push").click().run()
    assert any("nothing to change" in s.value for s in at.success)
    assert services.cliproxy.writes == 1
    assert key.removeprefix("sk-") not in repr(at.session_state) and MGMT not in repr(at.session_state)
