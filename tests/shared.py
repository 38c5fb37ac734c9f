"""What many test modules share: one fast politeness, and one sandbox per set of arguments.

``tests/conftest.py`` puts this folder on ``sys.path`` and exposes both as fixtures (``fast``,
``sandbox_factory``); modules that need them at import time (default arguments, module-scoped
fixtures) import them from here: ``from shared import fast_politeness, shared_sandbox``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from allhub_core.net import Politeness

#: No rate bucket, no log spacing, tiny backoffs: loopback sites need no politeness.
FAST = Politeness(per_site_rpm=0, log_spacing_ms=0, backoff_base=0.01, backoff_max=0.05, retry_after_max=0.2)

_SANDBOXES: dict[tuple, Any] = {}


def fast_politeness(**overrides: Any) -> Politeness:
    """The shared fast politeness, with a module's own overrides (e.g. ``retries=0``)."""
    return dataclasses.replace(FAST, **overrides) if overrides else FAST


def shared_sandbox(**kwargs: Any):
    """One running sandbox per distinct set of ``start_sandbox`` arguments, for the whole session.

    Modules asking for the same sites get the same sandbox; each is reset before it is handed
    out again (faults and recordings cleared); ``stop_all`` (the fixture's teardown) stops them.
    """
    from allhub_core.sandbox import start_sandbox

    key = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in kwargs.items()))
    entry = _SANDBOXES.get(key)
    if entry is None:
        ctx = start_sandbox(**kwargs)
        sandbox = ctx.__enter__()
        _SANDBOXES[key] = entry = (ctx, sandbox)
    else:
        for site in entry[1].sites:
            site.reset()
    return entry[1]


def stop_all() -> None:
    while _SANDBOXES:
        _, (ctx, _sb) = _SANDBOXES.popitem()
        ctx.__exit__(None, None, None)
