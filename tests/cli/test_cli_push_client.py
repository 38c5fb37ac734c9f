"""``allhub push-client``: config with the management key from stdin (never printed), a preview
that writes nothing, ``--apply`` once, a second ``--apply`` that changes nothing, and bad input as
one sentence with exit 2."""

from __future__ import annotations

import io
import json

import pytest
from shared import add_demo_account

from allhub_core.accounts import set_preference
from allhub_core.cli.main import main
from allhub_core.cli.parsers.push_client import TARGETS
from allhub_core.sandbox import start_push_services
from allhub_core.sync import PUSH_KINDS, sync_keys

MGMT = "cli-management-key-424242"


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api"], users_per_site=1, seed=29)


@pytest.fixture(scope="module")
def services():
    ps = start_push_services(cliproxy_key=MGMT)
    yield ps
    ps.stop()


def _run(db_path, capsys, monkeypatch, *argv, stdin=""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    try:
        code = main(["--db", str(db_path), "push-client", *argv])
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_the_parsers_targets_are_the_librarys():
    assert tuple(PUSH_KINDS) == TARGETS


def test_config_preview_apply_and_apply_again(store, sandbox, services, db_path, capsys, monkeypatch):
    services.cliproxy.reset()
    aid, site, _user = add_demo_account(store, sandbox, "new-api")
    set_preference(store, "per_site_window_requests", 0)  # our own loopback sites
    sync_keys(store)
    code, out, err = _run(db_path, capsys, monkeypatch, "config", "cliproxyapi", "--url", services.cliproxy.origin,
                          "--key", "-", "--json", stdin=MGMT + "\n")
    assert code == 0, err
    shown = json.loads(out)
    assert shown["url"] == services.cliproxy.origin + "/v0/management" and shown["key_set"] is True
    assert MGMT not in out

    code, out, err = _run(db_path, capsys, monkeypatch, "cliproxyapi", "--account", str(aid))
    assert code == 0, err
    assert "Would add" in out and "add --apply" in out and services.cliproxy.entries == []

    code, out, err = _run(db_path, capsys, monkeypatch, "cliproxyapi", "--account", str(aid), "--apply", "--json")
    assert code == 0, err
    [row] = json.loads(out)
    assert row["action"] == "add" and row["applied"] is True
    [entry] = services.cliproxy.entries
    assert entry["base-url"] == site.url + "/v1"
    pushed = entry["api-key-entries"][0]["api-key"]
    assert pushed not in out and MGMT not in out + err

    code, out, err = _run(db_path, capsys, monkeypatch, "cliproxyapi", "--account", str(aid), "--apply")
    assert code == 0 and "nothing to change" in out
    assert services.cliproxy.writes == 1


def test_bad_input_is_one_sentence_exit_2(store, db_path, capsys, monkeypatch):
    code, _out, err = _run(db_path, capsys, monkeypatch, "config", "cliproxyapi", "--key", MGMT)
    assert code == 2 and "standard input only" in err and MGMT not in err
    code, _out, err = _run(db_path, capsys, monkeypatch, "config", "ccr", "--url", "ftp://nowhere")
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    code, _out, err = _run(db_path, capsys, monkeypatch, "newapi", "--account", "1")
    assert code != 0 and "Traceback" not in err
    code, _out, err = _run(db_path, capsys, monkeypatch, "ccr")
    assert code == 2 and "--account" in err
