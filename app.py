"""allhub dashboard entry point: page config and routing only (pages live in pages/).

Each url_path equals its page file's name: see pages/_ui.py `_leave_legacy_pages_mode`.
"""

import streamlit as st

from pages._ui import page_store

st.set_page_config(page_title="allhub", page_icon=":material/hub:", layout="wide")

PAGES = {
    "Accounts": [
        st.Page("pages/accounts.py", title="Accounts", icon=":material/table:", url_path="home", default=True),
        st.Page("pages/add_account.py", title="Add account", icon=":material/person_add:", url_path="add_account"),
        st.Page("pages/checkin.py", title="Check-in", icon=":material/event_available:", url_path="checkin"),
        st.Page("pages/duplicates.py", title="Duplicate cleanup", icon=":material/content_copy:", url_path="duplicates"),
        st.Page("pages/tags.py", title="Tags", icon=":material/sell:", url_path="tags"),
    ],
    # The default page lives at "/"; this hidden alias keeps /accounts links and bookmarks working.
    "": [st.Page("pages/accounts.py", title="Accounts", url_path="accounts", visibility="hidden")],
    "Preferences": [
        st.Page("pages/settings.py", title="Settings", icon=":material/settings:", url_path="settings"),
    ],
}

with page_store():
    st.navigation(PAGES).run()
