"""``allhub checkin --json``: each row carries its reason code and whether a retry can fix it
(issue 21, additive keys), against the sandbox over HTTP."""

from __future__ import annotations

import json

import pytest
from shared import add_demo_account, shared_sandbox

from allhub_core.cli.main import main

CHECKIN = "/api/user/checkin"


@pytest.fixture(scope="module")
def sandbox():
    return shared_sandbox(dialects=["new-api"], users_per_site=3, seed=2123)


pytestmark = pytest.mark.usefixtures("fresh_sites")


def test_checkin_json_rows_have_reason_and_retryable(store, db_path, sandbox, capsys):
    (ok_id, site, _), (bad_id, _, bad_user) = (add_demo_account(store, sandbox, "new-api", i) for i in range(2))
    site.inject("401", user_id=bad_user.id, path=CHECKIN, method="POST")
    capsys.readouterr()
    code = main(["--db", str(db_path), "checkin", "--json", "--per-site-rpm", "0", str(ok_id), str(bad_id)])
    out, err = capsys.readouterr()
    rows = {int(r["id"]): r for r in json.loads(out)}
    assert code == 1, err  # one failed
    assert (rows[ok_id]["result"], rows[ok_id]["reason"], rows[ok_id]["retryable"]) == ("success", "checked_in", False)
    assert (rows[bad_id]["result"], rows[bad_id]["reason"], rows[bad_id]["retryable"]) == (
        "failed", "token_rejected", False)
    assert bad_user.access_token not in out


def test_checkin_text_names_the_reason_and_whether_a_retry_helps(store, db_path, sandbox, capsys):
    """Without --json each failed line says why, in words, and whether a later try can help; a
    success has no reason in brackets."""
    (ok_id, _, _), (bad_id, site, bad_user), (busy_id, busy_site, busy_user) = (
        add_demo_account(store, sandbox, "new-api", i) for i in range(3))
    site.inject("401", user_id=bad_user.id, path=CHECKIN, method="POST")
    busy_site.inject("500", user_id=busy_user.id, path=CHECKIN, method="POST")
    capsys.readouterr()
    code = main(["--db", str(db_path), "checkin", "--per-site-rpm", "0", str(ok_id), str(bad_id), str(busy_id)])
    cap = capsys.readouterr()
    lines = {int(line.split()[0]): line for line in (cap.out + cap.err).splitlines() if line.strip()[:1].isdigit()}
    assert code == 1
    assert "[" not in lines[ok_id]
    assert "[Token or login rejected]" in lines[bad_id]
    assert ", retryable]" in lines[busy_id] and "retryable" not in lines[bad_id]
