"""Announcements: every site's announcements in one place, per site, unread first; mark read,
mark all read, "Sync now", and which sites are asked and how often.

The announcements come from the store (``notices.notice_details``); the site calls are
``allhub_core.sync.sync_notices``, one per click. A site's text is untrusted HTML and Markdown: it
is shown through ``notices.safe_markdown`` (no tag, no script, no event handler, no image unless
the user turns images on) and never with ``unsafe_allow_html``; names and titles are escaped."""

import streamlit as st

from allhub_core.notices import (
    notice_details,
    notice_interval_s,
    notice_sites,
    safe_markdown,
    set_notice_interval,
    set_site_enabled,
)
from allhub_core.sync import read_notices, sync_notices
from pages._runs import finish
from pages._text import esc, show_flash, user_errors
from pages._ui import open_store

store = open_store()
ss = st.session_state

head, sync_col, all_col = st.columns([4, 1, 1], vertical_alignment="bottom")
head.title("Announcements")
sync_now = sync_col.button("Sync now", icon=":material/sync:", key="ann_sync",
                           help="Ask every site (of the enabled accounts) for its announcements now")
read_all = all_col.button("Mark all read", icon=":material/done_all:", key="ann_read_all")
with st.container():
    show_flash()

if sync_now:
    with user_errors(), st.spinner("Asking the sites for their announcements…"):
        report = sync_notices(store)
        finish(report.summary(), "warning" if report.exit_code() else "success")
if read_all:
    with user_errors():
        done = read_notices(store, all=True)  # Sub2API's are marked read on the site too
        finish(done.summary(), "warning" if done.failures else "success")

PAGE = 30  # announcements drawn a run: 300 sites' worth as bordered cards took seconds

f1, f2, f3 = st.columns([2, 1, 1], vertical_alignment="bottom")
sites = notice_sites(store)
names = {x["origin"]: x["site_name"] for x in sites}
only_site = f1.selectbox("Site", list(names), index=None, format_func=lambda o: f"{names[o]} · {o}",
                         placeholder="every site", key="ann_site")
unread_only = f2.toggle("Unread only", key="ann_unread_only")
images = f3.toggle("Show images", key="ann_images",
                   help="Load the images the announcements point to. They come from the sites (or elsewhere), "
                        "which then learn that you looked; off, an image shows as a link.")

every = notice_details(store)
unread = sum(1 for r in every if not r["read"])
rows = [r for r in every if (only_site is None or r["origin"] == only_site) and not (unread_only and r["read"])]
if not every:
    st.info("No announcements yet. **Sync now** asks the sites; a refresh of all accounts also asks those "
            "not asked within the interval.")
else:
    st.caption(f"{len(every)} announcement(s) on {len({r['origin'] for r in every})} site(s), {unread} unread. "
               "The sites' text is shown without its HTML and scripts.")

by_site: dict[str, list[dict]] = {}
for r in rows:
    by_site.setdefault(r["origin"], []).append(r)
# unread first: the sites with unread announcements, then the rest (each site's items in the store's order)
order = sorted((x for x in sites if x["origin"] in by_site), key=lambda x: (x["unread"] == 0, x["site_name"].lower()))
shown_max = ss.get("ann_limit", PAGE)
drawn = 0
for site in order:
    if drawn >= shown_max:
        break
    items = by_site[site["origin"]][: shown_max - drawn]
    badge = f" · :blue-badge[{site['unread']} unread]" if site["unread"] else ""
    st.subheader(esc(site["site_name"]) + badge, divider="gray")
    for r in items:  # unread first, newest first (the store's order)
        drawn += 1
        with st.container(border=True):
            left, right = st.columns([6, 1], vertical_alignment="top")
            when = (r["published_at"] or r["changed_at"] or r["first_seen"] or "")[:16].replace("T", " ")
            state = ":orange-badge[New]" if not r["read"] and not r["changed_at"] else (
                ":orange-badge[Changed]" if not r["read"] else ":gray-badge[Read]")
            left.markdown(f"**{esc(r['title'])}** {state}  \n:gray[{esc(when)} · account #{r['account_id']}]")
            if not r["read"] and right.button("Mark read", key=f"ann_read_{r['notice_id']}",
                                              icon=":material/done:"):
                with user_errors():
                    done = read_notices(store, [r["notice_id"]])
                    finish(done.summary(), "warning" if done.failures else "success")
            st.markdown(safe_markdown(r["text"], images=images))
if len(rows) > drawn:
    st.caption(f"Showing {drawn} of {len(rows)}.")
    if st.button(f"Show {min(PAGE, len(rows) - drawn)} more", key="ann_more", icon=":material/expand_more:"):
        ss.ann_limit = shown_max + PAGE
        st.rerun()

with st.expander("Which sites are asked, and how often", icon=":material/tune:", key="ann_settings"):
    minutes = st.number_input("Ask a site at most every (minutes), on a refresh of all accounts", min_value=5,
                              max_value=7 * 24 * 60, value=notice_interval_s(store) // 60, step=5,
                              key="ann_interval")
    if st.button("Save interval", key="ann_interval_save"):
        with user_errors():
            set_notice_interval(store, int(minutes) * 60)
            finish(f"Announcements are asked at most every {int(minutes)} minute(s) per site.")
    # one table, not a toggle a site: 300 sites' toggles cost every run of the page
    table = [{"site": x["site_name"], "origin": x["origin"], "asked": x["enabled"],
              "last asked": (x["last_synced"] or "")[:16].replace("T", " "), "last error": x["last_error"]}
             for x in sites]
    edited = st.data_editor(table, key="ann_sites", hide_index=True, disabled=["site", "origin", "last asked",
                                                                                "last error"],
                            column_config={"asked": st.column_config.CheckboxColumn(
                                "Asked", help="Off: this site's announcements are not asked")})
    for before, after in zip(table, edited, strict=True):
        if bool(after["asked"]) != bool(before["asked"]):
            with user_errors():
                set_site_enabled(store, before["origin"], bool(after["asked"]))
                finish(f"Announcements of {before['site']} are {'asked' if after['asked'] else 'no longer asked'}.")
