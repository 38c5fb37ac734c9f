"""Bulk adding accounts from CSV: per-row report, duplicates skipped, bad rows rejected, one transaction."""

from __future__ import annotations

import csv
import io

import pytest

from allhub_core.accounts import AccountInput, account_records, add_account
from allhub_core.errors import ValidationError
from allhub_core.transfer import CSV_TEMPLATE, import_csv


def test_the_template_imports_as_is(store):
    report = import_csv(store, CSV_TEMPLATE)
    assert report.summary() == "CSV import: 2 added, 0 skipped (duplicate), 0 rejected."
    assert report.exit_code() == 0
    recs = {r["site_name"]: r for r in account_records(store, include_secrets=True)}
    assert recs["Example relay"]["tags"] == ["paid", "work"] and recs["Example relay"]["user_id"] == "1234"
    assert recs["Other relay"]["auth_type"] == "cookie" and recs["Other relay"]["cookie"] == "session=your-session-cookie"
    assert [r["id"] for r in report.rows()] == [recs["Example relay"]["id"], recs["Other relay"]["id"]]


def test_each_row_is_added_skipped_or_rejected_with_why(store):
    add_account(store, AccountInput(site_url="https://taken.example.com", site_name="Taken", user_id="7",
                                    access_token="existing-token-000000000"))
    text = ("URL,User_ID,Token,Name,Tags\n"
            "https://taken.example.com/console,7,tok-aaaaaaaaaaaaaaaa,Again,\n"
            "https://new.example.com,8,tok-bbbbbbbbbbbbbbbbbb,,a;b\n"
            "https://new.example.com,8,tok-cccccccccccccccccc,Twice,\n"
            "not a url,9,tok-dddddddddddddddddd,Bad,\n"
            "https://nouser.example.com,,tok-eeeeeeeeeeeeeeeeee,No user,\n"
            "https://notoken.example.com,10,,No token,\n"
            ",,,,\n")
    report = import_csv(store, text.encode())
    rows = report.rows()
    assert [(r["row"], r["status"]) for r in rows] == [(2, "skipped"), (3, "added"), (4, "skipped"),
                                                         (5, "rejected"), (6, "rejected"), (7, "rejected")]
    assert rows[0]["reason"].startswith("Account ") and "same site and user ID" in rows[0]["reason"]
    assert rows[2]["reason"] == "Row 3 has the same site and user ID."
    assert rows[4]["reason"] == "Please fill in all account information: the user ID is empty."
    assert rows[5]["reason"] == "The row has neither a token nor a cookie."
    assert report.exit_code() == 1
    assert "tok-" not in str(rows) + report.summary()
    assert sorted(r["site_name"] for r in account_records(store)) == ["Taken", "new.example.com"]


def test_dry_run_writes_nothing(store):
    report = import_csv(store, CSV_TEMPLATE, dry_run=True)
    assert report.summary().startswith("CSV import (dry run): 2 would be added")
    assert account_records(store) == []


def test_a_header_without_the_needed_columns_is_one_sentence(store):

    with pytest.raises(ValidationError, match="needs a header row with the columns url, user_id and token or cookie"):
        import_csv(store, "name,notes\nx,y\n")


def test_template_has_the_documented_columns():
    header = next(csv.reader(io.StringIO(CSV_TEMPLATE)))
    assert header == ["url", "user_id", "token", "cookie", "username", "name", "tags", "notes"]
