"""``allhub redeem`` against the sandbox over real HTTP: codes as arguments or in any text on
stdin; cli.md's JSON keys exactly, codes masked; exit 1 when any code failed, 0 when all were
credited; a second run sends nothing already settled; bad input one sentence with exit 2 that
asks no site; the code never on stdout or stderr; the command registered in a fresh process."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from shared import add_demo_account

from allhub_core.accounts import set_preference
from allhub_core.cli.main import main
from allhub_core.redeem import mask_code

KEYS = ["code", "ok", "credited_usd", "message"]
WRONG = "0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api"], users_per_site=1, seed=32)


pytestmark = pytest.mark.usefixtures("fresh_sites")


def _run(db_path, capsys, monkeypatch, *argv, stdin: str | None = None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    try:
        code = main(["--db", str(db_path), "redeem", *argv])
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def _account(store, sandbox):
    aid, site, user = add_demo_account(store, sandbox, "new-api")
    set_preference(store, "per_site_window_requests", 0)  # our own loopback site
    site.clear_requests()
    return aid, site, user


def _topups(site) -> int:
    return sum(1 for r in site.requests if r.path == "/api/user/topup")


def test_codes_from_stdin_text_json_rows_and_exit_1(store, sandbox, db_path, capsys, monkeypatch):
    aid, site, _user = _account(store, sandbox)
    good = sorted(site.redemption_codes)[0]
    text = f"福利来了！兑换码 {good} ，还有一个 ({WRONG}). 再贴一次：{WRONG}"
    code, out, err = _run(db_path, capsys, monkeypatch, "--account", str(aid), "--json", stdin=text)
    rows = json.loads(out)
    assert code == 1 and [list(r) for r in rows] == [KEYS, KEYS]
    by = {r["code"]: r for r in rows}
    assert by[mask_code(good)]["ok"] is True and by[mask_code(good)]["credited_usd"] > 0
    assert by[mask_code(WRONG)]["ok"] is False and by[mask_code(WRONG)]["credited_usd"] is None
    assert _topups(site) == 2 and good in site.used_codes
    assert good not in out + err and WRONG not in out + err


def test_codes_as_arguments_all_credited_exit_0_then_nothing_resent(store, sandbox, db_path, capsys, monkeypatch):
    aid, site, _ = _account(store, sandbox)
    a, b = sorted(site.redemption_codes)[:2]
    code, out, _ = _run(db_path, capsys, monkeypatch, "--account", str(aid), a, f"code: {b}.")
    assert code == 0 and "2 credited" in out and mask_code(a) in out and a not in out
    site.clear_requests()
    code, out, _ = _run(db_path, capsys, monkeypatch, "--account", str(aid), a, b)
    assert code == 1 and "not sent again" in out and _topups(site) == 0


def test_bad_input_is_one_sentence_exit_2_and_asks_no_site(store, sandbox, db_path, capsys, monkeypatch):
    aid, site, _ = _account(store, sandbox)
    code, _, err = _run(db_path, capsys, monkeypatch, "--account", str(aid), "no code here")
    assert code == 2 and "No redemption code found" in err and "Traceback" not in err
    code, _, err = _run(db_path, capsys, monkeypatch, "--account", "999", WRONG)
    assert code != 0 and "999" in err and "Traceback" not in err
    code, _, err = _run(db_path, capsys, monkeypatch, "--account", str(aid), "--strict", "z" * 32)
    assert code == 2 and "hex" in err
    assert _topups(site) == 0


def test_registered_in_a_fresh_process(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "allhub_core", "--db", str(tmp_path / "r.duckdb"), "redeem",
                           "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "--account" in proc.stdout and "CODE_OR_TEXT" in proc.stdout
