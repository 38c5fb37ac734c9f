"""Keys: every cached API key across accounts (masked), filters, fetch, create, reveal and copy,
delete, and the two "every account has a key" rules. The keys come from the store
(``keys.key_rows``); the site calls are ``allhub_core.sync``'s, one per click."""

import streamlit as st

from allhub_core.accounts import AccountFilter, account_choices, account_picker, get_preferences, tag_names
from allhub_core.keys import key_counts, key_rows, synced_accounts
from pages._keys_actions import (
    confirm_delete,
    create_form,
    edit_form,
    ensure_buttons,
    export_to_client,
    fetch_keys,
    reveal,
)
from pages._keys_grid import PAGE_ACCOUNTS, PAGE_ROWS, PICKER_MAX, key_grid
from pages._text import show_flash
from pages._ui import open_store

store = open_store()
prefs = get_preferences(store)
ss = st.session_state
ss.setdefault("grid_version", 0)

head, fetch_col = st.columns([5, 1], vertical_alignment="bottom")
head.title("Keys")
fetch = fetch_col.button("Fetch keys", icon=":material/sync:", key="keys_fetch",
                         help="Ask the sites for the keys of the accounts in the filters (all enabled accounts when none)")
with st.container():  # one slot whatever it holds, so the widgets below keep their places
    show_flash()

# ---- filters -----------------------------------------------------------------------------
with st.container(border=True):
    c1, c2, c3 = st.columns([3, 2, 3])
    search = c1.text_input("Search", key="kf_search", placeholder="key name, masked key, group or account")
    tags = c2.multiselect("Tags (any of)", tag_names(store), key="kf_tags")
    # at most PICKER_MAX accounts to pick from (10,000 options cost every run): those whose name
    # holds the search text, the chosen ones always
    # (read capped in SQL: every account's name read and searched here cost 0.3-0.5 s a run at 100,000)
    names = dict(account_picker(store, search or "", ss.get("kf_accounts"), PICKER_MAX, prefs=prefs))
    options = list(names)
    picked = c3.multiselect("Accounts", options, key="kf_accounts", format_func=lambda i: names.get(i, str(i)),
                            help=f"The first {PICKER_MAX} accounts whose name holds the search text")
    grouped = st.toggle("Group by account", key="kf_grouped")

# The accounts the filters name: what Fetch and the bulk rules run on (None: all enabled accounts).
scope_ids: list[int] | None = None
if picked or tags:
    # the picked ones (those in the tags), or every account in the tags in the user's order
    in_scope = [int(i) for i in account_choices(store, AccountFilter(tags=tags, ids=picked or None), prefs)["id"]]
    kept = set(in_scope)
    scope_ids = [i for i in picked if i in kept] if picked else in_scope
scope = "all enabled accounts" if scope_ids is None else f"the {len(scope_ids)} account(s) in the filters"
if fetch:
    fetch_keys(store, scope_ids, names)

n_keys, n_accounts = key_counts(store, picked or None, search, tags)
rows: list = []
if not n_keys:
    if not synced_accounts(store) and not key_counts(store)[0]:
        st.info(f"No key is cached yet. **Fetch keys** asks the sites of {scope} for their keys; "
                "nothing else reaches the sites until you ask.")
        if st.button(f"Fetch keys of {scope}", type="primary", icon=":material/sync:", key="keys_fetch_empty"):
            fetch_keys(store, scope_ids, names)
    else:
        st.info("No key matches these filters.")
    chosen = []
else:
    st.caption(f"{n_keys} key(s) on {n_accounts} account(s). Keys are masked; "
               "tick rows in ✓, then reveal, edit or delete them.")
    # a page of keys at a time, read from the store a page at a time (20,000 keys in one grid, or
    # an editor per account, took seconds a run; 178,000 keys read at once, 3 s)
    n_pages = max(1, -(-(n_accounts if grouped else n_keys) // (PAGE_ACCOUNTS if grouped else PAGE_ROWS)))
    page = 1
    if n_pages > 1:
        page = int(st.number_input(f"Page (of {n_pages})", min_value=1, max_value=n_pages, value=1, step=1,
                                   key="kf_page"))
    page = min(page, n_pages)
    if grouped:
        rows = key_rows(store, picked or None, search, tags, accounts_page=(PAGE_ACCOUNTS, (page - 1) * PAGE_ACCOUNTS))
    else:
        rows = key_rows(store, picked or None, search, tags, limit=PAGE_ROWS, offset=(page - 1) * PAGE_ROWS)
    chosen = key_grid(rows, ss.grid_version, grouped)

# ---- the ticked keys ---------------------------------------------------------------------
if chosen:
    st.subheader(f"{len(chosen)} key(s) selected")
    b1, b2, b3 = st.columns([1, 1, 3], vertical_alignment="center")
    do_reveal = b1.button("Reveal", icon=":material/visibility:", key="keys_reveal", type="primary")
    if b2.button("Delete…", icon=":material/delete:", key="keys_delete"):
        ss.keys_confirm_delete = [list(c) for c in chosen]
    keep = b3.checkbox("Keep it (encrypted) in the store", key="keys_keep",
                       help="The next reveal then needs no request to the site; keys are never kept otherwise")
    if do_reveal:
        reveal(store, chosen, rows, keep)
    export_to_client(store, chosen, rows)
    if len(chosen) == 1:
        row = next(r for r in rows if (int(r["account_id"]), str(r["key_id"])) == chosen[0])
        with st.expander(f"Edit '{row['name']}'", icon=":material/edit:", key="ke_open"):
            edit_form(store, row)

if ss.get("keys_confirm_delete"):
    doomed = {int(a) for a, _ in ss.keys_confirm_delete}
    named = account_choices(store, AccountFilter(ids=sorted(doomed)), prefs)
    confirm_delete(store, [(int(a), str(k)) for a, k in ss.keys_confirm_delete],
                   dict(zip(named["id"].astype(int).tolist(), named["site_name"].astype(str).tolist(), strict=True)),
                   key_rows(store, {int(a) for a, _ in ss.keys_confirm_delete}))

# ---- create and bulk ---------------------------------------------------------------------
# keyed, so it stays open across the reruns its own widgets and the messages above cause; built
# only while open (opening it reruns the page): its account picker lists every account, 100,000
# options a run at 100,000 accounts
create_box = st.expander("Create a key", icon=":material/add:", key="kc_open", on_change="rerun")
if create_box.open:
    with create_box:
        every = account_choices(store, None, prefs)  # the form lists every account: read only while open
        create_form(store, dict(zip(every["id"].astype(int).tolist(), every["site_name"].astype(str).tolist(),
                                    strict=True)), picked[0] if picked else None)

st.subheader("Every account has a key")
st.caption(f"Runs on {scope}. Accounts that have what the rule asks are left alone; a second click creates nothing.")
ensure_buttons(store, scope_ids, scope, names)
