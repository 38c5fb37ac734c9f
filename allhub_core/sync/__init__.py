"""Sync (layer L4): the only code that joins the network and the store.

Refresh, check-in, onboarding (recognise -> add -> refresh -> default key) and credentials.
One function per user action; the CLI and the pages call these and render what they return.
"""

from allhub_core.sync.services import (
    RefreshOutcome, checkin, credentials_for, mark_custom_checked, politeness_for, provision_default_key,
    recognize_and_fill, recognize_input, refresh, todays_checkins, write_refresh_results,
)

__all__ = [
    "RefreshOutcome", "checkin", "credentials_for", "mark_custom_checked", "politeness_for",
    "provision_default_key", "recognize_and_fill", "recognize_input", "refresh", "todays_checkins",
    "write_refresh_results",
]
