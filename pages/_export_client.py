"""The "Export to a client" panel (issue 20): the ticked keys in a client's own format, one library
call (``sync.export_targets``) per click.

Choose the format (and CC Switch's app, and a model), then Export: deeplinks become link buttons
that open the installed app, settings files download buttons, snippets and share codes code
blocks (their copy button copies them), Kelivo's share code its QR image too. Every export carries
the full key, so it exists only in the run that made it, like a revealed key: not in
``st.session_state``, not in a flash message, gone on the next click.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from allhub_core.prices import stored_models
from allhub_core.store import Store
from allhub_core.sync import CC_SWITCH_APPS, CC_SWITCH_DEFAULT_APP, CLIENT_FORMATS, ClientExport, export_targets
from pages._text import esc, user_errors

__all__ = ["WARNING", "export_panel", "show_export"]

WARNING = ("The export carries the full key in plain text: anyone who sees the link, code or file can use "
           "the key. Open or save it only where you mean to.")
_LANGUAGE = {"application/json": "json", "application/toml": "toml", "application/yaml": "yaml"}


def _format_label(name: str) -> str:
    f = CLIENT_FORMATS[name]
    return f"{f.label} ({f.group})"


def show_export(out: ClientExport, label: str, index: int) -> None:
    """One export as the user acts on it: a link button, a download, a code block, a QR image."""
    fmt = CLIENT_FORMATS[out.format]
    st.caption(esc(f"{label} · {out.note}" if out.note else label))
    if out.kind == "link":
        st.link_button(f"Open in {fmt.label}", out.text, icon=":material/open_in_new:", type="primary")
        with st.expander("Show the link", key=f"kx_link_{index}"):
            st.code(out.text, language=None, wrap_lines=True)
    elif out.kind == "file":
        st.download_button(f"Download {out.filename}", out.text.encode("utf-8"), file_name=out.filename,
                           mime=out.mime, icon=":material/download:", type="primary", on_click="ignore",
                           key=f"kx_download_{index}")
        st.code(out.text, language=_LANGUAGE.get(out.mime))
    else:
        st.code(out.text, language=_LANGUAGE.get(out.mime), wrap_lines=out.kind == "share")
        if out.qr_svg:
            st.image(out.qr_svg, caption=f"Scan with {fmt.label}", width=260)


def export_panel(store: Store, chosen: Sequence[tuple[int, str]], rows: Sequence[dict[str, Any]]) -> None:
    """The format, app and model choices, then the exports of the ticked keys on Export."""
    st.warning(WARNING, icon=":material/key:")
    names = list(CLIENT_FORMATS)
    c1, c2, c3 = st.columns(3)
    fmt = c1.selectbox("Client", names, format_func=_format_label, key="kx_format")
    assert fmt is not None  # a selectbox over a non-empty list always holds a choice
    app = c2.selectbox("CC Switch app", CC_SWITCH_APPS, index=CC_SWITCH_APPS.index(CC_SWITCH_DEFAULT_APP),
                       key="kx_app", disabled=fmt != "cc-switch", help="The app CC Switch adds the provider to")
    models = stored_models(store, chosen[0][0]) if chosen else []
    model = c3.selectbox("Model", ["", *models], key=f"kx_model_{chosen[0][0] if chosen else 0}",
                         accept_new_options=True, format_func=lambda m: m or "none chosen",
                         help="The model the client starts with (from the account's last models sync; type "
                              "another to use it)")
    many = CLIENT_FORMATS[fmt].render_many is not None
    what = "one file for them all" if many and len(chosen) > 1 else f"{len(chosen)} export(s)"
    if st.button(f"Export to {CLIENT_FORMATS[fmt].label}", icon=":material/ios_share:", key="kx_go",
                 help=f"Reveals the ticked key(s) and makes {what}"):
        label = {(int(r["account_id"]), str(r["key_id"])): f"{r['name'] or 'key'} · {r['site_name']}" for r in rows}
        with user_errors(), st.spinner("Revealing the key(s)…"):
            outs = export_targets(store, fmt, chosen, model=model or None,
                                  app=app if fmt == "cc-switch" else None)
            with st.container(border=True, key="kx_result"):
                for i, out in enumerate(outs):
                    who = (f"{len(chosen)} key(s)" if many else
                           label.get((int(chosen[i][0]), str(chosen[i][1])), "key"))
                    show_export(out, who, i)
