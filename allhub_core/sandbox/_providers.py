"""Local fakes of the API providers a standalone credential points at, for the credential checks'
tests and ``allhub demo``: one small ASGI app per provider, each on its own port of 127.0.0.1,
all served by one uvicorn server in a thread (as the relay sites are, ``_server``).

Each fake answers like its provider for the calls a check makes: the model list, one balance
endpoint in the provider's own JSON shape, and a chat request (``max_tokens`` 1). A key it does
not know gets 401, an unknown path 404. The shapes:

==================  ==================  ==================================================================
fake                base URL            balance
==================  ==================  ==================================================================
``new-api``         ``URL``             ``GET /api/usage/token/`` (quota units, 500,000 a dollar)
``sub2api``         ``URL``             ``GET /v1/usage`` (``balance``, ``usage.total.cost``)
``openai``          ``URL``             ``GET /v1/dashboard/billing/subscription`` + ``/usage`` (cents)
``openrouter``      ``URL/api``         ``GET /api/v1/credits`` (``data.total_credits``, ``total_usage``)
``deepseek``        ``URL``             ``GET /user/balance`` (``balance_infos``, yuan)
``moonshot``        ``URL``             ``GET /v1/users/me/balance`` (``data.available_balance``)
``zhipu``           ``URL/api/paas/v4`` ``GET /api/biz/account/query-customer-account-report`` (yuan)
``anthropic``       ``URL``             none (``x-api-key``; ``/v1/models``, ``/v1/messages``)
``google``          ``URL``             none (``x-goog-api-key``; ``/v1beta/models``, ``:generateContent``)
``custom``          ``URL``             ``GET /me/quota`` (``{"quota": {"left": ..}}``, for a dotted path)
==================  ==================  ==================================================================

Nothing from ``allhub_core`` outside the sandbox is imported.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.responses import JSONResponse, Response

from allhub_core.sandbox._http import Req
from allhub_core.sandbox._recording import read_body
from allhub_core.sandbox._service import FakeServers

__all__ = ["PROVIDER_FAKES", "ProviderFake", "ProviderFakes", "start_provider_fakes"]

#: The fakes, with the base URL's path after the fake's address.
PROVIDER_FAKES = {"new-api": "", "sub2api": "", "openai": "", "openrouter": "/api", "deepseek": "",
                  "moonshot": "", "zhipu": "/api/paas/v4", "anthropic": "", "google": "", "custom": ""}

_MODELS = {"anthropic": ["claude-3-5-haiku-latest", "claude-sonnet-4-5"],
           "google": ["gemini-2.0-flash", "gemini-2.5-pro"],
           "deepseek": ["deepseek-chat", "deepseek-reasoner"], "moonshot": ["kimi-k2-0905-preview", "moonshot-v1-8k"],
           "zhipu": ["glm-4.5", "glm-4.5-air"], "openrouter": ["openai/gpt-4o-mini", "anthropic/claude-3.5-haiku"]}
_DEFAULT_MODELS = ["gpt-4o-mini", "gpt-4.1", "text-embedding-3-small"]


@dataclass
class Seen:
    """One request a fake received (headers lower-case)."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass
