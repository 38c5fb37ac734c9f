"""Import and export: All API Hub backups (plain or encrypted), allhub backups and CSV; bookmarks."""

import streamlit as st

from allhub_core.transfer import (
    CSV_TEMPLATE,
    CsvImportReport,
    deletion_limit,
    export_file,
    import_file,
    list_bookmarks,
)
from pages._ui import esc, flash, open_store, run_recognize_refresh, show_flash, user_errors

store = open_store()
ss = st.session_state
MODES = {"merge": "Merge (newer entries win; nothing of yours is removed unless the backup deleted it)",
         "replace": "Replace (the backup becomes your account list)"}
EXPORTS = {"full": "All API Hub backup (the extension imports it)", "accounts": "All API Hub accounts-only file",
           "own": "allhub full backup (accounts, tags, bookmarks, preferences)"}

st.title("Import and export")
show_flash()
tab_in, tab_out, tab_marks = st.tabs(["Import", "Export", "Bookmarks"], key="io_tabs", on_change="rerun")


def _finish(summary: str, code: int) -> None:
    flash(summary, "success" if code == 0 else "warning")
    for key in ("imp_text", "imp_password", "imp_confirm_delete"):
        ss.pop(key, None)
    st.rerun()


with tab_in:
    st.caption("An All API Hub backup (versions 1.0 to 4.0, also its encrypted WebDAV file), an allhub backup, "
               "or a CSV of accounts. Nothing is written until you confirm.")
    upload = st.file_uploader("Backup or CSV file", type=["json", "csv"], key="imp_file")
    pasted = st.text_area("…or paste its content", key="imp_text", height=120)
    password = st.text_input("Password (encrypted backups only)", type="password", key="imp_password")
    mode = st.radio("Mode", list(MODES), format_func=MODES.__getitem__, key="imp_mode")
    st.download_button("Download the CSV template", CSV_TEMPLATE, "allhub-accounts-template.csv", "text/csv",
                       key="imp_template")
    data = upload.getvalue() if upload is not None else (pasted or "").encode("utf-8")
    name = upload.name if upload is not None else ""
    if data.strip():
        with user_errors():
            preview = import_file(store, data, name=name, mode=mode, password=password or None, dry_run=True)
            if isinstance(preview, CsvImportReport):
                csv_preview = preview
                st.info(csv_preview.summary())
                st.dataframe([{"Row": r["row"], "Site": r["url"], "User ID": r["user_id"], "Result": r["status"],
                               "Why": r["reason"]} for r in csv_preview.rows()], hide_index=True, key="imp_csv_rows")
                then = st.checkbox("Then recognise each added account's site and refresh it", value=True,
                                   key="imp_csv_refresh")
                if st.button("Add these accounts", type="primary", key="imp_confirm_csv"):
                    done = import_file(store, data, name=name)
                    if then and isinstance(done, CsvImportReport) and done.added_ids:
                        refreshed = run_recognize_refresh(store, done.added_ids, "Recognising and refreshing")
                        _finish(f"{done.summary()} {refreshed.summary(details=3)}",
                                max(done.exit_code(), refreshed.exit_code()))
                    _finish(done.summary(), done.exit_code())
            else:
                st.info(preview.summary())
                st.dataframe([{"Kind": r["kind"], "Action": r["action"], "Name": r["name"], "Site": r["site_url"],
                               "Changes": ", ".join(r["changes"]), "Why": r["reason"]} for r in preview.rows()],
                             hide_index=True, key="imp_rows")
                gone = [r["name"] or r["site_url"] for r in preview.rows()
                        if r["kind"] == "account" and r["action"] == "delete"]
                must_confirm = bool(gone) and deletion_limit(preview.bundle, mode, 0) == 0
                if must_confirm:  # a merge's deletion records, or a replace by a file without accounts
                    st.warning(esc(f"This import deletes {len(gone)} account(s) here: {', '.join(gone[:20])}"
                                   f"{' …' if len(gone) > 20 else ''}."), icon=":material/delete:")
                    agreed = st.checkbox(f"Yes, delete these {len(gone)} account(s)", key="imp_confirm_delete")
                else:
                    agreed = True
                if st.button(f"Import ({mode})", type="primary", key="imp_confirm", disabled=not agreed):
                    # at most the deletions shown: a plan that changed since is refused, nothing written
                    report = import_file(store, data, name=name, mode=mode, password=password or None,
                                         allowed_deletes=len(gone))
                    _finish(report.summary(), report.exit_code())

with tab_out:
    kind = st.radio("What to export", list(EXPORTS), format_func=EXPORTS.__getitem__, key="exp_kind")
    secrets = st.checkbox("Include secrets (access tokens, cookies, refresh tokens, and the API credentials "
                          "with their keys)", key="exp_secrets",
                          help="Without secrets a full backup carries no API credential at all: one without "
                               "its key would be of no use")
    exp_password = st.text_input("Encrypt with this password (optional; the extension's encrypted format)",
                                 type="password", key="exp_password")
    if secrets and not exp_password:
        st.warning("The file will hold your tokens, cookies and API keys in plain text; consider a password.")
    if st.button("Prepare the file", key="exp_prepare"):
        with user_errors():
            out = export_file(store, "allhub" if kind == "full" else kind, include_secrets=secrets,
                              password=exp_password or None)
            ss["exp_file"] = (out.name, out.data)
    if "exp_file" in ss:
        name, payload = ss["exp_file"]
        st.download_button(f"Download {name}", payload, name, "application/json", key="exp_download",
                           on_click="ignore")

with tab_marks:
    marks = list_bookmarks(store)
    if marks:
        st.dataframe([{"Name": b["name"], "URL": b["url"], "Tags": ", ".join(b["tags"]), "Notes": b["notes"],
                       "Pinned": b["pinned"]} for b in marks], hide_index=True, key="bookmarks",
                     column_config={"URL": st.column_config.LinkColumn("URL")})
    else:
        st.info("No bookmarks yet. Bookmarks come with an All API Hub backup.")
