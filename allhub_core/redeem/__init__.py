"""Redemption (L3): top-up codes found in pasted text and what became of each one.

``codes``: ``find_codes(text, strict=False)`` by the extension's rules (relaxed: any 32-character
token after trimming punctuation; strict: 32 hex digits), ``mask_code`` (what lists, logs and
errors show), ``code_hash``. ``suggest``: ``suggest_accounts(store, text)``, the accounts a URL or
domain in the text points at. ``sample``: a sample text for the page (the demo's), sealed.
``records``: the ``redemptions`` table (one row per account and code; ``settled``: credited, used
or invalid, never sent again; a code that got no answer kept sealed and retryable until it is
settled). The site call is a family operation (``sites``: redeem); ``sync/redeem.py`` joins it to
this room. It imports ``store`` and L0, never ``net``, ``sites`` or another L3 room.
"""

from allhub_core.redeem.codes import CODE_LENGTH, code_hash, find_codes, is_possible_code, mask_code
from allhub_core.redeem.records import (
    SETTLED,
    Outcome,
    Pending,
    Redemption,
    list_redemptions,
    record_redemption,
    retryable_redemptions,
    settled,
)
from allhub_core.redeem.sample import sample_text, set_sample_text
from allhub_core.redeem.suggest import hosts_in, suggest_accounts

__all__ = [
    "CODE_LENGTH",
    "SETTLED",
    "Outcome",
    "Pending",
    "Redemption",
    "code_hash",
    "find_codes",
    "hosts_in",
    "is_possible_code",
    "list_redemptions",
    "mask_code",
    "record_redemption",
    "retryable_redemptions",
    "sample_text",
    "set_sample_text",
    "settled",
    "suggest_accounts",
]
