"""The CLI contract (shared/spec/cli.md): commands, exit codes, one-sentence errors, no secrets."""

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from allhub_core.accounts import AccountInput, add_account, get_secrets
from allhub_core.cli.main import build_parser, main
from allhub_core.store import Store

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "sk-CLI-SECRET-0123456789abcdef"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def add(capsys, *extra, url="https://relay.example.com/panel", uid="7"):
    return run(capsys, "account", "add", "--url", url, "--token", TOKEN, "--user-id", uid, "--no-refresh", *extra)


def test_add_list_show_set_rm_roundtrip(capsys):
    code, out, err = add(capsys, "--name", "Relay", "--tag", "vip", "--json")
    assert code == 0, err
    rec = json.loads(out)
    assert rec["site_url"] == "https://relay.example.com" and rec["tags"] == ["vip"] and rec["user_id"] == "7"
    assert TOKEN not in out
    aid = rec["id"]
    code, out, _ = run(capsys, "account", "set", aid, "--name", "Renamed", "--tag", "paid", "--untag", "VIP", "--pin",
                       "--exchange-rate", "7.1", "--notes", "hi")
    assert code == 0 and "Renamed" in out
    code, out, _ = run(capsys, "account", "show", aid, "--json")
    rec = json.loads(out)
    assert (rec["site_name"], rec["tags"], rec["pinned"], rec["exchange_rate"], rec["notes"]) == ("Renamed", ["paid"], True, 7.1, "hi")
    code, out, _ = run(capsys, "account", "set", aid, "--disable")
    code, out, _ = run(capsys, "account", "list", "--json")
    assert json.loads(out) == []  # disabled accounts are hidden by default
    code, out, _ = run(capsys, "account", "list", "--json", "--include-disabled")
    assert [r["id"] for r in json.loads(out)] == [aid]
    code, out, _ = run(capsys, "account", "rm", aid, "--yes")
    assert code == 0 and "Deleted 1" in out
    code, out, _ = run(capsys, "account", "list", "--json", "--include-disabled")
    assert json.loads(out) == []


def test_duplicate_is_exit_1_unless_allowed(capsys):
    assert add(capsys)[0] == 0
    code, _out, err = add(capsys, url="https://RELAY.example.com/v1")
    assert code == 1 and "already exists" in err and "--allow-duplicate" in err
    assert add(capsys, "--allow-duplicate", url="https://relay.example.com")[0] == 0


@pytest.mark.parametrize("argv,needle", [
    (["account", "add", "--url", "not a url", "--token", "x", "--user-id", "1", "--no-refresh"], "not a valid site URL"),
    (["account", "add", "--url", "javascript:alert(1)", "--token", "x", "--user-id", "1", "--no-refresh"],
     "only http:// and https:// addresses can be relay sites"),
    (["account", "add", "--url", "data:text/html,x", "--token", "x", "--user-id", "1"],
     "only http:// and https:// addresses can be relay sites"),
    (["account", "add", "--url", "https://a.com", "--token", "x", "--user-id", "1", "--exchange-rate", "0", "--no-refresh"], "exchange rate"),
    (["account", "add", "--url", "https://a.com", "--token", "x", "--no-refresh"], "user ID is empty"),
    (["account", "show", "999"], "Account 999 does not exist"),
    (["account", "show", "abc"], "is not an account id"),
    (["account", "set", "1"], "Account 1 does not exist"),
    (["account", "rm", "5", "--yes"], "does not exist"),
    (["account", "bogus"], "invalid choice"),
    (["export", "--format", "csv", "--include-secrets"], "never contain secrets"),
])
def test_bad_input_exit_2_one_sentence(capsys, argv, needle):
    with pytest.raises(SystemExit) if argv[1] == "bogus" else _noop():
        code, _out, err = run(capsys, *argv)
        assert code == 2
        assert needle in err
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert run(capsys, "account", "list", "--json", "--include-disabled")[1].strip() == "[]"


class _noop:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_set_with_nothing_to_change(capsys):
    aid = json.loads(add(capsys, "--json")[1])["id"]
    code, _, err = run(capsys, "account", "set", aid)
    assert code == 2 and "Nothing to change" in err


