"""Check-in: today's state and last result per account (five categories, each with its reason),
filters by category and reason, a run button and "retry failed" (only the failures a retry can
fix), and how each account checks in (the site's own method or a custom request)."""

import json

import streamlit as st

from allhub_core.accounts import (
    CHECKIN_BADGE,
    AccountFilter,
    CheckInPage,
    account_picker,
    checkin_page,
    checkin_retry_plan,
    checkin_row,
)
from allhub_core.sync import (
    CHECKIN_METHOD_LABELS,
    EXAMPLE_CHECKIN_REQUEST,
    auto_checkin_label,
    mark_custom_checked,
    set_checkin_method,
)
from allhub_core.vocab import UNCLASSIFIED, UNCLASSIFIED_LABEL, Attention, CheckInReason, CheckInResult
from pages._relogin import clear_typed_password, relogin_form
from pages._runs import run_checkin
from pages._text import flash, show_flash, user_errors
from pages._ui import open_store

store = open_store()
ss = st.session_state

head, button, again = st.columns([4, 1, 1], vertical_alignment="bottom")
head.title("Check-in")
run = button.button("Check in all", icon=":material/event_available:", key="checkin_page_all", type="primary")
retry = again.button("Retry failed", icon=":material/replay:", key="checkin_page_retry",
                     help="Check in again the accounts whose check-in failed today for a reason a retry can fix "
                          "(a site error, a timeout, a rate limit); a rejected token or a Turnstile check is left.")
show_flash()
if run:
    run_checkin(store, None, "Checking in")
if retry:
    plan = checkin_retry_plan(store)
    if plan.retry:
        run_checkin(store, plan.retry, "Retrying failed check-ins", note=plan.summary())
    else:
        flash(plan.summary(), "info")
        st.rerun()

PICKER_MAX = 200  # accounts the method's picker lists at a time (type to find others; issue 18)
PAGE_SIZE = 200  # rows of the table at a time; the counts are over every enabled account (issue 18)
HAND_MAX = 200  # accounts the "checked in by hand" picker lists at a time (type to find others; issue 18)
only = bool(ss.get("ci_attention", False))
page_no = int(ss.get("ci_page", 1) or 1)
RESULT_CHOICES = {"": "Any result", **{r.value: r.badge for r in CheckInResult}}
REASON_CHOICES = {"": "Any reason", **{r.value: r.label for r in CheckInReason}, UNCLASSIFIED: UNCLASSIFIED_LABEL}
filters = {"result": ss.get("ci_result") or None, "reason": ss.get("ci_reason") or None}


def _page(page_no: int) -> CheckInPage:
    """The table's page ``page_no`` and the counts; the by-hand picker's accounts capped (issue 18)."""
    return checkin_page(store, attention_only=only, limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE, **filters,
                        hand_limit=HAND_MAX, hand_find=str(ss.get("hand_find") or ""),
                        hand_keep=list(ss.get("by_hand_ids") or []))


