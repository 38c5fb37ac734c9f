"""Credentials: the library of API keys that need no relay account (a base URL and a key),
added by pasting text or by hand, checked for their models and balance, exported to a client.
The rows come from the store (``credentials.credential_rows``, masked keys); the checks are
``sync.check_credentials``, one per click."""

import streamlit as st

from allhub_core.credentials import API_TYPES, CredentialFilter, credential_facets, credential_rows
from pages._credentials_forms import add_by_hand, add_by_paste, check, confirm_remove, edit_form, export_panel
from pages._credentials_grid import credential_grid
from pages._text import clear_typed, show_flash
from pages._ui import open_store

clear_typed()
store = open_store()
ss = st.session_state
ss.setdefault("grid_version", 0)
facets = credential_facets(store)

head, check_col = st.columns([5, 1], vertical_alignment="bottom")
head.title("Credentials")
check_all = check_col.button("Check all", icon=":material/sync:", key="cred_check_all", disabled=not facets["total"],
                             help="List each credential's models and ask its balance where the provider tells it")
with st.container():  # one slot whatever it holds, so the widgets below keep their places
    show_flash()
if check_all:
    check(store, None, "every credential")

# ---- add ------------------------------------------------------------------------------------
with st.expander("Add a credential", icon=":material/add:", expanded=not facets["total"], key="cred_add_open"):
    paste_tab, hand_tab = st.tabs(["Paste text", "By hand"])
    with paste_tab:
        add_by_paste(store)
    with hand_tab:
        add_by_hand(store)

if not facets["total"]:
    st.info("No credential yet. Paste a provider's base URL and key above (an .env file or a curl line will do): "
            "the key is kept encrypted, and nothing is sent until you click Check.")
    st.stop()

# ---- filters ----------------------------------------------------------------------------------
with st.container(border=True):
    c1, c2, c3 = st.columns([3, 2, 2])
    search = c1.text_input("Search", key="cf_search", placeholder="name, URL, notes or tag")
    tags = c2.multiselect("Tags (any of)", facets["tags"], key="cf_tags")
    types = c3.multiselect("API type", [t for t in API_TYPES if t in facets["api_types"]], key="cf_types")
rows = credential_rows(store, CredentialFilter(tags=tags, api_types=types, search=search))

balances = [r["balance_usd"] for r in rows if r["balance_usd"] is not None]
m1, m2, m3 = st.columns(3)
m1.metric("Credentials", len(rows), help=f"{facets['total']} in the library")
m2.metric("Working", sum(1 for r in rows if r["ok"]), help="As their last check found")
m3.metric("Balance", f"${sum(balances):,.2f}", help=f"The sum of {len(balances)} balance(s) the providers told, in USD")

if not rows:
    st.info("No credential matches these filters.")
    st.stop()
st.caption("Keys are masked. Tick rows in ✓ to check, export or remove them.")
chosen = credential_grid(rows, ss.grid_version)

# ---- the ticked credentials ------------------------------------------------------------------
if chosen:
    st.subheader(f"{len(chosen)} credential(s) selected")
    b1, b2, b3 = st.columns(3)
    if b1.button("Check selected", type="primary", icon=":material/sync:", key="cred_check"):
        check(store, chosen, f"{len(chosen)} credential(s)")
    if b2.button("Send a one-token request", icon=":material/send:", key="cred_send",
                 help="Also send a minimal chat request (1 output token) to the first model: it may cost a little"):
        check(store, chosen, f"{len(chosen)} credential(s) with a one-token request", send=True)
    if b3.button("Remove…", icon=":material/delete:", key="cred_rm"):
        ss.cred_confirm_rm = list(chosen)
    with st.expander("Export to a client", icon=":material/ios_share:", key="cred_export_open"):
        export_panel(store, chosen, rows)
    if len(chosen) == 1:
        row = next(r for r in rows if r["id"] == chosen[0])
        with st.expander(f"Edit {row['name']}", icon=":material/edit:", key="cred_edit_open"):
            edit_form(store, row)
        if row["models"]:
            with st.expander(f"Models of {row['name']} ({len(row['models'])})", key="cred_models_open"):
                st.dataframe({"model": row["models"]}, hide_index=True)

if ss.get("cred_confirm_rm"):
    confirm_remove(store, [int(i) for i in ss.cred_confirm_rm], rows)