def test_set_that_changes_nothing_says_so_and_keeps_the_edit_time(capsys):
    """Issue 16: ``account set 1 --tag ''`` said "Updated" though nothing changed."""
    aid = json.loads(add(capsys, "--tag", "vip", "--name", "Relay", "--json")[1])["id"]
    before = json.loads(run(capsys, "account", "show", aid, "--json")[1])
    for argv in (["--tag", ""], ["--tag", "  "], ["--tag", "VIP"], ["--name", "Relay"], ["--untag", "other"]):
        code, out, err = run(capsys, "account", "set", aid, *argv)
        assert (code, out, err) == (0, f"Nothing changed: account {aid} (Relay) already has those values.\n", ""), argv
    after = json.loads(run(capsys, "account", "show", aid, "--json")[1])
    assert after == before  # not even the edit time moved
    code, out, _ = run(capsys, "account", "set", aid, "--tag", "", "--tag", "paid")
    assert code == 0 and out == f"Updated account {aid}: Relay.\n"
    assert json.loads(run(capsys, "account", "show", aid, "--json")[1])["tags"] == ["paid", "vip"]


@pytest.mark.parametrize("tag", ["\u200b", "\u200c\u200d", "\ufeff", "\u200e\u200f", " \u2060 ", "\u3164"])
def test_a_tag_of_invisible_characters_is_refused_in_one_sentence(capsys, tag):
    code, _, err = add(capsys, "--tag", tag)
    assert code == 2 and err.strip() == ("allhub: Tag name has no visible character (only spaces or invisible "
                                         "characters).")
    assert run(capsys, "account", "list", "--json", "--include-disabled")[1].strip() == "[]"
    aid = json.loads(add(capsys, "--tag", "vip", "--json")[1])["id"]
    code, _, err = run(capsys, "account", "set", aid, "--tag", tag)
    assert code == 2 and "no visible character" in err and len(err.strip().splitlines()) == 1
    assert json.loads(run(capsys, "account", "show", aid, "--json")[1])["tags"] == ["vip"]


def test_list_csv_is_formula_safe_and_secret_free(capsys):
    add(capsys, "--name", "=HYPERLINK(\"x\")", "--notes", "@SUM(1)")
    code, out, _ = run(capsys, "account", "list", "--csv")
    assert code == 0
    assert "\"'=HYPERLINK(\"\"x\"\")\"" in out and "'@SUM(1)" in out
    assert TOKEN not in out


def test_table_output_has_no_secret(capsys):
    add(capsys, "--name", "Relay")
    code, out, _ = run(capsys, "account", "list")
    assert code == 0 and "Relay" in out and TOKEN not in out


def test_export_json_secrets_only_when_asked(capsys, tmp_path):
    add(capsys)
    code, out, _ = run(capsys, "export")
    assert code == 0 and TOKEN not in out and json.loads(out)[0]["site_url"] == "https://relay.example.com"
    target = tmp_path / "full.json"
    code, _, err = run(capsys, "export", "--include-secrets", "--out", str(target))
    assert code == 0 and "Exported 1" in err
    assert json.loads(target.read_text())[0]["access_token"] == TOKEN
    assert (target.stat().st_mode & 0o777) == 0o600
    code, out, _ = run(capsys, "export", "--format", "csv")
    assert out.startswith('"id","site_name"') and TOKEN not in out


def test_dedupe_preview_then_apply(capsys):
    add(capsys, url="https://a.com/x")
    add(capsys, "--allow-duplicate", url="a.com/y")
    code, out, _ = run(capsys, "dedupe")
    assert code == 0 and "1 duplicate set(s) · 1 account(s) to delete" in out and "--apply" in out
    code, out, _ = run(capsys, "dedupe", "--json")
    data = json.loads(out)
    assert data["applied"] is False and len(data["groups"]) == 1
    code, out, _ = run(capsys, "dedupe", "--apply", "--keep", "recent", "--json")
    assert json.loads(out)["deleted"] == 1
    assert len(json.loads(run(capsys, "account", "list", "--json")[1])) == 1


def test_token_from_stdin(monkeypatch, capsys):

    monkeypatch.setattr(sys, "stdin", io.StringIO(TOKEN + "\n"))
    code, out, err = run(capsys, "account", "add", "--url", "https://s.com", "--token", "-", "--user-id", "3",
                         "--no-refresh", "--json")
    assert code == 0, err

    assert get_secrets(Store(), [int(json.loads(out)["id"])]).popitem()[1]["access_token"] == TOKEN


