"""allhub dashboard entry point: page config and routing only (pages live in pages/).

Each url_path equals its page file's name: see pages/_ui.py `navigation_only` (serve.py, the tests
and the page benches) and `_leave_legacy_pages_mode` (`streamlit run app.py`).
"""

import streamlit as st

from allhub_core.automation import start_scheduler_thread
from pages._ui import background_allowed, background_progress, db_path, page_store, refresh_stale_once

st.set_page_config(page_title="allhub", page_icon=":material/hub:", layout="wide")

PAGES = {
    "Dashboard": [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", url_path="overview", default=True),
        st.Page("pages/balance_history.py", title="Balance history", icon=":material/timeline:",
                url_path="balance_history"),
        st.Page("pages/usage.py", title="Usage", icon=":material/query_stats:", url_path="usage"),
        st.Page("pages/models.py", title="Models", icon=":material/price_check:", url_path="models"),
        st.Page("pages/announcements.py", title="Announcements", icon=":material/campaign:", url_path="announcements"),
    ],
    "Accounts": [
        st.Page("pages/accounts.py", title="Accounts", icon=":material/table:", url_path="accounts"),
        st.Page("pages/keys.py", title="Keys", icon=":material/key:", url_path="keys"),
        st.Page("pages/credentials.py", title="Credentials", icon=":material/vpn_key:", url_path="credentials"),
        st.Page("pages/redeem.py", title="Redeem", icon=":material/redeem:", url_path="redeem"),
        st.Page("pages/add_account.py", title="Add account", icon=":material/person_add:", url_path="add_account"),
        st.Page("pages/checkin.py", title="Check-in", icon=":material/event_available:", url_path="checkin"),
        st.Page("pages/duplicates.py", title="Duplicate cleanup", icon=":material/content_copy:", url_path="duplicates"),
        st.Page("pages/tags.py", title="Tags", icon=":material/sell:", url_path="tags"),
        st.Page("pages/import_page.py", title="Import / Export", icon=":material/swap_vert:", url_path="import_page"),
    ],
    "Preferences": [
        st.Page("pages/settings.py", title="Settings", icon=":material/settings:", url_path="settings"),
        st.Page("pages/backup.py", title="Backup", icon=":material/cloud_sync:", url_path="backup"),
        st.Page("pages/automation.py", title="Automation", icon=":material/schedule:", url_path="automation"),
        st.Page("pages/notifications.py", title="Notifications", icon=":material/notifications:",
                url_path="notifications"),
    ],
}


@st.cache_resource(show_spinner=False)
def scheduler(path: str):
    """Once per server process (not per tab or rerun); the core's start is idempotent, so a
    reloaded app.py (a new cache key) still gets the one running scheduler."""
    return start_scheduler_thread(path)


if background_allowed():
    scheduler(db_path())
refresh_stale_once()

with page_store():
    page = st.navigation(PAGES, expanded=True)  # every page listed, no "View more"
    with st.sidebar:
        background_progress()
    page.run()
