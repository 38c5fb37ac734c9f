"""The Credentials page's forms and actions: add by pasting text (the base URL and key found in
it, shown masked before anything is saved), add by hand, check (with or without the one-token
request), remove with a second click, and export to a client. One library call per click; a
typed or pasted key is forgotten once saved (``forget_typed``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from allhub_core.credentials import (
    API_TYPES,
    TELEMETRY_LABELS,
    CredentialInput,
    add_credential,
    mask_key,
    parse_pasted,
    remove_credentials,
    update_credential,
)
from allhub_core.store import Store
from allhub_core.sync import CLIENT_FORMATS, check_credentials, export_credentials
from pages._export_client import WARNING, show_export
from pages._runs import finish
from pages._text import esc, forget_typed, user_errors

__all__ = ["add_by_hand", "add_by_paste", "check", "confirm_remove", "edit_form", "export_panel"]

_AUTO = "(guess from the URL and key)"


def _tags(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def add_by_paste(store: Store) -> None:
    """Paste anything that holds a base URL and a key (an .env file, a curl line, a provider's
    page); what was found is shown (the key masked) and added on a click."""
    text = st.text_area("Paste text with the base URL and the key", key="cp_text", height=120,
                        placeholder="OPENAI_BASE_URL=https://api.example.com/v1\nOPENAI_API_KEY=sk-…")
    found = parse_pasted(text)
    if not text.strip():
        return
    if found.base_url is None or found.key is None:
        missing = " and ".join(w for w, v in (("no base URL", found.base_url), ("no API key", found.key)) if v is None)
        st.warning(f"Found {missing} in the text; paste both, or add the credential by hand.")
        return
    more = f" ({len(found.keys)} keys found; the first is used)" if len(found.keys) > 1 else ""
    # as code: neither holds a backtick (parse_pasted's shapes), and a URL then shows as text, not a link
    st.success(f"Found `{found.base_url}` with key `{mask_key(found.key)}`{more}.", icon=":material/search:")
    c1, c2, c3 = st.columns([2, 2, 2])
    name = c1.text_input("Name", key="cp_name", placeholder="the host when empty")
    tags = c2.text_input("Tags (comma-separated)", key="cp_tags")
    kinds = [_AUTO, *API_TYPES]
    guessed = kinds.index(found.api_type) if found.api_type != "openai-compatible" else 0
    api_type = c3.selectbox("API type", kinds, index=guessed, key="cp_type")
    if st.button("Add this credential", type="primary", icon=":material/add:", key="cp_add"):
        with user_errors():
            cid = add_credential(store, CredentialInput(base_url=found.base_url, key=found.key, name=name,
                                                        api_type="" if api_type == _AUTO else str(api_type),
                                                        tags=_tags(tags)))
            forget_typed("cp_text", "cp_name", "cp_tags")
            finish(f"Added credential #{cid} ({found.base_url}). Check it to see its balance and models.")


def add_by_hand(store: Store) -> None:
    """Every field of a credential, the balance source among them."""
    with st.form("cred_hand", clear_on_submit=False, border=False):
        c1, c2 = st.columns(2)
        url = c1.text_input("Base URL", key="ch_url", placeholder="https://api.example.com/v1")
        key = c2.text_input("API key", key="ch_key", type="password")
        c3, c4, c5 = st.columns(3)
        name = c3.text_input("Name", key="ch_name")
        api_type = c4.selectbox("API type", [_AUTO, *API_TYPES], key="ch_type")
        tags = c5.text_input("Tags (comma-separated)", key="ch_tags")
        c6, c7 = st.columns([2, 1])
        notes = c6.text_input("Notes", key="ch_notes")
        expires = c7.text_input("Expires (YYYY-MM-DD)", key="ch_expires", placeholder="never")
        telemetry = st.selectbox("Balance from", list(TELEMETRY_LABELS), format_func=TELEMETRY_LABELS.__getitem__,
                                 key="ch_telemetry")
        d1, d2, d3, d4 = st.columns(4)
        custom_url = d1.text_input("Custom endpoint", key="ch_custom", placeholder="/api/me or a URL",
                                   help="Only for a custom read-only endpoint; the key goes only to its own origin")
        paths = [d.text_input(label, key=f"ch_{k}", placeholder=ph) for d, label, k, ph in (
            (d2, "Balance path", "bal", "data.balance"), (d3, "Used path", "used", "data.used"),
            (d4, "Total path", "total", "data.total"))]
        if st.form_submit_button("Add", type="primary", icon=":material/add:"):
            with user_errors():
                cid = add_credential(store, CredentialInput(
                    base_url=url, key=key, name=name, api_type="" if api_type == _AUTO else str(api_type),
                    tags=_tags(tags), notes=notes, expires_at=expires.strip() or None, telemetry=str(telemetry),
                    custom_url=custom_url, custom_balance_path=paths[0], custom_used_path=paths[1],
                    custom_total_path=paths[2]))
                forget_typed("ch_key", "ch_url", "ch_name", "ch_tags", "ch_notes", "ch_expires")
                finish(f"Added credential #{cid}.")


def check(store: Store, ids: list[int] | None, what: str, *, send: bool = False) -> None:
    """Check these credentials (all when None) and say what came back."""
    with user_errors(), st.spinner(f"Checking {what}…"):
        report = check_credentials(store, ids, send=send)
        finish(report.summary(), "success" if report.exit_code() == 0 else "warning")


def confirm_remove(store: Store, ids: list[int], rows: Sequence[dict[str, Any]]) -> None:
    """The second click: names the credentials, then removes them."""
    names = ", ".join(f"#{r['id']} {r['name']}" for r in rows if int(r["id"]) in set(ids))
    st.warning(esc(f"Remove {len(ids)} credential(s) from the library: {names}? Their keys are forgotten."))
    c1, c2 = st.columns(2)
    if c1.button("Remove", type="primary", key="cred_rm_yes"):
        st.session_state.cred_confirm_rm = None
        with user_errors():
            finish(f"{remove_credentials(store, ids)} credential(s) removed.")
    if c2.button("Cancel", key="cred_rm_no"):
        st.session_state.cred_confirm_rm = None
        st.rerun()


def export_panel(store: Store, ids: list[int], rows: Sequence[dict[str, Any]]) -> None:
    """The ticked credentials in a client's format (a deeplink, a file, a snippet)."""
    st.warning(WARNING, icon=":material/key:")
    c1, c2 = st.columns(2)
    fmt = c1.selectbox("Client", list(CLIENT_FORMATS), key="cx_format",
                       format_func=lambda n: f"{CLIENT_FORMATS[n].label} ({CLIENT_FORMATS[n].group})")
    models: list[str] = next((r["models"] for r in rows if int(r["id"]) == ids[0]), []) if ids else []
    model = c2.selectbox("Model", ["", *models], key=f"cx_model_{ids[0] if ids else 0}", accept_new_options=True,
                         format_func=lambda m: m or "none chosen", help="From the credential's last check")
    assert fmt is not None
    if st.button(f"Export to {CLIENT_FORMATS[fmt].label}", icon=":material/ios_share:", key="cx_go"):
        with user_errors():
            outs = export_credentials(store, fmt, ids, model=model or None)
            with st.container(border=True, key="cx_result"):
                for i, out in enumerate(outs):
                    show_export(out, f"{len(ids)} credential(s)", i)


