"""Every report a user action returns speaks the one protocol of ``allhub_core.reports``.

The CLI prints ``summary()`` or ``rows()`` and exits with ``exit_code()``; the pages flash the
summary and show the rows. A report whose ``exit_code`` were a property (as two were) would make
``return report.exit_code`` in one place and ``report.exit_code()`` in another both look right.
"""

from __future__ import annotations

import inspect
from datetime import UTC, datetime

import pytest

from allhub_core.accounts.dedupe import DedupeScan
from allhub_core.accounts.lookalike import LookalikeScan
from allhub_core.automation.attention import AttentionQueue
from allhub_core.automation.jobs import RunReport
from allhub_core.reports import Report
from allhub_core.sync.backup import BackupReport
from allhub_core.sync.checkins import CheckInReport
from allhub_core.sync.client_push import PushPreview
from allhub_core.sync.credential_checks import CredentialCheckReport
from allhub_core.sync.diagnosis import Diagnosis
from allhub_core.sync.keys import KeyCreateReport, KeyDeleteReport, KeyEnsureReport, KeySyncReport
from allhub_core.sync.notices import NoticeReadReport, NoticeSyncReport
from allhub_core.sync.onboarding import OnboardReport
from allhub_core.sync.prices import ModelSyncReport
from allhub_core.sync.redeem import RedeemReport
from allhub_core.sync.refreshes import RefreshReport
from allhub_core.sync.usage import UsageSyncReport
from allhub_core.transfer.csv_import import CsvImportReport
from allhub_core.transfer.importer import ImportPreview, ImportReport

REPORTS = [RefreshReport, CheckInReport, UsageSyncReport, OnboardReport, BackupReport, ImportPreview, ImportReport,
           CsvImportReport, RunReport, DedupeScan, KeySyncReport, KeyEnsureReport, KeyDeleteReport, KeyCreateReport,
           ModelSyncReport, NoticeSyncReport, LookalikeScan, Diagnosis, RedeemReport, CredentialCheckReport,
           PushPreview, AttentionQueue, NoticeReadReport]


@pytest.mark.parametrize("cls", REPORTS, ids=lambda c: c.__name__)
def test_each_report_has_summary_rows_and_exit_code_as_methods(cls):
    for name in ("summary", "rows", "exit_code"):
        member = inspect.getattr_static(cls, name, None)
        assert inspect.isfunction(member), f"{cls.__name__}.{name} is {type(member).__name__}, not a method"
        required = [p for p in list(inspect.signature(member).parameters.values())[1:]
                    if p.default is inspect.Parameter.empty and p.kind is not p.VAR_KEYWORD]
        assert not required, f"{cls.__name__}.{name} needs arguments: {required}"


def _empty_reports() -> list[Report]:
    return [RefreshReport(results=[], skipped=[]), CheckInReport(results=[]), UsageSyncReport(results=[]),
            OnboardReport(account_id=7), BackupReport(action="test", file_url="https://dav.example/allhub.json"),
            CsvImportReport(), RunReport(run_id=1, job="refresh", trigger="cli", status="ok", text="Done."),
            DedupeScan(rule="pinned"), KeySyncReport(), KeyEnsureReport(), KeyDeleteReport(account_id=7),
            ModelSyncReport(), NoticeSyncReport(), LookalikeScan(), RedeemReport(), CredentialCheckReport(),
            AttentionQueue(), NoticeReadReport(marked=0),
            Diagnosis(account_id=7, site_name="A", origin="https://a.example", site_type="new-api",
                      auth_type="access_token", started_at=datetime.now(UTC), finished_at=datetime.now(UTC))]


@pytest.mark.parametrize("report", _empty_reports(), ids=lambda r: type(r).__name__)
def test_a_report_with_nothing_to_say_still_says_one_sentence_and_exits_zero(report):
    assert isinstance(report, Report)
    text = report.summary()
    assert isinstance(text, str) and text.strip() and "\n" not in text
    assert isinstance(report.rows(), list) and all(isinstance(r, dict) for r in report.rows())
    assert report.exit_code() == 0
