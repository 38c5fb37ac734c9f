"""Sync (layer L4): the only code that joins the network and the store.

One function per user action, each returning a report whose ``summary()`` and ``rows()`` the
CLI and the pages render: ``refresh``, ``checkin``, ``onboard`` (recognise -> add -> refresh ->
default key), ``provision_default_key``; the keys (``sync_keys``, ``create_key``, ``reveal_key``,
``reveal_keys``, ``update_key``, ``delete_keys``, ``ensure_keys``: sync/keys.py). The SQL they
need lives in ``accounts.status``.
See docs/architecture.md.
"""

from allhub_core.accounts.status import count_in_run, mark_custom_checked, todays_checkins
from allhub_core.sites import EXAMPLE_REQUEST as EXAMPLE_CHECKIN_REQUEST
from allhub_core.sync.backup import SYNC_MODES as BACKUP_SYNC_MODES
from allhub_core.sync.backup import TIMEOUT_LIMITS as BACKUP_TIMEOUT_LIMITS
from allhub_core.sync.backup import (
    BackupReport,
    BackupSettings,
    get_backup_settings,
    last_backup_result,
    save_backup_settings,
)
from allhub_core.sync.backup import pull as backup_pull
from allhub_core.sync.backup import push as backup_push
from allhub_core.sync.backup import sync as backup_sync
from allhub_core.sync.backup import test_connection as backup_test
from allhub_core.sync.checkins import (
    CHECKIN_METHOD_LABELS,
    CheckInReport,
    auto_checkin_label,
    checkin,
    set_checkin_method,
)
from allhub_core.sync.credentials import credentials_for, politeness_for
from allhub_core.sync.diagnose import Diagnosis, diagnose
from allhub_core.sync.keys import (
    DEFAULT_KEY_NAME,
    KeyCreateReport,
    KeyDeleteReport,
    KeyEnsureReport,
    KeySyncReport,
    create_key,
    delete_keys,
    ensure_keys,
    provision_default_key,
    reveal_key,
    reveal_keys,
    sync_keys,
    update_key,
)
from allhub_core.sync.notices import NoticeSyncReport, sync_notices
from allhub_core.sync.onboarding import (
    OnboardReport,
    host_of,
    onboard,
    recognize_and_fill,
    recognize_and_refresh,
    recognize_input,
)
from allhub_core.sync.prices import ModelSyncReport, sync_models
from allhub_core.sync.refreshes import RefreshReport, refresh, write_refresh_results
from allhub_core.sync.usage import UsageSyncReport, sync_usage

__all__ = [
    "BACKUP_SYNC_MODES",
    "BACKUP_TIMEOUT_LIMITS",
    "CHECKIN_METHOD_LABELS",
    "DEFAULT_KEY_NAME",
    "EXAMPLE_CHECKIN_REQUEST",
    "BackupReport",
    "BackupSettings",
    "CheckInReport",
    "Diagnosis",
    "KeyCreateReport",
    "KeyDeleteReport",
    "KeyEnsureReport",
    "KeySyncReport",
    "ModelSyncReport",
    "NoticeSyncReport",
    "OnboardReport",
    "RefreshReport",
    "UsageSyncReport",
    "auto_checkin_label",
    "backup_pull",
    "backup_push",
    "backup_sync",
    "backup_test",
    "checkin",
    "count_in_run",
    "create_key",
    "credentials_for",
    "delete_keys",
    "diagnose",
    "ensure_keys",
    "get_backup_settings",
    "host_of",
    "last_backup_result",
    "mark_custom_checked",
    "onboard",
    "politeness_for",
    "provision_default_key",
    "recognize_and_fill",
    "recognize_and_refresh",
    "recognize_input",
    "refresh",
    "reveal_key",
    "reveal_keys",
    "save_backup_settings",
    "set_checkin_method",
    "sync_keys",
    "sync_models",
    "sync_notices",
    "sync_usage",
    "todays_checkins",
    "update_key",
    "write_refresh_results",
]
