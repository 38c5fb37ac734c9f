"""Keep secrets and terminal control sequences out of reasons, messages and logs.

Tokens never travel in URLs, and headers are never logged, but servers do echo
input back ("token abc... is invalid"), sometimes altered (cut short, one
character changed, upper-cased).  Every piece of remote text passes through
``scrub`` with the secrets of the request before it is stored, and through
``strip_controls`` (``server_message`` and ``short`` do it) so a site cannot
write escape sequences into the user's terminal through a stored reason.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable

MAX_MESSAGE = 200

MIN_RUN = 8
"""Scrub any run of at least ``min(MIN_RUN, len(secret))`` characters shared with a secret.

Why 8: a run of 8 characters of a random token (~47 bits over [A-Za-z0-9]) does not occur
in a short message by chance, while a shorter threshold starts redacting ordinary words
that happen to be in a password; and what may stay visible of a 32+ character token
(runs of at most 7 characters between redactions) leaves far too much unknown to guess.
A secret shorter than 8 characters (4..7; shorter ones are ignored) is matched whole.
Matching ignores ASCII case, so an upper-cased echo is caught too.
"""

_FOLD = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)  # keeps every length
_RUNS = re.compile(rb"\x01+")

# Whole escape sequences first, so their payload (an OSC window title) goes too:
# CSI (ESC [ or 0x9B) params intermediates final; OSC/DCS/SOS/PM/APC (ESC ] P X ^ _ or
# their C1 forms) up to BEL or ST; any other ESC + intermediates + final byte.
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"
    r"|\x1b(?![\[\]PX^_])[ -/]*[0-~]"
)
_LAYOUT_CONTROLS = re.compile(r"[\t\n\v\f\r]")
# C0/C1 controls, DEL and the bidirectional formatting characters (a site's name or message
# must not reorder the text shown around it).
_OTHER_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def strip_controls(text: str | None) -> str:
    """Remote text without C0/C1 control characters and DEL (tab and line breaks become spaces).

    Complete escape sequences (colours, cursor moves, window titles, hyperlinks) are removed
    with their payload; a lone or unterminated ESC loses just the control character.
    """
    if not text:
        return ""
    if text.isprintable():  # the common case: nothing to do (isprintable is False for every control)
        return text
    out = _ESCAPE_SEQUENCE.sub("", text)
    out = _LAYOUT_CONTROLS.sub(" ", out)
    return _OTHER_CONTROLS.sub("", out)


def _grams(secrets: Iterable[str | None]) -> dict[int, set[str]]:
    """Every run to look for, grouped by its length, case-folded."""
    by_len: dict[int, set[str]] = {}
    for raw in secrets:
        if not raw:
            continue
        secret = raw.removeprefix("Bearer ")  # "Bearer " itself is no secret
        secret = secret.strip().translate(_FOLD)
        if len(secret) < 4:
            continue
        k = min(MIN_RUN, len(secret))
        by_len.setdefault(k, set()).update(secret[i:i + k] for i in range(len(secret) - k + 1))
    return by_len


def scrub(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every secret, and every long run shared with a secret, replaced by ``***``.

    Linear in the text for each run length in use (one or two): a sliding window checked
    against a set of the secrets' runs, then one regex pass over the marks.
    """
    out = text or ""
    if not out:  # most answers' message is empty: no secret's runs are built for it
        return out
    by_len = _grams(secrets)
    if not by_len:
        return out
    folded = out.translate(_FOLD)
    n = len(out)
    marks = bytearray(n)
    for k, grams in by_len.items():
        ones = b"\x01" * k
        for i in range(n - k + 1):
            if folded[i:i + k] in grams:
                marks[i:i + k] = ones
    if 1 not in marks:
        return out
    parts, last = [], 0
    for m in _RUNS.finditer(marks):
        parts.append(out[last:m.start()])
        parts.append("***")
        last = m.end()
    parts.append(out[last:])
    return "".join(parts)


def short(text: str, limit: int = MAX_MESSAGE) -> str:
    """One line of at most ``limit`` characters, without control characters."""
    text = " ".join(strip_controls(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
