"""A made-up relay-site family, "Acme Relay", written only against the ``sites`` facade and
``site_kinds``, plus a tiny HTTP server that answers like one of its sites.

``tests/sites/test_test_family.py`` adds it with one call (``register_family(AcmeFamily())``)
and shows that allhub recognises, refreshes, checks in, imports and exports its accounts with no
other edit to ``allhub_core``: everything the shared code needs to know is on the family.

The site: ``GET /acme/v1/hello`` (anonymous) says ``{"acme": "relay"}``, the fingerprint;
``GET /acme/v1/me`` with ``Authorization: Bearer <token>`` gives the user and a USD balance;
``GET /acme/v1/checkin`` today's state; ``POST /acme/v1/checkin`` checks in once a day.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from allhub_core.net import Auth, HttpStatusError, SiteSession
from allhub_core.site_kinds import SiteKind
from allhub_core.sites import (
    BaseFamily,
    CheckInAttempt,
    RecognizeResult,
    RefreshResult,
    SiteCredentials,
    SiteStatus,
    StatusSource,
    TypedInput,
)
from allhub_core.vocab import QUOTA_PER_USD, CheckInResult, CheckInState, ExtraSiteType

ACME = "acme-relay"
ACME_CHECKIN = "acme-relay:daily-checkin"


@dataclass
class AcmeHandle:
    session: SiteSession
    rotated: dict[str, str] = field(default_factory=dict)


def _quota(usd: Any) -> int:
    return round(float(usd) * QUOTA_PER_USD)


class AcmeFamily(BaseFamily[AcmeHandle]):
    # The data the network-free rooms read too (accounts, the extension's import and export).
    kind = SiteKind(ACME, "Acme Relay", checkin_method=ACME_CHECKIN, refresh_auth="acmeAuth",
                    auto_default_key=False, names=("Acme",))
    site_type = ExtraSiteType(ACME, "Acme Relay")
    has_checkin = True
    checkin_methods = (ACME_CHECKIN,)
    detect_rank = 5
    probe_path = "/acme/v1/hello"

    def fingerprint(self, body: Any) -> bool:
        return isinstance(body, dict) and body.get("acme") == "relay"

    def open(self, session: SiteSession, creds: SiteCredentials) -> AcmeHandle:
        return AcmeHandle(session)

    async def _me(self, session: SiteSession) -> dict[str, Any]:
        return (await session.get("/acme/v1/me")).json_object()

    async def checkin_status(self, handle: AcmeHandle) -> str:
        body = (await handle.session.get("/acme/v1/checkin")).json_object()
        return CheckInState.CHECKED.value if body.get("checked_in_today") else CheckInState.NOT_CHECKED.value

    async def refresh(self, handle: AcmeHandle, *, status: StatusSource,
                      exchange_rate: float | None = None) -> RefreshResult:
        me = await self._me(handle.session)
        return RefreshResult(account_id="", ok=True, health_status="healthy", health_reason="",
                             quota=_quota(me["balance_usd"]), username=me["name"], user_id=str(me["id"]),
                             site_name="Acme Test Site", checkin_supported=True,
                             checkin_status=await self.checkin_status(handle), site_type=ACME)

    async def check_in(self, handle: AcmeHandle) -> CheckInAttempt:
        body = (await handle.session.post("/acme/v1/checkin", idempotent=False)).json_object()
        if body.get("ok"):
            return CheckInAttempt(CheckInResult.SUCCESS, "Checked in.", _quota(body["reward_usd"]))
        return CheckInAttempt(CheckInResult.ALREADY_CHECKED, "Already checked in today.")

    async def recognize(self, session: SiteSession, origin: str, status: SiteStatus | None,
                        typed: TypedInput) -> RecognizeResult:
        who = session.with_auth(Auth(access_token=typed.access_token))
        try:
            me = await self._me(who)
        except HttpStatusError:
            return RecognizeResult(ok=False, site_url=origin, site_type=ACME, message="The site rejected the token.")
        return RecognizeResult(ok=True, message="Recognised.", site_url=origin, site_type=ACME,
                               site_name="Acme Test Site", user_id=str(me["id"]), username=me["name"],
                               auth_type="access_token", access_token=typed.access_token, checkin_supported=True,
                               quota=_quota(me["balance_usd"]), health_status="healthy", health_reason="")


class AcmeSite:
    """One Acme Relay site on 127.0.0.1: one user (token ``acme-token``), a balance the test sets."""

    TOKEN = "acme-token-0123456789"

    def __init__(self) -> None:
        self.balance_usd = 12.5
        self.checked_in = False
        self.checkin_posts = 0
        site = self

        class Handler(BaseHTTPRequestHandler):
            def _send(self, status: int, body: Any, kind: str = "application/json") -> None:
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", kind)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _authorised(self) -> bool:
                return self.headers.get("authorization") == f"Bearer {site.TOKEN}"

            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                if path == "/":
                    self._send(200, "<html><title>Welcome</title></html>", "text/html")
                elif path == "/acme/v1/hello":
                    self._send(200, {"acme": "relay", "version": 1})
                elif path == "/acme/v1/me" and self._authorised():
                    self._send(200, {"id": 42, "name": "alice", "balance_usd": site.balance_usd})
                elif path == "/acme/v1/checkin" and self._authorised():
                    self._send(200, {"checked_in_today": site.checked_in})
                elif path.startswith("/acme/"):
                    self._send(401, {"error": "unauthorised"})
                else:
                    self._send(404, {"error": "not found"})

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length") or 0))
                if self.path == "/acme/v1/checkin" and self._authorised():
                    site.checkin_posts += 1
                    first, site.checked_in = not site.checked_in, True
                    if first:
                        site.balance_usd += 0.5
                    self._send(200, {"ok": first, "reward_usd": 0.5})
                else:
                    self._send(404, {"error": "not found"})

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
