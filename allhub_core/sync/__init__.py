"""Sync (layer L4): the only code that joins the network and the store.

One function per user action, each returning a report whose ``summary()`` and ``rows()`` the
CLI and the pages render: ``refresh``, ``checkin``, ``onboard`` (recognise -> add -> refresh ->
default key), ``provision_default_key``; the keys (``sync_keys``, ``create_key``, ``reveal_key``,
``reveal_keys``, ``update_key``, ``delete_keys``, ``ensure_keys``: sync/keys.py). The SQL they
need lives in ``accounts.status``.
See docs/architecture.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from allhub_core.lazy import lazy_facade

if TYPE_CHECKING:
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
    from allhub_core.sync.diagnosis import Diagnosis, diagnose
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

#: Where each name of the facade lives, imported on first use (PEP 562): a command that runs one
#: flow loads that flow's modules, not every other's (``allhub refresh`` loads no backup, export,
#: push or redemption code). The imports above are what type checkers and import-linter read.
_HOME: dict[str, tuple[str, str]] = {
    "count_in_run": ("allhub_core.accounts.status", "count_in_run"),
    "mark_custom_checked": ("allhub_core.accounts.status", "mark_custom_checked"),
    "todays_checkins": ("allhub_core.accounts.status", "todays_checkins"),
    "EXAMPLE_CHECKIN_REQUEST": ("allhub_core.sites", "EXAMPLE_REQUEST"),
    "BACKUP_SYNC_MODES": ("allhub_core.sync.backup", "SYNC_MODES"),
    "BACKUP_TIMEOUT_LIMITS": ("allhub_core.sync.backup", "TIMEOUT_LIMITS"),
    "BackupReport": ("allhub_core.sync.backup", "BackupReport"),
    "BackupSettings": ("allhub_core.sync.backup", "BackupSettings"),
    "get_backup_settings": ("allhub_core.sync.backup", "get_backup_settings"),
    "last_backup_result": ("allhub_core.sync.backup", "last_backup_result"),
    "save_backup_settings": ("allhub_core.sync.backup", "save_backup_settings"),
    "backup_pull": ("allhub_core.sync.backup", "pull"),
    "backup_push": ("allhub_core.sync.backup", "push"),
    "backup_sync": ("allhub_core.sync.backup", "sync"),
    "backup_test": ("allhub_core.sync.backup", "test_connection"),
    "CHECKIN_METHOD_LABELS": ("allhub_core.sync.checkins", "CHECKIN_METHOD_LABELS"),
    "CheckInReport": ("allhub_core.sync.checkins", "CheckInReport"),
    "auto_checkin_label": ("allhub_core.sync.checkins", "auto_checkin_label"),
    "checkin": ("allhub_core.sync.checkins", "checkin"),
    "forget_login": ("allhub_core.sync.checkins", "forget_login"),
    "login_usernames": ("allhub_core.sync.checkins", "login_usernames"),
    "set_checkin_method": ("allhub_core.sync.checkins", "set_checkin_method"),
    "CC_SWITCH_APPS": ("allhub_core.sync.client_export", "CC_SWITCH_APPS"),
    "CC_SWITCH_DEFAULT_APP": ("allhub_core.sync.client_export", "CC_SWITCH_DEFAULT_APP"),
    "CLIENT_FORMATS": ("allhub_core.sync.client_export", "CLIENT_FORMATS"),
    "ClientExport": ("allhub_core.sync.client_export", "ClientExport"),
    "export_client": ("allhub_core.sync.client_export", "export_client"),
    "export_targets": ("allhub_core.sync.client_export", "export_targets"),
    "target_for_key": ("allhub_core.sync.client_export", "target_for_key"),
    "PUSH_KINDS": ("allhub_core.sync.client_push", "PUSH_KINDS"),
    "PushPreview": ("allhub_core.sync.client_push", "PushPreview"),
    "PushTargetSettings": ("allhub_core.sync.client_push", "PushTargetSettings"),
    "apply_push": ("allhub_core.sync.client_push", "apply_push"),
    "preview_push": ("allhub_core.sync.client_push", "preview_push"),
    "push_target": ("allhub_core.sync.client_push", "push_target"),
    "push_targets": ("allhub_core.sync.client_push", "push_targets"),
    "save_push_target": ("allhub_core.sync.client_push", "save_push_target"),
    "CredentialCheckReport": ("allhub_core.sync.credential_checks", "CredentialCheckReport"),
    "check_credentials": ("allhub_core.sync.credential_checks", "check_credentials"),
    "export_credentials": ("allhub_core.sync.credential_export", "export_credentials"),
    "credentials_for": ("allhub_core.sync.credentials", "credentials_for"),
    "politeness_for": ("allhub_core.sync.credentials", "politeness_for"),
    "Diagnosis": ("allhub_core.sync.diagnosis", "Diagnosis"),
    "diagnose": ("allhub_core.sync.diagnosis", "diagnose"),
    "DEFAULT_KEY_NAME": ("allhub_core.sync.keys", "DEFAULT_KEY_NAME"),
    "KeyCreateReport": ("allhub_core.sync.keys", "KeyCreateReport"),
    "KeyDeleteReport": ("allhub_core.sync.keys", "KeyDeleteReport"),
    "KeyEnsureReport": ("allhub_core.sync.keys", "KeyEnsureReport"),
    "KeySyncReport": ("allhub_core.sync.keys", "KeySyncReport"),
    "create_key": ("allhub_core.sync.keys", "create_key"),
    "delete_keys": ("allhub_core.sync.keys", "delete_keys"),
    "ensure_keys": ("allhub_core.sync.keys", "ensure_keys"),
    "provision_default_key": ("allhub_core.sync.keys", "provision_default_key"),
    "reveal_key": ("allhub_core.sync.keys", "reveal_key"),
    "reveal_keys": ("allhub_core.sync.keys", "reveal_keys"),
    "sync_keys": ("allhub_core.sync.keys", "sync_keys"),
    "update_key": ("allhub_core.sync.keys", "update_key"),
    "NoticeReadReport": ("allhub_core.sync.notices", "NoticeReadReport"),
    "NoticeSyncReport": ("allhub_core.sync.notices", "NoticeSyncReport"),
    "read_notices": ("allhub_core.sync.notices", "read_notices"),
    "sync_notices": ("allhub_core.sync.notices", "sync_notices"),
    "OnboardReport": ("allhub_core.sync.onboarding", "OnboardReport"),
    "host_of": ("allhub_core.sync.onboarding", "host_of"),
    "onboard": ("allhub_core.sync.onboarding", "onboard"),
    "recognize_and_fill": ("allhub_core.sync.onboarding", "recognize_and_fill"),
    "recognize_and_refresh": ("allhub_core.sync.onboarding", "recognize_and_refresh"),
    "recognize_input": ("allhub_core.sync.onboarding", "recognize_input"),
    "ModelSyncReport": ("allhub_core.sync.prices", "ModelSyncReport"),
    "sync_models": ("allhub_core.sync.prices", "sync_models"),
    "RedeemReport": ("allhub_core.sync.redeem", "RedeemReport"),
    "redeem_codes": ("allhub_core.sync.redeem", "redeem_codes"),
    "retry_redemptions": ("allhub_core.sync.redeem", "retry_redemptions"),
    "RefreshReport": ("allhub_core.sync.refreshes", "RefreshReport"),
    "refresh": ("allhub_core.sync.refreshes", "refresh"),
    "write_refresh_results": ("allhub_core.sync.refreshes", "write_refresh_results"),
    "UsageSyncReport": ("allhub_core.sync.usage", "UsageSyncReport"),
    "sync_usage": ("allhub_core.sync.usage", "sync_usage"),
}


__getattr__, __dir__ = lazy_facade(__name__, _HOME)

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
