"""CLI hardening: hostile text never drives the terminal, bad secrets and numbers are refused up
front with one sentence, JSON never holds NaN/Infinity, and a secrets export is private.

Invoked like tests/cli/test_cli.py (``main(argv)`` with capsys) on the real DuckDB file the
autouse fixture puts in tmp_path (ALLHUB_DB).
"""

from __future__ import annotations

import io
import json
import math
import os
import sys

import pytest

from allhub_core import accounts as acc
from allhub_core.accounts import AccountInput, add_account, get_preferences, get_secrets, set_preference
from allhub_core.cli import build_parser, main
from allhub_core.cli import data as cli
from allhub_core.errors import ValidationError
from allhub_core.sandbox import start_sandbox
from allhub_core.sites import CheckInOutcome, RefreshResult
from allhub_core.sync import checkins, refreshes
from allhub_core.transfer import json_text, to_json

TOKEN = "sk-HARDEN-SECRET-0123456789abcdef"
# OSC title + BEL, clear screen, cursor home, a C1 CSI (U+009B), DEL and NEL (U+0085).
EVIL = "\x1b]0;PWNED\x07\x1b[2J\x1b[H\x9b31m\x7f\x85 all accounts healthy"
CLOSED = "http://127.0.0.1:9"  # nothing listens: a test that reached the network would say so


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_exit(capsys, *argv):
    """For argparse errors, which leave through SystemExit."""
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def raw_controls(text: str) -> list[str]:
    """Characters that a terminal would act on (the CLI's own line ends aside)."""
    text = text.replace("\r\n", "\n")
    return [c for c in text if c != "\n" and (ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F)]


def assert_neutral(*texts: str) -> None:
    for text in texts:
        assert not raw_controls(text), (raw_controls(text), text)


def accounts_json(capsys) -> list[dict]:
    return json.loads(run(capsys, "account", "list", "--json", "--include-disabled")[1])


def seed(store, **kw) -> int:
    base = {"site_url": "https://evil.example.com", "site_name": EVIL, "user_id": "1", "access_token": TOKEN,
            "tags": ["vip" + EVIL], "notes": EVIL, "health_status": "error", "health_reason": EVIL}
    base.update(kw)
    return add_account(store, AccountInput(**base))


# ---- 1. terminal control sequences ---------------------------------------------------------
@pytest.mark.parametrize("argv", [
    ["account", "list"],
    ["account", "list", "--json"],
    ["account", "list", "--csv"],
    ["account", "show", "{id}"],
    ["account", "show", "{id}", "--json"],
    ["export"],
    ["export", "--format", "csv"],
    ["dedupe"],
    ["dedupe", "--json"],
    ["account", "set", "{id}", "--pin"],
    ["account", "rm", "{id}"],  # refused without --yes: the sentence names the account
])
def test_stored_text_is_neutralised_in_every_output(store, capsys, argv):
    aid = seed(store)
    seed(store, site_name="second " + EVIL)  # a duplicate, so dedupe prints names too
    code, out, err = run(capsys, *[a.replace("{id}", str(aid)) for a in argv])
    assert code in (0, 2), err
    assert_neutral(out, err)
    text = out + err
    if argv[0] == "dedupe" and "--json" in argv:
        assert json.loads(out)["groups"]  # ids only: nothing to show
        return
    assert "PWNED" in text  # still recognisable
    if argv != ["account", "list"]:  # the table cuts cells at 40 characters
        assert "all accounts healthy" in text
    if "--json" in argv or argv == ["export"]:
        data = json.loads(out)  # stays valid JSON and round-trips exactly
        rec = next(r for r in (data if isinstance(data, list) else [data]) if r["id"] == str(aid))
        stored = acc.get_account(store, aid)  # the library's record (the name is whitespace-normalised)
        assert "PWNED" in stored["site_name"]
        for key in ("site_name", "notes", "health_reason", "tags"):
            assert rec[key] == stored[key]
        assert rec["notes"] == EVIL and rec["health_reason"] == EVIL
    elif "--csv" not in argv and argv[-1] != "csv":
        assert "\\x1b" in text  # the documented visible form of ESC


def test_table_escapes_newlines_and_tabs_so_one_account_is_one_line(store, capsys):
    seed(store, site_name="Good", username="u\nok    99  healthy\tfake", notes="a\nb")
    code, out, _ = run(capsys, "account", "list")
    assert code == 0
    assert len(out.splitlines()) == 2  # header + one row
    assert "\\n" in out and "\\t" in out
    code, out, _ = run(capsys, "account", "show", "1")
    assert all(line.split()[0] in acc.get_account(store, 1) for line in out.splitlines())


