"""What a notification says: a title, a plain-text body and a markdown body.

After a run: the job and its outcome, the counts (checked in / already / failed / needs you /
not supported; refreshed / failed), the run's own sentence, and the failing accounts' names
with their reasons (the first ``MAX_LISTED``). The daily summary: balance and today's figures,
check-in and health counts, today's last runs, and the accounts that need the user.

Nothing secret goes in: no account secret is ever handed to this module, and every text from
outside (reasons, the run's sentence) passes ``scrub`` on its way in, which cuts URLs'
credentials, tokens in query strings, bearer tokens, ``sk-`` keys, JWTs and cookie values.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from allhub_core.accounts import CHECKIN_FILTER_STATES
from allhub_core.vocab import Job

__all__ = [
    "MAX_LISTED",
    "Message",
    "notices_message",
    "run_counts",
    "run_digest",
    "run_message",
    "scrub",
    "summary_message",
    "test_message",
]

MAX_LISTED = 10
_MAX_REASON = 200

_SCRUBS = [
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]+@"), r"\1***@"),
    (re.compile(r"(?i)([?&;](?:access_?token|token|key|secret|password|passwd|pass|pwd|sign|signature|auth|"
                r"api_?key|session|cookie|code)=)[^&\s]+"), r"\1***"),
    (re.compile(r"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{6,}"), r"\1 ***"),
    (re.compile(r"\bsk-[A-Za-z0-9_-]{6,}"), "sk-***"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), "***"),
    (re.compile(r"(?i)\b((?:session|cookie|token|access_token|password|secret)\s*[=:]\s*)[^\s;,&]+"), r"\1***"),
    (re.compile(r"\b\d{6,}:[A-Za-z0-9_-]{20,}"), "***"),  # a Telegram bot token
    (re.compile(r"\b[A-Za-z0-9_-]{40,}\b"), "***"),  # any long opaque string (keys, hashes)
]


def scrub(text: Any, extra: Iterable[str] = ()) -> str:
    """``text`` without anything that looks like a secret (and without each string in ``extra``)."""
    out = "" if text is None else str(text)
    for piece in sorted((p for p in extra if p and len(p) >= 4), key=len, reverse=True):
        out = out.replace(piece, "***")
    for pattern, repl in _SCRUBS:
        out = pattern.sub(repl, out)
    return out


@dataclass(frozen=True)
class Message:
    title: str
    text: str
    markdown: str
    kind: str = "info"  # info | success | warning | failure (Apprise's notification types)
    data: dict[str, Any] = field(default_factory=dict)


# Check-in results in the order they are told, with their label in the counts line.
_CHECKIN_ORDER = (("success", "checked in"), ("already_checked", "already"), ("failed", "failed"),
                  ("needs_browser", "needs you"), ("unsupported", "not supported"))


def _job_label(job: str) -> str:
    return Job.phrase_of(job)


def _md(text: Any) -> str:
    """Markdown-escape a text that is not ours (a site name, a reason)."""
    return re.sub(r"([\\`*_\[\]<>|~])", r"\\\1", str(text))


def _reason(text: Any) -> str:
    one = " ".join(scrub(text).split())
    return one if len(one) <= _MAX_REASON else one[: _MAX_REASON - 1] + "…"


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def run_counts(run: dict[str, Any]) -> dict[str, int]:
    """The counts told for a run: from its per-account results, else from its own counts."""
    job = run.get("job")
    results = list(run.get("results") or [])
    given = {k: _int(v) for k, v in dict(run.get("counts") or {}).items() if isinstance(v, (int, float))}
    if job == "checkin":
        if results:
            counts = {key: 0 for key, _ in _CHECKIN_ORDER}
            for r in results:
                res = str(r.get("result") or ("success" if r.get("ok") else "failed"))
                counts[res if res in counts else ("success" if r.get("ok") else "failed")] += 1
            counts["total"] = len(results)
            return counts
        counts = {key: given.get(key, 0) for key, _ in _CHECKIN_ORDER}
        counts["total"] = given.get("total", sum(counts.values()))
        return counts
    # a models sync also tells how many models its sites added and removed
    extra = {k: given.get(k, 0) for k in ("added", "removed")} if job == "models_sync" else {}
    if results:
        ok = sum(1 for r in results if r.get("ok"))
        return {"ok": ok, "failed": len(results) - ok, "total": len(results), **extra}
    ok, failed = given.get("ok", given.get("success", 0)), given.get("failed", 0)
    return {"ok": ok, "failed": failed, "total": given.get("total", ok + failed), **extra}


def _counts_line(job: str, counts: dict[str, int]) -> str:
    if job == "checkin":
        return " · ".join(f"{label} {counts.get(key, 0)}" for key, label in _CHECKIN_ORDER)
    if job == "models_sync":
        return (f"ok {counts.get('ok', 0)} · failed {counts.get('failed', 0)} · models added "
                f"{counts.get('added', 0)} · removed {counts.get('removed', 0)}")
    verb = "refreshed" if job == "refresh" else "ok"
    return f"{verb} {counts.get('ok', 0)} · failed {counts.get('failed', 0)}"


def _status_word(status: str) -> str:
    return {"ok": "done", "partial": "partly failed", "failed": "failed"}.get(status, str(status))


def _time(value: Any) -> str:
    if value is None or value == "":
        return ""
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d %H:%M")
    text = str(value).replace("T", " ")
    return text[:16]


def _listed(results: list[dict[str, Any]], want: set[str], job: str) -> list[tuple[str, str]]:
    rows = []
    for r in results:
        res = str(r.get("result") or "")
        failed = not r.get("ok") if job != "checkin" else (res in want or (not res and not r.get("ok")))
        if failed:
            name = scrub(r.get("site_name") or f"account {r.get('account_id', '?')}")
            rows.append((" ".join(name.split()), _reason(r.get("message") or res or "failed")))
    return rows


def _listed_all(results: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Every row as (site, its message): what a models sync says each site changed."""
    out = []
    for r in results:
        name = scrub(r.get("site_name") or r.get("name") or f"account {r.get('account_id', '?')}")
        out.append((" ".join(name.split()), _reason(r.get("message") or "")))
    return out


