"""``allhub export-client`` in-process against the sandbox sites over real HTTP: the export on
stdout (or in a file only its owner can read), stderr saying it carries the key and never
holding the key itself; bad input one sentence, exit 2, no key anywhere, nothing written."""

from __future__ import annotations

import base64
import json
import os
import stat
from urllib.parse import parse_qs, urlsplit

import pytest
from shared import add_demo_account

from allhub_core.accounts import set_preference
from allhub_core.cli.main import main
from allhub_core.cli.parsers import export_client as parser
from allhub_core.keys import kept_secret
from allhub_core.transfer.clients import CC_SWITCH_APPS, FORMATS


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api"], users_per_site=1, seed=21)


pytestmark = pytest.mark.usefixtures("fresh_sites")


def _add(store, sandbox):
    aid, site, user = add_demo_account(store, sandbox, "new-api")
    set_preference(store, "per_site_window_requests", 0)  # our own loopback site
    first = sorted((t for t in user.tokens if t.status == 1), key=lambda t: t.id)[0]
    return aid, site, user, "sk-" + first.key


def _run(db_path, capsys, *argv):
    try:
        code = main(["--db", str(db_path), "export-client", *argv])
    except SystemExit as exc:  # argparse's own refusals
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_the_parsers_choices_are_the_librarys():
    assert parser.FORMATS == tuple(FORMATS) and parser.APPS == CC_SWITCH_APPS


def test_cherry_studio_link_on_stdout_and_the_warning_on_stderr(store, sandbox, db_path, capsys):
    aid, site, _user, key = _add(store, sandbox)
    code, out, err = _run(db_path, capsys, "cherry-studio", "--account", str(aid))
    assert code == 0 and out.endswith("\n") and out.count("\n") == 1
    data = json.loads(base64.b64decode(out.strip().split("&data=", 1)[1]))
    assert data["apiKey"] == key and data["baseUrl"] == site.url.rstrip("/")
    assert "carries the full key" in err and key not in err
    assert kept_secret(store, aid, "1") is None  # revealed for the export, never kept


def test_cc_switch_app_and_model(store, sandbox, db_path, capsys):
    aid, site, _user, key = _add(store, sandbox)
    code, out, err = _run(db_path, capsys, "cc-switch", "--account", str(aid), "--app", "codex", "--model", "o3")
    q = {k: v[0] for k, v in parse_qs(urlsplit(out.strip()).query).items()}
    assert code == 0 and q["app"] == "codex" and q["model"] == "o3" and q["apiKey"] == key
    assert q["endpoint"] == site.url.rstrip("/") + "/v1" and key not in err


def test_out_file_is_private_and_stdout_stays_empty(store, sandbox, db_path, capsys, tmp_path):
    aid, _site, _user, key = _add(store, sandbox)
    target = tmp_path / "settings.json"
    code, out, err = _run(db_path, capsys, "claude-code", "--account", str(aid), "--out", str(target))
    assert code == 0 and out == "" and str(target) in err and key not in err
    assert json.loads(target.read_text())["env"]["ANTHROPIC_AUTH_TOKEN"] == key
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600


def test_kelivo_code_and_its_qr_image(store, sandbox, db_path, capsys, tmp_path):
    aid, _site, _user, key = _add(store, sandbox)
    qr = tmp_path / "kelivo.svg"
    code, out, err = _run(db_path, capsys, "kelivo", "--account", str(aid), "--qr", str(qr))
    assert key not in err
    assert code == 0 and out.startswith("ai-provider:v1:")
    assert json.loads(base64.b64decode(out.strip()[len("ai-provider:v1:"):]))["apiKey"] == key
    assert qr.read_text().startswith("<svg") and key not in qr.read_text()  # an image, not the text


@pytest.mark.parametrize(("argv", "words"), [
    (["nope", "--account", "{aid}"], "invalid choice"),
    (["cherry-studio", "--account", "{aid}", "--app", "codex"], "CC Switch only"),
    (["codex", "--account", "{aid}", "--qr", "x.svg"], "kelivo format only"),
    (["cherry-studio", "--account", "999"], "does not exist"),
    (["cherry-studio", "--account", "{aid}", "--key", "987654"], "no key with id 987654"),
    (["cherry-studio", "--account", "{aid}", "--key", "a b"], "is not a key id"),
])
def test_bad_input_is_one_sentence_with_no_key(store, sandbox, db_path, capsys, tmp_path, argv, words):
    aid, _site, user, key = _add(store, sandbox)
    code, out, err = _run(db_path, capsys, *[a.format(aid=aid) for a in argv], "--out", str(tmp_path / "x"))
    assert code in (1, 2) and words in err and out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not any(t.key in err for t in user.tokens) and key not in err
    assert not (tmp_path / "x").exists()