BIDI = "\u202e\u2066\u200f"  # right-to-left override, left-to-right isolate, right-to-left mark


@pytest.mark.parametrize("argv", [["account", "list"], ["account", "list", "--json"], ["account", "list", "--csv"],
                                  ["account", "show", "{id}"], ["export"]])
def test_bidi_controls_cannot_reorder_what_the_terminal_shows(store, capsys, argv):
    """A name with a right-to-left override would make the rest of its row read backwards
    ("Trojan Source"): every output shows those characters as escapes instead."""
    aid = seed(store, site_name="Good" + BIDI + "lana", notes="n" + BIDI, health_reason="r" + BIDI)
    code, out, err = run(capsys, *[a.replace("{id}", str(aid)) for a in argv])
    assert code == 0, err
    assert not any(c in out + err for c in BIDI)
    assert "\\u202e" in out
    if "--json" in argv or argv == ["export"]:
        data = json.loads(out)
        rec = next(r for r in (data if isinstance(data, list) else [data]) if r["id"] == str(aid))
        assert rec["site_name"] == "Good" + BIDI + "lana"  # the exact value, once parsed


def test_error_sentences_quoting_user_input_are_neutralised(capsys):
    for argv in (["account", "show", EVIL],
                 ["account", "add", "--url", EVIL, "--token", TOKEN, "--user-id", "1", "--no-refresh"],
                 ["account", "add", "--url", "https://a.com", "--token", TOKEN, "--user-id", "1",
                  "--site-type", EVIL, "--no-refresh"],
                 ["dedupe", "--keep", EVIL],
                 ["refresh", "--per-site-rpm", EVIL]):
        code, out, err = run_exit(capsys, *argv)
        assert code == 2, (argv, err)
        assert_neutral(out, err)
        assert "PWNED" in err and len(err.strip().splitlines()) == 1, err


def test_added_name_tag_note_are_neutralised_in_add_and_set_output(capsys):
    code, out, err = run(capsys, "account", "add", "--url", "https://a.com", "--token", TOKEN, "--user-id", "1",
                         "--no-refresh", "--name", EVIL, "--tag", EVIL, "--notes", EVIL)
    assert code == 0, err
    assert_neutral(out, err)
    assert "PWNED" in out
    code, out, err = run(capsys, "account", "set", "1", "--name", "x" + EVIL)
    assert code == 0 and "PWNED" in out
    assert_neutral(out, err)
    assert "PWNED" in accounts_json(capsys)[0]["site_name"]  # stored as typed, only shown neutralised


def _fake_network(monkeypatch):

    async def fake_refresh(creds, politeness, on_result=None):
        return [RefreshResult(account_id=c.account_id, ok=False, health_status="error", health_reason=EVIL)
                for c in creds]

    async def fake_checkin(creds, politeness, on_result=None):
        return [CheckInOutcome(account_id=c.account_id, result="needs_browser", message=EVIL,
                              health_status="warning", health_reason=EVIL,
                              checkin_url="https://evil.example.com/\x1b[2Jcheckin") for c in creds]

    monkeypatch.setattr(refreshes, "refresh_accounts", fake_refresh)
    monkeypatch.setattr(checkins, "checkin_accounts", fake_checkin)


@pytest.mark.parametrize("argv", [["refresh"], ["refresh", "--json"], ["checkin"], ["checkin", "--json"]])
def test_refresh_and_checkin_results_are_neutralised(store, capsys, monkeypatch, argv):
    _fake_network(monkeypatch)
    seed(store, site_name="Plain", notes="", tags=[], health_reason="")
    code, out, err = run(capsys, *argv, "--per-site-rpm", "0")
    assert code == 1
    assert_neutral(out, err)
    assert "PWNED" in out and "all accounts healthy" in out
    if "--json" in argv:
        row = json.loads(out)[0]
        assert row["health_reason"] == EVIL and row.get("message", EVIL) == EVIL
    # and what refresh stored is neutralised when shown later
    code, out, err = run(capsys, "account", "show", "1")
    assert_neutral(out, err)
    assert "PWNED" in out


