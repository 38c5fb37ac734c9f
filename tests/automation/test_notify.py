"""Notifications (issue 11): channels over Apprise against real servers on 127.0.0.1 — an HTTP
sink for the JSON webhook, ntfy and Bark, an aiosmtpd SMTP server for email — the policies,
a failing channel, secrets encrypted at rest and masked, the CLI and the page."""

from __future__ import annotations

import io
import json
import socket
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from allhub_core.automation import notify
from allhub_core.cli.main import main
from allhub_core.errors import NotFound, ValidationError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "app"))

ACCOUNT_TOKEN = "sk-ACCOUNT-SECRET-0123456789abcdef"
HOOK_SECRET = "HOOKSECRETpath77"
NTFY_TOKEN = "tk_NTFYSECRET0123456789"
BARK_KEY = "BARKDEVICESECRET42"
SMTP_PASSWORD = "SMTP-PASS-SECRET-99"


@pytest.fixture
def smtp():

    class Keep(Message):
        def __init__(self):
            super().__init__()
            self.messages: list = []

        def handle_message(self, message):
            self.messages.append(message)

    handler = Keep()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, handler
    controller.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def closed_port() -> int:
    return free_port()  # nobody listens there once the probe socket is closed


def checkin_run(status: str = "partial", **kw) -> dict:
    results = kw.pop("results", None) or [
        {"account_id": 1, "site_name": "Alpha", "ok": True, "result": "success", "message": "Checked in."},
        {"account_id": 2, "site_name": "Beta", "ok": True, "result": "already_checked", "message": "Already."},
        {"account_id": 3, "site_name": "Gamma relay", "ok": False, "result": "failed",
         "message": f"HTTP 401: invalid token {ACCOUNT_TOKEN} (https://user:pw@gamma.example.com/api?key=abc123)"},
        {"account_id": 4, "site_name": "Delta", "ok": False, "result": "needs_browser",
         "message": "A Turnstile check is needed; open the site."},
    ]
    return {"id": 7, "job": "checkin", "trigger": "scheduled", "status": status,
            "summary": "Checked in 1, already 1, failed 1, needs you 1.", "counts": {}, "results": results,
            "started_at": "2025-05-01T08:00:00+00:00", "finished_at": "2025-05-01T08:01:00+00:00", **kw}


def refresh_run(status: str = "ok", failing: int = 0) -> dict:
    results = [{"account_id": i, "site_name": f"Site {i}", "ok": i > failing, "result": "",
                "message": "HTTP 500" if i <= failing else ""} for i in range(1, 4)]
    return {"id": 8, "job": "refresh", "trigger": "interval", "status": status, "summary": "Refreshed.",
            "counts": {}, "results": results, "started_at": "2025-05-01T09:00:00+00:00",
            "finished_at": "2025-05-01T09:00:30+00:00"}


def webhook(store, sink, name="hook", **kw):
    return notify.add_channel(store, name, "webhook",
                              fields={"url": sink.url(f"/hooks/{HOOK_SECRET}?token=QUERY-SECRET-1")}, **kw)


# -- message content and the webhook ---------------------------------------------------------------
def test_webhook_gets_title_counts_and_failing_accounts_and_never_a_secret(store, sink):
    webhook(store, sink)
    out = notify.notify_after_run(store, checkin_run())
    assert out == [{"channel": "hook", "ok": True, "message": "Sent."}]
    (req,) = sink.got
    assert req["path"] == f"/hooks/{HOOK_SECRET}?token=QUERY-SECRET-1"  # the URL's own parts reach the hook
    body = json.loads(req["body"])
    assert body["title"] == "allhub check-in: 2 of 4 accounts need attention"
    msg = body["message"]
    assert "checked in 1 · already 1 · failed 1 · needs you 1 · not supported 0" in msg
    assert "Failed:\n- Gamma relay: HTTP 401: invalid token ***" in msg
    assert "Needs you:\n- Delta: A Turnstile check is needed" in msg
    assert "**Failed" not in msg and "\\*" not in msg  # a JSON body is plain text, not markdown
    for secret in (ACCOUNT_TOKEN, "user:pw", "abc123", HOOK_SECRET, "QUERY-SECRET"):
        assert secret not in req["body"]


