"""What the sites' path builds once (issue 18): a thread's TLS context (loading a trust store costs
~30 ms a build; ``account add`` asks the site in two batches), and httpx without its
command-line client."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading

import certifi

from allhub_core.net import _client


def test_a_thread_builds_its_tls_context_once_per_trust_store(tmp_path, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    first = _client.tls_context(True)
    assert _client.tls_context(True) is first
    assert _client.tls_context(False) is not first
    assert _client.tls_context(True) is first  # the other setting did not push it out

    other: list = []
    worker = threading.Thread(target=lambda: other.append(_client.tls_context(True)))
    worker.start()
    worker.join()
    assert other[0] is not first  # never shared across threads (httpcore sets its ALPN per connection)

    bundle = tmp_path / "bundle.pem"
    shutil.copyfile(certifi.where(), bundle)
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    named = _client.tls_context(True)
    assert named is not first and _client.tls_context(True) is named
    stat = bundle.stat()
    os.utime(bundle, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # the file was replaced
    assert _client.tls_context(True) is not named


_CLI_CHECK = """
import importlib.util, sys
import allhub_core.net._client
assert "httpx" in sys.modules
loaded = [m for m in ("httpx._main", "rich", "click", "pygments") if m in sys.modules]
assert not loaded, loaded
if all(importlib.util.find_spec(m) for m in ("click", "rich", "pygments")):
    import httpx._main  # asked for by name later, it loads as usual
    assert callable(httpx._main.main)
"""


def test_httpx_loads_without_its_command_line_client():
    done = subprocess.run([sys.executable, "-c", _CLI_CHECK], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_only_a_client_that_may_speak_tls_gets_the_trust_store(monkeypatch):
    """A plain http:// site reached directly never opens TLS: its client skips loading the trust
    store. An https:// site, a proxy or a trust store the environment names keep the full context."""
    for name in ("SSL_CERT_FILE", "SSL_CERT_DIR", "http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY",
                 "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    assert not _client.needs_trust_store("http://127.0.0.1:8080")
    assert _client.needs_trust_store("https://relay.example")
    monkeypatch.setenv("HTTPS_PROXY", "https://proxy.example:3128")
    assert _client.needs_trust_store("http://127.0.0.1:8080")
    monkeypatch.delenv("HTTPS_PROXY")
    monkeypatch.setenv("SSL_CERT_FILE", certifi.where())
    assert _client.needs_trust_store("http://127.0.0.1:8080")
    assert _client.no_tls_context().verify_mode.name == "CERT_REQUIRED"
