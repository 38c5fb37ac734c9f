"""The extension's check-in method choice (``checkIn.selection``) comes in as the account's
check-in method and goes back out the same way, so a user's manual choice survives both trips."""

from __future__ import annotations

import json
from pathlib import Path

from allhub_core.accounts import account_records
from allhub_core.sync import set_checkin_method
from allhub_core.transfer import apply_import, build_extension_backup, parse_backup

FIX = Path(__file__).parent / "fixtures"


def _backup_with_manual_choice() -> bytes:
    data = json.loads((FIX / "extension_v4_full.json").read_text())
    accounts = data["accounts"]["accounts"] if isinstance(data["accounts"], dict) else data["accounts"]
    harbor = next(a for a in accounts if a["site_name"] == "Harbor Relay")
    harbor["checkIn"]["selection"] = {"mode": "manual", "methodId": "veloera:daily-checkin"}
    return json.dumps(data).encode()


def test_manual_choice_imports_and_exports_back(store):
    apply_import(store, parse_backup(_backup_with_manual_choice()))
    recs = {r["site_name"]: r for r in account_records(store)}
    assert recs["Harbor Relay"]["checkin_method"] == "veloera:daily-checkin"
    assert recs["Lantern Router"]["checkin_method"] == "auto"  # automatic stays automatic

    out = build_extension_backup(store)
    accounts = out["accounts"]["accounts"] if isinstance(out["accounts"], dict) else out["accounts"]
    by_name = {a["site_name"]: a for a in accounts}
    assert by_name["Harbor Relay"]["checkIn"]["selection"] == {"mode": "manual", "methodId": "veloera:daily-checkin"}
    assert by_name["Lantern Router"]["checkIn"]["selection"]["mode"] == "automatic"

    # Switching back to automatic here is what the next export says.
    set_checkin_method(store, [recs["Harbor Relay"]["id"]], "auto")
    out = build_extension_backup(store)
    accounts = out["accounts"]["accounts"] if isinstance(out["accounts"], dict) else out["accounts"]
    harbor = next(a for a in accounts if a["site_name"] == "Harbor Relay")
    assert harbor["checkIn"]["selection"]["mode"] == "automatic"