def test_refresh_message_and_more_than_the_listed_failures():
    results = [{"account_id": i, "site_name": f"S{i}", "ok": False, "result": "", "message": f"HTTP 50{i % 10}"}
               for i in range(notify.MAX_LISTED + 3)]
    m = notify.run_message({"job": "refresh", "status": "failed", "results": results, "summary": ""})
    assert m.title == "allhub refresh failed"
    assert f"refreshed 0 · failed {notify.MAX_LISTED + 3}" in m.text
    assert m.text.count("\n- S") == notify.MAX_LISTED and "…and 3 more." in m.text
    assert "**Failed:**" in m.markdown


def test_markdown_escapes_names_and_scrub_cuts_secrets():
    m = notify.run_message(checkin_run(results=[
        {"account_id": 1, "site_name": "*bold* [x](http://evil)", "ok": False, "result": "failed",
         "message": "Bearer abcdefghijklmnop session=s3cr3tcookie"}]))
    assert "\\*bold\\* \\[x\\]" in m.markdown
    assert "abcdefghijklmnop" not in m.text and "s3cr3tcookie" not in m.text


# -- ntfy and Bark over http:// to the same sink; email over SMTP ---------------------------------
def test_ntfy_and_bark_reach_a_custom_server(store, sink):
    notify.add_channel(store, "push", "ntfy", fields={"topic": "allhub-test", "server": sink.url(),
                                                      "token": NTFY_TOKEN})
    notify.add_channel(store, "phone", "bark", fields={"device_key": BARK_KEY, "server": sink.url()})
    out = notify.notify_after_run(store, refresh_run("partial", failing=1))
    assert sorted((r["channel"], r["ok"]) for r in out) == [("phone", True), ("push", True)]
    by_path = {r["path"]: r for r in sink.got}
    ntfy = json.loads(by_path["/"]["body"])
    assert ntfy["topic"] == "allhub-test" and ntfy["title"] == "allhub refresh: 1 of 3 accounts need attention"
    assert by_path["/"]["headers"]["Authorization"] == f"Bearer {NTFY_TOKEN}"
    assert "- Site 1: HTTP 500" in ntfy["message"]
    bark = json.loads(by_path["/push"]["body"])
    assert bark["device_key"] == BARK_KEY and "refreshed 2 · failed 1" in bark["body"]


def test_email_over_smtp_without_tls(store, smtp):
    controller, handler = smtp
    notify.add_channel(store, "mail", "email", fields={
        "host": "127.0.0.1", "port": str(controller.port), "security": "none", "sender": "allhub@example.com",
        "to": "me@example.com, you@example.com"}, policy="failure")
    assert notify.notify_after_run(store, checkin_run("ok")) == []  # "failure" policy: nothing to tell
    out = notify.notify_after_run(store, checkin_run("failed"))
    assert out == [{"channel": "mail", "ok": True, "message": "Sent."}]
    deadline = time.monotonic() + 5
    while len(handler.messages) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sorted(m["To"] for m in handler.messages) == ["me@example.com", "you@example.com"]  # one each
    mail = handler.messages[0]
    assert mail["Subject"] == "allhub check-in failed" and "allhub@example.com" in mail["From"]
    parts = [p for p in mail.walk() if p.get_content_type() == "text/plain"]
    text = parts[0].get_payload(decode=True).decode()
    assert "Failed:\n- Gamma relay: HTTP 401" in text.replace("\r\n", "\n") and ACCOUNT_TOKEN not in text


# -- policies ----------------------------------------------------------------------------------------
def test_policies_always_failure_change_and_jobs(store, sink):
    webhook(store, sink, "always")
    webhook(store, sink, "failure", policy="failure")
    webhook(store, sink, "change", policy="change")
    webhook(store, sink, "refresh-only", jobs=("refresh",))

    def told(run):
        return sorted(r["channel"] for r in notify.notify_after_run(store, run))

    assert told(checkin_run("ok")) == ["always", "change"]  # the first run is news to "change"
    assert told(checkin_run("ok")) == ["always"]  # same outcome: "change" stays quiet
    assert told(checkin_run("partial")) == ["always", "change", "failure"]
    assert told(checkin_run("partial")) == ["always", "failure"]
    assert told(refresh_run("ok")) == ["always", "change", "refresh-only"]  # its own digest per job
    notify.set_channel(store, "always", enabled=False)
    assert told(refresh_run("ok")) == ["refresh-only"]