def test_json_escapes_del_c1_and_line_separators_and_round_trips(store, capsys):
    text = "a\x7fb\x9bc\u2028d\u2029e"  # notes keep line separators (a name is whitespace-normalised)
    seed(store, site_name="n\x7f\x9b", tags=[], notes=text, health_reason="")
    for argv in (["account", "list", "--json"], ["export"]):
        code, out, _ = run(capsys, *argv)
        assert code == 0
        assert not any(c in out for c in "\x7f\x9b\u2028\u2029")
        assert "\\u007f" in out and "\\u009b" in out and "\\u2028" in out
        rec = json.loads(out)[0]
        assert rec["notes"] == text and rec["site_name"] == "n\x7f\x9b"


# ---- 2. empty secrets ----------------------------------------------------------------------
@pytest.mark.parametrize("auth,stdin", [
    (["--token", ""], None), (["--cookie", ""], None), (["--token", "-"], ""), (["--cookie", "-"], "\n"),
    (["--token", "   "], None),
])
@pytest.mark.parametrize("refresh", [True, False])
def test_empty_secret_is_refused_and_nothing_added(capsys, monkeypatch, auth, stdin, refresh):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    argv = ["account", "add", "--url", CLOSED, *auth, "--user-id", "1", *([] if refresh else ["--no-refresh"])]
    code, _, err = run(capsys, *argv)
    assert code == 2, err
    assert "empty" in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "connect" not in err.lower()  # refused before any network work
    assert accounts_json(capsys) == []


def test_set_with_empty_secret_is_refused(store, capsys, monkeypatch):
    aid = seed(store, site_name="A", notes="", tags=[], health_reason="")
    for auth, stdin in ((["--token", ""], None), (["--cookie", ""], None), (["--token", "-"], "")):
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code, _, err = run(capsys, "account", "set", str(aid), *auth)
        assert code == 2 and "empty" in err
    assert get_secrets(store, [aid])[aid]["access_token"] == TOKEN


def test_library_refuses_empty_secrets(store):
    for kw in ({"auth_type": "access_token", "access_token": "  "}, {"auth_type": "cookie", "cookie": ""}):
        with pytest.raises(ValidationError, match="empty"):
            AccountInput(site_url="https://a.com", site_name="A", user_id="1", **kw).validated()
    aid = seed(store, site_name="A", notes="", tags=[], health_reason="")
    for kw in ({"access_token": ""}, {"access_token": "  "}, {"cookie": ""}):
        with pytest.raises(ValidationError, match="empty"):
            acc.set_secrets(store, aid, **kw)
    assert get_secrets(store, [aid])[aid]["access_token"] == TOKEN


# ---- 3. non-ASCII secrets and user ids -----------------------------------------------------
BAD_TOKENS = ["tökén", "sk-abc\x1bdef", "abc def", "токен"]
BAD_COOKIES = ["session=tökén", "session=a\x00b", "session=\u2028x"]
BAD_USER_IDS = ["１２", "用户", "1\x1b", "1 2"]


@pytest.mark.parametrize("refresh", [True, False])
@pytest.mark.parametrize("auth", [["--token", t, "--user-id", "1"] for t in BAD_TOKENS]
                         + [["--cookie", c, "--user-id", "1"] for c in BAD_COOKIES]
                         + [["--token", TOKEN, "--user-id", u] for u in BAD_USER_IDS])
def test_non_ascii_secret_or_user_id_is_refused_with_one_sentence(capsys, auth, refresh):
    argv = ["account", "add", "--url", CLOSED, *auth, *([] if refresh else ["--no-refresh"])]
    code, _, err = run(capsys, *argv)
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and "Unexpected" not in err and "internal error" not in err
    assert "ASCII" in err
    assert auth[1] not in err or auth[0] == "--user-id"  # never echo a secret
    assert accounts_json(capsys) == []


def test_non_ascii_secret_from_sandbox_recognition_is_refused_before_the_network(capsys):
    """Before the fix this reached httpx and ended in 'Unexpected error (UnicodeEncodeError); see the log'."""

    with start_sandbox(dialects=["new-api"], users_per_site=1, seed=2) as sb:
        site = sb.sites[0]
        before = len(site.requests)
        code, _, err = run(capsys, "account", "add", "--url", site.url, "--token", "tökén", "--user-id",
                             str(site.users[0].id))
        assert code == 2, err
        assert "see the log" not in err and "Unexpected" not in err
        assert len(site.requests) == before
    assert accounts_json(capsys) == []


