"""Sandbox relay sites: real HTTP servers on 127.0.0.1 that behave like New API,
One API, Veloera, OneHub, DoneHub, AnyRouter, WONG公益站, Sub2API, VoAPI v2 and the
generic forks, with seeded users, fault injection and request recording.

Used by the tests, the benchmarks and ``allhub sandbox`` / ``allhub demo``. The HTTP
contract simulated is ``docs/site-api.md``; per-dialect differences are in ``_dialects``.

    with start_sandbox(dialects=["new-api", "sub2api"], users_per_site=3) as sb:
        site = sb.site("new-api")
        site.inject("429", retry_after=2, times=1)
        ...  # talk to site.url with any HTTP client
        site.requests  # what the client sent

Faults (``FAULT_KINDS``): latency, slow, 429, 403_html, 403_json, html_200, 401, 500,
business_error, malformed_json, redirect, echo_secret; scoped by ``user_id``/``path``/
``method``, limited by ``times``. Knobs for hostile-text tests: ``site.name`` (the
announced site name) and ``site.checkin_message``; ``reset()`` restores both. The same control is
available over HTTP on every site under ``/__sandbox/`` (see ``_admin``), for a sandbox run by ``allhub sandbox``.
"""

from allhub_core.sandbox._data import QUOTA_PER_USD, LogRow, SandboxToken, SandboxUser, today_window
from allhub_core.sandbox._demo import DEMO_BOOKMARKS, demo_accounts
from allhub_core.sandbox._dialects import DIALECTS, Dialect, get_dialect
from allhub_core.sandbox._faults import FAULT_KINDS, Fault
from allhub_core.sandbox._newapi import TURNSTILE_OK
from allhub_core.sandbox._notices import demo_announcements
from allhub_core.sandbox._providers import PROVIDER_FAKES, ProviderFake, ProviderFakes, start_provider_fakes
from allhub_core.sandbox._recording import RecordedRequest, RedirectSink, most_in_any
from allhub_core.sandbox._server import Sandbox, serve, start_sandbox
from allhub_core.sandbox._service import PushServices, start_push_services
from allhub_core.sandbox._site import USER_ID_HEADERS, SandboxSite
from allhub_core.sandbox._webdav import DEMO_PASSWORD, DEMO_USER, DemoWebdav

__all__ = [
    "DEMO_BOOKMARKS",
    "DEMO_PASSWORD",
    "DEMO_USER",
    "DIALECTS",
    "FAULT_KINDS",
    "PROVIDER_FAKES",
    "QUOTA_PER_USD",
    "TURNSTILE_OK",
    "USER_ID_HEADERS",
    "DemoWebdav",
    "Dialect",
    "Fault",
    "LogRow",
    "ProviderFake",
    "ProviderFakes",
    "PushServices",
    "RecordedRequest",
    "RedirectSink",
    "Sandbox",
    "SandboxSite",
    "SandboxToken",
    "SandboxUser",
    "demo_accounts",
    "demo_announcements",
    "get_dialect",
    "most_in_any",
    "serve",
    "start_provider_fakes",
    "start_push_services",
    "start_sandbox",
    "today_window",
]