def test_a_failing_channel_returns_ok_false_and_the_others_still_go(store, sink, caplog):
    notify.add_channel(store, "down", "webhook", fields={"url": f"http://127.0.0.1:{closed_port()}/x/{HOOK_SECRET}"})
    webhook(store, sink, "up")
    out = {r["channel"]: r for r in notify.notify_after_run(store, checkin_run())}
    assert out["up"]["ok"] is True and out["down"]["ok"] is False
    assert out["down"]["message"].startswith("Sending failed") and HOOK_SECRET not in out["down"]["message"]
    down = next(c for c in notify.list_channels(store) if c["name"] == "down")
    assert down["last_ok"] is False and down["last_message"] == out["down"]["message"]
    assert notify.send_test(store, "down")["ok"] is False


def test_notify_after_run_never_raises(store, sink):
    webhook(store, sink)
    assert notify.notify_after_run(store, {"job": "checkin", "results": [{"weird": object()}]})[0]["ok"] is True
    assert isinstance(notify.notify_after_run(store, None), list)  # type: ignore[arg-type]


# -- channels: validation, secrets at rest, masking -----------------------------------------------
def test_secrets_are_encrypted_at_rest_and_masked_in_the_list(store, db_path, sink, smtp):
    controller, _ = smtp
    webhook(store, sink)
    notify.add_channel(store, "tg", "telegram", fields={"bot_token": "123456789:AAFakeTelegramSecret_0123",
                                                        "chat_id": "-1001234"})
    notify.add_channel(store, "ding", "dingtalk", fields={
        "access_token": "https://oapi.dingtalk.com/robot/send?access_token=DINGTOKENSECRET1",
        "secret": "SECdingSECRET2"})
    notify.add_channel(store, "mail", "email", fields={
        "host": "127.0.0.1", "port": str(controller.port), "security": "none", "username": "me",
        "password": SMTP_PASSWORD, "sender": "a@example.com", "to": "b@example.com"})
    notify.add_channel(store, "any", "apprise", url="discord://1234567890/DISCORDWEBHOOKSECRET")
    listed = {c["name"]: c for c in notify.list_channels(store)}
    shown = json.dumps(listed)
    secrets = (HOOK_SECRET, "QUERY-SECRET", "AAFakeTelegramSecret", "DINGTOKENSECRET1", "SECdingSECRET2",
               SMTP_PASSWORD, "DISCORDWEBHOOKSECRET")
    for secret in secrets:
        assert secret not in shown
    assert listed["tg"]["url"].startswith("tgram://") and listed["any"]["url"].startswith("discord://")
    assert listed["mail"]["url"].startswith("mailto://me:***@127.0.0.1")
    store_bytes = Path(db_path).read_bytes()
    for secret in secrets:
        assert secret.encode() not in store_bytes


@pytest.mark.parametrize("kind, fields, words", [
    ("telegram", {"bot_token": "not-a-token", "chat_id": "1"}, "bot token must look like"),
    ("telegram", {"bot_token": "1:abc"}, "chat id of a Telegram channel is empty"),
    ("ntfy", {"topic": "bad topic"}, "must not contain spaces"),
    ("ntfy", {"topic": "t", "server": "ftp://x"}, "http:// or https://"),
    ("webhook", {"url": "mailto:me@example.com"}, "webhook address must be an http"),
    ("email", {"host": "smtp.example.com", "sender": "nope", "to": "a@b.cc"}, "sender (From) is not an email"),
    ("email", {"host": "smtp.example.com", "sender": "a@b.cc", "to": "a@b.cc", "password": "x"}, "needs a user name"),
    ("feishu", {"key": "https://open.feishu.cn/other"}, "holds no key"),
    ("wecom", {"key": "k", "chat_id": "1"}, "has no field 'chat_id'"),
    ("pigeon", {}, "no channel kind"),
])
def test_bad_fields_are_one_sentence(store, kind, fields, words):
    with pytest.raises(ValidationError) as err:
        notify.add_channel(store, "x", kind, fields=fields)
    assert words in str(err.value) and str(err.value).endswith(".")
    for v in fields.values():
        if len(v) > 6 and v not in ("smtp.example.com",):
            assert v not in str(err.value) or kind == "pigeon"