def test_set_refuses_non_ascii_secret_and_library_checks_user_id(store, capsys):
    aid = seed(store, site_name="A", notes="", tags=[], health_reason="")
    for auth in (["--token", "tökén"], ["--cookie", "a=ö"]):
        code, _, err = run(capsys, "account", "set", str(aid), *auth)
        assert code == 2 and "ASCII" in err and "ö" not in err
    assert get_secrets(store, [aid])[aid]["access_token"] == TOKEN
    for uid in BAD_USER_IDS:
        with pytest.raises(ValidationError, match="ASCII"):
            acc.update_accounts(store, {aid: {"user_id": uid}})
        with pytest.raises(ValidationError, match="ASCII"):
            AccountInput(site_url="https://a.com", site_name="A", user_id=uid, access_token=TOKEN).validated()
    with pytest.raises(ValidationError):
        acc.set_secrets(store, aid, access_token="tökén")
    assert acc.get_account(store, aid)["user_id"] == "1"
    # ordinary values still pass: a cookie header with several pairs, a JWT, a numeric id
    acc.set_secrets(store, aid, cookie="session=abc; other=x-y_z.1")
    acc.set_secrets(store, aid, access_token="eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOjF9.sig-_")
    acc.update_accounts(store, {aid: {"user_id": "12"}})


def test_unexpected_error_points_at_allhub_debug_not_a_log(capsys, monkeypatch):

    def boom(args):
        raise UnicodeEncodeError("ascii", "ö", 0, 1, "boom")

    monkeypatch.setattr(cli, "cmd_dedupe", boom)
    code, _, err = run(capsys, "dedupe")
    assert code == 1 and "ALLHUB_DEBUG=1" in err and "log" not in err


# ---- 4. exchange rates and non-finite numbers ----------------------------------------------
@pytest.mark.parametrize("rate", ["1e308", "inf", "nan", "-1", "0", "1000001"])
def test_out_of_range_exchange_rate_is_refused(store, capsys, rate):
    code, _, err = run(capsys, "account", "add", "--url", CLOSED, "--token", TOKEN, "--user-id", "1",
                       "--exchange-rate", rate)
    assert code == 2 and "exchange rate" in err and "connect" not in err.lower(), err
    assert accounts_json(capsys) == []
    aid = seed(store, site_name="A", notes="", tags=[], health_reason="")
    code, _, err = run(capsys, "account", "set", str(aid), "--exchange-rate", rate)
    assert code == 2 and "exchange rate" in err
    with pytest.raises(ValidationError, match="exchange rate"):
        acc.update_accounts(store, {aid: {"exchange_rate": float(rate)}})  # the grid's save path
    assert acc.get_account(store, aid)["exchange_rate"] == 7.2


def test_sane_exchange_rates_still_pass(capsys):
    assert acc.parse_exchange_rate("1e6") == 1e6 and acc.parse_exchange_rate(0.0001) == 0.0001
    code, out, err = run(capsys, "account", "add", "--url", "https://a.com", "--token", TOKEN, "--user-id", "1",
                         "--exchange-rate", "1000000", "--no-refresh", "--json")
    assert code == 0 and json.loads(out)["exchange_rate"] == 1e6, err


def test_json_never_holds_nan_or_infinity(store, capsys):
    aid = seed(store, site_name="A", notes="", tags=[], health_reason="")
    with store.write() as con:  # a value stored before the bounds existed
        con.execute("UPDATE accounts SET exchange_rate = 1e308, quota = 5000000000 WHERE id = ?", [aid])

    def strict(text):
        return json.loads(text, parse_constant=lambda c: pytest.fail(f"JSON holds {c}"))

    for argv in (["account", "list", "--json"], ["account", "show", str(aid), "--json"], ["export"]):
        code, out, err = run(capsys, *argv)
        assert code == 0, err
        assert "Infinity" not in out and "NaN" not in out
        data = strict(out)
        rec = data[0] if isinstance(data, list) else data
        assert rec["balance_cny"] is None or math.isfinite(rec["balance_cny"])


def test_export_module_refuses_to_write_non_finite_numbers():

    assert "Infinity" not in to_json([{"id": "1", "balance_usd": float("inf")}])
    assert json.loads(json_text({"a": float("nan"), "b": [float("-inf"), 1.5]})) == {"a": None, "b": [None, 1.5]}


