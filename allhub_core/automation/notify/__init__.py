"""Notifications (layer L5): after a refresh or check-in run, and once a day, through Apprise.

A channel is one Apprise URL (built from a kind's fields by ``channels.build_url``, or any URL
Apprise knows), stored encrypted, with a policy (``always``, ``failure``: the run was not fully
ok, ``change``: the outcome differs from the previous run of the same job), the jobs it follows
and whether it gets the daily summary. We own the message (``messages``), when to send, and the
secrets; Apprise does the sending (``send``). A channel that fails is reported in what these
functions return (the scheduler keeps it in the run log) and never raises: notifying must never
fail the job. Messages never carry a token, cookie, password or URL with credentials.

The scheduler calls ``notify_after_run(store, run)`` after each run (after a refresh, also the
rule "new announcement": ``new_notices``, for the channels that follow ``notices``), and
``daily_summary_due(store, now)`` / ``send_daily_summary(store, now)`` on its ticks.

This module is the facade: ``manage`` (channels: add, list, change, remove), ``dispatch``
(sending to a channel, the test message, after a run), ``summary`` (the daily summary),
``messages`` (the words), ``channels`` (kinds and URLs), ``send`` (Apprise), ``store`` (SQL).
"""

from __future__ import annotations

from allhub_core.automation.notify.channels import (
    CHANNEL_KINDS,
    JOBS,
    NOTICES_RULE,
    POLICIES,
    ChannelKind,
    Field,
    build_url,
)
from allhub_core.automation.notify.dispatch import new_notices, notify_after_run, send_test
from allhub_core.automation.notify.manage import add_channel, get_channel, list_channels, remove_channel, set_channel
from allhub_core.automation.notify.messages import MAX_LISTED, Message, run_message, scrub, summary_message
from allhub_core.automation.notify.summary import (
    DEFAULT_SUMMARY_TIME,
    daily_summary_due,
    get_summary_time,
    send_daily_summary,
    set_summary_time,
)

__all__ = [
    "CHANNEL_KINDS",
    "DEFAULT_SUMMARY_TIME",
    "JOBS",
    "MAX_LISTED",
    "NOTICES_RULE",
    "POLICIES",
    "ChannelKind",
    "Field",
    "Message",
    "add_channel",
    "build_url",
    "daily_summary_due",
    "get_channel",
    "get_summary_time",
    "list_channels",
    "new_notices",
    "notify_after_run",
    "remove_channel",
    "run_message",
    "scrub",
    "send_daily_summary",
    "send_test",
    "set_channel",
    "set_summary_time",
    "summary_message",
]
