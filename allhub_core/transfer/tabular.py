"""Account exports: CSV for spreadsheets, JSON for people and programs.

Pure functions over account records (plain dicts in the ``cli.md`` "Account JSON" shape plus
the extra fields listed in ``CSV_COLUMNS``); no database access, so the CLI
(``account list --csv``, ``export``) and the dashboard's download buttons share one
implementation and one set of golden files.

Why it is written this way:

* **Formula injection.** Site names, usernames, notes and messages come from remote relay
  sites and are attacker-controlled. A spreadsheet runs any cell that *begins* with ``=``,
  ``+``, ``-`` or ``@`` (and tab, CR, LF, NUL lead to the same place), so every text cell
  that starts with one of those gets a leading ``'`` (OWASP "CSV Injection", ASVS 1.2.10).
  Numbers are never prefixed: a negative balance stays ``-1.5`` and sums still work.
* **Allow-list, not deny-list.** Only the keys in ``CSV_COLUMNS`` (and, on request,
  ``SECRET_KEYS`` in JSON) are written; any other key a caller leaves in a record is dropped,
  so a secret column added to the store later cannot leak through an export by accident.
* **Secrets** (access token, cookie, refresh token) never appear in CSV, and appear in JSON
  only with ``include_secrets=True``; they are dropped even when the caller passed them in.

* **Text a terminal would act on.** ``json.dumps(..., ensure_ascii=False)`` escapes the C0
  controls but writes DEL, the C1 controls (U+0080-U+009F, e.g. U+009B, a one-character CSI)
  and the line/paragraph separators U+2028/U+2029 raw. JSON here writes them as ``\\uXXXX``
  escapes (``json_text``): still valid JSON that decodes to the same text, but printing it can
  no longer drive a terminal. NaN and infinity are never written (they are not JSON): they
  become ``null``.

CSV is lossy on purpose (tags joined with ``;``, booleans as text); JSON is the faithful
format. Neither writes files: callers choose where the text goes.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import math
from collections.abc import Iterable, Mapping
from typing import Any

from allhub_core.jsontext import json_text

__all__ = [
    "CSV_COLUMNS",
    "SECRET_KEYS",
    "csv_safe",
    "json_text",  # from allhub_core.jsontext, where it lives
    "to_csv",
    "to_csv_bytes",
    "to_json",
]

CSV_COLUMNS: tuple[str, ...] = (
    "id",
    "site_name",
    "site_url",
    "site_type",
    "user_id",
    "username",
    "auth_type",
    "tags",
    "pinned",
    "disabled",
    "health_status",
    "health_reason",
    "quota",
    "balance_usd",
    "balance_cny",
    "today_consumption_usd",
    "today_income_usd",
    "exchange_rate",
    "checkin_status",
    "last_sync_time",
    "notes",
    "exclude_from_total_balance",
    "exclude_from_today_income",
    "manual_balance_usd",
    "auto_checkin",
    "checkin_url",
    "redeem_url",
    "created_at",
    "updated_at",
)
"""The CSV header, in order: every non-secret account field.

