"""A CLIProxyAPI-like management API (``/v0/management``), as its ``openai-compatibility``
routes answer: ``GET`` the list (``{"openai-compatibility": [...]}``), ``PUT`` the whole list,
``PATCH {index, value}`` one entry. The management key goes as ``Authorization: Bearer`` (or
``X-Management-Key``); a wrong one is a 401 ``{"error": "invalid management key"}``.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from starlette.responses import JSONResponse, Response

from allhub_core.sandbox._http import Req, not_found
from allhub_core.sandbox._service import ServiceFake, error

__all__ = ["CliProxyFake"]

PROVIDER_TYPES = ("openai-compatibility", "codex-api-key", "claude-api-key", "gemini-api-key")


class CliProxyFake(ServiceFake):
    kind = "cliproxyapi"
    base_path = "/v0/management"

    def __init__(self, management_key: str) -> None:
        super().__init__(management_key)
        self.lists: dict[str, list[dict[str, Any]]] = {}
        self._empty()

    def _empty(self) -> None:
        self.lists = {t: [] for t in PROVIDER_TYPES}

    @property
    def entries(self) -> list[dict[str, Any]]:
        """The ``openai-compatibility`` entries (a copy)."""
        with self._lock:
            return copy.deepcopy(self.lists["openai-compatibility"])

    def seed(self, entries: list[dict[str, Any]]) -> None:
        with self._lock:
            self.lists["openai-compatibility"] = copy.deepcopy(entries)

    def handle(self, req: Req) -> Response:
        if not req.path.startswith(self.base_path + "/"):
            return not_found()
        if not (self.bearer_ok(req) or req.headers.get("x-management-key") == self.management_key):
            sent = req.headers.get("authorization") or req.headers.get("x-management-key")
            return error(401, "invalid management key" if sent else "missing management key")
        kind = req.path[len(self.base_path) + 1:].strip("/")
        if kind not in self.lists:
            return not_found()
        if req.method == "GET":
            return JSONResponse({kind: self.lists[kind]})
        try:
            body = json.loads(req.body or b"null")
        except ValueError:
            return error(400, "invalid body")
        if req.method == "PUT":
            items = body.get("items") if isinstance(body, dict) else body
            if not isinstance(items, list) or not all(isinstance(e, dict) for e in items):
                return error(400, "invalid body")
            self.lists[kind] = items
        elif req.method == "PATCH":
            index, value = (body.get("index"), body.get("value")) if isinstance(body, dict) else (None, None)
            if not isinstance(index, int) or not isinstance(value, dict):
                return error(400, "invalid body")
            if not 0 <= index < len(self.lists[kind]):
                return error(404, "item not found")
            self.lists[kind][index] = value
        else:
            return error(405, "method not allowed")
        self.writes += 1
        return JSONResponse({"status": "ok"})
