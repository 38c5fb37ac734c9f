"""Refresh and check-in through the store, against the sandbox relay sites over real HTTP."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace

import pytest
from shared import fast_politeness

from allhub_core import accounts as acc
from allhub_core.accounts import AccountInput, add_account, set_disabled, set_preference
from allhub_core.cli.main import main
from allhub_core.errors import ValidationError
from allhub_core.sandbox import demo_accounts
from allhub_core.sites import RefreshResult
from allhub_core.store import Store
from allhub_core.sync import (
    RefreshReport,
    checkin,
    count_in_run,
    credentials_for,
    recognize_and_fill,
    recognize_input,
    refresh,
    todays_checkins,
)

FAST = fast_politeness(read_timeout=1.0, retries=1, retries_429=1)


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(users_per_site=2, seed=3)


pytestmark = pytest.mark.usefixtures("fresh_sites")  # each test starts from the seeded sites


def _load(store, sandbox, dialects=None):
    ids = {}
    for row in demo_accounts(sandbox):
        if dialects and row["dialect"] not in dialects:
            continue
        aid = add_account(store, AccountInput(
            site_url=row["site_url"], site_name=f"{row['site_name']} {row['username']}", site_type=row["site_type"],
            user_id=row["user_id"], username=row["username"], auth_type=row["auth_type"],
            access_token=row.get("access_token") or "", cookie=row.get("cookie") or "",
            refresh_token=row.get("refresh_token") or ""))
        ids[(row["dialect"], row["user_id"])] = aid
    return ids


def test_refresh_every_dialect_writes_figures_in_one_batch(store, sandbox):
    ids = _load(store, sandbox)
    assert {d for d, _ in ids} >= {"new-api", "one-api", "veloera", "sub2api", "anyrouter", "done-hub"}
    outcome = refresh(store, politeness=FAST)
    assert not outcome.failed, [(r.account_id, r.health_reason) for r in outcome.failed]
    records = {r["id"]: r for r in acc.account_records(store)}
    for (dialect, _uid), aid in ids.items():
        rec = records[str(aid)]
        assert rec["health_status"] == "healthy", (dialect, rec["health_reason"])
        assert rec["quota"] > 0 and rec["last_sync_time"] is not None, dialect
    # today's figures are available where the dialect has logs
    newapi = records[str(ids[("new-api", next(u for d, u in ids if d == "new-api"))])]
    assert newapi["today_consumption_usd"] is not None


def test_refresh_skips_recently_synced_unless_forced(store, sandbox):
    _load(store, sandbox, dialects={"one-api"})
    first = refresh(store, politeness=FAST)
    assert len(first.results) == 2
    again = refresh(store, politeness=FAST)
    assert again.results == [] and len(again.skipped) == 2 and "skipped" in again.summary()
    assert len(refresh(store, force=True, politeness=FAST).results) == 2


def test_fault_keeps_last_good_figures_and_others_unaffected(store, sandbox):
    ids = _load(store, sandbox, dialects={"new-api"})
    refresh(store, politeness=FAST)
    before = {r["id"]: r for r in acc.account_records(store)}
    (_, hit_uid), (_, ok_uid) = sorted(ids)
    sandbox.site("new-api").inject("500", user_id=int(hit_uid))
    outcome = refresh(store, force=True, politeness=FAST)
    after = {r["id"]: r for r in acc.account_records(store)}
    hit, ok = str(ids[("new-api", hit_uid)]), str(ids[("new-api", ok_uid)])
    assert after[hit]["health_status"] == "warning" and after[hit]["health_reason"].startswith("HTTP 500")
    assert after[hit]["quota"] == before[hit]["quota"]  # nothing lost
    assert after[ok]["health_status"] == "healthy"
    assert len(outcome.failed) == 1


@pytest.mark.parametrize("kind,kwargs,health", [
    ("401", {}, "warning"), ("403_html", {}, "warning"), ("html_200", {}, "unknown"),
    ("malformed_json", {}, "unknown"), ("slow", {"ms": 2500}, "error"), ("429", {"retry_after": 0}, "warning"),
])
def test_fault_matrix_through_the_store(store, sandbox, kind, kwargs, health):
    _load(store, sandbox, dialects={"veloera"})
    sandbox.site("veloera").inject(kind, **kwargs)
    refresh(store, politeness=FAST)
    for rec in acc.account_records(store):
        assert rec["health_status"] == health, rec["health_reason"]
        assert rec["health_reason"]


def test_unreachable_site_is_error_with_reason(store):
    aid = add_account(store, AccountInput(site_url="http://127.0.0.1:9", site_name="Closed", user_id="1",
                                          access_token="tok-abcdefghijklmnop"))
    outcome = refresh(store, politeness=FAST)
    rec = acc.get_account(store, aid)
    assert rec["health_status"] == "error" and "connect" in rec["health_reason"].lower()
    assert outcome.failed


def test_checkin_twice_and_unsupported(store, sandbox):
    ids = _load(store, sandbox, dialects={"new-api", "one-api", "veloera", "wong-gongyi", "anyrouter"})
    first = {r.account_id: r.result for r in checkin(store, politeness=FAST)}
    by_dialect = {d: first[str(a)] for (d, _), a in ids.items()}
    assert by_dialect["new-api"] == "success" and by_dialect["veloera"] == "success"
    assert by_dialect["wong-gongyi"] == "success" and by_dialect["anyrouter"] == "success"
    assert by_dialect["one-api"] == "unsupported"
    second = {r.account_id: r.result for r in checkin(store, politeness=FAST)}
    assert {second[str(a)] for (d, _), a in ids.items() if d != "one-api"} == {"already_checked"}
    # one-api is now known to have no check-in and is left out of "all"
    assert all(str(a) not in second for (d, _), a in ids.items() if d == "one-api")
    states = {r["id"]: r["state"] for r in todays_checkins(store)}
    assert states[ids[next(k for k in ids if k[0] == "new-api")]] == "checked"


def test_sub2api_rotated_tokens_are_persisted_encrypted(store, sandbox, db_path):
    ids = _load(store, sandbox, dialects={"sub2api"})
    site = sandbox.site("sub2api")
    aid = next(iter(ids.values()))
    old = acc.get_secrets(store, [aid])[aid]
    site.expire_access_tokens()
    outcome = refresh(store, [aid], politeness=FAST)
    assert outcome.results[0].ok, outcome.results[0].health_reason
    new = acc.get_secrets(store, [aid])[aid]
    assert new["refresh_token"] != old["refresh_token"] and new["access_token"] != old["access_token"]
    assert new["refresh_token"].encode() not in db_path.read_bytes()
    outcome = refresh(store, [aid], force=True, politeness=FAST)  # the rotated token works next time
    assert outcome.results[0].ok


def test_recognize_and_fill_by_login(store, sandbox):
    site = sandbox.site("new-api")
    user = next(u for u in site.users if not (u.two_factor or u.turnstile or u.disabled))
    data, note = recognize_and_fill(AccountInput(site_url=site.url + "/panel", username=user.username),
                                    password=user.password, politeness=FAST)
    assert note == ""
    assert (data.site_type, data.user_id, data.username) == ("new-api", str(user.id), user.username)
    assert data.access_token and data.health_status == "healthy"
    aid = add_account(store, data)
    assert acc.get_account(store, aid)["site_url"] == site.url


def test_recognize_failure_saves_with_warning_only_when_enough_given(store):
    data = AccountInput(site_url="http://127.0.0.1:9", user_id="5", access_token="tok-abcdefghijklmnop")
    filled, note = recognize_and_fill(data, politeness=FAST)
    assert filled.health_status == "warning" and "Saved without live data" in note
    with pytest.raises(ValidationError):
        recognize_and_fill(AccountInput(site_url="http://127.0.0.1:9", access_token="tok-abcdefghijklmnop"),
                           politeness=FAST)


def test_cli_refresh_and_checkin_json_and_exit_codes(sandbox, capsys, monkeypatch):

    store = Store()
    ids = _load(store, sandbox, dialects={"new-api"})
    code = main(["refresh", "--json", "--per-site-rpm", "0"])
    rows = json.loads(capsys.readouterr().out)
    assert code == 0 and {r["id"] for r in rows} == {str(a) for a in ids.values()}
    assert all(r["ok"] and r["health_status"] == "healthy" for r in rows)
    code = main(["checkin", "--json", "--per-site-rpm", "0"])
    rows = json.loads(capsys.readouterr().out)
    assert code == 0 and {r["result"] for r in rows} == {"success"}
    code = main(["checkin", "--json", "--per-site-rpm", "0"])
    rows = json.loads(capsys.readouterr().out)
    assert {r["result"] for r in rows} == {"already_checked"} and all(r["message"] for r in rows)
    sandbox.site("new-api").inject("401")
    code = main(["refresh", "--json", "--force", "--per-site-rpm", "0"])
    rows = json.loads(capsys.readouterr().out)
    assert code == 1 and {r["health_status"] for r in rows} == {"warning"}
    code = main(["refresh", "--per-site-concurrency", "0"])
    assert code == 2 and "at least 1" in capsys.readouterr().err


def test_no_secret_in_cli_output_or_logs(store, sandbox, capsys, caplog):

    caplog.set_level(logging.DEBUG)
    ids = _load(store, sandbox, dialects={"new-api", "sub2api"})
    secrets = [s for v in acc.get_secrets(store, list(ids.values())).values() for s in v.values() if s]
    sandbox.site("new-api").inject("500")
    main(["refresh", "--force", "--per-site-rpm", "0"])
    main(["account", "list", "--csv"])
    out = capsys.readouterr()
    text = out.out + out.err + caplog.text
    assert secrets and not any(s in text for s in secrets)


def _no_bucket():

    set_preference(Store(), "per_site_rpm", 0)  # our own sandbox: no need to be polite


def test_cli_account_add_recognises_by_token_and_by_login(sandbox, capsys):
    _no_bucket()
    site = sandbox.site("veloera")
    user = next(u for u in site.users if not (u.two_factor or u.turnstile or u.disabled))
    code = main(["account", "add", "--url", site.url + "/console", "--token", user.access_token, "--user-id",
                 str(user.id), "--tag", "cli", "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    rec = json.loads(out.out)
    assert (rec["site_type"], rec["user_id"], rec["health_status"]) == ("Veloera", str(user.id), "healthy")
    assert rec["quota"] > 0 and rec["last_sync_time"] is not None and user.access_token not in out.out
    other = sandbox.site("one-api")
    u2 = other.users[0]
    code = main(["account", "add", "--url", other.url, "--username", u2.username, "--password", u2.password,
                 "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    rec = json.loads(out.out)
    assert rec["site_type"] == "one-api" and rec["username"] == u2.username and u2.password not in out.out + out.err


def test_cli_account_add_bad_inputs_one_sentence(sandbox, capsys):
    _no_bucket()
    site = sandbox.site("new-api")
    # A site that answers "no" (wrong token, wrong user id) is an item that failed (exit 1);
    # what the user must change before any site is asked, or could not be asked, is exit 2.
    cases = [
        (["--url", "http://127.0.0.1:9", "--token", "tok-abcdefghijklmnop"], "connect", 2),
        (["--url", site.url, "--token", "wrong-token-abcdefgh", "--user-id", "1001"], "access token", 1),
        (["--url", site.url, "--token", site.users[0].access_token, "--user-id", "999999"], "user", 1),
        (["--url", "http://127.0.0.1:9", "--token", "tok-abcdefghijklmnop", "--user-id", "1", "--site-type", "bogus"], "site type", 2),
        (["--url", "https://nonexistent.invalid", "--token", "tok-abcdefghijklmnop"], "DNS", 2),
    ]
    for extra, needle, expected in cases:
        code = main(["account", "add", *extra])
        err = capsys.readouterr().err
        assert code == expected, err
        assert needle in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert json.loads((main(["account", "list", "--json"]), capsys.readouterr().out)[1]) == []


@pytest.mark.parametrize("dialect", ["new-api", "veloera", "wong-gongyi"])
def test_turnstile_checkin_needs_browser_with_link(store, sandbox, dialect):
    ids = _load(store, sandbox, dialects={dialect})
    sandbox.site(dialect).turnstile = True
    results = checkin(store, politeness=FAST)
    assert {r.result for r in results} == {"needs_browser"}, [(r.result, r.message) for r in results]
    rows = {r["id"]: r for r in todays_checkins(store)}
    for aid in ids.values():
        assert rows[aid]["result"] == "needs_browser"
        assert rows[aid]["checkin_url"] == sandbox.site(dialect).url


def test_refused_checkin_does_not_mark_a_broken_account_healthy(store, sandbox):
    site = sandbox.site("new-api")
    user = site.users[0]
    aid = add_account(store, AccountInput(site_url=site.url, site_name="Revoked", site_type="new-api",
                                          user_id=str(user.id), access_token="revoked-token-0000000000"))
    refresh(store, politeness=FAST)
    before = acc.get_account(store, aid)
    assert before["health_status"] == "warning"
    results = checkin(store, [aid], politeness=FAST)
    assert results[0].result == "failed"
    after = acc.get_account(store, aid)
    assert (after["health_status"], after["health_reason"]) == (before["health_status"], before["health_reason"])


def test_tls_error_is_one_sentence_and_error_health(store, sandbox, capsys):
    """https:// to a plain-HTTP server: the TLS handshake fails; one sentence, health error."""
    url = sandbox.site("new-api").url.replace("http://", "https://")
    aid = add_account(store, AccountInput(site_url=url, site_name="TLS", user_id="1001",
                                          access_token="tok-abcdefghijklmnop"))
    refresh(store, politeness=FAST)
    rec = acc.get_account(store, aid)
    assert rec["health_status"] == "error" and rec["health_reason"].startswith("TLS error")
    code = main(["account", "add", "--url", url, "--token", "tok-abcdefghijklmnop"])
    err = capsys.readouterr().err
    assert code == 2 and "TLS" in err and len(err.strip().splitlines()) == 1