Secrets are never in CSV: CSV is for spreadsheets, which get copied, mailed and synced
without a second thought. Use ``to_json(..., include_secrets=True)`` for a full backup.
The JSON export uses the same keys in the same order.
"""

SECRET_KEYS: tuple[str, ...] = ("access_token", "cookie", "refresh_token")
"""Keys written (last, in this order) only by ``to_json(..., include_secrets=True)``."""

# OWASP's list plus NUL from ASVS 1.2.10. A leading "'" is escaped too (see csv_safe).
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")
_ESCAPE = "'"
_CRLF = "\r\n"
# What json.dumps(ensure_ascii=False) leaves raw but a terminal or a JavaScript parser acts on.


def csv_safe(value: Any) -> Any:
    """Return ``value`` with a ``'`` in front if it is text a spreadsheet could run.

    Text starting with ``= + - @``, tab, CR, LF or NUL gets the prefix. So does text that
    already starts with ``'``: that keeps the escape reversible (strip exactly one leading
    ``'`` to get the original back) instead of leaving ``'=x`` ambiguous. Anything that is not
    a ``str`` (numbers, None) is returned unchanged.
    """
    if isinstance(value, str) and value.startswith((*_FORMULA_TRIGGERS, _ESCAPE)):
        return _ESCAPE + value
    return value


def to_csv(records: Iterable[Mapping[str, Any]]) -> str:
    """Return the records as CSV text: a header row, then one row per account.

    The cells follow RFC 4180 (``\\r\\n`` line ends, ``"`` doubled inside quotes) and one
    rule for types, the same convention as ``csv.QUOTE_NONNUMERIC``:

    * text is always quoted and passed through ``csv_safe``. Quoting every text cell (not
      just those holding a comma) keeps a value such as ``a;=1+2`` in one cell when a
      spreadsheet in a ``;``-separator locale opens the file (OWASP's warning about
      separators). Booleans are the text ``true``/``false``; tags are joined with ``;``
      (a tag that itself holds ``;`` cannot be told apart: use JSON for a lossless copy);
      ISO timestamps are text.
    * numbers are never quoted and never prefixed, so a spreadsheet (and
      ``csv.QUOTE_NONNUMERIC`` readers) sees numbers, negative ones included. Integers are
      written exactly however large; floats in plain decimal notation with the shortest
      digits that round-trip (``0.1``, ``0.0000001``, never ``1e-07``).
    * None, a missing key, NaN and infinity are an empty, unquoted cell.

    A key outside ``CSV_COLUMNS`` (secrets included) is ignored.
    """
    lines = [",".join(_csv_text(name) for name in CSV_COLUMNS)]
    for record in records:
        lines.append(",".join(_csv_cell(record.get(name)) for name in CSV_COLUMNS))
    return _CRLF.join(lines) + _CRLF


def to_csv_bytes(records: Iterable[Mapping[str, Any]], bom: bool = False) -> bytes:
    """Return ``to_csv(records)`` encoded as UTF-8.

    ``bom=True`` puts the UTF-8 byte-order mark first: Excel needs it to read non-ASCII text
    as UTF-8 rather than the local code page; other tools are better off without it.
    """
    data = to_csv(records).encode("utf-8")
    return b"\xef\xbb\xbf" + data if bom else data


def to_json(records: Iterable[Mapping[str, Any]], include_secrets: bool = False) -> str:
    """Return the records as a JSON array (UTF-8 text, 2-space indent, trailing newline).

    Each object has the keys of ``CSV_COLUMNS`` in that order, then ``SECRET_KEYS`` when
    ``include_secrets`` is true; a missing key is ``null``. ``tags`` is a real array,
    booleans and numbers are JSON booleans and numbers, non-ASCII text is written as is
    (DEL, C1 controls and U+2028/U+2029 as ``\\uXXXX``, see ``json_text``).
    NaN and infinity become ``null`` (they are not JSON). Integers are exact, but readers
    that parse numbers as doubles (JavaScript) lose digits above 2**53.
    Without ``include_secrets`` the secret keys are dropped even when present in the input.
    """
    keys = CSV_COLUMNS + SECRET_KEYS if include_secrets else CSV_COLUMNS
    rows = [{key: _json_value(record.get(key)) for key in keys} for record in records]
    return json_text(rows) + "\n"


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _csv_text("true" if value else "false")
    if isinstance(value, (int, float, decimal.Decimal)):
        return _format_number(value)
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return _csv_text(value.isoformat())
    if isinstance(value, str):
        return _csv_text(value)
    if isinstance(value, (list, tuple)):
        return _csv_text(";".join(str(item) for item in value))
    raise TypeError(f"cannot write a {type(value).__name__} to CSV")


def _csv_text(text: str) -> str:
    return '"' + csv_safe(text).replace('"', '""') + '"'


def _format_number(value: int | float | decimal.Decimal) -> str:
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        # repr() gives the shortest digits that round-trip; Decimal only moves the point.
        value = decimal.Decimal(repr(value))
    elif not value.is_finite():
        return ""
    return format(value, "f")


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            return None
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_json_value(item) for item in value]
    raise TypeError(f"cannot write a {type(value).__name__} to JSON")
