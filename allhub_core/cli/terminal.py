r"""Terminal-safe output, the parser class and ``Fail``: standard library only, so the parser tree
(``allhub_core.cli.parsers``) and ``allhub --help`` load nothing heavy (``output`` adds what the
commands share: the store, JSON and CSV printing, secrets from stdin).

Terminal safety: names, tags, notes, health reasons and check-in messages come from users and
from remote sites, so every text the CLI prints passes one function, ``terminal_safe``, on its
way out (``emit`` for lines and blocks, ``Parser`` for argparse's help and errors, the
confirmation prompt). It shows each C0 control character, DEL and each C1 control character
(U+0080-U+009F) as a visible Python-style escape instead of sending it to the terminal:
``\t``, ``\n``, ``\r`` for tab, newline and carriage return, ``\xNN`` for the others, so ESC
prints as the four characters ``\x1b`` and one stored value can neither move the cursor, clear
the screen, set the window title nor span lines. The bidirectional formatting characters
(U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) are shown as ``\uXXXX`` the same way,
so a name cannot reorder the text around it. Human output is written line by line, so
newlines and tabs inside a value are escaped too (one account is one table row). JSON output
keeps its structure and stays valid: C0 is escaped by ``json``, DEL/C1/U+2028/U+2029 and the
bidirectional formatting characters are written as ``\uXXXX`` (``transfer.json_text``), and
NaN/Infinity are written as ``null``. CSV on
standard output keeps its ``\r\n`` row ends and escapes every other control character; CSV
and JSON written to a file with ``--out`` are the exact export (JSON with the escapes above).
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any, NoReturn

__all__ = ["Fail", "Parser", "emit", "is_plain", "terminal_safe"]

# Bidirectional formatting characters (ALM, LRM, RLM, LRE..RLO, LRI..PDI) reorder what a
# terminal shows ("Trojan Source"): a name could make one account's row read as another's.
BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_CONTROLS = re.compile(f"\r\n|[\x00-\x1f\x7f-\x9f{BIDI}]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
_ANY_CONTROL = re.compile(f"[\x00-\x1f\x7f-\x9f{BIDI}]")  # what _CONTROLS matches, one character at a time


def terminal_safe(text: Any, keep: tuple[str, ...] = ()) -> str:
    """``str(text)`` with every control character shown as a visible escape (see the module
    docstring); the sequences in ``keep`` (e.g. ``"\n"``) pass unchanged. Idempotent."""
    text = str(text)
    if is_plain(text, keep):  # the common case, a scan with no call per match (a JSON array's lines)
        return text

    def escape(m: re.Match) -> str:
        seq = m.group()
        if seq in keep:
            return seq
        return "".join(c if c in keep else _NAMED.get(c) or (f"\\x{ord(c):02x}" if ord(c) < 0x100 else
                                                             f"\\u{ord(c):04x}") for c in seq)

    return _CONTROLS.sub(escape, text)


def is_plain(text: str, keep: tuple[str, ...] = ()) -> bool:
    """``text`` holds no control character but the sequences in ``keep``: ``terminal_safe`` would
    return it unchanged. Exact for one kept sequence or single characters (each occurrence is
    removed, then nothing may be left); otherwise False, and ``terminal_safe`` looks match by match."""
    if keep:
        if len(keep) > 1 and any(len(seq) != 1 for seq in keep):
            return False
        for seq in keep:
            text = text.replace(seq, "")
    # str.isprintable is False for every control and format character (and for some harmless ones,
    # such as a non-ASCII space: then the pattern decides)
    return text.isprintable() or _ANY_CONTROL.search(text) is None


def emit(text: Any = "", *, err: bool = False, end: str = "\n", keep: tuple[str, ...] = (),
          flush: bool = False) -> None:
    """The one way the CLI writes text: to stdout (stderr with ``err``), made terminal-safe."""
    stream = sys.stderr if err else sys.stdout
    stream.write(terminal_safe(text, keep) + end)
    if flush:
        stream.flush()


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one sentence, exit 2, no usage dump
        message = terminal_safe(message)  # it may quote what was typed
        self.exit(2, f"allhub: {message[0].upper() + message[1:]}. See '{self.prog} --help'.\n")

    def _print_message(self, message: str, file: Any = None) -> None:  # help, usage, version, errors
        super()._print_message(terminal_safe(message, keep=("\n",)) if message else message, file)


class Fail(Exception):
    def __init__(self, code: int, message: str = ""):
        super().__init__(message)
        self.code = code
