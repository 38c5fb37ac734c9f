"""The sites' requests through httpx (net/_client.py) over real loopback connections: TLS with a
certificate that is and is not trusted (``SSL_CERT_FILE`` as httpx reads it), a gzip body, a
server that drops idle connections, a proxy named by the environment and ``NO_PROXY``.

Each server here is a small threaded ``http.server`` that records what it saw.
"""

from __future__ import annotations

import asyncio
import datetime
import gzip
import http.server
import importlib.util
import ipaddress
import json
import socket
import ssl
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from shared import fast_politeness

from allhub_core.net import NetworkError, Transport

FAST = fast_politeness(read_timeout=3.0, connect_timeout=2.0)


class Recorder(http.server.BaseHTTPRequestHandler):
    """Answers every GET with a JSON envelope; ``/gzip`` gzips it; ``/drop`` answers and then
    closes the connection without saying so (as a server whose keep-alive ran out)."""

    protocol_version = "HTTP/1.1"
    seen: list[tuple[str, int]]  # (request line target, client port), set per server

    def do_GET(self) -> None:  # http.server's name
        self.seen.append((self.path, self.client_address[1]))
        body = json.dumps({"success": True, "message": "", "data": {"path": self.path}}).encode()
        headers = {"Content-Type": "application/json"}
        if self.path.endswith("/gzip"):
            body, headers["Content-Encoding"] = gzip.compress(body), "gzip"
        elif self.path.endswith("/badgzip"):
            body, headers["Content-Encoding"] = b"not gzip at all", "gzip"
        self.send_response(200)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        if self.path.endswith("/drop"):
            self.close_connection = True

    def log_message(self, *args: object) -> None:
        pass


def serve(tls: ssl.SSLContext | None = None):
    seen: list[tuple[str, int]] = []
    handler = type("Handler", (Recorder,), {"seen": seen})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, seen


