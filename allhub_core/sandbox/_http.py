"""Tiny request/response layer for the sandbox ASGI apps.

The sites read the whole body before anything else (it must be recorded, and
faults apply before routing), so a plain parsed ``Req`` is simpler than
Starlette's streaming ``Request``; responses are Starlette ``Response`` objects,
which are ASGI callables.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from starlette.responses import HTMLResponse, JSONResponse, Response


@dataclass
class Req:
    method: str
    path: str
    query_string: str
    headers: dict[str, str]
    """Lower-case header names; repeated headers joined with ``, ``."""
    body: bytes
    client_port: int = 0
    query: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_scope(cls, scope: dict, body: bytes) -> Req:
        headers: dict[str, str] = {}
        for k, v in scope.get("headers", []):
            name, value = k.decode("latin-1").lower(), v.decode("latin-1")
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        qs = scope.get("query_string", b"").decode("latin-1")
        query = {k: v[0] for k, v in parse_qs(qs, keep_blank_values=True).items()}
        cookies: dict[str, str] = {}
        if "cookie" in headers:
            jar = SimpleCookie()
            try:
                jar.load(headers["cookie"])
            except Exception:  # noqa: BLE001 - malformed cookies are just ignored, like a browser server would
                pass
            cookies = {k: m.value for k, m in jar.items()}
        client = scope.get("client") or ("", 0)
        return cls(
            method=scope["method"].upper(), path=scope["path"], query_string=qs,
            headers=headers, body=body, client_port=client[1], query=query, cookies=cookies,
        )

    def json(self) -> Any:
        """The JSON body, or ``{}`` when empty or unparsable."""
        if not self.body:
            return {}
        try:
            return json.loads(self.body)
        except ValueError:
            return {}

    def json_object(self) -> dict[str, Any]:
        """The JSON body if it is an object, else ``{}``."""
        body = self.json()
        return body if isinstance(body, dict) else {}

    def int_arg(self, name: str, default: int) -> int:
        try:
            return int(self.query.get(name, ""))
        except ValueError:
            return default


def ok(data: Any = None, message: str = "", *, include_data: bool = True, status: int = 200) -> Response:
    """New API envelope ``{success:true,message,data}``."""
    body: dict[str, Any] = {"success": True, "message": message}
    if include_data:
        body["data"] = data
    return JSONResponse(body, status_code=status)


def fail(message: str, status: int = 200, **extra: Any) -> Response:
    """New API business error: HTTP 200 ``success:false`` unless a status is given."""
    return JSONResponse({"success": False, "message": message, **extra}, status_code=status)


def s2a(data: Any = None, message: str = "success", code: int | str = 0, status: int = 200) -> Response:
    """Sub2API envelope ``{code,message,data}``."""
    body: dict[str, Any] = {"code": code, "message": message}
    if data is not None or code == 0:
        body["data"] = data
    return JSONResponse(body, status_code=status)


def html(text: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return HTMLResponse(text, status_code=status, headers=headers)


def not_found() -> Response:
    # Gin's default 404 is plain text; New API serves its SPA for unknown non-/api paths.
    return Response("404 page not found", status_code=404, media_type="text/plain")


class Reject(Exception):
    """Raised by auth helpers: answer with ``response`` instead of running the handler."""

    def __init__(self, response: Response) -> None:
        super().__init__("rejected")
        self.response = response