# ---- 5. private secrets export -------------------------------------------------------------
def test_secrets_export_over_existing_world_readable_file_is_0600(store, capsys, tmp_path):
    seed(store, site_name="A", notes="", tags=[], health_reason="")
    target = tmp_path / "full.json"
    target.write_text("old")
    os.chmod(target, 0o644)
    code, _, err = run(capsys, "export", "--include-secrets", "--out", str(target))
    assert code == 0, err
    assert (target.stat().st_mode & 0o777) == 0o600
    assert json.loads(target.read_text())[0]["access_token"] == TOKEN
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".full")) == []  # no temp file left


def test_secrets_export_to_unwritable_folder_is_one_sentence(store, capsys, tmp_path):
    seed(store, site_name="A", notes="", tags=[], health_reason="")
    code, _, err = run(capsys, "export", "--include-secrets", "--out", str(tmp_path / "missing" / "x.json"))
    assert code == 2 and "Cannot write" in err and len(err.strip().splitlines()) == 1 and TOKEN not in err


# ---- 6. politeness limits ------------------------------------------------------------------
@pytest.mark.parametrize("flag,value", [
    ("--per-site-rpm", "nan"), ("--per-site-rpm", "inf"), ("--per-site-rpm", "0.0001"), ("--per-site-rpm", "-1"),
    ("--per-site-rpm", "10001"), ("--per-site-rpm", "abc"), ("--per-site-concurrency", "0"),
    ("--per-site-concurrency", "65"), ("--per-site-concurrency", "1.5"), ("--per-site-concurrency", "x"),
])
@pytest.mark.parametrize("command", ["refresh", "checkin"])
def test_bad_politeness_flags_are_refused_at_parse_time(capsys, flag, value, command):
    code, _, err = run_exit(capsys, command, flag, value)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert flag in err


@pytest.mark.parametrize("flag,value,expected", [
    ("--per-site-rpm", "0", 0.0), ("--per-site-rpm", "1", 1.0), ("--per-site-rpm", "60", 60.0),
    ("--per-site-rpm", "10000", 10000.0), ("--per-site-concurrency", "1", 1), ("--per-site-concurrency", "64", 64),
])
def test_good_politeness_flags_parse(flag, value, expected):
    args = build_parser().parse_args(["refresh", flag, value])
    assert getattr(args, flag[2:].replace("-", "_")) == expected


@pytest.mark.parametrize("key,value", [
    ("per_site_rpm", float("nan")), ("per_site_rpm", float("inf")), ("per_site_rpm", 0.0001),
    ("per_site_rpm", 0.5), ("per_site_rpm", 10001), ("per_site_rpm", -1), ("per_site_rpm", "abc"),
    ("per_site_concurrency", 0), ("per_site_concurrency", 65), ("per_site_concurrency", float("inf")),
    ("per_site_concurrency", 1.5), ("refresh_min_interval_s", float("inf")), ("refresh_min_interval_s", float("nan")),
])
def test_preferences_refuse_bad_politeness(store, key, value):

    before = get_preferences(store)[key]
    with pytest.raises(ValidationError) as info:
        set_preference(store, key, value)
    assert "--" not in str(info.value)
    assert get_preferences(store)[key] == before


def test_preferences_accept_sane_politeness(store):

    assert set_preference(store, "per_site_rpm", 0) == 0
    assert set_preference(store, "per_site_rpm", 600) == 600
    assert set_preference(store, "per_site_rpm", 18.0) == 18
    assert set_preference(store, "per_site_concurrency", 64) == 64


def test_json_lists_are_one_element_per_line_and_keep_the_json_rules(capsys):
    """``--json`` lists are written one element per line (issue 18: the C encoder, 10,000 accounts
    in a fraction of a second), with the same rules as every JSON we write: no NaN, no raw line
    separator, non-ASCII as is."""
    from allhub_core.cli.output import print_json  # noqa: PLC0415 - the CLI's writer, as the commands call it

    print_json([{"id": "1", "name": "站点\u2028x", "balance": float("nan")}, {"id": "2", "tags": ["a", "b"]}])
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "[" and lines[-1] == "]" and len(lines) == 4
    assert lines[1].startswith('  {"id": "1"') and lines[2].startswith('  {"id": "2"')
    assert "\u2028" not in out and "站点\\u2028x" in out and "NaN" not in out
    assert json.loads(out) == [{"id": "1", "name": "站点\u2028x", "balance": None}, {"id": "2", "tags": ["a", "b"]}]
    print_json([])
    assert capsys.readouterr().out == "[]\n"
