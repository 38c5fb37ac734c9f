"""The Keys page's "Export to a client" panel against the sandbox over real HTTP: the warning
that the export carries the key, a Cherry Studio link button whose URL decodes to the site and
the key, Kelivo's code with its QR image, Kilo Code's download for several keys, a bad choice as
one sentence; the key never kept in the session, and gone on the next run."""

from __future__ import annotations

import base64
import json

import pytest
from appsupport import start
from shared import add_demo_account

from allhub_core.accounts import set_preference
from allhub_core.prices import stored_models
from allhub_core.sync import sync_keys, sync_models

KEYS = "pages/keys.py"


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api"], users_per_site=1, seed=22)


pytestmark = pytest.mark.usefixtures("fresh_sites")


@pytest.fixture
def newapi(store, sandbox):
    set_preference(store, "per_site_rpm", 0)
    aid, site, user = add_demo_account(store, sandbox, "new-api")
    sync_keys(store)
    return aid, site, user


def _tick(at, *positions: int):
    at.session_state[at.data_editor[0].key] = {"edited_rows": {p: {"select": True} for p in positions},
                                               "added_rows": [], "deleted_rows": []}
    return at.run()


def _links(at) -> list[dict]:
    return [e.proto for e in at.get("link_button")]


def _key_of(user, at, position: int) -> str:
    kid = at.data_editor[0].value.to_dict("records")[position]["key_id"]
    return "sk-" + next(t.key for t in user.tokens if str(t.id) == kid)


def test_cherry_studio_link_button_decodes_to_the_site_and_the_key(newapi):
    _aid, site, user = newapi
    at = start(KEYS)
    _tick(at, 0)
    key = _key_of(user, at, 0)
    assert any("carries the full key" in w.value for w in at.warning)
    assert not _links(at)  # nothing revealed before Export
    at.selectbox(key="kx_format").set_value("cherry-studio")
    at.button(key="kx_go").click().run()
    assert not at.exception
    (link,) = _links(at)
    data = json.loads(base64.b64decode(link.url.split("&data=", 1)[1]))
    assert (data["baseUrl"], data["apiKey"]) == (site.url.rstrip("/"), key)
    assert link.label == "Open in Cherry Studio"
    assert key.removeprefix("sk-") not in repr(at.session_state)
    at.run()  # the next run: the link is gone
    assert not _links(at) and not any(key in c.value for c in at.code)


def test_kelivo_shows_the_code_and_its_qr_image(newapi):
    _aid, _site, user = newapi
    at = start(KEYS)
    _tick(at, 0)
    at.selectbox(key="kx_format").set_value("kelivo")
    at.button(key="kx_go").click().run()
    assert not at.exception
    (code,) = [c.value for c in at.code if c.value.startswith("ai-provider:v1:")]
    assert json.loads(base64.b64decode(code[len("ai-provider:v1:"):]))["apiKey"] == _key_of(user, at, 0)
    assert at.get("image"), "the QR image is shown"


def test_kilo_code_makes_one_file_for_several_keys(store, newapi):
    aid, _site, user = newapi
    assert sync_models(store, [aid]).exit_code() == 0
    model = stored_models(store, aid)[-1]
    at = start(KEYS)
    _tick(at, 0, 1)
    at.selectbox(key="kx_format").set_value("kilo-code")
    at.selectbox(key=next(s.key for s in at.selectbox if s.key.startswith("kx_model_"))).set_value(model)
    at.button(key="kx_go").click().run()
    assert not at.exception
    (settings,) = [json.loads(c.value) for c in at.code if c.value.startswith("{")]
    keys = sorted(p["options"]["apiKey"] for p in settings["provider"].values())
    assert keys == sorted([_key_of(user, at, 0), _key_of(user, at, 1)])
    assert settings["model"].endswith(f"/{model}")
    assert all(model in p["models"] for p in settings["provider"].values())
    assert [d.proto.label for d in at.get("download_button")] == ["Download kilo-settings.json"]


def test_a_format_without_models_is_one_sentence(newapi):
    at = start(KEYS)
    _tick(at, 0)
    at.selectbox(key="kx_format").set_value("cursor")
    at.button(key="kx_go").click().run()
    assert not at.exception
    assert any("needs at least one model" in e.value for e in at.error)
    assert not at.code
