"""What pages say: errors as one sentence (``user_errors``), remote text escaped (``esc``),
money, flash messages across a rerun, and typed secrets forgotten."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import streamlit as st

from allhub_core.errors import AllhubError, SiteError

__all__ = ["clear_typed", "esc", "flash", "forget_typed", "money", "show_flash", "user_errors"]


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Show any AllhubError as one sentence instead of a traceback (the one place pages catch it).

    A site's error quotes the site's own words, so it is shown as text, never as markdown.
    """
    try:
        yield
    except AllhubError as exc:
        st.error(esc(exc) if isinstance(exc, SiteError) else str(exc), icon=":material/error:")


_MD_SPECIAL = set("\\`*_[]$~<>")


def esc(text: object) -> str:
    """Markdown-escape text that is not ours (site names, server messages, user input).

    Streamlit renders markdown in alerts, labels and st.markdown; remote text must show as
    text, never as links, images, formatting or math. One-line messages only need the
    characters that open those (and "://" so a bare URL does not turn into a link).
    """
    out = "".join("\\" + c if c in _MD_SPECIAL else c for c in str(text))
    return out.replace("://", "\\://")


def money(value: float | None, currency: str) -> str:
    if value is None:
        return "—"
    symbol = "$" if currency == "USD" else "¥"
    return f"{symbol}{value:,.2f}"


def flash(message: str, kind: str = "success") -> None:
    """Show a message on the next run (after st.rerun); shown as text, never as markdown."""
    st.session_state["_flash"] = (kind, esc(message))


def show_flash() -> None:
    item = st.session_state.pop("_flash", None)
    if item:
        kind, message = item
        getattr(st, kind)(message)


def forget_typed(*keys: str) -> None:
    """Empty these text inputs (typed secrets, once saved) on the next run. They are assigned ''
    before the widgets exist (``clear_typed``), not deleted: the browser only replaces a value
    it is told to replace, so a deleted key would leave the secret in the field."""
    st.session_state["_forget_typed"] = [*st.session_state.get("_forget_typed", []), *keys]


def clear_typed() -> None:
    """Call at the top of a page that uses ``forget_typed``, before its widgets."""
    for key in st.session_state.pop("_forget_typed", []):
        st.session_state[key] = ""
