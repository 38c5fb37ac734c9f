"""``terminal_safe``'s quick path (issue 18, CLI start-up) changes nothing: on every text it returns
what the match-by-match escaping returns, for each ``keep`` the CLI uses; and a table of accounts
whose names hold control characters is escaped cell by cell as before."""

from __future__ import annotations

import random
import re

import pytest

from allhub_core.accounts import TABLE_COLUMNS
from allhub_core.cli.account import _print_table
from allhub_core.cli.terminal import BIDI, is_plain, terminal_safe

_CONTROLS = re.compile(f"\r\n|[\x00-\x1f\x7f-\x9f{BIDI}]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def reference(text: str, keep: tuple[str, ...] = ()) -> str:
    """The escaping as it was before the quick path: every match through the callback."""

    def escape(m: re.Match) -> str:
        seq = m.group()
        if seq in keep:
            return seq
        return "".join(c if c in keep else _NAMED.get(c) or (f"\\x{ord(c):02x}" if ord(c) < 0x100 else
                                                             f"\\u{ord(c):04x}") for c in seq)

    return _CONTROLS.sub(escape, text)


ALPHABET = ["a", "Z", " ", "\u3000", "é", "中", "\t", "\n", "\r", "\r\n", "\x00", "\x1b", "\x7f", "\x85", "\x9b",
            "\u061c", "\u200e", "\u202e", "\u2066", "\u2069", "\u2028", "\u00a0", "\\", '"']


@pytest.mark.parametrize("keep", [(), ("\n",), ("\r\n",), ("\n", "\t"), ("\r\n", "\n")])
def test_quick_path_equals_the_match_by_match_escaping(keep):
    rng = random.Random(18)
    for _ in range(3000):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 12)))
        assert terminal_safe(text, keep) == reference(text, keep), (text, keep)
        if is_plain(text, keep):
            assert reference(text, keep) == text


def test_plain_text_is_returned_as_is():
    assert terminal_safe("Relay 中文 sk-…9243") == "Relay 中文 sk-…9243"
    assert terminal_safe("[\n  1\n]", keep=("\n",)) == "[\n  1\n]"
    assert terminal_safe("a,b\r\nc,d\r\n", keep=("\r\n",)) == "a,b\r\nc,d\r\n"
    assert terminal_safe("a\rb\nc", keep=("\r\n",)) == "a\\rb\\nc"
    assert terminal_safe(42) == "42"


def _record(i: int, name: str, **kw) -> tuple:
    """One row as ``accounts.account_table`` reads it (``TABLE_COLUMNS``)."""
    row = {"id": i, "site_name": name, "site_url": f"https://r{i}.example.com", "site_type": "new-api",
           "username": "u", "tags": ",".join(kw.get("tags", [])), "balance_usd": kw.get("balance"),
           "health_status": "healthy", "checkin_status": "unknown", "disabled": kw.get("disabled", False),
           "pinned": kw.get("pinned", False)}
    return tuple(row[c] for c in TABLE_COLUMNS)


def test_table_with_controls_is_escaped_cell_by_cell(capsys):
    records = [_record(1, "Plain", balance=1.5, pinned=True), _record(2, "Evil\x1b[2J\nname", tags=["a\tb"]),
               _record(3, "Off\u202e", disabled=True)]
    _print_table(records)
    out = capsys.readouterr().out
    lines = out.split("\n")
    assert len(lines) == 5 and lines[-1] == ""  # header, three rows, the final newline
    assert "\x1b" not in out and "\u202e" not in out and "\t" not in out
    assert "Evil\\x1b[2J\\nname" in lines[2] and "a\\tb" in lines[2]
    assert "* Plain" in lines[1] and "1.50" in lines[1] and "Off\\u202e (disabled)" in lines[3]
    # the columns line up on what the terminal shows (the escaped text)
    assert len({len(line) for line in lines[:4]}) == 1