def test_names_are_unique_and_unknown_names_are_not_found(store, sink):
    webhook(store, sink, "Team")
    with pytest.raises(ValidationError, match="exists already"):
        webhook(store, sink, "team")
    with pytest.raises(ValidationError, match="Apprise cannot use"):
        notify.add_channel(store, "bad", "apprise", url="nosuchscheme://x")
    with pytest.raises(NotFound):
        notify.send_test(store, "nobody")
    notify.remove_channel(store, "Team")
    assert notify.list_channels(store) == []
    with pytest.raises(NotFound):
        notify.remove_channel(store, "Team")


# -- the daily summary -----------------------------------------------------------------------------
def test_daily_summary_once_a_day_after_the_time(store, sink):
    from appsupport import seed  # noqa: PLC0415 - tests/app's helpers, on sys.path only when tests/app is collected

    seed(store, "Broken", usd=2.5, health="error", token=ACCOUNT_TOKEN)
    webhook(store, sink, "daily", jobs=(), daily_summary=True)
    notify.notify_after_run(store, checkin_run(finished_at=datetime(2025, 5, 1, 8, 1).astimezone()))
    assert sink.got == []  # follows no job
    assert notify.set_summary_time(store, "9:30") == "09:30"
    assert not notify.daily_summary_due(store, datetime(2025, 5, 1, 9, 0))
    assert notify.daily_summary_due(store, datetime(2025, 5, 1, 9, 30))
    out = notify.send_daily_summary(store, datetime(2025, 5, 1, 22, 0))
    assert out == [{"channel": "daily", "ok": True, "message": "Sent."}]
    body = sink.json()
    assert body["title"] == "allhub daily summary 2025-05-01"
    assert "Balance $2.50" in body["message"] and "Needs attention:\n- Broken" in body["message"]
    assert "check-in 08:01 partly failed" in body["message"]
    assert ACCOUNT_TOKEN not in sink.got[-1]["body"]
    assert not notify.daily_summary_due(store, datetime(2025, 5, 1, 23, 0))
    assert notify.daily_summary_due(store, datetime(2025, 5, 2, 21, 0))
    with pytest.raises(ValidationError):
        notify.set_summary_time(store, "25:00")


def test_no_summary_channel_means_not_due(store, sink):
    webhook(store, sink)
    assert not notify.daily_summary_due(store, datetime(2025, 5, 1, 23, 0))


# -- the CLI ---------------------------------------------------------------------------------------
def cli(capsys, monkeypatch, *argv, stdin=""):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_add_list_test_rm(capsys, monkeypatch, sink):
    url = sink.url(f"/hooks/{HOOK_SECRET}")
    code, out, err = cli(capsys, monkeypatch, "notify", "add", "webhook", "--name", "hook", "--url-stdin",
                         "--policy", "change", "--jobs", "checkin", "--daily-summary", stdin=url + "\n")
    assert code == 0, err
    assert "Added the Generic webhook (JSON) channel 'hook'" in out and HOOK_SECRET not in out
    code, out, err = cli(capsys, monkeypatch, "notify", "add", "ntfy", "--name", "n", "--topic", "t1",
                         "--server", sink.url(), "--token", "-", stdin=NTFY_TOKEN + "\n")
    assert code == 0, err
    code, out, _ = cli(capsys, monkeypatch, "notify", "list", "--json")
    rows = {r["name"]: r for r in json.loads(out)}
    hook = rows["hook"]
    assert (hook["policy"], hook["jobs"], hook["daily_summary"]) == ("change", ["checkin"], True)
    assert HOOK_SECRET not in out and NTFY_TOKEN not in out
    code, out, _ = cli(capsys, monkeypatch, "notify", "list")
    assert code == 0 and "hook  webhook  json://127.0.0.1" in out
    code, out, err = cli(capsys, monkeypatch, "notify", "test", "hook")
    assert code == 0 and out == "Test message sent to 'hook'.\n"
    assert sink.json()["title"] == "allhub test notification"
    code, out, _ = cli(capsys, monkeypatch, "notify", "set", "hook", "--policy", "always", "--disable", "--json")
    assert code == 0 and json.loads(out)["enabled"] is False
    code, out, _ = cli(capsys, monkeypatch, "notify", "rm", "hook")
    assert code == 0 and "Removed" in out
    code, _, err = cli(capsys, monkeypatch, "notify", "test", "hook")
    assert code == 2 and err == "allhub: There is no notification channel named 'hook'.\n"


