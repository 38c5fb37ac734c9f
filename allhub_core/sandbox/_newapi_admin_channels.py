"""A New API admin's channel routes, as a self-hosted New API answers them (its
``controller/channel.go``, ``model.SearchChannels``): ``GET /api/channel/search?keyword=`` (a
channel whose id is the keyword, whose name holds it, or whose key is it), ``POST /api/channel/``
(``{mode: "single", channel}``), ``PUT /api/channel/`` (``status`` not taken; an empty key
keeps the stored one). Answers never carry a channel's key. Auth: the admin's access token as
``Authorization: Bearer`` with its id in ``New-Api-User``; anything else is refused as New API
refuses it, in its ``{success: false, message}`` envelope.
"""

from __future__ import annotations

import copy
from typing import Any

from starlette.responses import Response

from allhub_core.sandbox._http import Req, fail, not_found, ok
from allhub_core.sandbox._service import ServiceFake

__all__ = ["NewApiChannelsFake"]

_FIELDS = ("name", "type", "key", "base_url", "models", "group", "priority", "weight", "status")


class NewApiChannelsFake(ServiceFake):
    kind = "newapi"

    def __init__(self, management_key: str, admin_id: int = 1) -> None:
        super().__init__(management_key)
        self.admin_id = admin_id
        self.channels: list[dict[str, Any]] = []

    def _empty(self) -> None:
        self.channels = []

    def all_channels(self) -> list[dict[str, Any]]:
        """Every channel with its key (a copy: for tests)."""
        with self._lock:
            return copy.deepcopy(self.channels)

    def seed(self, channels: list[dict[str, Any]]) -> None:
        with self._lock:
            self.channels = []
            for c in channels:
                self._add(c)

    def _add(self, channel: dict[str, Any]) -> dict[str, Any]:
        row = {k: channel.get(k) for k in _FIELDS}
        row["id"] = max((c["id"] for c in self.channels), default=0) + 1
        self.channels.append(row)
        return row

    @staticmethod
    def _public(channel: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in channel.items() if k != "key"}

    def handle(self, req: Req) -> Response:
        if not req.path.startswith("/api/channel"):
            return not_found()
        if not self.bearer_ok(req):
            return fail("无权进行此操作，access token 无效", status=401)
        if req.headers.get("new-api-user") != str(self.admin_id):
            return fail("无权进行此操作，New-Api-User 与 access token 不匹配", status=401)
        path = req.path.rstrip("/")
        if path == "/api/channel/search" and req.method == "GET":
            kw = req.query.get("keyword", "").strip()
            found = [self._public(c) for c in self.channels
                     if kw and (str(c["id"]) == kw or kw in str(c.get("name") or "") or c.get("key") == kw)]
            return ok({"items": found, "total": len(found), "type_counts": {}})
        if path != "/api/channel":
            return not_found()
        body = req.json_object()
        if req.method == "POST":
            channel = body.get("channel")
            if body.get("mode") not in ("single", "batch", "multi_to_single") or not isinstance(channel, dict):
                return fail("不支持的添加模式")
            if not str(channel.get("key") or "").strip():
                return fail("渠道密钥不能为空")
            self._add(channel)
            self.writes += 1
            return ok(None)
        if req.method == "PUT":
            if "status" in body:
                return fail("不允许通过此接口修改渠道状态")
            target = next((c for c in self.channels if c["id"] == body.get("id")), None)
            if target is None:
                return fail("渠道不存在")
            for k in _FIELDS:
                if k in body and not (k == "key" and not str(body[k] or "").strip()):
                    target[k] = body[k]
            self.writes += 1
            return ok(self._public(target))
        return not_found()