def test_recognise_refuses_a_credential_no_header_can_carry_before_any_request(sandbox):
    # The Add page's "Recognise" step: a non-ASCII token is one sentence, and the site sees nothing.

    site = sandbox.site("new-api")
    site.clear_requests()
    res = recognize_input(AccountInput(site_url=site.url, access_token="tökén-123", user_id="1"))
    assert not res.ok and res.message.startswith("The access token may contain only ASCII")
    assert site.requests == []


def test_the_progress_count_is_the_accounts_a_run_takes(store, sandbox):
    # The pages size their progress bar with count_in_run (no secrets decrypted): it must be the
    # number of accounts the run itself reads, for refresh and for check-in.

    ids = list(_load(store, sandbox).values())
    set_disabled(store, ids[:1], True)
    assert count_in_run(store) == len(credentials_for(store, None)) == len(ids) - 1
    assert count_in_run(store, checkin=True) == len(credentials_for(store, None, checkin=True))


def test_the_refresh_summary_ends_each_sentence_before_the_next():
    """A site's reason may end without a full stop; the usage-sync sentence must not run on."""


    failed = RefreshResult(account_id="3", ok=False, health_status="warning",
                           health_reason="HTTP 401: invalid access token")
    usage = SimpleNamespace(results=[object()], summary=lambda: "Usage sync: 2 account(s), 37 new row(s).")
    report = RefreshReport([failed], [], {"3": "veloera user1"}, usage=usage)
    assert report.summary(details=3) == ("Refresh complete: 0 succeeded, 1 failed. veloera user1: HTTP 401: "
                                         "invalid access token. Usage sync: 2 account(s), 37 new row(s).")
