"""Check the library's credentials: list each one's models, ask its balance where the provider
tells it, and (only when asked) send a one-token request; the answers go to the store.

``check_credentials(store, ids, send=False)`` reads the keys (``credentials.credential_targets``),
lets the store's lock go while every credential is asked at the same time (one ``net.Transport``,
the store's politeness), then writes one ``credential_checks`` row per credential in one
transaction. The key travels only in a header (``Authorization``, Anthropic's ``x-api-key``,
Google's ``x-goog-api-key``) and is scrubbed from every message (the transport's errors are built
that way; our own sentences name no key). The balance source is the credential's ``telemetry``:
one provider, the user's read-only endpoint, off, or ``auto`` (``_credential_providers.auto_order``:
the first that answers with figures wins; the others' failures are not errors).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from allhub_core.credentials import CheckRecord, CredentialTarget, credential_targets, record_checks
from allhub_core.errors import SiteError
from allhub_core.net import Auth, Politeness, Transport, scrub
from allhub_core.origin import origin_key
from allhub_core.store import Store
from allhub_core.sync._credential_providers import (
    PROVIDERS,
    Balance,
    auto_order,
    parse_openai_billing,
    read_custom,
)
from allhub_core.sync._lanes import network
from allhub_core.sync.credentials import politeness_for
from allhub_core.vocab import DEFAULT_EXCHANGE_RATE

__all__ = ["CredentialCheck", "CredentialCheckReport", "check_credentials"]

ANTHROPIC_VERSION = "2023-06-01"


@dataclass
class CredentialCheck:
    """One credential's check: whether the key works, its models, its balance and where it came
    from, the one-token request's answer when it was sent, and one sentence."""

    id: int
    name: str
    ok: bool = False
    models: list[str] | None = None
    balance: Balance | None = None
    source: str = ""
    sent: bool | None = None
    message: str = ""

    def row(self) -> dict[str, Any]:
        b = self.balance or Balance()
        return {"id": self.id, "name": self.name, "ok": self.ok, "model_count": len(self.models or []),
                "models": list(self.models or []), "source": self.source or None, "balance_usd": b.balance_usd,
                "used_usd": b.used_usd, "total_usd": b.total_usd, "currency": b.currency if self.balance else None,
                "raw_balance": b.raw_balance, "unlimited": b.unlimited, "sent": self.sent, "message": self.message}


@dataclass
class CredentialCheckReport:
    """What ``check_credentials`` found, one row per credential (cli.md: money keys in USD)."""

    checks: list[CredentialCheck] = field(default_factory=list)

    def summary(self) -> str:
        ok = sum(1 for c in self.checks if c.ok)
        with_balance = sum(1 for c in self.checks if c.balance and c.balance.said_something)
        return (f"Checked {len(self.checks)} credential(s): {ok} working, {len(self.checks) - ok} failed; "
                f"{with_balance} told a balance.")

    def rows(self) -> list[dict[str, Any]]:
        return [c.row() for c in self.checks]

    def exit_code(self) -> int:
        return 0 if all(c.ok for c in self.checks) else 1


# ----- the requests -----------------------------------------------------------------------------

def _versioned(base: str, tail: str) -> str:
    """``base`` + ``/v1`` + tail, unless the base already ends in a version (``/api/paas/v4``)."""
    last = urlsplit(base).path.rstrip("/").rsplit("/", 1)[-1]
    return f"{base}{tail}" if last[:1] == "v" and last[1:].isdigit() else f"{base}/v1{tail}"


def _auth(t: CredentialTarget) -> tuple[Auth, dict[str, str]]:
    """The key's header for its API type (never the query string)."""
    if t.api_type == "anthropic":
        return Auth(send_user_id=False), {"x-api-key": t.key, "anthropic-version": ANTHROPIC_VERSION}
    if t.api_type == "google":
        return Auth(send_user_id=False), {"x-goog-api-key": t.key}
    return Auth(access_token=t.key, send_user_id=False), {}


async def _get_json(tr: Transport, url: str, t: CredentialTarget, *, raw_auth: bool = False,
                    params: dict[str, str] | None = None, with_key: bool = True) -> Any:
    auth, headers = _auth(t) if with_key else (Auth(send_user_id=False), {})
    if raw_auth and with_key:
        auth, headers = Auth(send_user_id=False), {"Authorization": t.key}
    reply = await tr.send("GET", url, auth=auth, headers=headers or None, params=params, secrets=(t.key,))
    return reply.json()


async def _models(tr: Transport, t: CredentialTarget) -> list[str]:
    if t.api_type == "google":
        body = await _get_json(tr, f"{t.base_url}/v1beta/models", t)
        items = body.get("models") if isinstance(body, dict) else None
        names = [str(m.get("name", "")) for m in items or [] if isinstance(m, dict)]
        return [n.removeprefix("models/") for n in names if n]
    body = await _get_json(tr, _versioned(t.base_url, "/models"), t)
    items = body.get("data") if isinstance(body, dict) else body
    return [str(m["id"]) for m in items or [] if isinstance(m, dict) and m.get("id")]