@pytest.fixture(scope="module")
def cert(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (not in any trust store)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                                  critical=False)
                   .sign(key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.fixture
def tls_server(cert):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(*cert)
    server, seen = serve(ctx)
    yield f"https://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()


@pytest.fixture
def plain_server():
    server, seen = serve()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()


def get_all(politeness, url: str, paths: list[str], gap_s: float = 0.0):
    async def main():
        replies = []
        async with Transport.open(politeness) as t:
            session = t.session(url)
            for path in paths:
                replies.append(await session.get(path))
                await asyncio.sleep(gap_s)
        return replies

    return asyncio.run(main())


def test_an_untrusted_certificate_is_a_tls_error_and_nothing_is_asked(tls_server):
    url, seen = tls_server
    with pytest.raises(NetworkError) as info:
        get_all(FAST, url, ["/api/user/self"])
    assert info.value.kind == "tls"
    assert "certificate verify failed" in str(info.value)
    assert seen == []  # the handshake failed before any request was sent


def test_tls_without_verification_answers_on_one_kept_alive_connection(tls_server):
    url, seen = tls_server
    replies = get_all(fast_politeness(verify_tls=False), url, ["/api/status", "/api/user/self", "/api/x/gzip"])
    assert [r.envelope()["path"] for r in replies] == ["/api/status", "/api/user/self", "/api/x/gzip"]
    assert len({port for _, port in seen}) == 1  # one TLS connection, reused


def test_a_gzip_body_is_decoded(plain_server):
    url, _ = plain_server
    (reply,) = get_all(FAST, url, ["/api/log/gzip"])
    assert reply.envelope() == {"path": "/api/log/gzip"}


def test_a_damaged_gzip_body_is_one_sentence(plain_server):
    url, _ = plain_server
    with pytest.raises(NetworkError) as info:
        get_all(fast_politeness(retries=0), url, ["/api/user/badgzip"])
    assert str(info.value) == "The site's answer could not be read (the gzip body could not be decoded)."


def test_a_connection_the_server_dropped_is_not_reused(plain_server):
    """The server closes each connection after answering ``/drop``; the next request must go
    out on a new connection instead of failing on the dead one."""
    url, seen = plain_server
    replies = get_all(fast_politeness(retries=0), url, ["/a/drop", "/b/drop", "/c"], gap_s=0.05)
    assert [r.envelope()["path"] for r in replies] == ["/a/drop", "/b/drop", "/c"]
    assert len({port for _, port in seen}) == 3


def test_a_closed_port_is_a_connect_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound but not listening: connections are refused
        with pytest.raises(NetworkError) as info:
            get_all(fast_politeness(retries=0), f"http://127.0.0.1:{port}", ["/api/status"])
    assert info.value.kind == "connect"


def test_the_proxy_the_environment_names_is_used_and_no_proxy_is_honoured(plain_server, monkeypatch):
    proxy_url, proxy_seen = plain_server  # answers any request, so it stands in for a forward proxy
    monkeypatch.setenv("HTTP_PROXY", proxy_url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    (reply,) = get_all(FAST, "http://relay.example.invalid", ["/api/status"])
    # A forward proxy is asked for the absolute address; the site itself does not resolve.
    assert proxy_seen == [("http://relay.example.invalid/api/status", proxy_seen[0][1])]
    assert reply.envelope() == {"path": "http://relay.example.invalid/api/status"}

    monkeypatch.setenv("NO_PROXY", "relay.example.invalid")
    with pytest.raises(NetworkError) as info:
        get_all(fast_politeness(retries=0), "http://relay.example.invalid", ["/api/status"])
    assert info.value.kind == "dns"
    assert len(proxy_seen) == 1


@pytest.mark.parametrize("proxy, words", [
    ("ftp://127.0.0.1:1", "not an http, https or socks5 proxy address"),
    ("socks5://user:pw-SECRET@127.0.0.1:1", "socksio"),
])
def test_a_proxy_we_cannot_use_is_one_sentence_without_its_password(proxy, words, monkeypatch):
    if "socks" in proxy:
        assert importlib.util.find_spec("socksio") is None  # the case this test is about
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    with pytest.raises(NetworkError) as info:
        get_all(fast_politeness(retries=0), "http://relay.example.invalid", ["/api/status"])
    message = str(info.value)
    assert message.startswith("Could not reach the site through the proxy set in the environment")
    assert words in message and "pw-SECRET" not in message
    assert message.count(".") <= 2 and "\n" not in message


def test_query_parameters_are_encoded_as_httpx_encodes_them(plain_server):
    url, seen = plain_server

    async def main():
        async with Transport.open(FAST) as t:
            session = t.session(url)
            await session.get("/api/log/self?fixed=a-b", params=[("p", 1), ("token_name", ""),
                                                                  ("model_name", "gpt 4o/mini & co"),
                                                                  ("note", "日本"), ("flag", True)])
            await session.get("/api/user/checkin", params={"month": "2026-12"})

    asyncio.run(main())
    assert [path for path, _ in seen] == [
        "/api/log/self?fixed=a-b&p=1&token_name=&model_name=gpt+4o%2Fmini+%26+co"
        "&note=%E6%97%A5%E6%9C%AC&flag=true",
        "/api/user/checkin?month=2026-12",
    ]


def test_the_trust_store_ssl_cert_file_names_is_used(tls_server, cert, monkeypatch):
    """With verification on, a certificate no store trusts is refused (above); named by
    ``SSL_CERT_FILE`` it is trusted, as httpx's ``trust_env`` reads it."""
    url, seen = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(cert[0]))
    (reply,) = get_all(FAST, url, ["/api/user/self"])
    assert reply.envelope() == {"path": "/api/user/self"} and len(seen) == 1


def test_a_trust_store_that_cannot_be_read_is_one_sentence(plain_server, tmp_path, monkeypatch):
    url, seen = plain_server
    (tmp_path / "not-a-cert.pem").write_text("no certificate here")
    for named in (tmp_path / "missing.pem", tmp_path / "not-a-cert.pem"):
        monkeypatch.setenv("SSL_CERT_FILE", str(named))
        with pytest.raises(NetworkError) as info:
            get_all(FAST, url, ["/api/status"])
        assert str(info.value) == "The trust store that SSL_CERT_FILE or SSL_CERT_DIR names could not be read."
        assert info.value.kind == "tls"
    assert seen == []


def test_importing_the_network_layer_does_not_import_httpx():
    """httpx (~0.1 s) loads with the first request: a command that sends none does not pay for it."""
    code = ("import sys, allhub_core.net, allhub_core.sites; "
            "sys.exit(sorted(m for m in ('httpx', 'httpcore') if m in sys.modules) or None)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
