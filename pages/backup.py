"""Backup: WebDAV settings, test, upload, download, sync with the extension's file, last result."""

import streamlit as st

from allhub_core.sync import (
    BACKUP_SYNC_MODES,
    BACKUP_TIMEOUT_LIMITS,
    backup_pull,
    backup_push,
    backup_sync,
    backup_test,
    get_backup_settings,
    last_backup_result,
    save_backup_settings,
)
from allhub_core.transfer import DeletionsNeedConfirmation
from pages._ui import clear_typed, esc, flash, forget_typed, open_store, show_flash, user_errors

store = open_store()
ss = st.session_state
clear_typed()

st.title("Backup")
st.caption("Back up to any WebDAV server (Nextcloud, Nutstore, Alist, a NAS) in the All API Hub extension's "
           "format and file name, so both can use one folder. Passwords are kept encrypted in the database.")
show_flash()
settings = get_backup_settings(store)

with st.form("webdav_settings"):
    st.markdown("**WebDAV settings**")
    url = st.text_input("WebDAV address", value=settings.url, key="dav_url",
                        placeholder="https://dav.example.com/remote.php/dav/files/me/",
                        help="A folder (the file goes in all-api-hub-backup/all-api-hub-1-0.json) or a .json file.")
    user = st.text_input("User name", value=settings.username, key="dav_user")
    password = st.text_input("Password", type="password", key="dav_password",
                             placeholder="saved; leave empty to keep it" if settings.has_password else "")
    encrypt = st.checkbox("Encrypt the uploaded file (the extension reads it with the same password)",
                          value=settings.encrypt, key="dav_encrypt")
    backup_password = st.text_input(
        "Backup password", type="password", key="dav_backup_password",
        placeholder="saved; leave empty to keep it" if settings.has_backup_password else "",
        help="Encrypts uploads when the box above is ticked, and opens an encrypted file when downloading.")
    timeout = st.number_input(
        "Deadline for each request (seconds)", min_value=BACKUP_TIMEOUT_LIMITS[0], max_value=BACKUP_TIMEOUT_LIMITS[1],
        value=settings.timeout_s, step=10, key="dav_timeout",
        help="A server that has not sent its whole answer by then is given up on, so a slow or stalled server "
             "cannot hold a backup (or the scheduled sync) forever.")
    if st.form_submit_button("Save settings"):
        with user_errors():
            save_backup_settings(store, url=url, username=user, password=password or None, encrypt=encrypt,
                                 backup_password=backup_password or None, timeout_s=timeout)
            forget_typed("dav_password", "dav_backup_password")  # saved: do not keep it in the field
            flash("WebDAV settings saved.")
            st.rerun()

if settings.file_url:
    st.caption(f"Backup file: {esc(settings.file_url)}")
if not settings.complete:
    st.info("Save a WebDAV address, user name and password to test, upload, download or sync.")


def run(label: str, action, **kw) -> None:
    """Run one backup action; its sentence shows after the rerun (errors show here). A download
    or sync whose merge would delete accounts writes nothing and asks first (``dav_pending``);
    the yes runs it again allowing exactly the deletions shown."""
    with user_errors():
        try:
            with st.spinner(label):
                report = action(store, **kw)
        except DeletionsNeedConfirmation as exc:
            ss["dav_pending"] = {"label": label, "sync": action is backup_sync, "kw": kw, "count": exc.count,
                                 "names": exc.names}
            st.rerun()
        ss.pop("dav_pending", None)
        flash(report.summary(), "success" if report.ok else "warning")
        st.rerun()


off = not settings.complete
c1, c2, c3 = st.columns(3)
if c1.button("Test connection", key="backup_test", disabled=off, icon=":material/lan:"):
    run("Testing the connection…", backup_test)
if c2.button("Upload now", key="backup_push", disabled=off, icon=":material/cloud_upload:",
             help="Replace the file on the server with this database's accounts."):
    run("Uploading…", backup_push)
if c3.button("Download and merge", key="backup_pull", disabled=off, icon=":material/cloud_download:",
             help="Merge the file into this database: the newer record wins; deletions are honoured."):
    run("Downloading…", backup_pull, max_deletes=0)

st.markdown("**Sync with the extension's file**")
mode = st.radio("Strategy", list(BACKUP_SYNC_MODES), format_func=BACKUP_SYNC_MODES.get, key="sync_mode",
                horizontal=True)
if st.button("Sync now", key="backup_sync", disabled=off, icon=":material/sync:"):
    run("Syncing…", backup_sync, mode=mode, max_deletes=0)

pending = ss.get("dav_pending")
if pending:
    n, names = pending["count"], pending["names"]
    st.warning(esc(f"The backup file deletes {n} account(s) here: {', '.join(names[:20])}"
                   f"{' …' if len(names) > 20 else ''}. Nothing was changed yet."), icon=":material/delete:")
    y, no = st.columns(2)
    if y.button(f"Delete {n} account(s) and go on", key="dav_confirm_delete", type="primary"):
        run(pending["label"], backup_sync if pending["sync"] else backup_pull, **{**pending["kw"], "max_deletes": n})
    if no.button("Cancel", key="dav_cancel_delete"):
        ss.pop("dav_pending", None)
        flash("Nothing was changed.")
        st.rerun()

last = last_backup_result(store)
st.markdown("**Last result**")
if last:
    when = str(last.get("time", "")).replace("T", " ").replace("+00:00", " UTC")
    line = f"{when} · {last.get('action', '')}: {last.get('summary', '')}"
    (st.success if last.get("ok") else st.error)(esc(line))
else:
    st.caption("No backup action yet.")
