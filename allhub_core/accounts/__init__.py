"""Accounts (layer L3): the account entity on the store, and the facade other rooms use.

``model`` checks input, ``write`` adds and changes accounts (one transaction each),
``query`` filters, sorts and totals as SQL, ``checkin_today`` is the one rule for today's
check-in state (every surface and the scheduler use it), ``records`` is the Account JSON shape,
``grid`` the editable table, plus ``tags``, ``dedupe`` and ``preferences``. Pages, the CLI and other
rooms import from here, not from the modules. See docs/architecture.md.
"""

from allhub_core.accounts.checkin_today import CHECKIN_DONE_SQL, checked_today_sql, checkin_state_sql
from allhub_core.accounts.dedupe import KEEP_RULES, DedupeScan, DuplicateGroup, apply_dedupe, scan_duplicates
from allhub_core.accounts.grid import CHECKIN_BADGE, GRID_EDITABLE, HEALTH_BADGE, grid_changes, grid_frame, selected_ids
from allhub_core.accounts.model import (
    AUTH_TYPES,
    EDITABLE_FIELDS,
    MAX_EXCHANGE_RATE,
    SITE_TYPES,
    AccountInput,
    check_credentials,
    parse_exchange_rate,
    parse_id,
)
from allhub_core.accounts.preferences import (
    CURRENCIES,
    DEFAULTS,
    SORT_CRITERIA,
    SORT_FIELDS,
    WHOLE_NUMBER_LIMITS,
    get_preferences,
    normalize_sorting,
    set_preference,
    whole_number,
)
from allhub_core.accounts.query import (
    CHECKIN_FILTERS,
    AccountFilter,
    count_accounts,
    facet_counts,
    list_accounts,
    totals,
)
from allhub_core.accounts.records import account_records, get_account
from allhub_core.accounts.tags import create_tag, delete_tag, list_tags, normalize_tag_name, rename_tag
from allhub_core.accounts.write import (
    CHECKIN_METHODS,
    add_account,
    add_tag,
    checkin_methods,
    delete_accounts,
    delete_rows,
    duplicate_message,
    find_duplicates,
    get_secrets,
    refuse_duplicate,
    remove_tag,
    require_ids,
    set_checkin_method,
    set_disabled,
    set_manual_order,
    set_pinned,
    set_secrets,
    update_accounts,
)
from allhub_core.vocab import DEFAULT_EXCHANGE_RATE, QUOTA_PER_USD

__all__ = [
    "CHECKIN_DONE_SQL", "checked_today_sql", "checkin_state_sql",
    "KEEP_RULES", "DedupeScan", "DuplicateGroup", "apply_dedupe", "scan_duplicates",
    "CHECKIN_BADGE", "GRID_EDITABLE", "HEALTH_BADGE", "grid_changes", "grid_frame", "selected_ids",
    "CURRENCIES", "DEFAULTS", "SORT_CRITERIA", "SORT_FIELDS", "get_preferences", "normalize_sorting",
    "set_preference", "WHOLE_NUMBER_LIMITS", "whole_number",
    "CHECKIN_FILTERS", "AccountFilter", "count_accounts", "facet_counts", "list_accounts", "totals",
    "create_tag", "delete_tag", "list_tags", "normalize_tag_name", "rename_tag",
    "AUTH_TYPES", "check_credentials", "EDITABLE_FIELDS", "SITE_TYPES", "AccountInput", "account_records",
    "add_account", "add_tag",
    "delete_accounts", "delete_rows", "duplicate_message", "find_duplicates", "get_account", "get_secrets",
    "parse_exchange_rate", "parse_id", "refuse_duplicate", "remove_tag", "require_ids", "set_disabled",
    "set_manual_order",
    "set_pinned", "set_secrets", "update_accounts", "CHECKIN_METHODS", "checkin_methods", "set_checkin_method",
    "DEFAULT_EXCHANGE_RATE", "QUOTA_PER_USD", "MAX_EXCHANGE_RATE",
]
