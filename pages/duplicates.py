"""Duplicate cleanup: sets of accounts with the same origin and user id, keepers ticked in one
table (a page of sets at a time), a preview, then one confirmed delete. Below it, apart, the
look-alikes (same user id and site name or domain on different addresses): each pair judged by
the user, kept or one account removed after a confirmation, never part of the bulk delete."""

import pandas as pd
import streamlit as st

from allhub_core.accounts import (
    HEALTH_BADGE,
    KEEP_RULES,
    apply_dedupe,
    duplicate_page,
    keep_lookalike,
    remove_lookalike,
    scan_duplicates,
    scan_lookalikes,
)
from pages._text import esc, flash, show_flash, user_errors
from pages._ui import open_store

SETS_PER_PAGE = 100
PAIRS_PER_PAGE = 20

store = open_store()
ss = st.session_state

st.title("Duplicate cleanup")
show_flash()
st.caption("Accounts with the same site origin and the same user id are duplicates. Tick **Keep** on the "
           "account(s) to keep in each set; the others in that set are deleted. A set with nothing ticked is "
           "left alone. Nothing is deleted until you confirm.")
rule = st.radio("Keep rule", list(KEEP_RULES), format_func=KEEP_RULES.__getitem__, horizontal=True, key="keep_rule")
# the page number input's value is in the session before it is drawn: only the sets shown are built
# (the whole scan only for the preview and the delete)
page = int(ss.get("dedupe_page") or 1)
dup = duplicate_page(store, rule, limit=SETS_PER_PAGE, offset=(page - 1) * SETS_PER_PAGE)
pages = max(1, -(-dup.sets // SETS_PER_PAGE))
if page > pages:  # fewer sets now (a delete): the first page, as a new number input starts
    ss.pop("dedupe_page", None)
    page = 1
    dup = duplicate_page(store, rule, limit=SETS_PER_PAGE)

st.markdown(f"**{dup.summary()}**")
if dup.unscannable:
    st.caption(f"{dup.unscannable} account(s) could not be scanned (no user id) and were skipped.")
if not dup.sets:
    st.success("No duplicate accounts found.")

# The keepers chosen so far, per rule, as {(origin, user_id): [ids]}; a set not in it keeps the rule's pick.
choices: dict[tuple[str, str], list[int]] = ss.setdefault("dedupe_keep", {}).setdefault(rule, {})
if pages > 1:
    st.number_input(f"Page of sets (1 to {pages}, {SETS_PER_PAGE} sets each)", 1, pages, 1, key="dedupe_page")
shown = dup.groups

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
                                                           help=f"Chosen by the keep rule: {shown[0].reason}"),
        })
    at = 0
    for g in shown:
        n = len(g.accounts)
        keep_ids = [int(i) for i, k in zip(edited["id"][at:at + n], edited["keep"][at:at + n], strict=True) if k]
        choices[(g.origin, g.user_id)] = keep_ids
        at += n


def _want_preview() -> None:
    # a callback, not the button's return value: it runs as the click arrives, so a rerun that a
    # pending grid edit starts on top of the click's run cannot lose the click
    ss.dedupe_preview = True


if dup.sets:
    st.button("Preview deletion", key="preview_dedupe", on_click=_want_preview)

if dup.sets and ss.get("dedupe_preview"):
    with st.container(border=True), user_errors():
        scan = scan_duplicates(store, rule)
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

st.divider()
st.subheader("Look-alikes (check these yourself)")
st.caption("The same user id and the same site name or domain on different addresses: perhaps a mirror, a "
           "`www.` address or a second domain of one site, perhaps two different sites. Look-alikes are never part "
           "of the clean-up above: keep both, or remove one.")
# the page number input's value is in the session before it is drawn: one scan per run
look_page = int(ss.get("lookalike_page") or 1)
looks = scan_lookalikes(store, limit=PAIRS_PER_PAGE, offset=(look_page - 1) * PAIRS_PER_PAGE)
look_pages = max(1, -(-looks.total // PAIRS_PER_PAGE))
if look_page > look_pages:  # the last page emptied by a removal
    ss.pop("lookalike_page", None)
    look_page = 1
    looks = scan_lookalikes(store, limit=PAIRS_PER_PAGE)
st.markdown(f"**{looks.summary()}**")
if look_pages > 1:
    st.number_input(f"Page of look-alikes (1 to {look_pages}, {PAIRS_PER_PAGE} pairs each)", 1, look_pages, 1,
                    key="lookalike_page")
if not looks.total:
    st.caption("No look-alike accounts found.")


def _who(a: dict) -> str:
    user = f" · {esc(a['username'])}" if a["username"] else ""
    off = " · disabled" if a["disabled"] else ""
    return f"**#{a['id']} {esc(a['site_name'])}**  \n{esc(a['site_url'])}{user}{off}"


for pair in looks.pairs:
    a_id, b_id = pair.ids
    with st.container(border=True, key=f"lookalike_{a_id}_{b_id}"):
        st.caption(esc(pair.reason))
        for col, acc, other in zip(st.columns(2), (pair.a, pair.b), (b_id, a_id), strict=True):
            col.markdown(_who(acc))
            if col.button("Remove this one", key=f"lookalike_rm_{a_id}_{b_id}_{acc['id']}"):
                ss.lookalike_confirm = (int(acc["id"]), other)
        if st.button("Keep both", key=f"lookalike_keep_{a_id}_{b_id}"):
            with user_errors():
                keep_lookalike(store, a_id, b_id)
                flash(f"Kept accounts {a_id} and {b_id}; this pair will not be listed again.")
                ss.pop("lookalike_confirm", None)
                st.rerun()
        confirm = ss.get("lookalike_confirm")
        if confirm and set(confirm) == {a_id, b_id}:
            gone, stays = confirm
            name = (pair.a if gone == a_id else pair.b)["site_name"]
            st.warning(f"Delete account {gone} ({esc(name)})? Account {stays} stays.")
            c1, c2 = st.columns(2)
            if c1.button("Delete it", type="primary", key="lookalike_confirm_rm"):
                with user_errors():
                    remove_lookalike(store, gone, stays)
                    flash(f"Deleted account {gone}; account {stays} stays.")
                    ss.pop("lookalike_confirm", None)
                    st.rerun()
            if c2.button("Cancel", key="lookalike_cancel_rm"):
                ss.pop("lookalike_confirm", None)
                st.rerun()