def _section(title: str, rows: list[tuple[str, str]], text: list[str], md: list[str]) -> None:
    if not rows:
        return
    text += ["", f"{title}:"]
    md += ["", f"**{title}:**", ""]
    for name, reason in rows[:MAX_LISTED]:
        text.append(f"- {name}: {reason}")
        md.append(f"- {_md(name)}: {_md(reason)}")
    if len(rows) > MAX_LISTED:
        more = f"…and {len(rows) - MAX_LISTED} more."
        text.append(more)
        md.append(f"- {more}")


def run_message(run: dict[str, Any]) -> Message:
    """The notification after one run of a job (see the module docstring)."""
    job = str(run.get("job") or "job")
    status = str(run.get("status") or "ok")
    results = [dict(r) for r in (run.get("results") or [])]
    counts = run_counts(run)
    label = _job_label(job)
    total = counts.get("total", 0)
    failed = counts.get("failed", 0)
    if status == "partial" and total:
        title = f"allhub {label}: {failed + counts.get('needs_browser', 0)} of {total} accounts need attention"
    else:
        title = f"allhub {label} {_status_word(status)}"
    when = _time(run.get("finished_at") or run.get("started_at"))
    trigger = str(run.get("trigger") or "")
    head = label[:1].upper() + label[1:]
    head += "" if job == "webdav_sync" else f" of {total} account{'s' if total != 1 else ''}"
    head += f" ({trigger})" if trigger else ""
    head += f", finished {when}." if when else "."
    text, md = [head], [_md(head)]
    if job != "webdav_sync":  # a file, not accounts: its sentence says it all
        text.append(_counts_line(job, counts))
        md += ["", f"**{_md(_counts_line(job, counts))}**"]
    summary = _reason(run.get("summary") or "")
    if summary:
        text.append(summary)
        md += ["", _md(summary)]
    if job == "checkin":
        _section("Failed", _listed(results, {"failed"}, job), text, md)
        _section("Needs you", _listed(results, {"needs_browser"}, job), text, md)
    elif job == "models_sync":  # which site added or removed which models, then the failures
        changed = [r for r in results if r.get("ok") and ("added " in str(r.get("message") or "")
                                                          or "removed " in str(r.get("message") or ""))]
        _section("Models changed", _listed_all(changed), text, md)
        _section("Failed", _listed(results, set(), job), text, md)
    else:
        _section("Failed", _listed(results, set(), job), text, md)
    kind = {"ok": "success", "partial": "warning", "failed": "failure"}.get(status, "info")
    data = {"source": "allhub", "job": job, "status": status, "counts": counts, "run_id": run.get("id")}
    return Message(title, "\n".join(text), "\n".join(md), kind, data)