def test_cli_secrets_only_from_stdin_and_errors_exit_2(capsys, monkeypatch):
    with pytest.raises(SystemExit) as exit_:
        cli(capsys, monkeypatch, "notify", "add", "telegram", "--bot-token", "123:TypedSecret", "--chat-id", "1")
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "standard input only" in err and "TypedSecret" not in err
    code, _, err = cli(capsys, monkeypatch, "notify", "add", "telegram", "--bot-token-stdin", "--chat-id", "1",
                       stdin="")
    assert code == 2 and "No bot token was given on standard input." in err
    code, _, err = cli(capsys, monkeypatch, "notify", "add", "telegram", "--bot-token-stdin", "--chat-id", "x y",
                       stdin="123:abc\n")
    assert code == 2 and err.count("\n") == 1
    code, _, err = cli(capsys, monkeypatch, "notify", "add", "wecom", "--key-stdin", "--topic", "t", stdin="k\n")
    assert code == 2 and "has no topic" in err


def test_cli_test_of_an_unreachable_channel_exits_1(capsys, monkeypatch):
    code, _, err = cli(capsys, monkeypatch, "notify", "add", "webhook", "--name", "down", "--url", "-",
                       stdin=f"http://127.0.0.1:{closed_port()}/hook\n")
    assert code == 0, err
    code, _, err = cli(capsys, monkeypatch, "notify", "test", "down")
    assert code == 1 and "was not delivered" in err


# -- the page --------------------------------------------------------------------------------------
@pytest.fixture
def page_ready():
    """As tests/app/conftest.py does: the once-per-process legacy reroute counts as done."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from pages import _ui  # noqa: PLC0415 - pages is importable once the app fixtures put the repository on sys.path

    _ui._rerouted.set()


def test_page_adds_tests_and_removes_a_channel(store, sink, page_ready):
    from appsupport import start, texts  # noqa: PLC0415 - tests/app's helpers, on sys.path only when tests/app is collected

    at = start("pages/notifications.py")
    assert "No channel yet" in texts(at.info)[0]
    at.text_input(key="nf_name").input("team hook")
    at.text_input(key="nf_webhook_url").input(sink.url(f"/hooks/{HOOK_SECRET}"))
    at.button(key="FormSubmitter:nf_add-Add channel").click().run()
    assert not at.exception, at.exception
    assert texts(at.success)[0].startswith("Added the channel team hook")
    assert at.text_input(key="nf_webhook_url").value == ""  # the secret does not stay in the field
    page = " ".join(texts(at.markdown) + texts(at.caption))
    assert "team hook" in page and HOOK_SECRET not in page
    at.button(key="test_team hook").click().run()
    assert texts(at.success)[0] == "Test message sent to team hook."
    assert sink.json()["title"] == "allhub test notification"
    at.button(key="rm_team hook").click().run()
    assert texts(at.success)[0] == "Removed the channel team hook." and notify.list_channels(store) == []


def test_page_shows_a_bad_field_as_one_sentence(store, page_ready):
    from appsupport import start, texts  # noqa: PLC0415 - tests/app's helpers, on sys.path only when tests/app is collected

    at = start("pages/notifications.py")
    at.selectbox(key="nf_kind").set_value("telegram").run()
    at.text_input(key="nf_telegram_bot_token").input("nonsense")
    at.text_input(key="nf_telegram_chat_id").input("1")
    at.button(key="FormSubmitter:nf_add-Add channel").click().run()
    assert "bot token must look like" in texts(at.error)[0] and "nonsense" not in texts(at.error)[0]
    assert notify.list_channels(store) == []
