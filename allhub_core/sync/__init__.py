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
    forget_login,
    login_usernames,
    set_checkin_method,
)
from allhub_core.sync.client_export import (
    CC_SWITCH_APPS,
    CC_SWITCH_DEFAULT_APP,
    CLIENT_FORMATS,
    ClientExport,
    export_client,
    export_targets,
    target_for_key,
)
from allhub_core.sync.client_push import (
    PUSH_KINDS,
    PushPreview,
    PushTargetSettings,
    apply_push,
    preview_push,
    push_target,
    push_targets,
    save_push_target,
)
from allhub_core.sync.credential_checks import CredentialCheckReport, check_credentials
from allhub_core.sync.credential_export import export_credentials
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
from allhub_core.sync.notices import NoticeReadReport, NoticeSyncReport, read_notices, sync_notices
from allhub_core.sync.onboarding import (
    OnboardReport,
    host_of,
    onboard,
    recognize_and_fill,
    recognize_and_refresh,
    recognize_input,
)
from allhub_core.sync.prices import ModelSyncReport, sync_models
from allhub_core.sync.redeem import RedeemReport, redeem_codes, retry_redemptions
from allhub_core.sync.refreshes import RefreshReport, refresh, write_refresh_results
from allhub_core.sync.usage import UsageSyncReport, sync_usage

__all__ = [
    "BACKUP_SYNC_MODES",
    "BACKUP_TIMEOUT_LIMITS",
    "CC_SWITCH_APPS",
    "CC_SWITCH_DEFAULT_APP",
    "CHECKIN_METHOD_LABELS",
    "CLIENT_FORMATS",
    "DEFAULT_KEY_NAME",
    "EXAMPLE_CHECKIN_REQUEST",
    "PUSH_KINDS",
    "BackupReport",
    "BackupSettings",
    "CheckInReport",
    "ClientExport",
    "CredentialCheckReport",
    "Diagnosis",
    "KeyCreateReport",
    "KeyDeleteReport",
    "KeyEnsureReport",
    "KeySyncReport",
    "ModelSyncReport",
    "NoticeReadReport",
    "NoticeSyncReport",
    "OnboardReport",
    "PushPreview",
    "PushTargetSettings",
    "RedeemReport",
    "RefreshReport",
    "UsageSyncReport",
    "apply_push",
    "auto_checkin_label",
    "backup_pull",
    "backup_push",
    "backup_sync",
    "backup_test",
    "check_credentials",
    "checkin",
    "count_in_run",
    "create_key",
    "credentials_for",
    "delete_keys",
    "diagnose",
    "ensure_keys",
    "export_client",
    "export_credentials",
    "export_targets",
    "forget_login",
    "get_backup_settings",
    "host_of",
    "last_backup_result",
    "login_usernames",
    "mark_custom_checked",
    "onboard",
    "politeness_for",
    "preview_push",
    "provision_default_key",
    "push_target",
    "push_targets",
    "read_notices",
    "recognize_and_fill",
    "recognize_and_refresh",
    "recognize_input",
    "redeem_codes",
    "refresh",
    "retry_redemptions",
    "reveal_key",
    "reveal_keys",
    "save_backup_settings",
    "save_push_target",
    "set_checkin_method",
    "sync_keys",
    "sync_models",
    "sync_notices",
    "sync_usage",
    "target_for_key",
    "todays_checkins",
    "update_key",
    "write_refresh_results",
]
