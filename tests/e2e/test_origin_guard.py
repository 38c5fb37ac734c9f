"""Only the dashboard's own page may drive it: WebSocket and Host/Origin checks on the real server.

The dashboards here are started exactly as a user starts them: the command line of ``make run``
(read from ``make -n``) and the ``allhub demo`` command. A page served by another local dev server
(another port on 127.0.0.1/localhost) must not be able to open the dashboard's socket, read the
Accounts page or press its buttons; a request naming another Host must not be answered; and a
refused origin must not make the server look up the machine's external IP (an outbound request).

The server runs with every proxy variable pointing at a listener owned by this module: any HTTP
request it makes (Streamlit's external-IP lookup uses ``requests``, which honours them) lands
there, so "no outbound request" is observed, not assumed.
"""

from __future__ import annotations

import base64
import http.client
import http.server
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import websockets
from playwright.sync_api import Page
from websockets.sync.client import connect

from allhub_core.accounts import AccountInput, add_account
from allhub_core.store import Store

ROOT = Path(__file__).resolve().parent.parent.parent
VICTIM = "Victim Relay 7Qx"   # an account name only the Accounts page shows


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ProxyTrap:
    """A TCP listener standing in for every proxy: it records each connection's first line."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.seen: list[str] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    self.seen.append(conn.recv(4096).split(b"\r\n", 1)[0].decode("latin-1"))
                    conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                except OSError:
                    self.seen.append("<connection>")

    def env(self) -> dict[str, str]:
        names = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
        return {**{n: self.url for n in names}, "NO_PROXY": "", "no_proxy": ""}

    def close(self):
        self.sock.close()


class Served:
    """A dashboard started from a real command line, in its own process group, logging to a file."""

    def __init__(self, argv: list[str], port: int, env: dict[str, str], log: Path, timeout: float = 60):
        self.port = port
        self.log = log
        self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + timeout
        while status(port, "GET", "/_stcore/health") != 200:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the dashboard did not start: {argv}\n{self.log_text()}")
            time.sleep(0.3)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        # The whole group: `allhub demo` runs the dashboard as its own child.
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)


def status(port: int, method: str, path: str, headers: dict[str, str] | None = None) -> int | None:
    """Status of one plain HTTP request to 127.0.0.1:port (None when nothing answers)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request(method, path, headers=headers or {})
        return conn.getresponse().status
    except OSError:
        return None
    finally:
        conn.close()


def handshake(port: int, origin: str | None, host: str | None = None) -> int:
    """Status of a raw WebSocket upgrade of /_stcore/stream (101 = the socket is open)."""
    lines = ["GET /_stcore/stream HTTP/1.1", f"Host: {host or f'127.0.0.1:{port}'}", "Upgrade: websocket",
             "Connection: Upgrade", f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}",
             "Sec-WebSocket-Version: 13", "Sec-WebSocket-Protocol: streamlit"]
    if origin is not None:
        lines.append(f"Origin: {origin}")
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        return int(s.recv(4096).split(b" ", 2)[1])


def read_accounts_page(port: int, origin: str, host: str = "127.0.0.1") -> bytes:
    """Drive the dashboard as its own page does: open the socket, run the script, collect the page."""
    from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: PLC0415 - streamlit internals, only this test speaks its protocol
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: PLC0415

    with connect(f"ws://{host}:{port}/_stcore/stream", origin=origin, subprotocols=["streamlit"], proxy=None,
                 open_timeout=10, max_size=None) as ws:
        back = BackMsg()
        back.rerun_script.query_string = ""
        back.rerun_script.page_name = "accounts"  # the Accounts page (the default page is Overview)
        ws.send(back.SerializeToString())
        received = b""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            data = ws.recv(timeout=deadline - time.monotonic())
            received += data
            msg = ForwardMsg()
            msg.ParseFromString(data)
            # (a first visit of a fresh server reruns once through app.py: read on to the real end)
            if msg.WhichOneof("type") == "script_finished" and msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                return received
        raise AssertionError("the script run did not finish")


def _seed(db: Path) -> None:
    add_account(Store(db), AccountInput(site_url="https://victim.example.com", site_name=VICTIM,
                                        site_type="new-api", user_id="1", access_token="tok-victim"))


