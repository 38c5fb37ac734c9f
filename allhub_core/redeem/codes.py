"""Codes in pasted text, by the extension's rules (``src/services/redemption/utils/redemptionCode.ts``).

Strict: every run of 32 hex digits anywhere in the text (``[a-fA-F0-9]{32}``, left to right, not
overlapping: inside a URL or a longer hex string too). Relaxed (the extension's default) adds, for
each whitespace-separated token, the token itself and the token with its leading ``("'`([{<`` and
trailing ``)"'`]}>.,;:!?`` trimmed, each kept when it is 32 characters without whitespace. The
strict matches come first, then the relaxed ones, each code once, in the order found. Whitespace
is JavaScript's ``\\s`` (Unicode spaces, the ideographic space of Chinese text included), so the
two tools find the same codes in the same text.

A code is a secret until it is used: what lists, logs and errors show is ``mask_code``; the
store finds a code again by ``code_hash`` (sha256), never by its text.
"""

from __future__ import annotations

import hashlib
import re

__all__ = ["CODE_LENGTH", "code_hash", "find_codes", "is_possible_code", "mask_code"]

#: The length of a redemption code on every supported site.
CODE_LENGTH = 32

# JavaScript's \s (ECMAScript WhiteSpace + LineTerminator), not Python's str.isspace().
_JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_SPACE = re.compile(f"[{_JS_SPACE}]")
_SPLIT = re.compile(f"[{_JS_SPACE}]+")
_HEX = re.compile(r"[a-fA-F0-9]{32}")
_LEAD = re.compile(r"^[(\"'`(\[{<]+")
_TRAIL = re.compile(r"[)\"'`\]}>.,;:!?]+$")


def _js_trim(text: str) -> str:
    return re.sub(f"^[{_JS_SPACE}]+|[{_JS_SPACE}]+$", "", text)


def is_possible_code(code: str | None, *, strict: bool = False) -> bool:
    """32 characters without whitespace (after trimming); ``strict``: 32 hex digits."""
    if not code:
        return False
    text = _js_trim(code)
    if len(text) != CODE_LENGTH or _SPACE.search(text):
        return False
    return not strict or bool(_HEX.fullmatch(text))


def find_codes(text: str | None, strict: bool = False) -> list[str]:
    """Every possible code in ``text``, each once, strict matches first (see the module)."""
    if not text:
        return []
    found: dict[str, None] = {}
    for raw in _HEX.findall(text):
        if is_possible_code(raw, strict=True):
            found.setdefault(_js_trim(raw), None)
    if not strict:
        for token in (t for t in _SPLIT.split(text) if t):
            cleaned = _TRAIL.sub("", _LEAD.sub("", token))
            for candidate in ([token] if cleaned == token else [token, cleaned]):
                if is_possible_code(candidate):
                    found.setdefault(_js_trim(candidate), None)
    return list(found)


def mask_code(code: str) -> str:
    """What a list shows of a code: its first and last four characters (all stars when short)."""
    text = code.strip()
    return "*" * 8 if len(text) <= 12 else f"{text[:4]}********{text[-4:]}"


def code_hash(code: str) -> str:
    """sha256 of the code as sent: how the store recognises a code without keeping it."""
    return hashlib.sha256(code.strip().encode()).hexdigest()
