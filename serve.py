"""The dashboard's launcher: `streamlit run serve.py` (what `make run` and `allhub demo` start).

It serves app.py through ``st.App`` with one guard in front of every Streamlit route, so only the
dashboard's own page can drive it. Streamlit 1.67 on its own accepts a WebSocket whose Origin host
is localhost or 127.0.0.1 on *any* port (``server_util.is_url_from_allowed_origins`` compares host
names only, and ``server.corsAllowedOrigins`` cannot narrow that), and answers plain HTTP for any
Host (``server.allowedHosts`` is checked on the WebSocket only). So a page of another local dev
server could open the socket, read the Accounts page and press its buttons. The guard answers
before any route, session or page code:

* the Host header must be ``127.0.0.1:PORT`` or ``localhost:PORT`` (PORT: the port this server
  listens on), on every request: DNS-rebinding protection for plain HTTP too;
* a WebSocket must carry the dashboard's own Origin, ``http://127.0.0.1:PORT`` or
  ``http://localhost:PORT`` (scheme, host and port);
* an HTTP request carrying any other Origin is refused, and so is one that may change state
  (not GET/HEAD/OPTIONS: uploads) without an Origin.

Refused requests get 403. Streamlit's external-IP lookup (an HTTP request to checkip.amazonaws.com,
made for an unknown Origin or for the start-up banner) is switched off as well: the dashboard makes
no request except to the user's own sites.
"""

from __future__ import annotations

import streamlit as st
from starlette.middleware import Middleware
from streamlit import config, net_util
from streamlit.logger import get_logger

from pages._ui import navigation_only

_LOGGER = get_logger("allhub.serve")
LOCAL_HOSTS = ("127.0.0.1", "localhost")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _no_external_ip_lookup() -> None:
    return None


if not hasattr(net_util, "get_external_ip"):  # a Streamlit upgrade moved it: look again
    raise RuntimeError("streamlit.net_util.get_external_ip is gone: check how Streamlit finds the external IP")
net_util.get_external_ip = _no_external_ip_lookup


def refusal(scope: dict) -> str | None:
    """Why this request must not reach Streamlit, or None when it is the dashboard's own."""
    server = scope.get("server")
    port = server[1] if server and server[1] else config.get_option("server.port")
    headers: dict[bytes, list[str]] = {}
    for name, value in scope.get("headers", ()):
        headers.setdefault(name, []).append(value.decode("latin-1"))
    hosts, origins = headers.get(b"host", []), headers.get(b"origin", [])
    if len(hosts) != 1 or hosts[0].lower() not in {f"{h}:{port}" for h in LOCAL_HOSTS}:
        return f"Host {hosts!r}"
    if len(origins) > 1 or (origins and origins[0].lower() not in {f"http://{h}:{port}" for h in LOCAL_HOSTS}):
        return f"Origin {origins!r}"
    if not origins and (scope["type"] == "websocket" or scope.get("method") not in SAFE_METHODS):
        return "no Origin"
    return None


class OriginGuard:
    """ASGI middleware: refuse (403) what ``refusal`` names, before Streamlit sees it."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        reason = refusal(scope) if scope["type"] in ("http", "websocket") else None
        if reason is None:
            await self.app(scope, receive, send)
            return
        _LOGGER.warning("Refused a %s request for %s: %s", scope["type"], scope.get("path"), reason)
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})  # before accept: the server answers 403
            return
        body = b"Forbidden: only the dashboard's own page (http://127.0.0.1:PORT) may use it.\n"
        await send({"type": "http.response.start", "status": 403,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


navigation_only()  # every run through app.py's st.navigation, the first one of the server too
app = st.App("app.py", middleware=[Middleware(OriginGuard)])

if __name__ == "__main__":
    app.run()
