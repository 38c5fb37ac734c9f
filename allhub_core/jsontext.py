"""JSON text that is safe to print (L0, the standard library only): the one JSON writer of the
CLI's ``--json`` output and of the exports (``transfer.tabular`` re-exports it), kept below the
rooms so a command that prints JSON loads no room it does not use (issue 18: ``allhub account
list --json`` loaded the whole ``transfer`` room for these two functions).

``json.dumps(..., ensure_ascii=False)`` escapes the C0 controls but writes DEL, the C1 controls
(U+0080-U+009F, e.g. U+009B, a one-character CSI), the line/paragraph separators U+2028/U+2029
and the bidirectional formatting characters raw; here they become ``\\uXXXX`` escapes: still valid
JSON that decodes to the same text, but printing it can no longer drive a terminal. NaN and
infinity are never written (they are not JSON): they become ``null``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["json_rows_text", "json_text"]

_RAW_IN_JSON = re.compile("[\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def json_text(value: Any, indent: int | None = 2) -> str:
    """``value`` (dicts, lists, str, numbers, bool, None) as JSON text, without a final newline.

    Non-ASCII text is written as is, except DEL, C1 controls, U+2028/U+2029 and the
    bidirectional formatting characters (U+061C, U+200E/F, U+202A-E, U+2066-9), which become
    ``\\uXXXX`` escapes (C0 controls are escaped by ``json`` itself), so the text is safe to
    print on a terminal. A non-finite float becomes ``null``; NaN/Infinity are never written.
    """
    try:  # most values hold no NaN or infinity: no walk over them first
        text = json.dumps(value, ensure_ascii=False, indent=indent, allow_nan=False)
    except ValueError:  # one did: every non-finite float becomes null
        text = json.dumps(_finite(value), ensure_ascii=False, indent=indent, allow_nan=False)
    return _RAW_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def json_rows_text(items: list[Any]) -> str:
    """A JSON array written one element per line (``json_text``'s rules for each element): as easy
    to read and to grep as an indented dump, and written by ``json``'s C encoder with one encoder
    for every row (``indent`` makes ``json`` pure Python: 1.5 s for 10,000 accounts, issue 18)."""
    if not items:
        return "[]"
    encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
    try:
        lines = [encode(item) for item in items]
    except ValueError:  # a NaN or infinity somewhere: every non-finite float becomes null
        lines = [encode(_finite(item)) for item in items]
    text = "[\n  " + ",\n  ".join(lines) + "\n]"
    return _RAW_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value
