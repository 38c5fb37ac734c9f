"""The Keys page against the sandbox relay sites over real HTTP: the empty state and Fetch, a grid
of masked keys (never a full one), filters, create, reveal, delete with a confirmation, the
"every account has a key" rule, and bad input as one sentence."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from appsupport import button, start, texts
from shared import add_demo_account

from allhub_core.accounts import add_tag, set_preference
from allhub_core.keys import kept_secret, key_rows
from allhub_core.sync import sync_keys

KEYS = "pages/keys.py"


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api", "one-api", "voapi-v2"], users_per_site=1, seed=19)


pytestmark = pytest.mark.usefixtures("fresh_sites")


@pytest.fixture
def newapi(store, sandbox):
    """A New API account (masked keys, a reveal route): ``(account id, site, user)``."""
    set_preference(store, "per_site_rpm", 0)
    return add_demo_account(store, sandbox, "new-api")


def _bare(key: str) -> str:
    return key[3:] if key.startswith("sk-") else key


def shown(at) -> str:
    """Everything the page shows, as text: messages, captions, code blocks and the grids."""
    parts = []
    for kind in ("markdown", "caption", "code", "success", "info", "warning", "error", "subheader", "title"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [ed.value.to_csv() for ed in at.data_editor]
    parts += [df.value.to_csv() if hasattr(df.value, "to_csv") else str(df.value) for df in at.dataframe]
    return "\n".join(parts)


def session_text(at) -> str:
    """What the session holds (every widget's value and the page's own state)."""
    return repr(at.session_state)


def tick(at, *positions: int, grid: int = 0):
    key = at.data_editor[grid].key
    at.session_state[key] = {"edited_rows": {p: {"select": True} for p in positions}, "added_rows": [],
                             "deleted_rows": []}
    return at.run()


def grid_rows(at) -> list[dict]:
    return at.data_editor[0].value.to_dict("records")


def test_empty_state_offers_fetch_and_fetch_fills_a_grid_of_masked_keys(store, sandbox, newapi):
    aid, _site, user = newapi
    vo, _, vo_user = add_demo_account(store, sandbox, "voapi-v2")
    at = start(KEYS)
    assert any("No key is cached yet" in t for t in texts(at.info)), texts(at.info)
    assert not at.data_editor
    at.button(key="keys_fetch_empty").click().run()
    assert not at.exception
    said = texts(at.warning) + texts(at.success)
    # VoAPI v2's keys are read too: both accounts fetched, none unsupported
    assert any("Keys sync: 2 account(s)" in s and "2 fetched, 0 unsupported" in s for s in said), said
    rows = grid_rows(at)
    assert sorted(r["key_id"] for r in rows) == sorted(str(t.id) for t in user.tokens + vo_user.tokens)
    assert all("*" in r["masked_key"] for r in rows)
    page, session = shown(at), session_text(at)
    for t in user.tokens + vo_user.tokens:
        assert _bare(t.key) not in page and _bare(t.key) not in session
    assert [r["key_id"] for r in key_rows(store, [aid])] and [r["key_id"] for r in key_rows(store, [vo])]


def test_filters_narrow_the_rows(store, sandbox, newapi):
    na, _, na_user = newapi
    oa, _, oa_user = add_demo_account(store, sandbox, "one-api")
    add_tag(store, [oa], "cheap")
    sync_keys(store)
    at = start(KEYS)
    assert len(grid_rows(at)) == len(na_user.tokens) + len(oa_user.tokens)
    at.multiselect(key="kf_accounts").select(na).run()
    assert {r["account"] for r in grid_rows(at)} == {"new-api " + na_user.username}
    at.multiselect(key="kf_accounts").unselect(na).run()
    at.multiselect(key="kf_tags").select("cheap").run()
    assert len(grid_rows(at)) == len(oa_user.tokens)
    at.multiselect(key="kf_tags").unselect("cheap").run()
    name = na_user.tokens[0].name
    at.text_input(key="kf_search").input(name).run()
    assert grid_rows(at) and all(name.lower() in r["name"].lower() for r in grid_rows(at))
    at.text_input(key="kf_search").input("no key is called this").run()
    assert not at.data_editor and any("No key matches" in t for t in texts(at.info))
    at.text_input(key="kf_search").input("").run()
    at.toggle(key="kf_grouped").set_value(True).run()
    assert len(at.data_editor) == 2  # one table per account


def _open_create(at):
    """Open "Create a key" as a click does: the form is built only while it is open."""
    assert not [w for w in at.text_input if w.key == "kc_name"]  # closed: nothing of it is built
    at.session_state["kc_open"] = True
    at.run()


def test_create_a_key_appears_in_the_grid_and_on_the_site(store, newapi):
    _aid, _site, user = newapi
    before = {t.id for t in user.tokens}
    at = start(KEYS)
    _open_create(at)
    at.text_input(key="kc_name").input("from the page")
    at.toggle(key="kc_unlimited").set_value(False).run()
    at.number_input(key="kc_quota").set_value(5.0)
    at.button(key="kc_create").click().run()
    assert not at.exception
    assert any("Created key 'from the page'" in s for s in texts(at.success)), texts(at.success)
    made = [t for t in user.tokens if t.id not in before]
    assert [(t.name, t.unlimited_quota, t.remain_quota) for t in made] == [("from the page", False, 5 * 500_000)]
    rows = [r for r in grid_rows(at) if r["name"] == "from the page"]
    assert len(rows) == 1 and rows[0]["remaining"] == "$5.00" and "*" in rows[0]["masked_key"]
    assert _bare(made[0].key) not in shown(at)


def test_reveal_shows_the_full_key_once_and_keeps_it_only_when_asked(store, newapi):
    aid, _site, user = newapi
    sync_keys(store)
    at = start(KEYS)
    rows = grid_rows(at)
    tick(at, 0)
    assert not at.code  # nothing full before Reveal
    at.button(key="keys_reveal").click().run()
    assert not at.exception
    token = next(t for t in user.tokens if str(t.id) == rows[0]["key_id"])
    assert [_bare(c.value) for c in at.code] == [_bare(token.key)]
    assert kept_secret(store, aid, str(token.id)) is None
    assert _bare(token.key) not in session_text(at)
    at.run()  # the next run: gone from the page
    assert not at.code and _bare(token.key) not in shown(at)
    # several at once, kept (sealed) when the box is ticked
    tick(at, 0, 1)
    at.checkbox(key="keys_keep").check()
    at.button(key="keys_reveal").click().run()
    want = {str(t.id): _bare(t.key) for t in user.tokens}
    assert sorted(_bare(c.value) for c in at.code) == sorted(want[r["key_id"]] for r in rows[:2])
    assert all(kept_secret(store, aid, r["key_id"]) is not None for r in rows[:2])
    assert _bare(token.key) not in json.dumps(key_rows(store))


def test_delete_asks_first_then_removes_the_keys_on_the_site(store, newapi):
    _aid, _site, user = newapi
    sync_keys(store)
    count = len(user.tokens)
    at = start(KEYS)
    rows = grid_rows(at)
    tick(at, 0, 1)
    at.button(key="keys_delete").click().run()
    said = [str(m.value) for m in at.markdown]
    assert any("Delete 2 key(s) on 1 account(s)" in s and "new-api" in s for s in said), said
    assert len(user.tokens) == count  # nothing gone yet
    at.button(key="keys_delete_yes").click().run()
    assert not at.exception
    assert any("Deleted 2 key(s)" in s for s in texts(at.success)), texts(at.success)
    gone = {rows[0]["key_id"], rows[1]["key_id"]}
    assert len(user.tokens) == count - 2 and not gone & {str(t.id) for t in user.tokens}
    assert not gone & {r["key_id"] for r in grid_rows(at)}


def test_cancel_deletes_nothing(store, newapi):
    _aid, _site, user = newapi
    sync_keys(store)
    count = len(user.tokens)
    at = start(KEYS)
    tick(at, 0)
    at.button(key="keys_delete").click().run()
    assert any("Delete 1 key(s) on 1 account(s)" in str(m.value) for m in at.markdown)
    at.button(key="keys_delete_no").click().run()
    assert len(user.tokens) == count and len(grid_rows(at)) == count
    assert not any("Delete 1 key(s)" in str(m.value) for m in at.markdown)


def test_ensure_creates_once_and_a_second_click_creates_nothing(store, newapi):
    _aid, _site, user = newapi
    user.tokens.clear()
    at = start(KEYS)
    at.button(key="keys_ensure").click().run()
    assert not at.exception
    said = texts(at.success)
    assert any("1 key(s) created" in s and "created user group (auto)" in s for s in said), said
    assert [t.name for t in user.tokens] == ["user group (auto)"]
    assert [r["name"] for r in grid_rows(at)] == ["user group (auto)"]
    at.button(key="keys_ensure").click().run()
    assert any("0 key(s) created" in s for s in texts(at.success)), texts(at.success)
    assert len(user.tokens) == 1


def test_bad_input_is_one_sentence_and_creates_nothing(store, newapi):
    aid, site, user = newapi
    count = len(user.tokens)
    at = start(KEYS)
    _open_create(at)
    at.toggle(key="kc_unlimited").set_value(False).run()
    at.number_input(key="kc_quota").set_value(-5.0)
    site.clear_requests()
    at.button(key="kc_create").click().run()
    assert not at.exception
    assert texts(at.error) == ["A key's quota must be more than 0 and at most 1,000,000,000 USD."]
    assert len(user.tokens) == count and key_rows(store, [aid]) == [] and site.requests == []


def test_edit_renames_a_key_and_sets_its_quota_on_the_site(store, newapi):
    aid, _site, user = newapi
    sync_keys(store)
    at = start(KEYS)
    rows = grid_rows(at)
    row = next(i for i, r in enumerate(rows) if r["remaining"] == "unlimited")
    kid = rows[row]["key_id"]
    tick(at, row)
    at.text_input(key=f"ke_name_{aid}_{kid}").input("renamed")
    at.checkbox(key=f"ke_unlimited_{aid}_{kid}").uncheck()
    at.number_input(key=f"ke_quota_{aid}_{kid}").set_value(7.0)
    button(at, "Save key").click().run()
    assert not at.exception
    assert any("Saved key 'renamed'" in s for s in texts(at.success)), texts(at.success) + texts(at.error)
    token = next(t for t in user.tokens if str(t.id) == kid)
    assert (token.name, token.unlimited_quota, token.remain_quota) == ("renamed", False, 7 * 500_000)
    after = next(r for r in grid_rows(at) if r["key_id"] == kid)
    assert (after["name"], after["remaining"]) == ("renamed", "$7.00")


def test_edit_with_a_past_expiry_is_one_sentence_and_changes_nothing(store, newapi):
    aid, site, user = newapi
    sync_keys(store)
    at = start(KEYS)
    kid = grid_rows(at)[0]["key_id"]
    token = next(t for t in user.tokens if str(t.id) == kid)
    before = (token.name, token.expired_time, token.remain_quota, token.unlimited_quota)
    tick(at, 0)
    at.checkbox(key=f"ke_never_{aid}_{kid}").uncheck()
    at.date_input(key=f"ke_expires_{aid}_{kid}").set_value(date.today() - timedelta(days=1))
    site.clear_requests()
    button(at, "Save key").click().run()
    assert not at.exception
    errors = texts(at.error)
    assert len(errors) == 1 and "expiry must be a day after today" in errors[0], errors
    assert (token.name, token.expired_time, token.remain_quota, token.unlimited_quota) == before
    assert site.requests == []


def test_a_key_for_every_group_creates_the_missing_ones_once(store, newapi):
    _aid, _site, user = newapi
    user.tokens[:] = [t for t in user.tokens if t.group != "vip"]
    at = start(KEYS)
    at.button(key="keys_ensure_groups").click().run()
    assert not at.exception
    said = texts(at.success) + texts(at.warning)
    assert any("a key for every group" in s and "created vip group (auto)" in s for s in said), said
    assert [t.name for t in user.tokens if t.group == "vip"] == ["vip group (auto)"]
    count = len(user.tokens)
    at.button(key="keys_ensure_groups").click().run()
    assert any("0 key(s) created" in s for s in texts(at.success)), texts(at.success)
    assert len(user.tokens) == count


def test_the_group_picker_offers_the_groups_the_last_models_sync_found(store, newapi):
    """After a models sync the create form lists the account's usable groups (with the site's
    description), not only the groups its keys already have; a key made in one is in it on the site."""
    from allhub_core.sync import sync_models  # noqa: PLC0415 - the flow that stores the account's groups

    aid, _site, user = newapi
    sync_models(store, [aid])
    before = {t.id for t in user.tokens}
    at = start(KEYS)
    _open_create(at)
    picker = at.selectbox(key=f"kc_group_{aid}")
    # the usable groups with the site's own description; svip is priced but not the user's
    assert picker.options == ["the account's own group", "default (默认分组)", "vip (VIP 分组)"]
    at.text_input(key="kc_name").input("in vip")
    picker.select("vip").run()
    at.button(key="kc_create").click().run()
    assert not at.exception
    made = [t for t in user.tokens if t.id not in before]
    assert [(t.name, t.group) for t in made] == [("in vip", "vip")]


def test_many_keys_come_a_page_at_a_time(store):
    """500 keys a grid (20,000 in one took seconds a run), a page number for the rest; grouped by
    account, 25 accounts a page."""
    from allhub_core.accounts import AccountInput, add_account  # noqa: PLC0415 - accounts made here, no site asked
    from allhub_core.keys import KeyRecord, store_keys  # noqa: PLC0415 - keys as a sync leaves them

    ids = [add_account(store, AccountInput(site_url=f"https://s{i}.example", site_name=f"Site {i:03d}", user_id="1",
                                           access_token="t" * 24)) for i in range(30)]
    for n, aid in enumerate(ids):
        store_keys(store, aid, [KeyRecord(key_id=str(n * 100 + k), name=f"k{k}", key="abcd" * 12)
                                for k in range(40 if n == 0 else 20)])
    at = start(KEYS)
    assert not at.exception
    assert len(grid_rows(at)) == 500 and at.number_input(key="kf_page").max == 2
    at.number_input(key="kf_page").set_value(2).run()
    assert len(grid_rows(at)) == 40 + 29 * 20 - 500
    at.toggle(key="kf_grouped").set_value(True).run()
    at.number_input(key="kf_page").set_value(1).run()
    assert len(at.data_editor) == 25  # one grid an account, 25 accounts a page
    at.number_input(key="kf_page").set_value(2).run()
    assert len(at.data_editor) == 5