def test_not_a_database_is_one_sentence(tmp_path, capsys):
    bad = tmp_path / "x.duckdb"
    bad.write_text("hello")
    code, _, err = run(capsys, "--db", str(bad), "account", "list")
    assert code == 2 and "is not a DuckDB database" in err


def test_console_script_and_module_entry_point(tmp_path):
    env_db = str(tmp_path / "c.duckdb")
    for cmd in ([str(Path(sys.executable).with_name("allhub"))], [sys.executable, "-m", "allhub_core"]):
        r = subprocess.run([*cmd, "--db", env_db, "account", "list", "--json"], capture_output=True, text=True)
        assert r.returncode == 0 and r.stdout.strip() == "[]", r.stderr


def test_the_console_script_leaves_with_all_its_output_and_the_commands_exit_status(tmp_path):
    """``allhub`` ends its process without the interpreter's teardown (``cli.main.run``): the
    output must still be whole when it goes to a pipe (well past a pipe's buffer here), the exit
    status the command's, and a reader that stops early (``| head -1``) gets no error."""
    exe = str(Path(sys.executable).with_name("allhub"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # block-buffered, as for most users
    db = tmp_path / "s.duckdb"
    store = Store(db)
    with store.session():
        for n in range(1, 1201):
            add_account(store, AccountInput(site_url=f"https://s{n}.example", site_name=f"S{n}", user_id=str(n),
                                            access_token=f"tok-{n}"))
    listed = subprocess.run([exe, "--db", str(db), "account", "list", "--json"], capture_output=True, text=True,
                            timeout=60, env=env)
    assert listed.returncode == 0, listed.stderr
    assert len(listed.stdout) > 256 * 1024
    assert sorted(int(a["user_id"]) for a in json.loads(listed.stdout)) == list(range(1, 1201))
    refused = subprocess.run([exe, "--db", str(db), "account", "show", "99999"], capture_output=True, text=True,
                             timeout=60, env=env)
    assert refused.returncode == 2 and refused.stderr.startswith("allhub: ") and refused.stdout == ""
    head = subprocess.run(f"'{exe}' --db '{db}' account list | head -1", shell=True, capture_output=True,
                          text=True, timeout=60, env=env)
    shown = subprocess.run([exe, "--db", str(db), "account", "show", "1"], capture_output=True, text=True,
                           timeout=60, env=env)  # a few hundred bytes: all of it still in the buffer at the end
    assert shown.returncode == 0 and "s1.example" in shown.stdout
    assert head.stdout.startswith("ID") and head.stderr == ""


def _commands(parser, prefix=()):
    for action in parser._actions:
        if action.__class__.__name__ == "_SubParsersAction":
            for name, sub in action.choices.items():
                yield from _commands(sub, (*prefix, name)) if any(
                    a.__class__.__name__ == "_SubParsersAction" for a in sub._actions) else [((*prefix, name), sub)]


def test_every_command_has_help_and_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    cmds = list(_commands(build_parser()))
    assert len(cmds) >= 8
    for path, sub in cmds:
        assert sub.format_help().strip()
        assert re.search(r"allhub " + r"\s+".join(map(re.escape, path)) + r"\b", readme), f"README lacks 'allhub {' '.join(path)}'"


def test_set_replaces_the_token_without_printing_it(capsys):

    aid = json.loads(add(capsys, "--json")[1])["id"]
    code, out, err = run(capsys, "account", "set", aid, "--token", "sk-NEW-TOKEN-abcdefghijkl")
    assert code == 0 and "sk-NEW-TOKEN" not in out + err
    assert get_secrets(Store(), [int(aid)])[int(aid)]["access_token"] == "sk-NEW-TOKEN-abcdefghijkl"
    code, _, err = run(capsys, "account", "set", aid, "--token", "")
    assert code == 2 and "empty" in err


def test_db_option_before_or_after_the_command(tmp_path, capsys):
    db = str(tmp_path / "other.duckdb")
    assert run(capsys, "account", "add", "--url", "https://a.com", "--token", TOKEN, "--user-id", "1",
               "--no-refresh", "--db", db)[0] == 0
    assert len(json.loads(run(capsys, "--db", db, "account", "list", "--json")[1])) == 1
    assert len(json.loads(run(capsys, "account", "list", "--json", "--db", db)[1])) == 1
    assert json.loads(run(capsys, "account", "list", "--json")[1]) == []  # the default DB is untouched
