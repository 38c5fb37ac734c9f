"""One simulated relay site: its state, its Python control surface and its ASGI app.

Each ``SandboxSite`` is served on its own port (its own origin). The ASGI entry
point reads the whole request, records it, applies latency and faults, then
routes to the dialect's handlers (``_newapi``, ``_checkin``, ``_tokens``,
``_sub2api``, ``_voapi_v2``). Admin routes under ``/__sandbox/`` are neither recorded nor
faulted. Handlers are synchronous and run under the site lock, so the Python API
may change state from the test thread while the server thread is serving.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from starlette.responses import JSONResponse, Response

from allhub_core.sandbox import _admin, _notices
from allhub_core.sandbox._data import (
    IdCounter,
    SandboxUser,
    seed_redemption_codes,
    seed_subscriptions,
    seed_user,
    site_models,
)
from allhub_core.sandbox._dialects import Dialect
from allhub_core.sandbox._faults import FaultSet, fault_response, make_fault
from allhub_core.sandbox._http import Reject, Req, not_found
from allhub_core.sandbox._recording import DEFAULT_REQUEST_LOG_CAP, RecordedRequest, Recorder, read_body

Handler = Callable[..., Response]

#: Every user-id header name a client may send (docs/site-api.md), lower-case.
USER_ID_HEADERS = ("new-api-user", "x-modelflare-user", "veloera-user", "x-api-user",
                   "voapi-user", "user-id", "rix-api-user", "neo-api-user")

JWT_TTL_S = 900  # Sub2API / modern New API access JWT lifetime (15 min)
VOAPI_V2_JWT_TTL_S = 30 * 86400  # VoAPI v2 dashboard JWT: long-lived, no refresh token


class SandboxSite:
    """A fake relay site of one dialect. Created by :func:`start_sandbox`."""

    def __init__(
        self, dialect: Dialect, *, index: int = 0, users: int = 3, seed: int = 1,
        latency_ms: int = 0, request_log_cap: int = DEFAULT_REQUEST_LOG_CAP,
    ) -> None:
        self.dialect = dialect.name
        self.site_type = dialect.site_type
        self.spec = dialect
        self.index = index
        """Index among the sites of the same dialect (0 = first)."""
        self.name = dialect.title if index == 0 else f"{dialect.title} {index + 1}"
        """``system_name`` / ``site_name`` the site announces (tests may change it; reset restores it)."""
        self._initial_name = self.name
        self.seed = seed
        self.url = ""
        """``http://HOST:PORT``, set when the sandbox binds the socket."""
        self.port = 0
        self.sink_url = ""
        self.latency_ms = latency_ms
        self.turnstile = False
        """Site-wide Turnstile: login and check-in answer "Turnstile token 为空"."""
        self.checkin_enabled = True
        self.checkin_message: str | None = None
        self.login_reward = 0
        """Quota the day's first password login credits (AgentRouter-like sites); 0 = none."""
        """When set, a successful check-in answers with this message instead of 签到成功 (hostile-text tests)."""
        self.faults = FaultSet()
        self._recorder = Recorder(request_log_cap)
        self.lock = threading.RLock()
        self._n_users = users
        self._initial_latency = latency_ms
        self._jwt_secret = f"sandbox-{seed}-{dialect.name}-{index}".encode()
        self._routes = self._build_routes()
        self._seed_state()

    def __repr__(self) -> str:
        return f"<SandboxSite {self.dialect} ({self.site_type}) {self.url or 'unbound'}>"

    # ----- state -------------------------------------------------------------------------

    def _seed_state(self) -> None:
        now = time.time()
        self.ids = IdCounter()
        self.users: list[SandboxUser] = [
            seed_user(seed=self.seed, dialect=self.dialect, site_index=self.index, index=i,
                      ids=self.ids, now=now)
            for i in range(self._n_users)
        ]
        self.redemption_codes: dict[str, int] = seed_redemption_codes(
            self.seed, self.dialect, self.index)
        """Unused codes -> quota; ``POST /api/user/topup`` consumes them."""
        self.used_codes: set[str] = set()
        self.jwts: dict[str, tuple[int, float]] = {}  # jwt -> (user id, expiry epoch s)
        self.refresh_tokens: dict[str, int] = {}  # refresh token -> user id
        self.sessions: dict[str, int] = {}
        self.models: list[str] = site_models(self.dialect, self.index)
        """The models the site sells (its model list and price list); ``change_models`` edits it."""
        self.notice: str = ""
        """New API family: what ``/api/notice`` answers (Markdown/HTML; ``_notices``)."""
        self.announcements: list[dict[str, Any]] = []
        """New API's structured announcements in ``/api/status``; Sub2API's announcement list."""
        self.announcements_enabled = True
        self.announcement_reads: dict[int, set[str]] = {}
        """Sub2API: which announcements each user marked read on the site (user id -> ids)."""
        for i, u in enumerate(self.users):
            self._index_user(u)
            if self.spec.subscriptions:
                seed_subscriptions(u, i, now)

    def _index_user(self, u: SandboxUser) -> None:
        self.sessions[u.session] = u.id
        if self.spec.family == "sub2api":
            self.issue_jwt(u)
        if self.spec.family == "voapi-v2":
            self.issue_jwt(u, ttl=VOAPI_V2_JWT_TTL_S)
        if self.spec.family == "sub2api" or self.spec.modern_auth:
            self.issue_refresh_token(u)

    def user(self, key: int | str) -> SandboxUser:
        """A user by id or username."""
        for u in self.users:
            if u.id == key or u.username == key or str(u.id) == str(key):
                return u
        raise KeyError(key)

    def user_by_pat(self, token: str) -> SandboxUser | None:
        if self.spec.family in ("sub2api", "voapi-v2"):
            return None
        for u in self.users:
            if u.access_token == token:
                return u
        return None

    def user_by_session(self, sid: str | None) -> SandboxUser | None:
        uid = self.sessions.get(sid or "")
        return self._maybe_user(uid)

    def user_by_jwt(self, token: str) -> tuple[SandboxUser | None, bool]:
        """(user, expired) for an access JWT this site issued."""
        entry = self.jwts.get(token)
        if entry is None:
            return None, False
        return self._maybe_user(entry[0]), entry[1] <= time.time()

    def _maybe_user(self, uid: int | None) -> SandboxUser | None:
        if uid is None:
            return None
        for u in self.users:
            if u.id == uid:
                return u
        return None

    def rotate_access_token(self, u: SandboxUser) -> str:
        """New PAT for ``u``; the previous one stops working (``GET /api/user/token``)."""
        u.access_token = secrets.token_urlsafe(24)[:32]
        return u.access_token

    def new_session(self, u: SandboxUser) -> str:
        sid = secrets.token_urlsafe(30)
        self.sessions[sid] = u.id
        return sid

    def issue_jwt(self, u: SandboxUser, ttl: float | None = None) -> str:
        """A short-lived access JWT (Sub2API; modern New API dashboard token)."""
        now = time.time()
        exp = now + (JWT_TTL_S if ttl is None else ttl)
        def b64(obj: dict) -> str:
            raw = json.dumps(obj, separators=(",", ":")).encode()
            return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
        head = b64({"alg": "HS256", "typ": "JWT"})
        payload = b64({"user_id": u.id, "userId": u.id, "username": u.username,
                       "iat": int(now), "exp": int(exp), "jti": secrets.token_hex(8)})
        sig = hmac.new(self._jwt_secret, f"{head}.{payload}".encode(), hashlib.sha256).digest()
        token = f"{head}.{payload}.{base64.urlsafe_b64encode(sig).rstrip(b'=').decode()}"
        self.jwts[token] = (u.id, exp)
        if self.spec.family == "voapi-v2":
            u.access_token = token  # the dashboard JWT is the account's only credential
        if self.spec.family == "sub2api":
            u.access_token = token
            u.token_expires_at = int(exp * 1000)
        return token

    def issue_refresh_token(self, u: SandboxUser) -> str:
        """Rotate ``u``'s refresh token: the previous one becomes invalid."""
        self.refresh_tokens.pop(u.refresh_token, None)
        u.refresh_token = secrets.token_urlsafe(32)
        self.refresh_tokens[u.refresh_token] = u.id
        return u.refresh_token

    def expire_access_tokens(self, user_id: int | None = None) -> None:
        """Make every issued JWT (of one user, or all) expired, without waiting."""
        with self.lock:
            for tok, (uid, _exp) in list(self.jwts.items()):
                if user_id is None or uid == user_id:
                    self.jwts[tok] = (uid, time.time() - 1)
                    for u in self.users:
                        if u.id == uid and u.access_token == tok:
                            u.token_expires_at = int((time.time() - 1) * 1000)

    def add_user(self, *, two_factor: bool = False, turnstile: bool = False,
                 disabled: bool = False) -> SandboxUser:
        """Add a user (e.g. one that needs 2FA or Turnstile at login, or is banned)."""
        with self.lock:
            u = seed_user(seed=self.seed, dialect=self.dialect, site_index=self.index,
                          index=len(self.users), ids=self.ids, now=time.time())
            u.id = max(x.id for x in self.users) + 1 if self.users else u.id
            for row in u.logs:
                row.user_id = u.id
            for t in u.tokens:
                t.user_id = u.id
            u.two_factor, u.turnstile, u.disabled = two_factor, turnstile, disabled
            self.users.append(u)
            self._index_user(u)
            return u

    # ----- Python control surface -----------------------------------------------------

    def inject(self, kind: str, user_id: int | None = None, *, times: int | None = None,
               retry_after: int | float | None = None, ms: int | None = None,
               status: int | None = None, target: str | None = None, path: str | None = None,
               method: str | None = None, message: str | None = None, alter: str | None = None) -> None:
        """Add a fault (see ``FAULT_KINDS``); ``times=None`` = every matching request."""
        self.faults.add(make_fault(kind, user_id=user_id, times=times, retry_after=retry_after,
                                   ms=ms, status=status, target=target, path=path,
                                   method=method, message=message, alter=alter))

    def change_models(self, add: Iterable[str] = (), remove: Iterable[str] = ()) -> list[str]:
        """Sell new models or stop selling some (a model list that changes between two syncs);
        the models now sold. A new model not in the catalog is priced at ratio 1."""
        with self.lock:
            gone = {str(m) for m in remove}
            self.models = [m for m in self.models if m not in gone]
            self.models += [str(m) for m in add if str(m) and str(m) not in self.models]
            return list(self.models)

    def clear_faults(self) -> None:
        self.faults.clear()

    def set_latency(self, ms: int) -> None:
        """Delay applied to every (non-admin) response of this site."""
        self.latency_ms = int(ms)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Requests received so far, oldest first (capped)."""
        return self._recorder.list()

    def clear_requests(self) -> None:
        self._recorder.clear()

    def reset(self) -> None:
        """Clear faults and requests, and restore the seeded data (quota, keys, logs,
        check-ins, credentials) in place, so existing ``SandboxUser`` objects stay valid."""
        with self.lock:
            self.faults.clear()
            self._recorder.clear()
            old = {u.id: u for u in self.users}
            self._seed_state()
            for i, fresh in enumerate(self.users):
                if fresh.id in old:
                    old[fresh.id].__dict__.update(fresh.__dict__)
                    self.users[i] = old[fresh.id]
            self.latency_ms = self._initial_latency
            self.turnstile = False
            self.checkin_enabled = True
            self.checkin_message = None
            self.login_reward = 0
            self.name = self._initial_name

    def info(self) -> dict[str, Any]:
        """Plain description: dialect, type, url and seeded credentials."""
        with self.lock:
            return {
                "dialect": self.dialect, "site_type": self.site_type, "name": self.name,
                "url": self.url, "user_id_header": self.spec.user_id_header,
                "default_auth": self.spec.default_auth,
                "redemption_codes": sorted(set(self.redemption_codes) - self.used_codes),
                "users": [self._user_info(u) for u in self.users],
            }

    @staticmethod
    def _user_info(u: SandboxUser) -> dict[str, Any]:
        return {"id": u.id, "username": u.username, "password": u.password,
                "access_token": u.access_token, "cookie": u.cookie,
                "refresh_token": u.refresh_token or None, "quota": u.quota,
                "balance_usd": u.balance_usd, "two_factor": u.two_factor,
                "turnstile": u.turnstile, "disabled": u.disabled}

    # ----- HTTP ---------------------------------------------------------------------------

    def _build_routes(self) -> list[tuple[str, re.Pattern[str], Handler]]:
        from allhub_core.sandbox import (  # noqa: PLC0415 - the route modules import this one
            _checkin,
            _newapi,
            _sub2api,
            _tokens,
            _voapi_v2,
        )

        if self.spec.family == "sub2api":
            table = _sub2api.routes(self.spec) + _notices.sub2api_routes()
        elif self.spec.family == "voapi-v2":
            table = _voapi_v2.routes()
        else:
            table = _notices.with_status_announcements(
                _newapi.routes(self.spec) + _tokens.routes(self.spec) + _checkin.routes(self.spec))
        return [(m, re.compile(f"^{p}$"), h) for m, p, h in table]

    def identify(self, req: Req) -> int | None:
        """Best-effort user of a request, for user-scoped faults and the request log."""
        with self.lock:
            auth = req.headers.get("authorization", "")
            token = auth[7:].strip() if auth[:7].lower() == "bearer " else auth.strip()
            if token:
                u = self.user_by_pat(token) or self.user_by_jwt(token)[0]
                if u:
                    return u.id
            u = self.user_by_session(req.cookies.get("session"))
            if u:
                return u.id
            for name in USER_ID_HEADERS:
                v = req.headers.get(name, "")
                if v.strip().isdigit():
                    return int(v)
        return None

    def dispatch(self, req: Req) -> Response:
        path = req.path.rstrip("/") or "/"
        allowed = False
        for method, pattern, handler in self._routes:
            m = pattern.match(path)
            if not m:
                continue
            if method != req.method:
                allowed = True
                continue
            with self.lock:
                try:
                    return handler(self, req, **m.groupdict())
                except Reject as r:
                    return r.response
                except (ValueError, TypeError, KeyError, AttributeError) as exc:
                    # A malformed request body should not become an opaque uvicorn 500.
                    return JSONResponse({"success": False, "message": f"sandbox: bad request ({exc})"}, 400)
        if allowed:
            return Response("405 method not allowed", status_code=405, media_type="text/plain")
        return not_found()

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            return
        req = Req.from_scope(scope, await read_body(receive))
        if req.path.startswith("/__sandbox/"):
            response = _admin.handle(self, req)
            await response(scope, receive, send)
            return
        user_id = self.identify(req)
        rec = self._recorder.add(req, user_id)
        delay, fault = self.faults.take(req, user_id)
        delay += self.latency_ms
        if delay > 0:
            await asyncio.sleep(delay / 1000)
        if fault is not None:
            rec.fault = fault.kind
            response = fault_response(fault, req, family=self.spec.family,
                                      modern=self.spec.modern_auth, sink_url=self.sink_url)
        else:
            response = self.dispatch(req)
        rec.status = response.status_code
        await response(scope, receive, send)
