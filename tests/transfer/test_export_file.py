"""One export for every surface (``transfer.export_file``): the CLI's ``allhub export --out``, the
WebDAV upload and the Import / Export page write the same, safe file.

An account whose name carries a right-to-left override (U+202E, which flips how a terminal or an
editor shows the text after it) and whose figures are not finite (a NaN the extension's own file
carried in its account_info, an infinite exchange rate) used to reach the CLI's file and the
WebDAV file raw (the character as is; ``NaN`` and ``Infinity``, which are not JSON, so the
extension could not read the file back); only the page escaped them.
"""

from __future__ import annotations

import json

from webdav_server import PASSWORD, USER

from allhub_core import accounts as acc
from allhub_core.cli.main import main
from allhub_core.sync import backup
from allhub_core.transfer import export_file, parse_backup

RLO = "\u202e"
NAME = f"Relay {RLO}gpj.exe"
FILE = "all-api-hub-backup/all-api-hub-1-0.json"


def _tricky_account(store) -> None:
    aid = acc.add_account(store, acc.AccountInput(site_url="https://relay.example.com", site_name="Relay",
                                                  site_type="new-api", user_id="1", access_token="tok-0123456789abcdef"))
    extra = json.dumps({"account_info": {"today_income_usd": float("nan")}})  # json writes NaN
    with store.write() as con:  # as an import of a file carrying them could leave them
        con.execute("UPDATE accounts SET site_name = ?, exchange_rate = 'Infinity'::DOUBLE, ext_extra = ? "
                    "WHERE id = ?", [NAME, extra, aid])


def _safe_account(text: str) -> dict:
    """The file's one account, after checking the file is safe: valid JSON (no NaN), the override
    written as an escape and never raw."""
    assert RLO not in text and "\\u202e" in text
    assert "NaN" not in text and "Infinity" not in text
    (account,) = json.loads(text)["accounts"]["accounts"]
    assert account["account_info"]["today_income_usd"] is None
    return account


def test_the_cli_and_the_webdav_upload_write_the_same_escaped_file(store, db_path, dav_server, tmp_path, capsys):
    _tricky_account(store)
    out = tmp_path / "export.json"
    assert main(["--db", str(db_path), "export", "--format", "allhub", "--include-secrets", "--out", str(out)]) == 0
    assert "Exported 1 account(s)" in capsys.readouterr().err
    from_cli = _safe_account(out.read_text(encoding="utf-8"))

    dav = dav_server()
    backup.save_backup_settings(store, url=dav.url("/"), username=USER, password=PASSWORD)
    assert backup.push(store).ok
    from_webdav = _safe_account((dav.root / FILE).read_text(encoding="utf-8"))

    page = _safe_account(export_file(store, "allhub", include_secrets=True).text)
    for account in (from_cli, from_webdav, page):
        assert account["site_name"] == NAME and account["exchange_rate"] == 7.2  # the default for a rate not a number
    assert from_cli == page
    assert {k: v for k, v in from_webdav.items() if k != "last_sync_time"} == \
        {k: v for k, v in page.items() if k != "last_sync_time"}


def test_an_encrypted_export_opens_to_the_same_escaped_file(store, db_path, tmp_path, monkeypatch):
    _tricky_account(store)
    out = tmp_path / "export.json"
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("a-password\n"))
    assert main(["--db", str(db_path), "export", "--format", "allhub", "--password-stdin", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert RLO not in text and "NaN" not in text and "Infinity" not in text
    (account,) = parse_backup(text, password="a-password").accounts
    assert account.name == NAME


def test_the_extensions_backup_carries_the_default_rate_for_a_rate_that_is_not_a_number(store):
    """A stored NaN or infinite exchange rate (an old import could leave one) used to stop the
    export with an internal error (float(None)); the extension reads a number there."""
    for n, bad in enumerate(("'NaN'::DOUBLE", "'Infinity'::DOUBLE", "NULL")):
        aid = acc.add_account(store, acc.AccountInput(site_url=f"https://r{n}.example.com", site_name=f"R{n}",
                                                      site_type="new-api", user_id="1",
                                                      access_token="tok-0123456789abcdef"))
        with store.write() as con:
            try:
                con.execute(f"UPDATE accounts SET exchange_rate = {bad} WHERE id = ?", [aid])
            except Exception as exc:  # noqa: BLE001 - a NOT NULL column refuses NULL: nothing to test
                assert "NOT NULL" in str(exc)
    text = export_file(store, "allhub").text  # the extension's 4.0 backup
    rates = [a["exchange_rate"] for a in json.loads(text)["accounts"]["accounts"]]
    assert rates and all(r == 7.2 for r in rates)