async def _ask(tr: Transport, t: CredentialTarget, source: str, rate: float) -> Balance | None:
    """One source's balance, or None when it does not answer with figures."""
    if source == "customReadOnlyEndpoint":
        url = t.custom_url
        same = url.startswith("/") or origin_key(url) == origin_key(t.base_url)
        full = (origin_key(t.base_url) or "") + url if url.startswith("/") else url
        body = await _get_json(tr, full, t, with_key=same)  # the key never goes to another origin
        return read_custom(body, t.custom_balance_path, t.custom_used_path, t.custom_total_path)
    if source == "openaiBilling":
        sub = await _get_json(tr, _versioned(t.base_url, "/dashboard/billing/subscription"), t)
        if isinstance(sub, dict) and isinstance(sub.get("balance"), int | float):
            return parse_openai_billing(sub, {})
        today = datetime.now(UTC).date()
        usage = await _get_json(tr, _versioned(t.base_url, "/dashboard/billing/usage"), t,
                                params={"start_date": f"{today.year}-01-01", "end_date": today.isoformat()})
        return parse_openai_billing(sub, usage)
    p = PROVIDERS[source]
    root = origin_key(t.base_url) if p.from_origin else t.base_url
    failure: SiteError | None = None
    for path in p.paths:  # OpenRouter: the credits, else the key's own limit
        try:
            found = p.parse(await _get_json(tr, f"{root}{path}", t, raw_auth=p.raw_auth), rate, t.base_url)
        except SiteError as exc:
            failure, found = failure or exc, None
        if found is not None and found.said_something:
            return found
    if failure is not None:
        raise failure
    return None


async def _balance(tr: Transport, t: CredentialTarget, rate: float) -> tuple[Balance | None, str, str]:
    """(balance, source, a sentence when the chosen source failed)."""
    if t.telemetry == "disabled" or (t.telemetry == "auto" and t.api_type in ("anthropic", "google")):
        return None, "", ""  # Anthropic's and Google's APIs tell no balance to a key
    sources = auto_order(t.base_url, t.last_source) if t.telemetry == "auto" else [t.telemetry]
    last_error = ""
    for source in sources:
        try:
            found = await _ask(tr, t, source, rate)
        except SiteError as exc:
            last_error = scrub(str(exc), (t.key,))
            continue
        if found is not None and found.said_something:
            return found, source, ""
    if t.telemetry == "auto":
        return None, "", "No balance endpoint answered for this key."
    return None, "", f"The balance source did not answer: {last_error or 'no figures in its answer'}."


async def _send_one(tr: Transport, t: CredentialTarget, model: str) -> None:
    """A minimal request (one output token) to the credential's own API."""
    auth, headers = _auth(t)
    if t.api_type == "anthropic":
        url = _versioned(t.base_url, "/messages")
        body: dict[str, Any] = {"model": model, "max_tokens": 1, "messages": [{"role": "user", "content": "hi"}]}
    elif t.api_type == "google":
        url = f"{t.base_url}/v1beta/models/{model}:generateContent"
        body = {"contents": [{"parts": [{"text": "hi"}]}], "generationConfig": {"maxOutputTokens": 1}}
    else:
        url = _versioned(t.base_url, "/chat/completions")
        body = {"model": model, "max_tokens": 1, "messages": [{"role": "user", "content": "hi"}]}
    await tr.send("POST", url, auth=auth, headers=headers or None, json_body=body, secrets=(t.key,),
                  idempotent=True)  # a one-token request sent twice costs nothing worth a failure


async def _check_one(tr: Transport, t: CredentialTarget, send: bool, rate: float) -> CredentialCheck:
    out = CredentialCheck(t.id, t.name)
    notes: list[str] = []
    refused = False
    try:
        out.models = await _models(tr, t)
    except SiteError as exc:
        notes.append(f"Models: {scrub(str(exc), (t.key,))}")
        refused = getattr(exc, "http_status", None) in (401, 403)
    if refused and t.telemetry == "auto":
        notes.append("The key was refused; no balance asked.")  # not every endpoint in turn with a dead key
    else:
        out.balance, out.source, balance_note = await _balance(tr, t, rate)
        if balance_note:
            notes.append(balance_note)
    out.ok = out.models is not None or out.balance is not None
    if send:
        if not out.models:
            out.sent = False
            notes.append("Nothing sent: no model to send to.")
        else:
            try:
                await _send_one(tr, t, out.models[0])
                out.sent = True
                notes.append(f"A one-token request to {out.models[0]} answered.")
            except SiteError as exc:
                out.sent, out.ok = False, False
                notes.append(f"The one-token request failed: {scrub(str(exc), (t.key,))}")
    out.message = " ".join(notes)
    return out


def check_credentials(store: Store, ids: list[int] | None = None, *, send: bool = False,
                      politeness: Politeness | None = None) -> CredentialCheckReport:
    """Check these credentials (all when None) and keep each answer; ``send``: also send the
    one-token request (it may cost a little)."""
    targets = credential_targets(store, ids)
    if not targets:
        return CredentialCheckReport()
    p = politeness or politeness_for(store)

    async def run() -> list[CredentialCheck]:
        async with Transport.open(p) as tr:
            return list(await asyncio.gather(*(_check_one(tr, t, send, DEFAULT_EXCHANGE_RATE) for t in targets)))

    checks = network(store, run)
    record_checks(store, [CheckRecord(
        c.id, c.ok, c.source, *(((c.balance.balance_usd, c.balance.used_usd, c.balance.total_usd, c.balance.currency,
                                   c.balance.raw_balance)) if c.balance else (None, None, None, "USD", None)),
        models=c.models, message=c.message) for c in checks])
    return CredentialCheckReport(checks)
