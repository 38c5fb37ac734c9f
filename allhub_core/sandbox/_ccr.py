"""A Claude Code Router-like config API, as its server answers: ``GET /api/config`` (the whole
config, ``Providers`` among it), ``POST /api/config`` (the whole config back),
``POST /api/restart``. Its ``APIKEY`` goes as ``Authorization: Bearer`` (or ``x-api-key``); a
wrong one is a 401.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from starlette.responses import JSONResponse, Response

from allhub_core.sandbox._http import Req, not_found
from allhub_core.sandbox._service import ServiceFake, error

__all__ = ["CcrFake"]


class CcrFake(ServiceFake):
    kind = "ccr"

    def __init__(self, management_key: str) -> None:
        super().__init__(management_key)
        self.config: dict[str, Any] = {}
        self.restarts = 0
        self._empty()

    def _empty(self) -> None:
        self.config = {"LOG": False, "HOST": "127.0.0.1", "PORT": 3456, "APIKEY": self.management_key,
                       "Providers": [], "Router": {"default": ""}}
        self.restarts = 0

    @property
    def providers(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self.config.get("Providers") or [])

    def seed(self, providers: list[dict[str, Any]]) -> None:
        with self._lock:
            self.config["Providers"] = copy.deepcopy(providers)

    def handle(self, req: Req) -> Response:
        if req.path not in ("/api/config", "/api/restart"):
            return not_found()
        if not (self.bearer_ok(req) or req.headers.get("x-api-key") == self.management_key):
            return error(401, "Unauthorized")
        if req.path == "/api/restart" and req.method == "POST":
            self.restarts += 1
            return JSONResponse({"success": True, "message": "Service restart initiated"})
        if req.method == "GET":
            return JSONResponse(self.config)
        if req.method != "POST":
            return error(405, "method not allowed")
        try:
            body = json.loads(req.body or b"null")
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("Providers", []), list):
            return error(400, "invalid config")
        self.config = body
        self.writes += 1
        return JSONResponse({"success": True, "message": "Config saved successfully"})
