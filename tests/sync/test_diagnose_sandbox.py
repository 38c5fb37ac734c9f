"""``diagnose`` against the sandbox relay sites over real HTTP (issue 21): every probe answers on
each dialect, nothing is POSTed (no check-in, no key made), the text and the JSON hold none of the
account's secrets nor any key, and a site that is down or quotes the token back gives failed
probes with sentences, never a traceback."""

from __future__ import annotations

import json
import socket

import pytest
from shared import add_demo_account, fast_politeness

from allhub_core import __version__
from allhub_core.accounts import AccountInput, add_account, get_secrets
from allhub_core.errors import NotFound
from allhub_core.sites import PROBES
from allhub_core.sync import diagnose

FAST = fast_politeness(read_timeout=2.0, connect_timeout=1.0, retries=0, retries_429=0)
DIALECTS = ["new-api", "one-api", "veloera", "sub2api", "voapi-v2"]


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=DIALECTS, users_per_site=1, seed=21)


pytestmark = pytest.mark.usefixtures("fresh_sites")


def _secrets(store, aid) -> list[str]:
    return [s for s in get_secrets(store, [aid])[aid].values() if s]


def _lines(text: str) -> dict[str, str]:
    """Each probe's line of the text, by the probe's name."""
    return {name: line for line in text.splitlines() for name in PROBES if line.startswith(name + " ")}


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_probe_answers_read_only_and_the_report_holds_no_secret(store, sandbox, dialect):
    aid, site, user = add_demo_account(store, sandbox, dialect)
    secrets = _secrets(store, aid)
    assert secrets
    site.clear_requests()

    found = diagnose(store, aid, politeness=FAST)

    sent = site.requests
    assert sent and all(r.method == "GET" for r in sent), [(r.method, r.path) for r in sent]
    assert [r["probe"] for r in found.rows()] == list(PROBES)
    text = found.text()
    lines = _lines(text)
    assert set(lines) == set(PROBES)
    assert f"allhub {__version__}" in text and site.url.rstrip("/") in text and found.site_type in text
    by = {r["probe"]: r for r in found.rows()}
    assert by["user"]["outcome"] == "ok"
    assert f"user id {user.id}" in by["user"]["summary"] and user.username in by["user"]["summary"]
    assert "USD" in by["user"]["summary"]
    assert not found.failed, found.text()
    if dialect in ("new-api", "veloera", "voapi-v2"):
        assert by["check-in status"]["outcome"] == "ok" and "POST /api/" in by["check-in method"]["summary"]
    assert by["keys"]["summary"] == f"{len(user.tokens)} key(s)"
    shown = text + json.dumps(found.as_json()) + found.summary()
    for secret in secrets + [t.key for t in user.tokens]:
        assert secret not in shown
        assert secret.removeprefix("sk-") not in shown


def test_a_site_that_is_down_gives_failed_probes_with_sentences(store):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = "tok-DOWN-SITE-SECRET-0123456789"
    aid = add_account(store, AccountInput(site_url=f"http://127.0.0.1:{port}", site_name="Gone", site_type="new-api",
                                          user_id="5", access_token=token))

    found = diagnose(store, aid, politeness=FAST)

    by = {r["probe"]: r for r in found.rows()}
    for name in ("status", "user", "check-in status", "keys", "pricing"):
        assert by[name]["outcome"] == "failed", by[name]
        assert by[name]["summary"] and "\n" not in by[name]["summary"] and "Traceback" not in by[name]["summary"]
    assert by["check-in method"]["outcome"] == "ok"  # known without asking the site
    assert "failed (status, user, check-in status, keys, pricing)" in found.summary()
    assert set(_lines(found.text())) == set(PROBES)
    assert token not in found.text()


def test_a_site_quoting_the_token_back_is_scrubbed(store, sandbox):
    aid, site, user = add_demo_account(store, sandbox, "new-api")
    site.inject("echo_secret", path="/api/user/self", alter="none")
    site.inject("echo_secret", path="/api/token", alter="none")

    found = diagnose(store, aid, politeness=FAST)

    by = {r["probe"]: r for r in found.rows()}
    assert by["user"]["outcome"] == "failed" and by["user"]["http_status"] == 401
    assert by["keys"]["outcome"] == "failed"
    assert user.access_token not in found.text() + json.dumps(found.as_json())
    assert "[HTTP 401]" in _lines(found.text())["user"]


def test_an_unknown_account_is_one_sentence(store):
    with pytest.raises(NotFound) as err:
        diagnose(store, 404, politeness=FAST)
    assert str(err.value) == "Account 404 does not exist."
