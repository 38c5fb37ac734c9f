"""CSV import, then recognise and refresh the added rows: against the sandbox over real HTTP.

A spreadsheet has URLs, user ids and tokens but no site types; after the import each added
account is asked what its site is (type, name, exchange rate) and refreshed, as the CSV import
of issue 9 asks ("optionally recognise and refresh the added rows, with progress").
"""

from __future__ import annotations

import json

import pytest

from allhub_core.accounts import account_records, set_preference
from allhub_core.cli.main import main
from allhub_core.sync import recognize_and_refresh
from allhub_core.transfer import import_csv


@pytest.fixture
def sb(sandbox_factory):
    return sandbox_factory(dialects=["new-api", "veloera"], users_per_site=2, seed=61)


def _csv(sb, *, bad_token_for: str | None = None) -> str:
    lines = ["url,user_id,token,name"]
    for dialect in ("new-api", "veloera"):
        site = sb.site(dialect)
        for u in site.users:
            token = "sk-wrong-0123456789abcdef" if dialect == bad_token_for and u is site.users[1] else u.access_token
            lines.append(f"{site.url},{u.id},{token},")
    return "\n".join(lines) + "\n"


def test_added_rows_are_recognised_then_refreshed_with_progress(store, sb, fast):
    report = import_csv(store, _csv(sb))
    assert len(report.added_ids) == 4
    assert {r["site_type"] for r in account_records(store)} == {"unknown"}
    seen: list[str] = []
    refreshed = recognize_and_refresh(store, report.added_ids, politeness=fast, on_result=lambda r: seen.append(r.account_id))
    assert len(seen) == 4 and not refreshed.failed
    recs = {(r["site_url"], r["user_id"]): r for r in account_records(store)}
    for dialect, expected in (("new-api", "new-api"), ("veloera", "Veloera")):
        site = sb.site(dialect)
        for u in site.users:
            rec = recs[(site.url, str(u.id))]
            assert rec["site_type"] == expected and rec["health_status"] == "healthy"
            assert rec["quota"] == u.quota and rec["site_name"] == site.url.split("//")[1]  # generic titles: the host
            assert rec["username"] == u.username


def test_a_refused_row_stays_unknown_and_says_why(store, sb, fast):
    report = import_csv(store, _csv(sb, bad_token_for="veloera"))
    refreshed = recognize_and_refresh(store, report.added_ids, politeness=fast)
    assert len(refreshed.failed) == 1
    site = sb.site("veloera")
    bad = next(r for r in account_records(store) if r["user_id"] == str(site.users[1].id) and r["site_url"] == site.url)
    assert bad["site_type"] == "unknown" and bad["health_status"] in ("warning", "error")
    assert "sk-wrong" not in bad["health_reason"]


def test_cli_import_csv_with_refresh(store, sb, tmp_path, capsys, monkeypatch):

    set_preference(store, "per_site_rpm", 0)
    path = tmp_path / "accounts.csv"
    path.write_text(_csv(sb))
    code = main(["import", str(path), "--refresh", "--json"])
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert code == 0 and len(out["refresh"]) == 4, (out, captured.err)
    assert all(r["ok"] for r in out["refresh"])
    assert {r["site_type"] for r in account_records(store)} == {"new-api", "Veloera"}
