"""The demo's credential library (``allhub demo``): the provider fakes started on 127.0.0.1, one
credential on each with made-up keys and balances, a revoked key and an expired one, checked
once so the Credentials page opens with balances and models. The fakes keep answering while the
dashboard runs (its "Check" buttons ask them); the caller stops them."""

from __future__ import annotations

from typing import Any

from allhub_core.credentials import CredentialInput, add_credential
from allhub_core.store import Store
from allhub_core.sync import check_credentials

__all__ = ["seed_demo_credentials"]

# fake, name, made-up key, balance, used (in the provider's own unit), tags, extra fields
_DEMO: list[tuple[str, str, str, float, float, list[str], dict[str, Any]]] = [
    ("openrouter", "OpenRouter (team)", "sk-or-v1-demo0000000000000000000000000001", 18.4, 6.6, ["work"], {}),
    ("deepseek", "DeepSeek", "sk-demo00000000000000000000000000002", 86.5, 0, ["cn", "cheap"], {}),
    ("moonshot", "Kimi", "sk-demo00000000000000000000000000003", 23.0, 0, ["cn"], {}),
    ("zhipu", "GLM", "0123456789abcdef0123456789abcdef.DemoKey000000004", 41.2, 8.8, ["cn"], {}),
    ("new-api", "Relay key (New API)", "sk-demo00000000000000000000000000005", 4.75, 15.25, ["relay"], {}),
    ("sub2api", "Relay key (Sub2API)", "sk-demo00000000000000000000000000006", 9.9, 0.1, ["relay"], {}),
    ("openai", "OpenAI project", "sk-proj-demo000000000000000000000000007", 32.0, 18.0, ["work"],
     {"api_type": "openai"}),
    ("anthropic", "Claude API", "sk-ant-api03-demo0000000000000000000000008", 0, 0, ["work"],
     {"api_type": "anthropic"}),
    ("custom", "Self-hosted gateway", "sk-demo00000000000000000000000000009", 3.3, 1.7, ["home"],
     {"telemetry": "customReadOnlyEndpoint", "custom_url": "/me/quota", "custom_balance_path": "quota.left",
      "custom_used_path": "quota.spent", "notes": "balance from GET /me/quota (quota.left)"}),
]


def seed_demo_credentials(store: Store) -> tuple[Any, str]:
    """Start the provider fakes, add the demo credentials and check them once; returns the running
    fakes (stop them when the demo ends) and one sentence."""
    from allhub_core.sandbox import start_provider_fakes  # noqa: PLC0415 - the sandbox loads only for the demo

    fakes = start_provider_fakes()
    for fake, name, key, balance, used, tags, extra in _DEMO:
        if balance or used:
            fakes[fake].add_key(key, balance=balance, used=used)
        else:
            fakes[fake].add_key(key)
        add_credential(store, CredentialInput(base_url=fakes[fake].base_url, key=key, name=name, tags=["demo", *tags],
                                              **extra))
    # a key the provider no longer knows, and one past its expiry date: what trouble looks like
    add_credential(store, CredentialInput(base_url=fakes["new-api"].base_url, key="sk-demo-revoked-00000000000010",
                                          name="Old relay key (revoked)", tags=["demo", "relay"]))
    trial = fakes["deepseek"].add_key("sk-demo00000000000000000000000000011", balance=0.0, used=50.0)
    add_credential(store, CredentialInput(base_url=fakes["deepseek"].base_url, key=trial, name="DeepSeek (trial)",
                                          tags=["demo", "cn"], expires_at="2026-01-31"))
    report = check_credentials(store)
    return fakes, f"Credentials: {report.summary()}"
