"""The Keys page's "Push to a service you run": the ticked keys previewed, then pushed, to a
CLIProxyAPI, Claude Code Router or your own New API (Settings → Services you run). One library call
per key and action (``sync.preview_push`` / ``sync.apply_push``); what would change is a table of
fields with keys masked. Full keys are read only when a button is pressed and kept nowhere."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from allhub_core.store import Store
from allhub_core.sync import PUSH_KINDS, apply_push, preview_push, push_targets, target_for_key
from pages._keys_grid import SelectedKey
from pages._text import esc, user_errors

__all__ = ["push_panel"]

_RESULT = "push_result"


def _text(value: Any) -> str:
    """A field's value as the service's JSON writes it ('' for none); keys come masked."""
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _run(store: Store, kind: str, chosen: Sequence[SelectedKey], apply: bool) -> dict[str, Any]:
    """Each key previewed (or pushed): its sentence and its changed fields (masked)."""
    lines: list[str] = []
    changes: list[dict[str, str]] = []
    act = apply_push if apply else preview_push
    for aid, kid in chosen:
        report = act(store, kind, target_for_key(store, aid, kid))
        lines.append(report.summary())
        for c in report.rows()[0]["changes"]:
            changes.append({"key": f"{aid}/{kid}", "field": c["field"], "now": _text(c["old"]),
                            "after": _text(c["new"])})
    return {"kind": kind, "apply": apply, "lines": lines, "changes": changes,
            "pending": not apply and bool(changes)}


def push_panel(store: Store, chosen: Sequence[SelectedKey]) -> None:
    """The section for these ticked keys: a service, Preview, Push, and what came of the last."""
    ss = st.session_state
    st.markdown("**Push to a service you run**")
    ready = [t for t in push_targets(store) if t.complete]
    if not ready:
        st.info("Set the address and management key of a CLIProxyAPI, Claude Code Router or your own New API in "
                "Settings → Services you run to push keys there.")
        return
    c1, c2, c3 = st.columns([3, 1, 1], vertical_alignment="bottom")
    kind = c1.selectbox("Service", [t.kind for t in ready], key="push_kind",
                        format_func=lambda k: next(f"{t.label} · {t.url}" for t in ready if t.kind == k))
    for apply, col, label in ((False, c2, "Preview"), (True, c3, "Push")):
        if col.button(label, key=f"push_{label.lower()}", type="primary" if apply else "secondary",
                      icon=":material/upload:" if apply else ":material/preview:"):
            ss.pop(_RESULT, None)
            with user_errors(), st.spinner(f"{'Pushing to' if apply else 'Asking'} {PUSH_KINDS[kind]}…"):
                ss[_RESULT] = _run(store, kind, chosen, apply)
    result = ss.get(_RESULT)
    if not result:
        st.caption("Preview shows what would change (an entry added, fields updated, or nothing); Push writes it. "
                   "A second push of the same key changes nothing.")
        return
    text = "  \n".join(esc(line) for line in result["lines"])
    (st.success if result["apply"] else st.info)(text)
    if result["changes"]:
        st.dataframe(pd.DataFrame(result["changes"]), hide_index=True, width="stretch",
                     column_config={"key": "Account/key", "now": "On the service now", "after": "After the push"})
    if result["pending"]:
        st.caption("Nothing was written yet: press Push to write it.")
