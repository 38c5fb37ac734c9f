"""``allhub backup config|test|push|pull|sync`` against a real WebDAV server on 127.0.0.1."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from webdav_server import PASSWORD, USER

from allhub_core.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
FILE = "all-api-hub-backup/all-api-hub-1-0.json"
TOKEN = "sk-CLI-BACKUP-SECRET-0123456789abcdef"


def run(capsys, monkeypatch, *argv, stdin: str = ""):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def dav(dav_server):
    return dav_server()


@pytest.fixture
def configured(capsys, monkeypatch, dav):
    code, out, err = run(capsys, monkeypatch, "backup", "config", "--url", dav.url("/"), "--user", USER,
                         "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 0, err
    return out


def add_account(capsys, monkeypatch, name="Relay"):
    code, _, err = run(capsys, monkeypatch, "account", "add", "--url", f"https://{name.lower()}.example.com",
                       "--token", TOKEN, "--user-id", "7", "--name", name, "--no-refresh")
    assert code == 0, err


def test_config_shows_the_file_and_never_the_password(capsys, monkeypatch, dav, configured):
    assert f"Backup file:    {dav.url('/' + FILE)}" in configured
    assert "Password:       set (encrypted at rest)" in configured and PASSWORD not in configured
    code, out, _ = run(capsys, monkeypatch, "backup", "config", "--json")
    assert code == 0 and json.loads(out) == {
        "url": dav.url("/"), "username": USER, "file": dav.url("/" + FILE), "encrypt": False,
        "password_set": True, "backup_password_set": False, "timeout_s": 120}


def test_the_password_is_only_read_from_stdin(capsys, monkeypatch):
    with pytest.raises(SystemExit) as exit_:
        run(capsys, monkeypatch, "backup", "config", "--password", "Typed-Secret-77")
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "read from standard input only" in err and "Typed-Secret-77" not in err
    code, _, err = run(capsys, monkeypatch, "backup", "config", "--password-stdin", stdin="")
    assert code == 2 and err == "allhub: No WebDAV password was given on standard input.\n"


def test_test_push_pull_sync(capsys, monkeypatch, dav, configured):
    code, out, _ = run(capsys, monkeypatch, "backup", "test")
    assert code == 0 and "reachable and accepted the login" in out
    add_account(capsys, monkeypatch)
    code, out, _ = run(capsys, monkeypatch, "backup", "push")
    assert code == 0 and out.startswith(f"Uploaded 1 account to {dav.url('/' + FILE)}")
    assert TOKEN in (dav.root / FILE).read_text()  # the extension's file carries the tokens
    code, out, _ = run(capsys, monkeypatch, "backup", "pull", "--json")
    body = json.loads(out)
    assert code == 0 and body["ok"] and [r["step"] for r in body["rows"]] == ["download", "import"]
    code, out, _ = run(capsys, monkeypatch, "backup", "sync", "--mode", "merge", "--json")
    assert code == 0 and [r["step"] for r in json.loads(out)["rows"]] == ["download", "import", "upload"]


def test_an_encrypted_push_reads_the_backup_password_from_stdin(capsys, monkeypatch, dav, configured):
    add_account(capsys, monkeypatch)
    code, out, err = run(capsys, monkeypatch, "backup", "push", "--encrypt", "--backup-password-stdin",
                         stdin="file-pass-99\n")
    assert code == 0, err
    assert "(encrypted, " in out and TOKEN not in (dav.root / FILE).read_text()
    code, out, err = run(capsys, monkeypatch, "backup", "pull")
    assert code == 2 and err == "allhub: This backup is encrypted; enter its password to read it.\n"
    code, out, err = run(capsys, monkeypatch, "backup", "pull", "--backup-password-stdin", stdin="file-pass-99\n")
    assert code == 0, err


def test_exit_codes_for_a_missing_file_a_refused_login_and_no_settings(capsys, monkeypatch, dav):
    code, _, err = run(capsys, monkeypatch, "backup", "push")
    assert code == 2 and err == "allhub: No WebDAV address is set; save the WebDAV settings first.\n"
    run(capsys, monkeypatch, "backup", "config", "--url", dav.url("/"), "--user", USER, "--password-stdin",
        stdin="wrong-password-123\n")
    code, out, err = run(capsys, monkeypatch, "backup", "test")
    assert code == 1 and out == ""
    assert err == f"allhub: The WebDAV server at {dav.url('/')} refused the user name or password (HTTP 401).\n"
    assert "wrong-password" not in err
    run(capsys, monkeypatch, "backup", "config", "--password-stdin", stdin=PASSWORD + "\n")
    code, out, err = run(capsys, monkeypatch, "backup", "pull")
    assert code == 1 and "There is no backup file at" in err and "nothing was changed" in err


def test_an_unreachable_server_is_exit_1_in_a_real_process(tmp_path, dav_server):
    dav = dav_server()
    db = tmp_path / "cli.duckdb"
    cmd = [sys.executable, "-m", "allhub_core", "--db", str(db), "backup"]
    subprocess.run([*cmd, "config", "--url", dav.url("/"), "--user", USER, "--password-stdin"],
                   input=PASSWORD + "\n", text=True, check=True, cwd=ROOT, capture_output=True)
    dav.stop()
    proc = subprocess.run([*cmd, "sync"], text=True, cwd=ROOT, capture_output=True, timeout=60)
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.startswith(f"allhub: The WebDAV server at {dav.url('/')} cannot be reached")
    assert PASSWORD not in proc.stderr and proc.stderr.count("\n") == 1


def test_a_pull_from_a_dripping_server_stops_at_the_deadline_in_a_real_process(tmp_path, dav_server):
    """`backup config --timeout 2`, then `backup pull` from a server that sends its headers and
    then one byte every half second: exit 1 within seconds, one sentence, the accounts kept."""
    dav = dav_server("drip")
    dav.drip_every = 0.5
    db = tmp_path / "cli.duckdb"
    cmd = [sys.executable, "-m", "allhub_core", "--db", str(db)]
    subprocess.run([*cmd, "account", "add", "--url", "https://keep.example.com", "--token", TOKEN, "--user-id", "7",
                    "--name", "Keep", "--no-refresh"], check=True, cwd=ROOT, capture_output=True, timeout=60)
    conf = subprocess.run([*cmd, "backup", "config", "--url", dav.url("/"), "--user", USER, "--password-stdin",
                           "--timeout", "2"], input=PASSWORD + "\n", text=True, cwd=ROOT, capture_output=True)
    assert conf.returncode == 0 and "Deadline:       2 s for each request" in conf.stdout, conf.stderr
    before = subprocess.run([*cmd, "account", "list", "--json"], cwd=ROOT, capture_output=True, text=True).stdout
    started = time.monotonic()
    proc = subprocess.run([*cmd, "backup", "pull"], text=True, cwd=ROOT, capture_output=True, timeout=60)
    assert time.monotonic() - started < 15
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr == f"allhub: The WebDAV server at {dav.url('/')} did not finish answering within 2 s.\n"
    after = subprocess.run([*cmd, "account", "list", "--json"], cwd=ROOT, capture_output=True, text=True).stdout
    assert after == before and "Keep" in after


def test_a_bad_deadline_is_refused_in_one_sentence(capsys, monkeypatch, configured):
    code, _, err = run(capsys, monkeypatch, "backup", "config", "--timeout", "0")
    assert code == 2 and err == "allhub: The WebDAV deadline, in seconds, must be a whole number from 1 to 3,600.\n"
    code, out, _ = run(capsys, monkeypatch, "backup", "config", "--json")
    assert json.loads(out)["timeout_s"] == 120
