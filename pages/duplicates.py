"""Duplicate cleanup: sets of accounts with the same origin and user id, keepers ticked in one
table (a page of sets at a time), a preview, then one confirmed delete."""

import pandas as pd
import streamlit as st

from allhub_core.accounts import HEALTH_BADGE, KEEP_RULES, apply_dedupe, scan_duplicates
from pages._text import flash, show_flash, user_errors
from pages._ui import open_store

SETS_PER_PAGE = 100

store = open_store()
ss = st.session_state

st.title("Duplicate cleanup")
show_flash()
st.caption("Accounts with the same site origin and the same user id are duplicates. Tick **Keep** on the "
           "account(s) to keep in each set; the others in that set are deleted. A set with nothing ticked is "
           "left alone. Nothing is deleted until you confirm.")
rule = st.radio("Keep rule", list(KEEP_RULES), format_func=KEEP_RULES.__getitem__, horizontal=True, key="keep_rule")
scan = scan_duplicates(store, rule)

st.markdown(f"**{scan.summary()}**")
if scan.unscannable:
    st.caption(f"{scan.unscannable} account(s) could not be scanned (no user id) and were skipped.")
if not scan.groups:
    st.success("No duplicate accounts found.")

# The keepers chosen so far, per rule, as {(origin, user_id): [ids]}; a set not in it keeps the rule's pick.
choices: dict[tuple[str, str], list[int]] = ss.setdefault("dedupe_keep", {}).setdefault(rule, {})
pages = max(1, -(-len(scan.groups) // SETS_PER_PAGE))
page = 1
if pages > 1:
    page = int(st.number_input(f"Page of sets (1 to {pages}, {SETS_PER_PAGE} sets each)", 1, pages, 1,
                               key="dedupe_page"))
shown = scan.groups[(page - 1) * SETS_PER_PAGE: page * SETS_PER_PAGE]

if shown:
    rows = []
    for g in shown:
        kept = set(choices.get((g.origin, g.user_id), [g.keep_id]))
        for a in g.accounts:
            rows.append({"keep": a["id"] in kept, "set": f"{g.origin} · user {g.user_id}", "id": a["id"],
                         "name": a["site_name"], "username": a["username"] or "",
                         "health": HEALTH_BADGE.get(a["health_status"]) or "", "updated": a["updated_at"],
                         "pinned": bool(a["pinned"]), "disabled": bool(a["disabled"]),
                         "recommended": a["id"] == g.keep_id})
    frame = pd.DataFrame(rows)
    edited = st.data_editor(
        frame, key=f"dedupe_{rule}_{page}", hide_index=True, num_rows="fixed", width="stretch",
        disabled=[c for c in frame.columns if c != "keep"],
        column_config={
            "keep": st.column_config.CheckboxColumn("Keep", width="small", help="Kept; the unticked accounts of the set are deleted"),
            "set": st.column_config.TextColumn("Set", width="large"),
            "id": st.column_config.NumberColumn("ID", format="%d", width="small"),
            "name": "Name", "username": "Username", "health": "Health",
            "updated": st.column_config.DatetimeColumn("Updated", format="YYYY-MM-DD HH:mm:ss"),
            "pinned": st.column_config.CheckboxColumn("Pinned", width="small"),
            "disabled": st.column_config.CheckboxColumn("Disabled", width="small"),
            "recommended": st.column_config.CheckboxColumn("Rule's pick", width="small",
                                                           help=f"Chosen by the keep rule: {scan.groups[0].reason}"),
        })
    at = 0
    for g in shown:
        n = len(g.accounts)
        keep_ids = [int(i) for i, k in zip(edited["id"][at:at + n], edited["keep"][at:at + n], strict=True) if k]
        choices[(g.origin, g.user_id)] = keep_ids
        at += n

if scan.groups and st.button("Preview deletion", key="preview_dedupe"):
    ss.dedupe_preview = True

if scan.groups and ss.get("dedupe_preview"):
    with st.container(border=True), user_errors():
        plan = scan.plan(choices)
        st.subheader("Delete duplicate accounts")
        st.write(plan.summary())
        if plan.pinned:
            st.warning(f"{plan.pinned} pinned account(s) will be deleted.")
        if plan.delete:
            st.dataframe(pd.DataFrame([{"set": f"{a['origin']} · user {a['user_id']}", "id": a["id"],
                                        "name": a["site_name"], "pinned": bool(a["pinned"])} for a in plan.delete]),
                         hide_index=True, key="dedupe_plan",
                         column_config={"set": "Set", "id": st.column_config.NumberColumn("ID", format="%d"),
                                        "name": "Name", "pinned": "Pinned"})
        c1, c2 = st.columns(2)
        if c1.button("Delete duplicates", type="primary", key="confirm_dedupe", disabled=not plan.delete):
            n = apply_dedupe(store, scan, overrides=choices)
            flash(f"Deleted {n} account(s) from {plan.sets} duplicate set(s).")
            ss.dedupe_preview = False
            ss.dedupe_keep = {}
            st.rerun()
        if c2.button("Cancel", key="cancel_dedupe"):
            ss.dedupe_preview = False
            st.rerun()
