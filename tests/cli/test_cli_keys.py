"""``allhub keys ...`` in-process against the sandbox sites over real HTTP: cli.md's JSON keys
exactly, the secret only in ``keys reveal`` (never in a list, JSON, CSV or an error), bad input one
sentence with exit 2 that changes nothing."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta

import pytest
from shared import add_demo_account

from allhub_core.accounts import set_preference
from allhub_core.cli.main import main
from allhub_core.keys import kept_secret, key_rows

LIST_KEYS = ["account_id", "key_id", "name", "masked_key", "group", "status", "unlimited", "remaining_usd", "used_usd",
             "expires_at", "fetched_at"]


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api", "one-api", "voapi-v2"], users_per_site=2, seed=23)


pytestmark = pytest.mark.usefixtures("fresh_sites")


def _add(store, sandbox, dialect, index=0):
    found = add_demo_account(store, sandbox, dialect, index)
    set_preference(store, "per_site_window_requests", 0)  # our own loopback sites
    return found


def _run(db_path, capsys, *argv):
    try:
        code = main(["--db", str(db_path), "keys", *argv])
    except SystemExit as exc:  # argparse's own refusals
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_sync_list_json_csv_and_table(store, sandbox, db_path, capsys):
    aid, _, user = _add(store, sandbox, "new-api")
    oid, _, ouser = _add(store, sandbox, "one-api")
    vid, _, vuser = _add(store, sandbox, "voapi-v2")
    code, out, _ = _run(db_path, capsys, "sync", "--json")
    assert code == 0
    by = {r["account_id"]: r for r in json.loads(out)}
    assert by[aid]["status"] == "ok" and by[aid]["keys"] == len(user.tokens)
    assert by[vid]["status"] == "ok" and by[vid]["keys"] == len(vuser.tokens)

    code, out, _ = _run(db_path, capsys, "list", "--json")
    rows = json.loads(out)
    assert code == 0 and all(list(r) == LIST_KEYS for r in rows)
    assert {r["account_id"] for r in rows} == {aid, oid} | ({vid} if vuser.tokens else set())
    assert len(rows) == len(user.tokens) + len(ouser.tokens) + len(vuser.tokens)
    r = rows[0]
    assert isinstance(r["unlimited"], bool) and r["status"] in ("enabled", "disabled", "expired", "exhausted")
    assert (r["remaining_usd"] is None) == r["unlimited"] and isinstance(r["used_usd"], float)

    code, out, _ = _run(db_path, capsys, "list", "--account", str(oid), "--csv")
    table = list(csv.reader(io.StringIO(out)))
    assert code == 0 and table[0] == LIST_KEYS and len(table) == 1 + len(ouser.tokens)
    code, out, _ = _run(db_path, capsys, "list")
    assert code == 0 and "KEY (MASKED)" in out
    everything = json.dumps(rows) + out
    for t in user.tokens + ouser.tokens + vuser.tokens:  # One API lists full keys; the store keeps them masked
        assert t.key not in everything


def test_create_prints_the_row_and_reveal_prints_only_the_key(store, sandbox, db_path, capsys):
    aid, _site, user = _add(store, sandbox, "new-api")
    day = (date.today() + timedelta(days=7)).isoformat()
    code, out, err = _run(db_path, capsys, "create", "--account", str(aid), "--name", "cli", "--quota-usd", "3",
                          "--group", "vip", "--expires", day, "--json")
    assert code == 0, err
    row = json.loads(out)
    assert list(row) == LIST_KEYS and row["name"] == "cli" and row["group"] == "vip" and row["remaining_usd"] == 3.0
    assert datetime.fromisoformat(row["expires_at"]).astimezone().date().isoformat() == day  # the end of that day
    made = next(t for t in user.tokens if str(t.id) == row["key_id"])
    assert made.key not in out

    code, out, err = _run(db_path, capsys, "reveal", "--account", str(aid), row["key_id"])
    assert code == 0 and out == "sk-" + made.key + "\n" and err == ""  # as a client takes it
    assert kept_secret(store, aid, row["key_id"]) is None
    code, out, _ = _run(db_path, capsys, "reveal", "--account", str(aid), row["key_id"], "--keep")
    assert code == 0 and kept_secret(store, aid, row["key_id"]) == made.key

    code, out, _ = _run(db_path, capsys, "list", "--json")
    assert made.key not in out and [r for r in json.loads(out) if r["key_id"] == row["key_id"]]
    code, out, _ = _run(db_path, capsys, "list", "--csv")
    assert made.key not in out


def test_bad_input_is_one_sentence_exit_2_and_changes_nothing(store, sandbox, db_path, capsys):
    aid, site, user = _add(store, sandbox, "new-api")
    count = len(user.tokens)
    site.clear_requests()
    cases = [
        ("create", "--account", str(aid), "--quota-usd", "-2"),
        ("create", "--account", str(aid), "--quota-usd", "abc"),
        ("create", "--account", str(aid), "--quota-usd", "2", "--unlimited"),
        ("create", "--account", str(aid), "--expires", "2020-01-01"),
        ("create", "--account", str(aid), "--expires", "tomorrow"),
        ("create", "--account", "abc"),
        ("create", "--account", "999"),
        ("reveal", "--account", str(aid), "not an id"),
        ("list", "--account", "999"),
        ("rm", "--account", str(aid), "1"),  # no --yes and no terminal
        ("sync", "999"),
        ("ensure", "x"),
    ]
    for argv in cases:
        code, out, err = _run(db_path, capsys, *argv)
        assert code == 2, (argv, err)
        assert out == "" and err.startswith("allhub: ") and err.count("\n") == 1, (argv, err)
        assert "Traceback" not in err
    assert len(user.tokens) == count and site.requests == [] and key_rows(store) == []


def test_rm_and_an_unknown_key_and_a_refusing_site(store, sandbox, db_path, capsys):
    aid, site, user = _add(store, sandbox, "new-api")
    token = user.tokens[0]
    code, _out, err = _run(db_path, capsys, "rm", "--account", str(aid), "424242", "--yes")
    assert code == 2 and "nothing was deleted" in err and len(user.tokens) > 0
    code, out, _ = _run(db_path, capsys, "rm", "--account", str(aid), str(token.id), "--yes", "--json")
    rows = json.loads(out)
    on_site = {str(t.id) for t in user.tokens}
    assert rows[0]["ok"] is True and code == 0 and str(token.id) not in on_site
    other = user.tokens[0]
    site.inject("echo_secret", path="/api/token", alter="none")  # the site quotes the token back
    code, out, err = _run(db_path, capsys, "reveal", "--account", str(aid), str(other.id))
    assert code == 1 and out == "" and user.access_token not in err and other.key not in err
    assert err.count("\n") == 1


def test_ensure_twice_creates_once(store, sandbox, db_path, capsys):
    aid, _, user = _add(store, sandbox, "new-api")
    user.tokens.clear()
    code, out, _ = _run(db_path, capsys, "ensure", "--all-groups", "--json")
    first = json.loads(out)[0]
    assert code == 0 and first["status"] == "created" and {c["group"] for c in first["created"]} == {"default", "vip"}
    code, out, _ = _run(db_path, capsys, "ensure", "--all-groups")
    assert code == 0 and "0 key(s) created" in out and len(user.tokens) == 2
    assert not any(t.key in out for t in user.tokens)
    code, out, _ = _run(db_path, capsys, "ensure", str(aid), "--json")
    assert code == 0 and json.loads(out)[0]["created"] == []


def test_update_prints_the_changed_row_and_touches_nothing_else(store, sandbox, db_path, capsys):
    aid, _site, user = _add(store, sandbox, "new-api")
    token = user.tokens[0]
    group, name = token.group, token.name
    day = (date.today() + timedelta(days=5)).isoformat()
    code, out, err = _run(db_path, capsys, "update", "--account", str(aid), str(token.id), "--quota-usd", "4",
                          "--expires", day, "--json")
    assert code == 0, err
    row = json.loads(out)
    assert list(row) == LIST_KEYS and row["key_id"] == str(token.id) and row["remaining_usd"] == 4.0
    assert datetime.fromisoformat(row["expires_at"]).astimezone().date().isoformat() == day
    assert token.remain_quota == 2_000_000 and not token.unlimited_quota and token.name == name
    assert token.group == group and token.key not in out
    code, out, err = _run(db_path, capsys, "update", "--account", str(aid), str(token.id), "--unlimited",
                          "--expires", "never", "--name", "renamed")
    assert code == 0 and err == "" and "Updated key 'renamed'" in out and "unlimited" in out and "never" in out
    assert token.unlimited_quota and token.expired_time == -1 and token.name == "renamed"


def test_update_bad_input_is_one_sentence_exit_2_and_sends_nothing(store, sandbox, db_path, capsys):
    aid, site, user = _add(store, sandbox, "new-api")
    token = user.tokens[0]
    before = (token.name, token.remain_quota, token.unlimited_quota, token.expired_time)
    site.clear_requests()
    kid = str(token.id)
    cases = [
        ("update", "--account", str(aid), kid),  # nothing to change
        ("update", "--account", str(aid), kid, "--quota-usd", "0"),
        ("update", "--account", str(aid), kid, "--quota-usd", "lots"),
        ("update", "--account", str(aid), kid, "--quota-usd", "1", "--unlimited"),
        ("update", "--account", str(aid), kid, "--expires", "2020-01-01"),
        ("update", "--account", str(aid), kid, "--expires", "someday"),
        ("update", "--account", str(aid), kid, "--name", ""),
        ("update", "--account", str(aid), "not an id", "--name", "x"),
        ("update", "--account", "999", kid, "--name", "x"),
        ("update", "--account", "abc", kid, "--name", "x"),
        ("update", kid, "--name", "x"),  # no account
    ]
    for argv in cases:
        code, out, err = _run(db_path, capsys, *argv)
        assert code == 2, (argv, err)
        assert out == "" and err.startswith("allhub: ") and err.count("\n") == 1, (argv, err)
        assert "Traceback" not in err
    assert site.requests == [] and (token.name, token.remain_quota, token.unlimited_quota, token.expired_time) == before
    code, _out, err = _run(db_path, capsys, "update", "--account", str(aid), "424242", "--name", "ghost")
    assert code == 2 and "no key with id 424242" in err and err.count("\n") == 1
