"""Check-in: each enabled account's state today, the last attempt's message, and a run button."""

import streamlit as st

from allhub_core.sync import mark_custom_checked, todays_checkins
from pages._ui import flash, open_store, run_checkin, show_flash, user_errors

store = open_store()

head, button = st.columns([5, 1], vertical_alignment="bottom")
head.title("Check-in")
run = button.button("Check in all", icon=":material/event_available:", key="checkin_page_all", type="primary")
show_flash()
if run:
    run_checkin(store, None, "Checking in")

rows = todays_checkins(store)
STATE = {"checked": "✅ checked in", "not_checked": "⏳ not yet", "unsupported": "— no check-in",
         "unknown": "? not seen today"}
RESULT = {"success": "success", "already_checked": "already checked", "failed": "failed",
          "unsupported": "unsupported", "needs_browser": "needs a browser"}
if not rows:
    st.info("No enabled accounts.")
else:
    done = sum(1 for r in rows if r["state"] == "checked")
    todo = sum(1 for r in rows if r["state"] in ("not_checked", "unknown"))
    c1, c2, c3 = st.columns(3)
    c1.metric("Checked in today", done)
    c2.metric("Still to do or unknown", todo)
    c3.metric("Need a browser", sum(1 for r in rows if r["result"] == "needs_browser"))
    table = [{"ID": r["id"], "Name": r["site_name"], "Type": r["site_type"], "Today": STATE.get(r["state"], r["state"]),
              "Last attempt": RESULT.get(r["result"], "") if r["result"] else "", "Message": r["message"] or "",
              "Check-in page": r["checkin_url"] or ""} for r in rows]
    if not any(t["Check-in page"] for t in table):
        for t in table:
            del t["Check-in page"]
    st.dataframe(
        table,
        hide_index=True, width="stretch", placeholder="",
        column_config={"Check-in page": st.column_config.LinkColumn("Check-in page", validate=r"^https?://",
                                                                    display_text="open site")})
    st.caption("Sites that demand a Turnstile or browser check cannot be checked in from here: open them with the "
               "link and check in by hand.")

    by_hand = {r["id"]: r["site_name"] for r in rows if r["checkin_url"] and r["state"] != "checked"}
    if by_hand:
        with st.form("by_hand"):
            chosen = st.multiselect("Checked in by hand on the site today", list(by_hand), format_func=by_hand.get,
                                    key="by_hand_ids")
            if st.form_submit_button("Mark as checked in today"):
                with user_errors():
                    flash(f"Marked {mark_custom_checked(store, chosen)} account(s) as checked in today.")
                    st.rerun()
