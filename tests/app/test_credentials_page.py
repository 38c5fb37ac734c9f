"""The Credentials page through app.py: the empty state, add by pasting text (found, shown masked,
added; the pasted key forgotten), add by hand with bad input as one sentence, a grid of masked keys
with filters, Check all and Check selected against the provider fakes over real HTTP, the one-token
request, remove with a confirmation, and no key anywhere on the page or in the session."""

from __future__ import annotations

import pytest
from appsupport import start, texts

from allhub_core.accounts import set_preference
from allhub_core.credentials import CredentialInput, add_credential, credential_rows
from allhub_core.sandbox import start_provider_fakes

PAGE = "pages/credentials.py"
KEY_OR = "sk-or-v1-page-0123456789SECRET"
KEY_DS = "sk-deepseek-page-0123456789SECRET"


@pytest.fixture(scope="module")
def fakes():
    with start_provider_fakes() as pf:
        pf["openrouter"].add_key(KEY_OR, balance=18.4, used=6.6)
        pf["deepseek"].add_key(KEY_DS, balance=72.0)
        yield pf


@pytest.fixture(autouse=True)
def _loopback(store):
    set_preference(store, "per_site_window_requests", 0)  # our own loopback fakes


def shown(at) -> str:
    parts = []
    for kind in ("markdown", "caption", "code", "success", "info", "warning", "error", "subheader", "title"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [ed.value.to_csv() for ed in at.data_editor]
    parts += [str(m.value) for m in at.metric]
    return "\n".join(parts)


def tick(at, *positions: int):
    key = at.data_editor[0].key
    at.session_state[key] = {"edited_rows": {p: {"select": True} for p in positions}, "added_rows": [],
                             "deleted_rows": []}
    return at.run()


def _two(store, fakes):
    a = add_credential(store, CredentialInput(base_url=fakes["openrouter"].base_url, key=KEY_OR, name="Router",
                                              tags=["work"]))
    b = add_credential(store, CredentialInput(base_url=fakes["deepseek"].base_url, key=KEY_DS, name="DeepSeek",
                                              tags=["cn"], api_type="openai"))
    return a, b


def test_add_by_pasting_text(store, fakes):
    at = start(PAGE)
    assert any("No credential yet" in t for t in texts(at.info))
    at.text_area(key="cp_text").input(f"export OPENAI_BASE_URL={fakes['openrouter'].base_url}/v1\n"
                                      f"export OPENAI_API_KEY={KEY_OR}\n").run()
    assert not at.exception
    found = " ".join(texts(at.success))
    assert "Found" in found and "sk-o**********CRET" in found and KEY_OR not in found
    at.text_input(key="cp_name").input("Router").run()
    at.text_input(key="cp_tags").input("work, free").run()
    at.button(key="cp_add").click().run()
    assert not at.exception
    [row] = credential_rows(store)
    assert (row["name"], row["base_url"], row["tags"]) == ("Router", fakes["openrouter"].base_url, ["work", "free"])
    assert any("Added credential" in t for t in texts(at.success))
    assert at.text_area(key="cp_text").value == ""  # the pasted key is forgotten
    assert KEY_OR not in shown(at) and KEY_OR not in repr(at.session_state)
    assert at.data_editor[0].value["key"].tolist() == ["sk-o**********CRET"]


def test_paste_without_a_key_says_so_and_adds_nothing(store):
    at = start(PAGE)
    at.text_area(key="cp_text").input("see https://api.example.com/v1 for details").run()
    assert any("no API key" in t for t in texts(at.warning))
    assert not [b for b in at.button if b.key == "cp_add"] and credential_rows(store) == []


def test_add_by_hand_bad_input_is_one_sentence(store):
    at = start(PAGE)
    at.text_input(key="ch_url").input("ftp://nope.example")  # a form: the values go with the submit
    at.text_input(key="ch_key").input("sk-hand-0123456789SECRET")
    submit = next(b for b in at.button if b.label == "Add")
    submit.click().run()
    assert not at.exception
    assert any("http:// or https://" in t for t in texts(at.error)) and credential_rows(store) == []
    assert "sk-hand-0123456789SECRET" not in shown(at)


def test_grid_filters_check_and_remove(store, fakes):
    a, b = _two(store, fakes)
    at = start(PAGE)
    grid = at.data_editor[0].value
    assert grid["name"].tolist() == ["Router", "DeepSeek"] and set(grid["status"]) == {"⚪ not checked"}
    at.button(key="cred_check_all").click().run()
    assert not at.exception
    assert any("Checked 2 credential(s): 2 working" in t for t in texts(at.success)), texts(at.success)
    grid = at.data_editor[0].value
    assert grid["balance"].tolist() == ["$18.40", "$10.00 (¥72.00)"]
    assert grid["models"].tolist() == [2, 2] and set(grid["status"]) == {"🟢 working"}
    assert "$28.40" in shown(at)
    at.multiselect(key="cf_tags").select("cn").run()
    assert at.data_editor[0].value["name"].tolist() == ["DeepSeek"]
    at.multiselect(key="cf_tags").unselect("cn").run()
    at.text_input(key="cf_search").input("router").run()
    assert at.data_editor[0].value["name"].tolist() == ["Router"]
    at.text_input(key="cf_search").input("").run()

    fakes["openrouter"].clear_requests()
    at = tick(at, 0)
    at.button(key="cred_send").click().run()
    assert any("1 working" in t for t in texts(at.success))
    assert [r.path for r in fakes["openrouter"].requests if r.method == "POST"] == ["/api/v1/chat/completions"]

    at = tick(at, 1)
    at.button(key="cred_rm").click().run()
    assert any("Remove 1 credential(s)" in t and "DeepSeek" in t for t in texts(at.warning))
    assert len(credential_rows(store)) == 2  # nothing removed before the second click
    at.button(key="cred_rm_yes").click().run()
    assert [r["id"] for r in credential_rows(store)] == [a]
    page = shown(at) + repr(at.session_state)
    assert KEY_OR not in page and KEY_DS not in page and b not in [r["id"] for r in credential_rows(store)]


def test_edit_one_credential(store, fakes):
    a, _ = _two(store, fakes)
    at = tick(start(PAGE), 0)
    at.text_input(key=f"ce_name_{a}").input("Router (team)")  # a form: the values go with the submit
    at.text_input(key=f"ce_tags_{a}").input("work, shared")
    at.text_input(key=f"ce_exp_{a}").input("2020-02-30")
    next(b for b in at.button if b.label == "Save changes").click().run()
    assert any("YYYY-MM-DD" in t for t in texts(at.error))
    assert credential_rows(store)[0]["name"] == "Router"  # nothing changed
    at.text_input(key=f"ce_exp_{a}").input("")
    next(b for b in at.button if b.label == "Save changes").click().run()
    assert not at.exception
    row = credential_rows(store)[0]
    assert (row["name"], row["tags"], row["expires_at"]) == ("Router (team)", ["work", "shared"], None)
    assert any(f"Credential #{a} saved." in t for t in texts(at.success))


def test_export_to_a_client_only_on_the_click(store, fakes):
    _two(store, fakes)
    at = tick(start(PAGE), 0, 1)
    assert KEY_OR not in shown(at)
    at.selectbox(key="cx_format").select("roo-code").run()
    at.button(key="cx_go").click().run()
    assert not at.exception
    code = "\n".join(str(c.value) for c in at.code)
    assert KEY_OR in code and KEY_DS in code  # one settings file for both, with their keys
    assert fakes["openrouter"].base_url in code
    at.run()  # the next run: the export is gone, and no key stays in the session
    assert KEY_OR not in shown(at) and KEY_OR not in repr(at.session_state)
