"""The redemptions table on a real DuckDB file: one row per account and code, a settled code
found again by its hash, a retryable one kept sealed until it is settled, nothing readable but
the masked form; the accounts a pasted text points at."""

from __future__ import annotations

from datetime import UTC, datetime

from allhub_core.accounts import AccountInput, add_account, set_disabled
from allhub_core.redeem import (
    Outcome,
    Redemption,
    list_redemptions,
    mask_code,
    record_redemption,
    retryable_redemptions,
    settled,
    suggest_accounts,
)

CODE = "SBXabcdefghijklmnopqrstuvwxyz123"
OTHER = "0123456789abcdef0123456789abcdef"


def _account(store, url: str, name: str, **extra) -> int:
    return add_account(store, AccountInput(site_url=url, site_name=name, site_type="new-api", user_id="1",
                                           username=name, auth_type="access_token", access_token="tok-" + name,
                                           **extra))


def _write(store, *records: Redemption) -> None:
    with store.write() as con:
        for r in records:
            record_redemption(store, con, r, datetime.now(UTC))


def test_settled_retryable_and_one_row_per_account_and_code(store):
    a = _account(store, "https://a.example.com", "a")
    b = _account(store, "https://b.example.com", "b")
    _write(store, Redemption(a, CODE, Outcome.NETWORK, "no answer"), Redemption(a, OTHER, Outcome.USED, "used"))
    assert set(settled(store, a, [CODE, OTHER])) == {OTHER}
    assert settled(store, b, [CODE, OTHER]) == {}  # another account: its own rows
    [pending] = retryable_redemptions(store)
    assert (pending.account_id, pending.code) == (a, CODE)

    _write(store, Redemption(a, CODE, Outcome.CREDITED, "Credited $2.00.", 1_000_000))
    assert retryable_redemptions(store) == [] and set(settled(store, a, [CODE])) == {CODE}
    rows = list_redemptions(store)
    assert len(rows) == 2 and {r["code"] for r in rows} == {mask_code(CODE), mask_code(OTHER)}
    credited = next(r for r in rows if r["outcome"] == "credited")
    assert credited["credited_usd"] == 2.0 and credited["ok"] is True and credited["site_name"] == "a"
    with store.read() as con:
        dump = repr(con.execute("SELECT * EXCLUDE (code_enc) FROM redemptions").fetchall())
        sealed = con.execute("SELECT count(*) FROM redemptions WHERE code_enc IS NOT NULL").fetchone()[0]
    assert CODE not in dump and OTHER not in dump and sealed == 0


def test_suggest_from_urls_and_domains(store):
    a = _account(store, "https://api.relay-one.com", "one")
    b = _account(store, "https://relay-two.org", "two", redeem_url="https://cdk.example.net/redeem")
    c = _account(store, "http://127.0.0.1:8001", "local")
    _account(store, "http://127.0.0.1:8002", "local-other")
    off = _account(store, "https://relay-one.com", "off")
    set_disabled(store, [off], True)

    assert [r["account_id"] for r in suggest_accounts(store, "码在 relay-one.com 上用")] == [a]
    hit = suggest_accounts(store, "go to https://cdk.example.net/x?y=1 and relay-two.org")
    assert [(r["account_id"], r["by"]) for r in hit] == [(b, "redeem URL")]
    assert [r["account_id"] for r in suggest_accounts(store, "http://127.0.0.1:8001/console/topup")] == [c]
    assert suggest_accounts(store, "nothing about a site, just 1.5 and v2.0") == []
