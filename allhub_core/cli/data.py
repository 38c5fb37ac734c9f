"""``allhub dedupe`` and ``allhub export``: duplicate cleanup, the JSON/CSV exports and the backups."""

from __future__ import annotations

import argparse
import os
import tempfile

from allhub_core.accounts import AccountFilter, account_records, apply_dedupe, scan_duplicates
from allhub_core.cli.output import Fail, emit, open_store, print_csv, print_json
from allhub_core.cli.transfer import read_password
from allhub_core.transfer import export_file, to_csv, to_json

__all__ = ["cmd_dedupe", "cmd_export"]


def cmd_dedupe(args: argparse.Namespace) -> int:

    store = open_store(args)
    scan = scan_duplicates(store, args.keep)
    deleted = apply_dedupe(store, scan) if args.apply else 0
    if args.json:
        print_json({
            "keep_rule": scan.rule, "applied": bool(args.apply), "deleted": deleted,
            "unscannable": scan.unscannable,
            "groups": [{"origin": g.origin, "user_id": g.user_id, "keep": str(g.keep_id),
                        "delete": [str(i) for i in g.delete_ids], "reason": g.reason} for g in scan.groups],
        })
        return 0
    skipped = f"; {scan.unscannable} account(s) without a user id were skipped" if scan.unscannable else ""
    emit(scan.summary() + skipped)
    for g in scan.groups:
        keep = next(a for a in g.accounts if a["id"] == g.keep_id)
        emit(f"- {g.origin} user {g.user_id}: keep {g.keep_id} ({keep['site_name']}; {g.reason}), "
              f"delete {', '.join(map(str, g.delete_ids))}")
    if args.apply:
        emit(f"Deleted {deleted} account(s).")
    elif scan.groups:
        emit("Nothing deleted: run again with --apply to delete.")
    return 0


def cmd_export(args: argparse.Namespace) -> int:

    store = open_store(args)
    if args.format in ("allhub", "backup"):
        return _export_backup(args, store)
    if args.accounts_only or args.password_stdin:
        raise Fail(2, "--accounts-only and --password-stdin apply to --format allhub or backup only.")
    if args.format == "csv" and args.include_secrets:
        raise Fail(2, "CSV exports never contain secrets; use --format json --include-secrets.")
    records = account_records(store, f=AccountFilter(), include_secrets=args.include_secrets)
    text = to_json(records, include_secrets=args.include_secrets) if args.format == "json" else to_csv(records)
    if args.out:
        _write_out(args.out, text, private=args.include_secrets)
        emit(f"Exported {len(records)} account(s) to {args.out}.", err=True)
    elif args.format == "csv":
        print_csv(text)
    else:
        emit(text, end="", keep=("\n",))
    return 0


def _write_out(path: str, text: str, *, private: bool) -> None:
    """Write an export; one with secrets (or encrypted) goes through ``_write_private`` (0600)."""
    try:
        if private:
            _write_private(path, text)
        else:
            with open(path, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
    except OSError as exc:
        raise Fail(2, f"Cannot write {path}: {exc.strerror or type(exc).__name__}.") from None


def _export_backup(args: argparse.Namespace, store) -> int:
    """An All API Hub 4.0 backup (``allhub``) or our own full backup (``backup``), optionally
    encrypted into the extension's envelope with a password read from standard input."""


    if args.format == "backup" and args.accounts_only:
        raise Fail(2, "--accounts-only applies to --format allhub only.")
    password = read_password(args)
    kind = "own" if args.format == "backup" else "accounts" if args.accounts_only else "allhub"
    out = export_file(store, kind, include_secrets=args.include_secrets, password=password)
    text, count = out.text + "\n", out.accounts
    if args.out:
        _write_out(args.out, text, private=bool(args.include_secrets or password))
        emit(f"Exported {count} account(s) to {args.out}{' (encrypted)' if password else ''}.", err=True)
    else:
        emit(text, end="", keep=("\n",))
    return 0


def _write_private(path: str, text: str) -> None:
    """Write ``text`` to ``path`` so that only the owner can read it, even if ``path`` existed
    with looser permissions: a new 0600 file in the same folder replaces it (os.replace), so no
    one can read it in between and a reader holding the old file open never sees the secrets."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
