"""The models sync job against the sandbox over real HTTP: off until turned on, then due daily; its
run log says which models each site added or removed; a channel that follows it hears from it
only when a site's models changed (the "models changed" rule), with the models named, never a
secret; the CLI turns it on and runs it."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from shared import add_demo_row, fast_politeness

from allhub_core import automation
from allhub_core.automation import get_settings, list_runs, next_runs, notify, run_job, run_results, save_settings
from allhub_core.cli.main import main
from allhub_core.sandbox import demo_accounts

FAST = fast_politeness()


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api", "one-api"], users_per_site=1, seed=31)


pytestmark = pytest.mark.usefixtures("fresh_sites")


def _load(store, sandbox):
    ids = {}
    for row in demo_accounts(sandbox):
        ids[row["dialect"]] = add_demo_row(store, row, f"{row['dialect']} site")
    return ids


def _entry(store, now=None):
    return next(r for r in next_runs(store, now) if r["job"] == "models_sync")


def test_off_by_default_then_due_daily(store, sandbox):
    _load(store, sandbox)
    assert get_settings(store).models_sync_enabled is False and _entry(store)["note"] == "off"
    save_settings(store, models_sync_enabled=True)
    assert get_settings(store).models_sync_interval_s == 86_400
    assert _entry(store)["due"] is True  # never run: due now
    report = run_job(store, "models_sync", trigger="schedule", politeness=FAST)
    assert report.status == "ok"
    later = _entry(store)
    assert later["due"] is False and "every 24 h" in later["note"]
    started = list_runs(store, job="models_sync")[0]["started_at"]
    assert _entry(store, started + timedelta(hours=24, minutes=1))["due"] is True


def test_the_run_log_names_the_models_each_site_added_or_removed(store, sandbox):
    ids = _load(store, sandbox)
    first = run_job(store, "models_sync", politeness=FAST)
    assert first.status == "ok" and "Models changed" not in first.text
    assert first.counts["added"] == 0 and first.counts["removed"] == 0
    sandbox.site("new-api").change_models(add=["gpt-5"], remove=["deepseek-chat"])
    second = run_job(store, "models_sync", politeness=FAST)
    assert "Models changed: new-api site added gpt-5; removed deepseek-chat." in second.text
    assert (second.counts["added"], second.counts["removed"], second.counts["changed"]) == (1, 1, 1)
    logged = {r["account_id"]: r for r in run_results(store, second.run_id)}
    assert "added gpt-5; removed deepseek-chat" in logged[ids["new-api"]]["message"]
    assert "added" not in logged[ids["one-api"]]["message"]
    assert list_runs(store, job="models_sync")[0]["summary"] == second.text
    third = run_job(store, "models_sync", politeness=FAST)
    assert "Models changed" not in third.text and third.counts["added"] == 0


def test_a_channel_following_models_hears_only_when_a_sites_models_changed(store, sandbox, sink):
    _load(store, sandbox)
    notify.add_channel(store, "models", "webhook", fields={"url": sink.url("/hooks/models")},
                       jobs=("models_sync",))
    notify.add_channel(store, "refresh-only", "webhook", fields={"url": sink.url("/hooks/refresh")})
    run_job(store, "models_sync", politeness=FAST)
    run_job(store, "models_sync", politeness=FAST)
    assert sink.got == []  # nothing changed: no message
    sandbox.site("new-api").change_models(add=["gpt-5"])
    report = run_job(store, "models_sync", politeness=FAST)
    assert [n["channel"] for n in report.notify] == ["models"] and report.notify[0]["ok"] is True
    (req,) = sink.got
    assert req["path"] == "/hooks/models"
    body = json.loads(req["body"])
    assert body["title"] == "allhub models sync done"
    assert "models added 1 · removed 0" in body["message"]
    assert "Models changed:\n- new-api site: " in body["message"] and "added gpt-5" in body["message"]
    user = sandbox.site("new-api").users[0]
    assert user.access_token not in req["body"]


def test_the_cli_turns_it_on_and_runs_it(store, sandbox, db_path, capsys):
    _load(store, sandbox)
    assert main(["--db", str(db_path), "automation", "set", "--models-sync", "on", "--models-sync-interval",
                 "7200", "--json"]) == 0
    settings = json.loads(capsys.readouterr().out)["settings"]
    assert settings["models_sync_enabled"] is True and settings["models_sync_interval_s"] == 7200
    assert main(["--db", str(db_path), "automation", "set", "--models-sync-interval", "60"]) == 2
    assert "models sync interval" in capsys.readouterr().err.lower()
    assert "models_sync" in automation.JOBS


def test_job_labels_name_it():
    from allhub_core.vocab import Job  # noqa: PLC0415 - the vocabulary only here

    assert Job("models_sync").label == "Models sync" and notify.JOBS["models_sync"] == "Models sync"
