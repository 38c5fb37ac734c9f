"""``allhub import`` and ``allhub export --format allhub|backup``: exit codes, one sentence, no secrets."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from allhub_core.cli.main import main
from allhub_core.transfer import CSV_TEMPLATE

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "tests" / "transfer" / "fixtures"
FULL = str(FIX / "extension_v4_full.json")


def run(capsys, *argv, stdin: str | None = None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode()), encoding="utf-8"))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def names(capsys) -> list[str]:
    _code, out, _ = run(capsys, "account", "list", "--json", "--include-disabled")
    return sorted(r["site_name"] for r in json.loads(out))


def test_dry_run_previews_and_writes_nothing(capsys):
    code, out, err = run(capsys, "import", FULL, "--dry-run")
    assert code == 0, err
    assert out.splitlines()[0].startswith("All API Hub 4.0 backup (full) of 2024-05-01 09:00 UTC: 4 account(s)")
    assert "- new: Harbor Relay (https://harbor-relay.example.com)" in out and "Nothing written (dry run)." in out
    assert "test-token" not in out + err
    assert names(capsys) == []
    code, out, _ = run(capsys, "import", FULL, "--dry-run", "--json")
    doc = json.loads(out)
    assert doc["dry_run"] is True and [r["action"] for r in doc["rows"]] == ["new"] * 5
    # the contract's shape (shared/spec/cli.md): counts of accounts, tags and bookmarks
    assert {k: doc["accounts"][k] for k in ("new", "updated", "duplicates", "rejected")} == \
        {"new": 4, "updated": 0, "duplicates": 0, "rejected": 0}
    assert doc["tags"] == {"created": 3} and doc["bookmarks"]["new"] == 1


def test_import_merge_then_again_is_unchanged(capsys):
    code, out, err = run(capsys, "import", FULL, "--json")
    assert code == 0, err
    assert json.loads(out)["summary"].startswith("Import (merge) done: 4 added")
    assert names(capsys) == ["Harbor Relay", "Lantern Router", "Mix Hub", "Quarry S2A"]
    code, out, _ = run(capsys, "import", FULL)
    assert code == 0 and out.startswith("Import (merge) done: 4 unchanged")


def test_replace_from_stdin(capsys, monkeypatch):
    run(capsys, "import", FULL)
    run(capsys, "account", "add", "--url", "https://extra.example.com", "--token", "tok-extra-000000000000",
        "--user-id", "1", "--no-refresh")
    code, out, err = run(capsys, "import", "-", "--mode", "replace", stdin=(FIX / "extension_v1_legacy.json").read_text(),
                         monkeypatch=monkeypatch)
    assert code == 0, err
    assert "2 added" in out and "5 deleted" in out
    assert names(capsys) == ["Old Custom", "Old Veloera"]


def test_bad_input_is_exit_2_one_sentence_and_changes_nothing(capsys, tmp_path):
    run(capsys, "import", str(FIX / "extension_v2_accounts_only.json"))
    for path, needle in ((FIX / "extension_v5_future.json", "newer version of All API Hub"),
                         (tmp_path / "missing.json", "Cannot read"),
                         (tmp_path / "junk.json", "not valid JSON")):
        if path.name == "junk.json":
            path.write_text("{oops")
        code, _out, err = run(capsys, "import", str(path), "--mode", "replace")
        assert code == 2 and needle in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert names(capsys) == ["Four Site", "Six Site"]


def test_rejected_rows_give_exit_1(capsys, tmp_path):
    obj = json.loads(Path(FULL).read_text())
    obj["accounts"]["accounts"][0]["site_url"] = "mailto:someone"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(obj))
    code, out, _err = run(capsys, "import", str(bad))
    assert code == 1 and "- rejected: Harbor Relay" in out
    assert len(names(capsys)) == 3


def test_encrypted_export_and_import_with_password_stdin(capsys, monkeypatch, tmp_path):
    run(capsys, "import", FULL)
    out_file = tmp_path / "sealed.json"
    code, out, err = run(capsys, "export", "--format", "allhub", "--include-secrets", "--password-stdin", "--out",
                         str(out_file), stdin="hunter22\n", monkeypatch=monkeypatch)
    assert code == 0, err
    assert "Exported 4 account(s)" in err and "(encrypted)" in err
    sealed = out_file.read_text()
    assert json.loads(sealed)["type"] == "all-api-hub-webdav-backup-encrypted" and "test-token" not in sealed
    assert oct(os.stat(out_file).st_mode & 0o777) == "0o600"

    fresh = tmp_path / "fresh.duckdb"
    code, out, err = run(capsys, "--db", str(fresh), "import", str(out_file))
    assert code == 2 and "encrypted" in err and "--password-stdin" in err
    code, out, err = run(capsys, "--db", str(fresh), "import", str(out_file), "--password-stdin", stdin="nope\n",
                         monkeypatch=monkeypatch)
    assert code == 2 and "The password does not open this encrypted backup" in err
    code, out, err = run(capsys, "--db", str(fresh), "import", str(out_file), "--password-stdin", stdin="hunter22\n",
                         monkeypatch=monkeypatch)
    assert code == 0 and "4 added" in out
    code, out, _ = run(capsys, "--db", str(fresh), "account", "list", "--json", "--include-disabled")
    assert len(json.loads(out)) == 4


def test_export_allhub_is_the_extension_format_without_secrets_by_default(capsys):
    run(capsys, "import", FULL)
    code, out, err = run(capsys, "export", "--format", "allhub")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["version"] == "4.0" and len(doc["accounts"]["accounts"]) == 4 and "tagStore" in doc
    assert "test-token" not in out and "test-cookie" not in out
    code, out, _ = run(capsys, "export", "--format", "allhub", "--accounts-only", "--include-secrets")
    doc = json.loads(out)
    assert doc["type"] == "accounts" and "test-token-harbor-0001-abcdefgh" in out


def test_export_backup_then_import_elsewhere(capsys, tmp_path):
    run(capsys, "import", FULL)
    out_file = tmp_path / "mine.json"
    assert run(capsys, "export", "--format", "backup", "--include-secrets", "--out", str(out_file))[0] == 0
    other = tmp_path / "other.duckdb"
    code, out, err = run(capsys, "--db", str(other), "import", str(out_file), "--mode", "replace")
    assert code == 0, err
    code, out, _ = run(capsys, "--db", str(other), "export", "--format", "backup", "--include-secrets")
    again = json.loads(out)
    first = json.loads(out_file.read_text())
    assert again["accounts"] == first["accounts"] and again["tombstones"] == first["tombstones"]


def test_csv_import_through_the_cli(capsys, tmp_path):
    f = tmp_path / "accounts.csv"
    f.write_text(CSV_TEMPLATE + "https://x.example.com,,tok-zzzzzzzzzzzzzzzzzz,,,,,\n")
    code, out, _err = run(capsys, "import", str(f), "--dry-run")
    assert code == 1 and "2 would be added" in out and "- row 4: rejected" in out
    assert names(capsys) == []
    code, out, _err = run(capsys, "import", str(f), "--json")
    assert code == 1 and [r["status"] for r in json.loads(out)["rows"]] == ["added", "added", "rejected"]
    assert run(capsys, "import", str(f), "--mode", "replace")[0] == 2


def test_subprocess_usage_errors_are_exit_2(tmp_path):
    exe = shutil.which("allhub", path=str(Path(sys.executable).parent)) or "allhub"
    env = {**os.environ, "ALLHUB_DB": str(tmp_path / "p.duckdb")}
    r = subprocess.run([exe, "import", FULL, "--mode", "sideways"], capture_output=True, text=True, env=env)
    assert r.returncode == 2 and "invalid choice" in r.stderr
    r = subprocess.run([exe, "import", "-", "--password-stdin"], capture_output=True, text=True, env=env, input="x")
    assert r.returncode == 2 and "cannot both come from standard input" in r.stderr