def make_run_argv(port: int) -> list[str]:
    """The dashboard command `make run PORT=port` runs (without its install prerequisite)."""
    out = subprocess.run(["make", "-s", "-n", "-o", ".venv/.installed", "run", f"PORT={port}"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    lines = [line for line in out.splitlines() if " run " in line]
    assert len(lines) == 1, out
    return shlex.split(lines[0])


# ---- fixtures ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def trap():
    t = ProxyTrap()
    yield t
    t.close()


@pytest.fixture(scope="module")
def served(trap, tmp_path_factory):
    """`make run` on a free port, over a seeded database, every proxy pointing at the trap."""
    tmp = tmp_path_factory.mktemp("origin")
    db = tmp / "allhub.duckdb"
    _seed(db)
    port = _free_port()
    env = {**os.environ, "ALLHUB_DB": str(db), **trap.env()}
    env.pop("ALLHUB_SECRET_KEY", None)
    d = Served(make_run_argv(port), port, env, tmp / "dashboard.log")
    yield d
    d.stop()


@pytest.fixture(scope="module")
def other_site():
    """Another local dev server: a page on another 127.0.0.1 port."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):
            body = b"<!doctype html><title>another local app</title><p>hello</p>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv.server_address[1]
    srv.shutdown()
    srv.server_close()


# ---- the WebSocket -----------------------------------------------------------------------------
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_own_origin_opens_the_socket_and_reads_the_accounts_page(served, host):
    page = read_accounts_page(served.port, f"http://{host}:{served.port}", host=host)
    assert VICTIM.encode() in page


@pytest.mark.parametrize("origin", [
    "http://127.0.0.1:{other}", "http://localhost:{other}",   # another local dev server
    "https://127.0.0.1:{port}",                                # same host and port, other scheme
    "http://evil.example", "http://evil.example:{port}", "null", "http://127.0.0.1", "http://localhost",
])
def test_a_foreign_origin_cannot_open_the_socket(served, origin):
    origin = origin.format(other=_free_port(), port=served.port)
    with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
        read_accounts_page(served.port, origin)
    assert refused.value.response.status_code == 403
    assert handshake(served.port, origin) == 403


def test_a_websocket_without_origin_or_with_a_foreign_host_is_refused(served):
    own = f"http://127.0.0.1:{served.port}"
    assert handshake(served.port, own) == 101
    assert handshake(served.port, None) == 403
    assert handshake(served.port, own, host=f"evil.example:{served.port}") == 403
    assert handshake(served.port, own, host=f"127.0.0.1:{_free_port()}") == 403


def test_a_page_on_another_local_port_cannot_open_the_socket_in_a_real_browser(page: Page, served, other_site):
    page.goto(f"http://127.0.0.1:{other_site}/")
    outcome = page.evaluate("""url => new Promise(done => {
        const ws = new WebSocket(url, ["streamlit"]);
        ws.onopen = () => { ws.close(); done("open"); };
        ws.onerror = () => done("refused");
        setTimeout(() => done("timeout"), 10000);
    })""", f"ws://127.0.0.1:{served.port}/_stcore/stream")
    assert outcome == "refused"


# ---- plain HTTP --------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/", "/_stcore/health", "/_stcore/host-config", "/accounts"])
def test_plain_http_answers_only_the_dashboards_own_host(served, path):
    assert status(served.port, "GET", path) == 200
    assert status(served.port, "GET", path, {"Host": f"localhost:{served.port}"}) == 200
    for host in ("evil.example", f"evil.example:{served.port}", f"127.0.0.1.evil.example:{served.port}"):
        assert status(served.port, "GET", path, {"Host": host}) in (400, 403), host


def test_requests_from_a_foreign_origin_are_refused(served):
    other = f"http://127.0.0.1:{_free_port()}"
    assert status(served.port, "GET", "/_stcore/health", {"Origin": other}) == 403
    assert status(served.port, "OPTIONS", "/_stcore/upload_file/s/f", {"Origin": other}) == 403
    assert status(served.port, "PUT", "/_stcore/upload_file/s/f", {"Origin": other, "Content-Length": "0"}) == 403
    assert status(served.port, "GET", "/_stcore/health", {"Origin": f"http://127.0.0.1:{served.port}"}) == 200


# ---- no outbound request -----------------------------------------------------------------------
def test_a_refused_origin_makes_no_outbound_request(served, trap):
    for origin in ("http://evil.example", "null", f"http://evil.example:{served.port}"):
        with pytest.raises(websockets.exceptions.InvalidStatus):
            read_accounts_page(served.port, origin)
    read_accounts_page(served.port, f"http://localhost:{served.port}")
    time.sleep(1.5)  # Streamlit's lookup times out after 1 s per URL
    assert trap.seen == [], f"the dashboard tried outbound requests: {trap.seen}"
    assert "external IP" not in served.log_text()


def test_the_launcher_disables_the_external_ip_lookup(trap):
    """Even a code path the guard does not cover cannot reach checkip: the lookup is off."""
    code = ("import serve, streamlit.net_util as n; "
            "print(repr(n.get_external_ip()))")
    before = len(trap.seen)
    out = subprocess.run([sys.executable, "-c", code], check=False, cwd=ROOT, env={**os.environ, **trap.env()},
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "None"
    assert trap.seen[before:] == []


# ---- the demo's dashboard ----------------------------------------------------------------------
def test_the_demo_dashboard_refuses_another_local_port(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("ALLHUB_DB", "ALLHUB_SECRET_KEY")}
    d = Served([sys.executable, "-m", "allhub_core", "demo", "--port", str(port), "--demo-db",
                str(tmp_path / "demo.duckdb")], port, env, tmp_path / "demo.log", timeout=120)
    try:
        assert handshake(port, f"http://127.0.0.1:{_free_port()}") == 403
        assert handshake(port, f"http://localhost:{_free_port()}") == 403
        assert handshake(port, f"http://127.0.0.1:{port}") == 101
        assert status(port, "GET", "/", {"Host": "evil.example"}) in (400, 403)
    finally:
        d.stop()
