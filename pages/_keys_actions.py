"""The Keys page's actions, each one library call (``allhub_core.sync``) and one sentence after:
fetch, reveal (shown once, never kept in the session), delete (after a confirmation that names
what goes), the two "every account has a key" rules, and the create form.

A full key exists only in the run that revealed it: it goes into ``st.code`` (whose copy button
copies it) and nowhere else: not the grid, not ``st.session_state``, not a flash message.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import streamlit as st

from allhub_core.keys import key_groups
from allhub_core.prices import stored_models, usable_groups
from allhub_core.store import Store
from allhub_core.sync import create_key, delete_keys, ensure_keys, reveal_keys, sync_keys, update_key
from pages._export_client import export_panel
from pages._keys_grid import SelectedKey
from pages._push_panel import push_panel
from pages._runs import finish
from pages._text import esc, user_errors

__all__ = ["confirm_delete", "create_form", "edit_changes", "edit_form", "ensure_buttons", "export_to_client",
           "fetch_keys", "reveal", "run_sentence"]

#: What a row of a keys run says when something needs the user (not "ok"/"created").
_NOTEWORTHY = ("failed", "skipped", "unsupported")


def _by_account(chosen: Sequence[SelectedKey]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for aid, kid in chosen:
        out.setdefault(aid, []).append(kid)
    return out


def run_sentence(summary: str, rows: Sequence[dict[str, Any]], names: dict[int, str]) -> str:
    """The report's sentence, then one line per account that did something or could not:
    what it created, or why it was skipped or failed (the library's own sentence)."""
    lines = [summary]
    for r in rows:
        name = r.get("site_name") or names.get(r["account_id"]) or f"account {r['account_id']}"
        made = [c.get("name") or c.get("key_id") for c in r.get("created") or []]
        if made:
            lines.append(f"{name}: created {', '.join(made)}.")
        elif r["status"] in _NOTEWORTHY and r.get("message"):
            lines.append(f"{name} ({r['status']}): {r['message']}")
    return "  \n".join(lines)


def _kind(rows: Sequence[dict[str, Any]]) -> str:
    return "warning" if any(r["status"] == "failed" for r in rows) else "success"


def fetch_keys(store: Store, ids: list[int] | None, names: dict[int, str]) -> None:
    """Fetch the keys of these accounts (all enabled ones when None) and say how it went."""
    with user_errors(), st.spinner("Fetching keys…"):
        report = sync_keys(store, ids)
        rows = report.rows()
        finish(run_sentence(report.summary(), rows, names), _kind(rows))


def ensure_buttons(store: Store, ids: list[int] | None, scope: str, names: dict[int, str]) -> None:
    """The two bulk rules over the accounts in scope, each reporting what it created and skipped."""
    c1, c2 = st.columns(2)
    one = c1.button("Every selected account has a key", icon=":material/key:", key="keys_ensure",
                    help=f"Creates 'user group (auto)' (unlimited, no expiry) on {scope} with no key yet")
    every = c2.button("A key for every group", icon=":material/workspaces:", key="keys_ensure_groups",
                      help=f"Creates '<group> group (auto)' for each group {scope} may use that has no key yet")
    if one or every:
        with user_errors(), st.spinner("Checking keys…"):
            report = ensure_keys(store, ids, all_groups=every)
            rows = report.rows()
            finish(run_sentence(report.summary(), rows, names), _kind(rows))


def reveal(store: Store, chosen: Sequence[SelectedKey], rows: Sequence[dict[str, Any]], keep: bool) -> None:
    """Show the full keys of the ticked keys, once (one ``reveal_keys`` per account)."""
    label = {(int(r["account_id"]), str(r["key_id"])): f"{r['name'] or 'key'} · {r['site_name']} (id {r['key_id']})"
             for r in rows}
    with st.container(border=True, key="keys_revealed"):
        st.markdown("**Full keys** (shown once: copy them with the button at the right of each; "
                    "they are gone on the next click)")
        for aid, kids in _by_account(chosen).items():
            with user_errors():
                found = reveal_keys(store, aid, kids, keep=keep)
                for kid in kids:
                    st.caption(esc(label.get((aid, kid), f"account {aid}, key {kid}")))
                    st.code(found[kid], language=None)
        if keep:
            st.caption("Kept in the store, encrypted: the next reveal of these keys asks no site.")


def export_to_client(store: Store, chosen: Sequence[SelectedKey], rows: Sequence[dict[str, Any]]) -> None:
    """"Export to a client" for the ticked keys: the panel of ``pages/_export_client.py``."""
    with st.expander("Export to a client", icon=":material/ios_share:", key="kx_open"):
        export_panel(store, chosen, rows)
        push_panel(store, chosen)


def _delete_text(chosen: Sequence[SelectedKey], names: dict[int, str]) -> str:
    accounts = _by_account(chosen)
    where = ", ".join(names.get(a, f"account {a}") for a in accounts)
    return f"Delete {len(chosen)} key(s) on {len(accounts)} account(s) ({where}) from their sites?"


@st.dialog("Delete keys", on_dismiss=lambda: st.session_state.update(keys_confirm_delete=None))
def confirm_delete(store: Store, chosen: list[SelectedKey], names: dict[int, str],
                   rows: Sequence[dict[str, Any]]) -> None:
    """The second click: names how many keys on which accounts, then deletes them on the sites."""
    st.write(esc(_delete_text(chosen, names)))
    doomed = set(chosen)
    st.dataframe([{"Account": r["site_name"], "ID": r["key_id"], "Name": r["name"], "Key": r["masked_key"]}
                  for r in rows if (int(r["account_id"]), str(r["key_id"])) in doomed], hide_index=True)
    c1, c2 = st.columns(2)
    if c1.button("Delete", type="primary", key="keys_delete_yes"):
        st.session_state.keys_confirm_delete = None
        sentences, failed = [], False
        for aid, kids in _by_account(chosen).items():
            with user_errors():
                report = delete_keys(store, aid, kids)
                failed = failed or report.exit_code() != 0
                sentences.append(report.summary())
        if sentences:
            finish(" ".join(sentences), "warning" if failed else "success")
    if c2.button("Cancel", key="keys_delete_no"):
        st.session_state.keys_confirm_delete = None
        st.rerun()


def create_form(store: Store, names: dict[int, str], default: int | None) -> None:
    """Create one key: account, name, quota in USD or unlimited, expiry or never, group.

    Not a ``st.form``: the group choices follow the account picked. The library checks the
    input before any request, so a bad value is one sentence and nothing is created."""
    if not names:
        st.caption("Add an account first.")
        return
    ids = list(names)
    aid = st.selectbox("Account", ids, index=ids.index(default) if default in ids else 0,
                       format_func=lambda i: f"{names[i]} (#{i})", key="kc_account")
    assert aid is not None  # a selectbox over a non-empty list always holds a choice
    c1, c2 = st.columns(2)
    name = c1.text_input("Name", key="kc_name", max_chars=50, placeholder="allhub")
    usable = usable_groups(store, aid)  # what the last models sync found the account may use
    known = list(dict.fromkeys([*usable, *(g for g in key_groups(store, aid) if g)]))
    group = c2.selectbox("Group", ["", *known], key=f"kc_group_{aid}", accept_new_options=True,
                         format_func=lambda g: (f"{g} ({usable[g]})" if usable.get(g) and usable[g] != g else g)
                         if g else "the account's own group",
                         help="The groups this account may use (from its last models sync) and those of its "
                              "keys; type another group's name to use it")
    c3, c4 = st.columns(2)
    unlimited = c3.toggle("Unlimited quota", value=True, key="kc_unlimited")
    quota = None if unlimited else c3.number_input("Quota (USD)", value=10.0, step=1.0, key="kc_quota")
    never = c4.toggle("Never expires", value=True, key="kc_never")
    expires = None if never else c4.date_input("Expires at the end of", value=date.today() + timedelta(days=30),
                                               key="kc_expires")
    c5, c6 = st.columns(2)
    models = c5.multiselect("Only these models", stored_models(store, aid), key=f"kc_models_{aid}",
                            accept_new_options=True, placeholder="every model",
                            help="The models this account's last models sync found; type another name to add it")
    ips = c6.text_input("Only from these IPs", key="kc_ips", placeholder="anywhere",
                        help="IP addresses or networks (CIDR), separated by commas")
    if st.button("Create key", type="primary", icon=":material/add:", key="kc_create"):
        with user_errors():
            report = create_key(store, aid, name=name, group=group or "", quota_usd=quota,
                                unlimited=True if unlimited else None,
                                expires=expires if isinstance(expires, date) else None,
                                model_limits=models, allow_ips=ips)
            finish(report.summary())


def edit_changes(row: dict[str, Any], name: str, unlimited: bool, quota: float, never: bool,
                 expires: date) -> dict[str, Any]:
    """What the edit form changes on ``row``, as ``update_key``'s keywords: only what differs, so
    the site keeps the rest as it has it."""
    out: dict[str, Any] = {}
    if name.strip() != (row["name"] or ""):
        out["name"] = name
    if unlimited and not row["unlimited"]:
        out["unlimited"] = True
    elif not unlimited and (row["unlimited"] or quota != row["remaining_usd"]):
        out["quota_usd"] = quota
    was = datetime.fromisoformat(row["expires_at"]).date() if row["expires_at"] else None
    if never and was is not None:
        out["expires"] = "never"
    elif not never and expires != was:
        out["expires"] = expires
    return out


def edit_form(store: Store, row: dict[str, Any]) -> None:
    """Rename one key, change its quota (or make it unlimited) and its expiry, on its site."""
    aid, kid = int(row["account_id"]), str(row["key_id"])
    was = datetime.fromisoformat(row["expires_at"]).date() if row["expires_at"] else None
    with st.form(f"ke_{aid}_{kid}", border=False):
        name = st.text_input("Name", value=row["name"] or "", max_chars=50, key=f"ke_name_{aid}_{kid}")
        c1, c2 = st.columns(2)
        unlimited = c1.checkbox("Unlimited quota", value=bool(row["unlimited"]), key=f"ke_unlimited_{aid}_{kid}")
        quota = c1.number_input("Quota left (USD), when not unlimited", value=float(row["remaining_usd"] or 10.0),
                                step=1.0, key=f"ke_quota_{aid}_{kid}")
        never = c2.checkbox("Never expires", value=was is None, key=f"ke_never_{aid}_{kid}")
        expires = c2.date_input("Expires at the end of, when it expires",
                                value=was or date.today() + timedelta(days=30), key=f"ke_expires_{aid}_{kid}")
        if st.form_submit_button("Save key", type="primary", icon=":material/save:"):
            day = expires if isinstance(expires, date) else date.today()
            with user_errors():
                update_key(store, aid, kid, **edit_changes(row, name, unlimited, float(quota), never, day))
                finish(f"Saved key '{name.strip() or row['name']}' (id {kid}) on {row['site_name'] or f'account {aid}'}.")
