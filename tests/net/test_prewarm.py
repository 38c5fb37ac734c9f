"""``net.prewarm``: the HTTP client imported and a TLS context built in a thread while a command
opens the store. The context built ahead is the one httpx would build (same checks, same trust
store), goes to one thread only, and a command that never asks for it loses nothing. Each case
runs in a fresh interpreter: the thread only starts where httpx is not imported yet."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str) -> dict:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_context_built_ahead_is_httpx_s_and_goes_to_one_thread():
    out = _run("""
        import json, ssl, sys, threading
        from allhub_core import net
        net.prewarm()
        from allhub_core.net import _client, _prewarm
        _prewarm._thread.join()
        ahead = next(iter(_prewarm._ready.values()))
        mine = _client.tls_context(True)
        again = _client.tls_context(True)  # this thread's own, kept
        other = []
        t = threading.Thread(target=lambda: other.append(_client.tls_context(True)))
        t.start(); t.join()
        fresh = _client.build_tls_context(True)  # what a command without the thread builds
        def facts(c):
            return [c.verify_mode == ssl.CERT_REQUIRED, c.check_hostname, int(c.options), c.minimum_version.name,
                    len(c.get_ca_certs()) > 0 or bool(c.cert_store_stats()["x509_ca"])]
        print(json.dumps({"taken": mine is ahead, "kept": again is mine, "other_thread_own": other[0] is not mine,
                          "same_settings": facts(mine) == facts(fresh), "left": len(_prewarm._ready)}))
    """)
    assert out == {"taken": True, "kept": True, "other_thread_own": True, "same_settings": True, "left": 0}


def test_a_command_that_asks_no_site_starts_nothing():
    out = _run("""
        import json, sys, threading
        from allhub_core.cli import main
        main(["--db", "/nonexistent-folder/x.duckdb", "account", "list"])
        print(json.dumps({"httpx": "httpx" in sys.modules,
                          "thread": any(t.name == "allhub-prewarm" for t in threading.enumerate())}))
    """)
    assert out == {"httpx": False, "thread": False}


def test_refresh_starts_it_and_a_failed_command_still_says_why():
    out = _run("""
        import contextlib, io, json, sys
        from allhub_core.cli import main
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            code = main(["--db", "/nonexistent-folder/x.duckdb", "refresh", "1"])
        from allhub_core.net import _prewarm
        print(json.dumps({"code": code, "said": "nonexistent-folder" in err.getvalue(),
                          "started": _prewarm._thread is not None}))
    """)
    assert out == {"code": 2, "said": True, "started": True}