def edit_form(store: Store, row: dict[str, Any]) -> None:
    """Change one credential's name, tags, notes, expiry, type or balance source (or its key)."""
    cid = int(row["id"])
    with st.form(f"cred_edit_{cid}", border=False):
        c1, c2, c3 = st.columns(3)
        name = c1.text_input("Name", value=row["name"], key=f"ce_name_{cid}")
        tags = c2.text_input("Tags (comma-separated)", value=", ".join(row["tags"]), key=f"ce_tags_{cid}")
        api_type = c3.selectbox("API type", API_TYPES, index=API_TYPES.index(row["api_type"]), key=f"ce_type_{cid}")
        c4, c5, c6 = st.columns([2, 1, 2])
        notes = c4.text_input("Notes", value=row["notes"], key=f"ce_notes_{cid}")
        expires = c5.text_input("Expires (YYYY-MM-DD)", value=(row["expires_at"] or "")[:10], key=f"ce_exp_{cid}",
                                placeholder="never")
        modes = list(TELEMETRY_LABELS)
        telemetry = c6.selectbox("Balance from", modes, index=modes.index(row["telemetry"]),
                                 format_func=TELEMETRY_LABELS.__getitem__, key=f"ce_tel_{cid}")
        key = st.text_input("New API key (empty: keep the current one)", type="password", key=f"ce_key_{cid}")
        if st.form_submit_button("Save changes", type="primary", icon=":material/save:"):
            with user_errors():
                update_credential(store, cid, key=key or None, name=name, tags=_tags(tags), notes=notes,
                                  api_type=str(api_type), expires_at=expires.strip() or None, telemetry=str(telemetry))
                forget_typed(f"ce_key_{cid}")
                finish(f"Credential #{cid} saved.")
