"""Exports: golden files over one dataset that holds every hard value, plus the CSV rules.

The golden files in ``tests/transfer/golden/`` are compared byte for byte. After an intended change,
regenerate them with ``UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/transfer/test_tabular.py``
and read the diff before committing: the files are the specification.

NUL is kept out of the golden dataset (git would call the CSV binary and hide its diffs);
``test_csv_safe`` covers it.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from allhub_core.transfer import CSV_COLUMNS, SECRET_KEYS, csv_safe, to_csv, to_csv_bytes, to_json

GOLDEN = Path(__file__).parent / "golden"
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")


def _account(**fields):
    """A plain, harmless account; each dataset entry overrides what it is about."""
    record = {
        "id": "acc-plain",
        "site_name": "Plain Relay",
        "site_url": "https://plain.example",
        "site_type": "new-api",
        "user_id": "1",
        "username": "alice",
        "auth_type": "access_token",
        "tags": ["free"],
        "pinned": False,
        "disabled": False,
        "health_status": "healthy",
        "health_reason": "",
        "quota": 500000,
        "balance_usd": 1.0,
        "balance_cny": 7.2,
        "today_consumption_usd": 0.25,
        "today_income_usd": 0.0,
        "exchange_rate": 7.2,
        "checkin_status": "not_checked",
        "last_sync_time": "2025-01-02T03:04:05+00:00",
        "notes": "",
        "exclude_from_total_balance": False,
        "exclude_from_today_income": False,
        "manual_balance_usd": None,
        "auto_checkin": True,
        "checkin_url": "",
        "redeem_url": "",
        "created_at": "2025-01-01T00:00:00+00:00",
        "updated_at": "2025-01-02T03:04:05+00:00",
    }
    record.update(fields)
    return record


SECRET_VALUES = ("sk-SECRET-token-0001", "session=SECRET-cookie-0002", "SECRET-refresh-0003")

ACCOUNTS = [
    # Every formula trigger at the start of a text cell, secrets and a stray secret-ish key.
    _account(
        id="acc-formula",
        site_name="=cmd|' /C calc'!A0",
        site_url="https://evil.example",
        user_id="-5",
        username="+1",
        tags=["@SUM(1)", "=HYPERLINK(\"http://x\")", "+tag"],
        health_status="warning",
        health_reason="@SUM(1)",
        notes="-2",
        checkin_url="=1+2\";=1+2",
        redeem_url="'=already escaped",
        access_token=SECRET_VALUES[0],
        cookie=SECRET_VALUES[1],
        refresh_token=SECRET_VALUES[2],
        password="hunter2-not-a-column",
    ),
    # Whitespace triggers, a formula in the middle, a leading apostrophe, negative numbers.
    _account(
        id="acc-whitespace",
        site_name="\t=1",
        username="\r=1",
        notes="\n=1",
        tags=["safe", "-negative-tag-not-first"],
        health_reason="total =SUM(A1:A2) is fine mid-cell",
        checkin_url="'plain apostrophe",
        quota=-750000,
        balance_usd=-1.5,
        balance_cny=-10.8,
        today_consumption_usd=0.0,
        today_income_usd=-0.0,
        exchange_rate=7.2,
        pinned=True,
        access_token=SECRET_VALUES[0],
    ),
    # Unicode, quotes, commas, newlines, many tags.
    _account(
        id="acc-unicode",
        site_name="中文站点 🚀",
        username="مستخدم\u200f",
        notes='He said "hi", then left,\nline two\r\nline three\rend',
        health_reason="Cafe\u0301 \u2014 👨\u200d👩\u200d👧 family",
        tags=["中文", "emoji🎉", "a,b", 'quote"d', "שלום", "x", "y", "z", "long tag with spaces", "9"],
        site_type="one-api",
        auth_type="cookie",
        checkin_status="checked",
        cookie=SECRET_VALUES[1],
    ),
    # Huge integers, small and awkward floats.
    _account(
        id="acc-numbers",
        quota=9007199254740993,
        balance_usd=0.1,
        balance_cny=1e-7,
        today_consumption_usd=123456789.12345,
        today_income_usd=1e22,
        exchange_rate=7.3,
        manual_balance_usd=0.30000000000000004,
        tags=["single"],
    ),
    _account(
        id="acc-big-quota",
        quota=12345678901234,
        balance_usd=24691357.802468,
        balance_cny=177777776.1777696,
        manual_balance_usd=0.1,
        exclude_from_total_balance=True,
        exclude_from_today_income=True,
    ),
    # Empty strings, None, no tags.
    _account(
        id="acc-empty",
        site_name="",
        site_type="",
        user_id="",
        username="",
        auth_type="none",
        tags=[],
        health_status="unknown",
        health_reason="",
        quota=0,
        balance_usd=None,
        balance_cny=None,
        today_consumption_usd=None,
        today_income_usd=None,
        checkin_status="unknown",
        last_sync_time=None,
        notes="",
        auto_checkin=False,
        disabled=True,
        access_token=None,
        cookie=None,
        refresh_token=None,
    ),
]


@pytest.fixture
def accounts():
    return copy.deepcopy(ACCOUNTS)


def _check_golden(name: str, data: bytes) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
    assert path.exists(), f"{path} is missing: run with UPDATE_GOLDEN=1"
    assert data == path.read_bytes(), f"{name} differs from the golden file (UPDATE_GOLDEN=1 to accept)"


def test_golden_csv(accounts):
    _check_golden("accounts.csv", to_csv_bytes(accounts))


def test_golden_json(accounts):
    _check_golden("accounts.json", to_json(accounts).encode("utf-8"))


def test_golden_json_with_secrets(accounts):
    _check_golden("accounts_with_secrets.json", to_json(accounts, include_secrets=True).encode("utf-8"))


def test_inputs_are_not_modified(accounts):
    to_csv(accounts)
    to_json(accounts, include_secrets=True)
    assert accounts == ACCOUNTS


def test_secrets_never_in_csv_nor_plain_json(accounts):
    for text in (to_csv(accounts), to_json(accounts)):
        for secret in (*SECRET_VALUES, "hunter2"):
            assert secret not in text
    header = _csv_rows(to_csv(accounts))[0]
    for row in json.loads(to_json(accounts)):
        assert list(row) == list(CSV_COLUMNS) == header


def test_secrets_in_json_only_on_request(accounts):
    rows = json.loads(to_json(accounts, include_secrets=True))
    assert list(rows[0]) == [*CSV_COLUMNS, *SECRET_KEYS]
    assert [rows[0][k] for k in SECRET_KEYS] == list(SECRET_VALUES)
    assert rows[1]["cookie"] is None  # absent in the input: null, same shape for every row
    assert "password" not in rows[0]  # unknown keys are never exported


def test_json_round_trips_values(accounts):
    rows = json.loads(to_json(accounts))
    assert [list(row) for row in rows] == [list(CSV_COLUMNS)] * len(accounts)
    for row, record in zip(rows, accounts, strict=True):
        assert row == {key: record[key] for key in CSV_COLUMNS}
    assert rows[3]["quota"] == 9007199254740993  # exact, not a double


def _csv_rows(text: str, **kwargs) -> list[list]:
    return list(csv.reader(io.StringIO(text, newline=""), **kwargs))


def _unescape(cell: str) -> str:
    return cell[1:] if cell.startswith("'") else cell


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(value)
    return str(value)


def test_csv_round_trips_and_has_no_live_formula(accounts):
    header, *rows = _csv_rows(to_csv(accounts))
    assert header == list(CSV_COLUMNS)
    assert len(rows) == len(accounts)
    for row, record in zip(rows, accounts, strict=True):
        assert len(row) == len(CSV_COLUMNS)
        for name, cell in zip(CSV_COLUMNS, row, strict=True):
            assert not cell.startswith(TRIGGERS) or _is_number(record[name]), (name, cell)
            value = record[name]
            if _is_number(value):
                parse = int if isinstance(value, int) else float
                assert "e" not in cell.lower() and parse(cell) == value, (name, cell)
            else:
                assert _unescape(cell) == _as_text(value), (name, cell)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def test_csv_quotes_text_and_leaves_numbers_bare(accounts):
    # QUOTE_NONNUMERIC readers turn unquoted cells into floats: numbers must come back as
    # floats and everything else (booleans, tags, ids) as strings.
    _header, *rows = _csv_rows(to_csv(accounts), quoting=csv.QUOTE_NONNUMERIC)
    for row, record in zip(rows, accounts, strict=True):
        for name, cell in zip(CSV_COLUMNS, row, strict=True):
            value = record[name]
            if _is_number(value):
                assert isinstance(cell, float), (name, cell)
            else:
                assert isinstance(cell, str), (name, cell)


def test_csv_cells_for_hard_values(accounts):
    text = to_csv(accounts)
    assert text.endswith("\r\n") and "\ufeff" not in text
    assert '"\'=cmd|\' /C calc\'!A0"' in text
    assert '"\'=1+2"";=1+2"' in text  # the OWASP example, verbatim
    assert '"\'\'=already escaped"' in text  # a leading ' is escaped too, so unescaping is exact
    assert '"\'-5"' in text  # user_id is text, so it is prefixed
    assert ",-750000,-1.5,-10.8,0.0,-0.0," in text  # numbers are not
    assert ",9007199254740993,0.1,0.0000001,123456789.12345,10000000000000000000000," in text
    assert ",12345678901234,24691357.802468," in text
    assert '"total =SUM(A1:A2) is fine mid-cell"' in text
    assert '"safe;-negative-tag-not-first"' in text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1", "'=1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\n=1", "'\n=1"),
        ("\0=1", "'\0=1"),
        ("'x", "''x"),
        ("a=1", "a=1"),
        (" =1", " =1"),
        ("", ""),
        (-1.5, -1.5),
        (None, None),
    ],
)
def test_csv_safe(value, expected):
    assert csv_safe(value) == expected


def test_csv_empty_and_odd_numbers():
    assert to_csv([]) == ",".join(f'"{c}"' for c in CSV_COLUMNS) + "\r\n"
    assert to_json([]) == "[]\n"
    record = {"id": "x", "balance_usd": float("nan"), "balance_cny": float("inf")}
    _header, row = _csv_rows(to_csv([record]))
    assert row[CSV_COLUMNS.index("balance_usd")] == ""
    assert row[CSV_COLUMNS.index("balance_cny")] == ""
    assert row[CSV_COLUMNS.index("site_name")] == ""  # a missing key is an empty cell
    (obj,) = json.loads(to_json([record]))
    assert obj["balance_usd"] is None and obj["balance_cny"] is None and obj["site_name"] is None


def test_csv_bytes_bom(accounts):
    plain = to_csv_bytes(accounts)
    assert plain == to_csv(accounts).encode("utf-8")
    assert to_csv_bytes(accounts, bom=True) == b"\xef\xbb\xbf" + plain


def test_export_does_not_import_streamlit():
    code = "import sys, allhub_core.transfer; sys.exit('streamlit' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_database_types_are_accepted():
    # DuckDB hands back datetime for TIMESTAMP and Decimal for DECIMAL columns.
    when = dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    record = {"id": "db", "last_sync_time": when, "balance_usd": Decimal("0.0000001"), "quota": Decimal("5E+5")}
    _header, row = _csv_rows(to_csv([record]))
    assert row[CSV_COLUMNS.index("last_sync_time")] == "2025-01-02T03:04:05+00:00"
    assert row[CSV_COLUMNS.index("balance_usd")] == "0.0000001"
    assert row[CSV_COLUMNS.index("quota")] == "500000"
    (obj,) = json.loads(to_json([record]))
    assert obj["last_sync_time"] == "2025-01-02T03:04:05+00:00"
    assert obj["balance_usd"] == 1e-7 and obj["quota"] == 500000
    with pytest.raises(TypeError):
        to_csv([{"id": object()}])