ci = _page(page_no)
if page_no > 1 and (page_no - 1) * PAGE_SIZE >= ci.matching:  # fewer rows now (a filter): the last page
    page_no = ss["ci_page"] = max(1, -(-ci.matching // PAGE_SIZE))
    ci = _page(page_no)
if not ci.total:
    st.info("No enabled accounts.")
    st.stop()

for col, r in zip(st.columns(5), CheckInResult, strict=True):
    col.metric(r.badge, ci.results[r.value],
               help={"needs_browser": "A browser check, Turnstile or a custom page: open the site and check in "
                                      "by hand, then mark it below."}.get(r.value))
toggle_col, result_col, reason_col = st.columns([2, 1, 1], vertical_alignment="bottom")
toggle_col.toggle(f"Needs attention only ({ci.attention})", key="ci_attention",
                  help="Accounts that need you: an error or a warning, a check-in that failed or needs you today, "
                       "or a balance under the low-balance line (set on the Overview).")
result_col.selectbox("Last result", list(RESULT_CHOICES), format_func=RESULT_CHOICES.__getitem__, key="ci_result")
reason_col.selectbox("Reason", list(REASON_CHOICES), format_func=REASON_CHOICES.__getitem__, key="ci_reason",
                     help="Why today's latest attempt came to its result; \"Unclassified\": written before "
                          "reasons were kept.")
pages = max(1, -(-ci.matching // PAGE_SIZE))
if pages > 1:
    st.number_input(f"Page (of {pages}, {PAGE_SIZE} per page)", 1, pages, 1, key="ci_page")
table = [{"ID": r["id"], "Name": r["site_name"], "Type": r["site_type"],
          "Method": {"auto": "automatic", "custom": "custom", "relogin": "log in again"}.get(r["checkin_method"], r["checkin_method"]),
          "Today": CHECKIN_BADGE.get(r["state"], r["state"]),
          "Last result": CheckInResult(r["result"]).badge if r["result"] else "",
          "Reason": CheckInReason.label_of(r["reason"]) if r["result"] else "",
          "Message": r["message"] or "",
          **({"Needs attention": ", ".join(Attention(k).label for k in r["attention"])} if only else {}),
          "Check-in page": r["checkin_url"] or ""} for r in ci.rows]
if table and not any(t["Check-in page"] for t in table):
    for t in table:
        del t["Check-in page"]
if not table:
    st.success("No account matches these filters." if any(filters.values()) else "Nothing needs your attention today.")
else:
    st.dataframe(
        table, hide_index=True, width="stretch", placeholder="",
        column_config={"Check-in page": st.column_config.LinkColumn("Check-in page", validate=r"^https?://",
                                                                    display_text="open site")})
st.caption("Results: checked in now, already checked in, not supported, needs you (a browser check, Turnstile or "
           "a custom page: open the link and check in by hand), failed (with the reason).")

by_hand = ci.by_hand
if ci.by_hand_total > HAND_MAX:
    st.text_input(f"Find an account checked in by hand ({ci.by_hand_total:,} to mark, {HAND_MAX} listed at a time)",
                  key="hand_find", placeholder="name or #id",
                  help=f"{ci.by_hand_total:,} accounts have a check-in page and are not checked in today; the list "
                       f"below holds the first {HAND_MAX} (by id) whose name holds this text (or with this id).")
if by_hand:
    with st.form("by_hand"):
        chosen = st.multiselect("Checked in by hand on the site today", list(by_hand), format_func=by_hand.__getitem__,
                                key="by_hand_ids")
        if st.form_submit_button("Mark as checked in today"):
            with user_errors():
                flash(f"Marked {mark_custom_checked(store, chosen)} account(s) as checked in today.")
                st.rerun()

# ---- how an account checks in -------------------------------------------------------------
st.subheader("Check-in method")
find_col, pick_col = st.columns([1, 3], vertical_alignment="bottom")
find = find_col.text_input("Find an account", key="cm_find", placeholder="name or #id",
                           help=f"The picker lists the first {PICKER_MAX} enabled accounts whose name holds "
                                "this text (or with this id).")
chosen_now = [ss["cm_account"]] if ss.get("cm_account") is not None else []
names = {i: f"{i} · {name}" for i, name in
         account_picker(store, find or "", chosen_now, PICKER_MAX, AccountFilter(status="enabled"))}
if not names:
    pick_col.info("No enabled account matches.")
    st.stop()
aid = pick_col.selectbox("Account", list(names), format_func=names.__getitem__, key="cm_account")
current = next((r for r in ci.rows if r["id"] == aid), None) or checkin_row(store, aid or 0)
assert current is not None  # the picker lists the enabled accounts of this run
method = st.selectbox("Method", list(CHECKIN_METHOD_LABELS), format_func=CHECKIN_METHOD_LABELS.__getitem__, key=f"cm_{aid}",
                      index=list(CHECKIN_METHOD_LABELS).index(current["checkin_method"]),
                      help="Automatic follows the site type; choose a built-in when a fork checks in like "
                           "another family, or write a custom request.")
if method == "auto":
    st.caption(f"For a {current['site_type']} site this runs: {auto_checkin_label(current['site_type'])}.")
request = ""
if method == "custom":
    saved = current.get("checkin_request") or ""
    request = st.text_area(
        "Request (JSON)", value=json.dumps(json.loads(saved), indent=2, ensure_ascii=False) if saved
        else json.dumps(EXAMPLE_CHECKIN_REQUEST, indent=2), height=260, key=f"cm_req_{aid}",
        help="url (a path on the site), method, headers and body. Secrets only through the placeholders "
             "{access_token}, {user_id} and {cookie}. Rules: success and already, each "
             '{"path": "data.status", "equals": VALUE} or {"contains": "text"}.')
assert aid is not None and method is not None  # a selectbox over a non-empty list always holds a choice
login = relogin_form(store, aid, method)
save, test = st.columns([1, 4])
if save.button("Save method", key="cm_save", type="primary"):
    with user_errors():
        set_checkin_method(store, [aid], method, request or None, **login)
        clear_typed_password(aid)
        how = "its custom request" if method == "custom" else CHECKIN_METHOD_LABELS[method].lower()
        flash(f"Account {aid} now checks in with {how}.")
        st.rerun()
if test.button("Check in this account now", key="cm_test"):
    run_checkin(store, [aid], "Checking in")
