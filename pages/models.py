"""Models: every model of every account with its price per 1M tokens or per call (each account's
best group, or every group), filtered and priced in SQL by allhub_core.prices, the cheapest of
all your sites starred, and one model's price on every site beside your balance there."""

from typing import Any

import streamlit as st

from allhub_core.accounts import get_preferences
from allhub_core.prices import (
    BILLINGS,
    model_accounts,
    model_count,
    model_facets,
    model_frame,
    model_sites,
    model_syncs,
)
from allhub_core.sync import sync_models
from pages import _charts as ch
from pages import _models_view as md
from pages._runs import finish
from pages._text import esc, show_flash, user_errors
from pages._ui import open_store

store = open_store()

head, b_sync = st.columns([5, 1], vertical_alignment="bottom")
head.title("Models")
pressed = b_sync.button("Sync models", icon=":material/sync:", key="md_sync",
                        help="Fetch each enabled account's model list and prices from its site")
show_flash()
if pressed:
    with user_errors(), st.spinner("Fetching model lists and prices"):
        report = sync_models(store)
        finish(report.summary(), "warning" if report.exit_code() else "success")


SYNCS_MAX = 500  # accounts listed in "when each account's models were fetched"


def fetched_when() -> None:
    """When each account's models were fetched (the sync's own record), the first SYNCS_MAX by name;
    asked only while the expander is open (it reruns the page when opened), not on every run."""
    box = st.expander("When each account's models were fetched", key="md_syncs_open", on_change="rerun")
    if not box.open:
        return
    with box:
        syncs = model_syncs(store, limit=SYNCS_MAX + 1)
        if len(syncs) > SYNCS_MAX:
            st.caption(f"The first {SYNCS_MAX} accounts by name; `allhub models --json` has every account's rows.")
        st.dataframe(syncs.head(SYNCS_MAX), hide_index=True, key="md_syncs",
                     column_order=["site_name", "fetched_at", "models", "priced"],
                     column_config={"site_name": "Account", "models": "Models", "priced": "Prices told",
                                    "fetched_at": st.column_config.DatetimeColumn("Fetched", format="YYYY-MM-DD HH:mm")})


facets = model_facets(store, accounts=False, models=False)  # the model picker takes model_count's names
if not facets["stored"]:
    st.info("No models stored yet: press **Sync models** (or run `allhub models sync`) to fetch each account's "
            "model list and prices; then every model shows here with the cheapest site marked.",
            icon=":material/sell:")
    fetched_when()
    st.stop()
TABLE_MAX = 2_000  # rows drawn in the table
PICKER_MAX = 200  # accounts the Accounts filter lists

# ---- filters ---------------------------------------------------------------------------------
with st.container(border=True):
    c1, c2, c3, c4, c5, c6 = st.columns([2.5, 1.6, 1.4, 1.4, 1.6, 2.5])
    text = c1.text_input("Search", key="md_text", placeholder="model, vendor or site")
    vendor = c2.selectbox("Vendor", facets["vendors"], index=None, placeholder="any", key="md_vendor")
    billing = c3.selectbox("Billing", BILLINGS, index=None, format_func=md.BILLING_LABELS.__getitem__,
                           placeholder="any", key="md_billing")
    group = c4.selectbox("Group", facets["groups"], index=None, placeholder="any", key="md_group")
    tags = c5.multiselect("Tags", facets["tags"], key="md_tags", placeholder="any tag")
    # at most PICKER_MAX accounts to pick from (10,000 options cost every run): the chosen ones, then
    # those whose name holds the search text
    names = model_accounts(store, text, st.session_state.get("md_accounts") or [], limit=PICKER_MAX)
    options = list(names)
    ids = c6.multiselect("Accounts", options, format_func=lambda i: f"{names.get(i, i)} (#{i})",
                         key="md_accounts", placeholder="all accounts",
                         help=f"The first {PICKER_MAX} accounts whose name holds the search text")
    d1, d2, d3, d4 = st.columns([1.3, 2, 1.6, 2.5], vertical_alignment="bottom")
    currency = d1.segmented_control("Currency", ["USD", "CNY"], default=get_preferences(store)["currency"],
                                    key="md_currency") or "USD"
    real = d2.toggle("What you really pay", key="md_real", disabled=currency == "CNY",
                     help="Prices after each account's top-up rate (CNY per USD of quota), said in USD at "
                          "7.2; in CNY prices are always what you pay")
    all_groups = d3.toggle("All groups", key="md_all_groups", help="Every usable group, not only each account's best")
    sort_by = d4.selectbox("Sort by", list(md.SORTS), key="md_sort")

with user_errors():
    real_pay = real or currency == "CNY"
    filters: dict[str, Any] = {"text": text, "vendor": vendor, "billing": billing, "group": group, "tags": tags,
                               "account_ids": ids or None, "best_only": not all_groups}
    counts = model_count(store, **filters)
    if not counts["rows"]:
        st.info("No model matches these filters: clear one to see more.")
    else:
        # the first TABLE_MAX rows in this order, cut in SQL: 100,000 rows in one table cost seconds
        # and half a gigabyte a run
        frame = model_frame(store, **filters, real=real_pay, sort=md.SORTS[sort_by], limit=TABLE_MAX)
        shown = md.in_currency(frame, currency, real_pay)
        n_models, n_rows, n_accounts = counts["models"], counts["rows"], counts["accounts"]
        st.caption(f"{n_models:,} model{'s' * (n_models != 1)}, {n_rows:,} row{'s' * (n_rows != 1)} on "
                   f"{n_accounts:,} account{'s' * (n_accounts != 1)}. ★ the cheapest of all your sites "
                   "(input 84.54 % and output 15.46 % of the tokens, or the price per call); tiered and unknown "
                   "prices are not comparable.")
        if n_rows > TABLE_MAX:
            st.caption(f"The first {TABLE_MAX:,} rows in this order; a filter or a search shows the others.")
        st.dataframe(md.table(shown), hide_index=True, key="md_table", column_config=md.column_config(currency))

        # ---- one model on every site ---------------------------------------------------------
        st.subheader("One model on every site")
        choices = counts["names"]  # the models of the filtered rows, by name
        first = shown["model"].iloc[0]
        picked = st.selectbox("Model", choices, key="md_model",
                              index=next((i for i, m in enumerate(choices) if m.lower() == first.lower()), 0))
        if picked:
            sites = md.in_currency(model_sites(store, picked, real=real_pay), currency, real_pay)
            st.plotly_chart(ch.model_price_sites(sites, picked, currency=currency), key="md_chart")
            blind = sites.loc[~sites["comparable"].astype(bool), "site_name"].tolist()
            if blind:
                st.caption("Not comparable there (tiered or unknown price): " + ", ".join(esc(s) for s in blind))
fetched_when()
