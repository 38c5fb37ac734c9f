"""Redeem: paste any text, the top-up codes in it are found and listed masked, each goes to an
account (suggested from a URL or domain in the text, or chosen per code) and is sent once
(``sync.redeem_codes``); the results table, a retry of the codes that got no answer
(``sync.retry_redemptions``), and the redemptions so far (``redeem.list_redemptions``)."""

import hashlib

import pandas as pd
import streamlit as st

from allhub_core.accounts import AccountFilter, account_choices, get_preferences
from allhub_core.redeem import Outcome, find_codes, list_redemptions, mask_code, sample_text, suggest_accounts
from allhub_core.sync import redeem_codes, retry_redemptions
from pages._text import esc, flash, show_flash, user_errors
from pages._ui import open_store

#: At most this many accounts in the pickers (every option costs each run); suggested ones first.
PICKER_MAX = 200
RESULT = {**{o.value: o.label for o in Outcome}, "skipped": "Not sent again"}

store = open_store()
ss = st.session_state
st.title("Redeem")
with st.container():
    show_flash()

sample = sample_text(store)
if sample and st.button("Paste the demo's sample message", icon=":material/content_paste:", key="rd_sample"):
    ss.rd_text = sample
text = st.text_area("Paste any text that holds codes", key="rd_text", height=140,
                    placeholder="A chat message, a web page, one code per line…")
strict = st.toggle("Strict: only 32 hex digits count as a code", key="rd_strict",
                   help="Off (the extension's default): any 32-character token, punctuation around it trimmed")
codes = find_codes(text, strict=strict)
suggested = suggest_accounts(store, text)
enabled = account_choices(store, AccountFilter(status="enabled"), get_preferences(store))
names = {int(i): str(n) for i, n in zip(enabled["id"].tolist(), enabled["site_name"].tolist(), strict=True)}
ids = list(dict.fromkeys([*(r["account_id"] for r in suggested), *list(names)[:PICKER_MAX]]))
label = {i: f"{names.get(i, '')} (#{i})" for i in ids}

if text and not codes:
    st.info("No code found: a code is 32 characters without spaces" + (", all hex digits." if strict else "."))
elif codes and not ids:
    st.warning("No enabled account to redeem the codes on: add one first.")
elif codes:
    if suggested:
        st.caption("Suggested from the text: " + ", ".join(
            f"{esc(r['site_name'])} (#{r['account_id']}, by its {r['by']})" for r in suggested))
    first = st.selectbox("Account for every code", ids, format_func=lambda i: label[i], key="rd_account",
                         help="Suggested from a URL or domain in the text; change one code's account in the table")
    key = hashlib.sha256(("\n".join(codes) + f"|{first}").encode()).hexdigest()[:12]
    table = pd.DataFrame({"Code": [mask_code(c) for c in codes], "Account": [label[first]] * len(codes)})
    edited = st.data_editor(
        table, key=f"rd_grid_{key}", hide_index=True, width="stretch", disabled=["Code"],
        column_config={"Account": st.column_config.SelectboxColumn("Account", options=list(label.values()),
                                                                   required=True)})
    by_label = {v: k for k, v in label.items()}
    pairs = [(by_label.get(a, first), c) for c, a in zip(codes, edited["Account"].tolist(), strict=True)]
    if st.button(f"Redeem {len(codes)} code(s)", type="primary", icon=":material/redeem:", key="rd_go"):
        with user_errors(), st.spinner("Redeeming: each code is sent once…"):
            report = redeem_codes(store, pairs=pairs)
            ss.rd_rows = report.rows()
            flash(report.summary(), "success" if report.exit_code() == 0 else "warning")
            st.rerun()


def _results(rows: list[dict], when: bool = False) -> pd.DataFrame:
    frame = pd.DataFrame({
        "Code": [r["code"] for r in rows],
        "Account": [f"{r['site_name']} (#{r['account_id']})" for r in rows],
        "Result": [RESULT.get(s, s) for s in (str(r.get("status") or r.get("outcome")) for r in rows)],
        "Credited (USD)": [r["credited_usd"] for r in rows],
        "Message": [r["message"] for r in rows]})
    if "balance_usd" in rows[0]:
        frame["Balance after (USD)"] = [r["balance_usd"] for r in rows]
    if when:
        frame["When"] = [r["redeemed_at"] for r in rows]
    return frame


money = st.column_config.NumberColumn(format="$%.2f")
if ss.get("rd_rows"):
    st.subheader("Results")
    st.dataframe(_results(ss.rd_rows), hide_index=True, width="stretch",
                 column_config={"Credited (USD)": money, "Balance after (USD)": money})

history = list_redemptions(store, limit=100)
waiting = [r["id"] for r in history if r["retryable"]]
if waiting and st.button(f"Retry {len(waiting)} code(s) that got no answer", icon=":material/replay:",
                         key="rd_retry", help="Each is sent once more; a used or wrong code is never sent again"):
    with user_errors(), st.spinner("Sending again…"):
        report = retry_redemptions(store, waiting)
        ss.rd_rows = report.rows()
        flash(report.summary(), "success" if report.exit_code() == 0 else "warning")
        st.rerun()
if history:
    with st.expander(f"Redemptions so far ({len(history)})", expanded=not ss.get("rd_rows")):
        st.dataframe(_results(history, when=True), hide_index=True, width="stretch",
                     column_config={"Credited (USD)": money})
elif not text:
    st.info("Paste a message with top-up codes: each is redeemed once, and the results stay here.")