def summary_message(facts: dict[str, Any]) -> Message:
    """The daily summary from ``facts``: day, accounts, enabled, balance_usd, consumption_usd,
    income_usd, checkin (dict), health (dict), runs (list of {job, status, summary, finished_at}),
    attention (list of (name, reason)), attention_counts (list of (severity · category, total))."""
    day = str(facts.get("day", ""))
    title = f"allhub daily summary {day}".strip()
    lines = [
        f"{facts.get('enabled', 0)} enabled accounts of {facts.get('accounts', 0)}.",
        f"Balance ${facts.get('balance_usd', 0):,.2f} · today spent ${facts.get('consumption_usd', 0):,.2f}"
        f" · income ${facts.get('income_usd', 0):,.2f}",
    ]
    ck = dict(facts.get("checkin") or {})
    lines.append("Check-in today: " + " · ".join(f"{state.label.lower()} {ck.get(key, 0)}"
                                                 for key, state in CHECKIN_FILTER_STATES.items()))
    hl = dict(facts.get("health") or {})
    lines.append(f"Health: healthy {hl.get('healthy', 0)} · warning {hl.get('warning', 0)}"
                 f" · error {hl.get('error', 0)} · unknown {hl.get('unknown', 0)}")
    text = list(lines)
    md = [_md(lines[0]), "", *(f"- {_md(x)}" for x in lines[1:])]
    runs = list(facts.get("runs") or [])
    if runs:
        text += ["", "Last runs today:"]
        md += ["", "**Last runs today:**", ""]
        for r in runs:
            line = f"{_job_label(str(r.get('job')))} {_time(r.get('finished_at'))[11:]} " \
                   f"{_status_word(str(r.get('status')))}: {_reason(r.get('summary') or '')}"
            text.append(f"- {line}")
            md.append(f"- {_md(line)}")
    counts = [(" ".join(scrub(n).split()), _int(c)) for n, c in facts.get("attention_counts") or []]
    if counts:  # the attention queue's size by severity and category, before its first entries
        line = "Attention queue: " + ", ".join(f"{n} {c}" for n, c in counts)
        text += ["", line]
        md += ["", f"**{_md(line)}**"]
    attention = [(" ".join(scrub(n).split()), _reason(r)) for n, r in facts.get("attention") or []]
    _section("Needs attention", attention, text, md)
    kind = "warning" if attention else "info"
    return Message(title, "\n".join(text), "\n".join(md), kind, {"source": "allhub", "job": "daily_summary"})


def test_message(channel: str) -> Message:
    body = (f"This is a test notification from allhub for the channel {channel!r}. "
            "Run results and the daily summary will arrive here.")
    return Message("allhub test notification", body, _md(body), "info", {"source": "allhub", "job": "test"})


def run_digest(run: dict[str, Any]) -> str:
    """What "changed" compares: the run's status and each account's outcome (not the wording,
    which may carry times)."""
    job = run.get("job")
    outcome = sorted(
        (str(r.get("account_id")), bool(r.get("ok")), str(r.get("result") or "") if job == "checkin" else "")
        for r in run.get("results") or []
    )
    body = json.dumps({"status": run.get("status"), "results": outcome}, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


def notices_message(rows: list[dict[str, Any]]) -> Message:
    """The rule "new announcement": how many, then each as "site: title" (the first
    ``MAX_LISTED``). Titles are the announcements' plain text (``notices.display_title``: no HTML
    or Markdown of the site's), scrubbed and escaped like every text from outside."""
    n = len(rows)
    title = f"allhub: {n} new announcement{'s' if n != 1 else ''}"
    listed = [(" ".join(scrub(r.get("site_name") or r.get("origin") or "").split()), _reason(r.get("title") or ""))
              for r in rows]
    text = [f"{n} site announcement(s) are new or changed since the last notification."]
    md = [_md(text[0])]
    _section("Announcements", listed, text, md)
    text += ["", "Read them on the Announcements page or with 'allhub notices'."]
    md += ["", "Read them on the Announcements page or with `allhub notices`."]
    return Message(title, "\n".join(text), "\n".join(md), "info", {"source": "allhub", "job": "notices"})
