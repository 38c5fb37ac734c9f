"""Sync (layer L4): the only code that joins the network and the store.

One function per user action, each returning a report whose ``summary()`` and ``rows()`` the
CLI and the pages render: ``refresh``, ``checkin``, ``onboard`` (recognise -> add -> refresh ->
default key), ``provision_default_key``. The SQL they need lives in ``accounts.status``.
See docs/architecture.md.
"""

from allhub_core.accounts.status import count_in_run, mark_custom_checked, todays_checkins
from allhub_core.sync.checkins import CheckInReport, checkin
from allhub_core.sync.credentials import credentials_for, politeness_for
from allhub_core.sync.keys import DEFAULT_KEY_NAME, provision_default_key
from allhub_core.sync.onboarding import OnboardReport, host_of, onboard, recognize_and_fill, recognize_input
from allhub_core.sync.refreshes import RefreshReport, refresh, write_refresh_results

__all__ = [
    "count_in_run", "mark_custom_checked", "todays_checkins", "CheckInReport", "checkin", "credentials_for",
    "politeness_for",
    "DEFAULT_KEY_NAME", "provision_default_key", "OnboardReport", "host_of", "onboard", "recognize_and_fill",
    "recognize_input", "RefreshReport", "refresh", "write_refresh_results",
]