class ProviderFake:
    """One provider's fake: its keys (key -> balance in the provider's unit, used, granted), its
    models, what it received. ``base_url``: what a credential stores for it."""

    name: str
    url: str = ""
    port: int = 0
    keys: dict[str, dict[str, float]] = field(default_factory=dict)
    models: list[str] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def base_url(self) -> str:
        return self.url + PROVIDER_FAKES[self.name]

    @property
    def requests(self) -> list[Seen]:
        with self._lock:
            return list(self.seen)

    def clear_requests(self) -> None:
        with self._lock:
            self.seen.clear()

    def add_key(self, key: str, balance: float = 10.0, used: float = 0.0, granted: float | None = None) -> str:
        self.keys[key] = {"balance": balance, "used": used, "granted": balance + used if granted is None else granted}
        return key

    # ----- ASGI -----------------------------------------------------------------------------------

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            return
        req = Req.from_scope(scope, await read_body(receive))
        with self._lock:
            self.seen.append(Seen(req.method, req.path, req.query_string, dict(req.headers), req.body))
        await self._answer(req)(scope, receive, send)

    def _key(self, req: Req) -> str:
        for name in ("x-api-key", "x-goog-api-key"):
            if req.headers.get(name):
                return req.headers[name].strip()
        auth = req.headers.get("authorization", "").strip()
        return auth[7:].strip() if auth.lower().startswith("bearer ") else auth

    def _answer(self, req: Req) -> Response:
        figures = self.keys.get(self._key(req))
        if figures is None:
            return JSONResponse({"error": {"message": "Incorrect API key provided.", "type": "invalid_request_error"}},
                                status_code=401)
        route = (req.method, req.path)
        models = self.models or _MODELS.get(self.name, _DEFAULT_MODELS)
        base = PROVIDER_FAKES[self.name]
        if self.name == "google":
            if route == ("GET", "/v1beta/models"):
                return JSONResponse({"models": [{"name": f"models/{m}"} for m in models]})
            if req.method == "POST" and req.path.endswith(":generateContent"):
                return JSONResponse({"candidates": [{"content": {"parts": [{"text": "Hi"}]}}]})
        elif self.name == "zhipu" and route == ("GET", f"{base}/models"):
            return JSONResponse({"object": "list", "data": [{"id": m, "object": "model"} for m in models]})
        elif route == ("GET", f"{base}/v1/models"):
            return JSONResponse({"object": "list", "data": [{"id": m, "object": "model"} for m in models]})
        if req.method == "POST" and req.path in (f"{base}/v1/chat/completions", f"{base}/chat/completions"):
            body = req.json_object()
            return JSONResponse({"id": "chatcmpl-fake", "object": "chat.completion", "model": body.get("model"),
                                 "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi"},
                                              "finish_reason": "length"}],
                                 "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})
        if self.name == "anthropic" and route == ("POST", "/v1/messages"):
            return JSONResponse({"id": "msg_fake", "type": "message", "content": [{"type": "text", "text": "Hi"}],
                                 "stop_reason": "max_tokens", "usage": {"input_tokens": 1, "output_tokens": 1}})
        balance = self._balance(req, figures)
        return balance if balance is not None else JSONResponse({"error": {"message": "Not found"}}, status_code=404)

    def _balance(self, req: Req, f: dict[str, float]) -> Response | None:
        route = (req.method, req.path)
        if self.name == "new-api" and route == ("GET", "/api/usage/token/"):
            q = 500_000
            return JSONResponse({"code": True, "message": "ok", "data": {
                "object": "token_usage", "name": "fake", "total_granted": int(f["granted"] * q),
                "total_used": int(f["used"] * q), "total_available": int(f["balance"] * q),
                "unlimited_quota": False, "expires_at": 0}})
        if self.name == "sub2api" and route == ("GET", "/v1/usage"):
            return JSONResponse({"balance": f["balance"], "usage": {
                "today": {"cost": 0.12, "requests": 3, "prompt_tokens": 1200, "completion_tokens": 300},
                "total": {"cost": f["used"]}}})
        if self.name == "openai" and route == ("GET", "/v1/dashboard/billing/subscription"):
            return JSONResponse({"object": "billing_subscription", "has_payment_method": True,
                                 "hard_limit_usd": f["granted"], "system_hard_limit_usd": f["granted"]})
        if self.name == "openai" and route == ("GET", "/v1/dashboard/billing/usage"):
            return JSONResponse({"object": "list", "total_usage": round(f["used"] * 100, 2)})
        if self.name == "openrouter" and route == ("GET", "/api/v1/credits"):
            return JSONResponse({"data": {"total_credits": f["granted"], "total_usage": f["used"]}})
        if self.name == "deepseek" and route == ("GET", "/user/balance"):
            return JSONResponse({"is_available": f["balance"] > 0, "balance_infos": [{
                "currency": "CNY", "total_balance": f"{f['balance']:.2f}", "granted_balance": "0.00",
                "topped_up_balance": f"{f['balance']:.2f}"}]})
        if self.name == "moonshot" and route == ("GET", "/v1/users/me/balance"):
            return JSONResponse({"code": 0, "data": {"available_balance": f["balance"], "voucher_balance": 0,
                                                     "cash_balance": f["balance"]}, "scode": "0x0", "status": True})
        if self.name == "zhipu" and route == ("GET", "/api/biz/account/query-customer-account-report"):
            return JSONResponse({"code": 200, "msg": "操作成功", "success": True, "data": {
                "balance": f["balance"], "rechargeAmount": f["granted"], "giveAmount": 0,
                "totalSpendAmount": f["used"]}})
        if self.name == "custom" and route == ("GET", "/me/quota"):
            return JSONResponse({"ok": True, "quota": {"left": f["balance"], "spent": f["used"]}})
        return None


class ProviderFakes(FakeServers):
    """Every provider fake, started together. Use :func:`start_provider_fakes`."""

    thread_name = "allhub-provider-fakes"

    def __init__(self, host: str = "127.0.0.1") -> None:
        super().__init__({name: ProviderFake(name) for name in PROVIDER_FAKES}, host)

    def __getitem__(self, name: str) -> ProviderFake:
        return self.fakes[name]


def start_provider_fakes(host: str = "127.0.0.1") -> ProviderFakes:
    """Start every provider fake in a background thread (stop it, or use it as a context manager)."""
    return ProviderFakes(host).start()
