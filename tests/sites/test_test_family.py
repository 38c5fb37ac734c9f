"""A family added in a test: one module (``acme_family``) plus one registration call.

Issue 17's "done means" for families: with no other edit to ``allhub_core``, an account on an
Acme Relay site (a tiny local HTTP server) is recognised from its address and token alone, added,
refreshed, checked in, imported from an All API Hub backup (with the extension's legacy check-in
and the family's own refresh-token field) and exported back the same way.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from acme_family import ACME, ACME_CHECKIN, AcmeFamily, AcmeSite

from allhub_core.accounts import AccountInput, account_records, get_account, get_secrets
from allhub_core.sites import FAMILIES, recognize, register_family, unregister_family
from allhub_core.sync import checkin, onboard, refresh
from allhub_core.transfer import apply_import, build_extension_backup, parse_backup
from allhub_core.vocab import QUOTA_PER_USD, SITE_TYPES


@pytest.fixture
def acme():
    register_family(AcmeFamily())  # the one line that adds the family
    site = AcmeSite()
    yield site
    site.close()
    unregister_family(ACME)
    assert ACME not in FAMILIES and ACME not in SITE_TYPES


def _backup(url: str) -> str:
    """An All API Hub 4.0 backup holding one Acme account at config version 6 (before the
    method-aware check-in), its refresh token in the family's own field."""
    account = {
        "id": "account-acme-1", "site_name": "Acme from the extension", "site_url": url, "site_type": ACME,
        "health": {"status": "healthy"}, "exchange_rate": 7.2,
        "account_info": {"id": 77, "access_token": "acme-token-of-bob-0123", "username": "bob", "quota": 1_000_000},
        "created_at": 1714464000000, "updated_at": 1714550400000, "user_updated_at": 1714464000000,
        "last_sync_time": 1714550400000, "authType": "access_token", "tagIds": [],
        "checkIn": {"enableDetection": True, "siteStatus": {"isCheckedInToday": False}},
        "acmeAuth": {"refreshToken": "acme-refresh-0123456789", "tokenExpiresAt": 1900000000000},
        "configVersion": 6,
    }
    return json.dumps({"version": "4.0", "timestamp": 1714550400000, "accounts": {"accounts": [account]}})


def test_a_family_added_in_a_test_is_recognised_refreshed_checked_in_imported_and_exported(acme, store, fast):
    # recognised from the address and token alone: the family's own probe is asked and matches
    found = asyncio.run(recognize(acme.url, access_token=AcmeSite.TOKEN, politeness=fast))
    assert (found.ok, found.site_type, found.username, found.quota) == (True, ACME, "alice", 6_250_000)

    # added (site type found by detection) and refreshed right away
    report = onboard(store, AccountInput(site_url=acme.url, access_token=AcmeSite.TOKEN), politeness=fast)
    assert report.refreshed is not None and report.refreshed.ok, report.summary()
    added = get_account(store, report.account_id)
    assert added["site_type"] == ACME
    assert (added["quota"], added["username"], added["checkin_status"]) == (6_250_000, "alice", "not_checked")

    # refreshed: the new balance reaches the store
    acme.balance_usd = 20
    assert refresh(store, [report.account_id], force=True, politeness=fast).results[0].ok
    assert get_account(store, report.account_id)["quota"] == 20 * QUOTA_PER_USD

    # checked in: one POST, the reward, then "already" without a second reward
    done = checkin(store, [report.account_id], politeness=fast)
    assert [r.result for r in done.results] == ["success"], done.results[0].message
    assert done.results[0].reward_quota == QUOTA_PER_USD // 2 and acme.checkin_posts == 1
    assert get_account(store, report.account_id)["checkin_status"] == "checked"
    again = checkin(store, [report.account_id], politeness=fast)
    assert [r.result for r in again.results] == ["already_checked"] and acme.checkin_posts == 2

    # imported from an All API Hub backup: the type kept (not "unknown"), the legacy check-in read
    # as the family's method, the refresh token taken from the family's own field
    bundle = parse_backup(_backup(acme.url))
    incoming = bundle.accounts[0]
    assert incoming.problem == "" and incoming.values["site_type"] == ACME
    assert incoming.secrets["refresh_token"] == "acme-refresh-0123456789"
    apply_import(store, bundle, "merge")
    imported = next(a for a in account_records(store) if a["site_name"] == "Acme from the extension")
    assert imported["site_type"] == ACME and imported["checkin_method"] == "auto"
    assert get_secrets(store, [int(imported["id"])])[int(imported["id"])]["refresh_token"] == "acme-refresh-0123456789"

    # exported back: the type, the method, the refresh token in the family's field with its expiry
    out = {a["id"]: a for a in build_extension_backup(store)["accounts"]["accounts"]}["account-acme-1"]
    assert out["site_type"] == ACME
    assert out["acmeAuth"] == {"refreshToken": "acme-refresh-0123456789", "tokenExpiresAt": 1900000000000}
    assert "sub2apiAuth" not in out
    assert ACME_CHECKIN in out["checkIn"]["methodKnowledge"]["methods"]
    assert out["checkIn"]["selection"] == {"mode": "automatic", "methodId": ACME_CHECKIN}

