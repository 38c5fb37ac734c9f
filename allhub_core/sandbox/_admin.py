"""The ``/__sandbox/*`` admin endpoints of every site (control over HTTP).

Same powers as the Python API, for a sandbox run in another process
(``allhub sandbox``). Admin requests are never recorded nor faulted.

    GET    /__sandbox/info            dialect, site_type, url, users + credentials, codes
    GET    /__sandbox/requests        recorded requests (``?limit=N``: the last N)
    DELETE /__sandbox/requests        clear the request log
    GET    /__sandbox/faults          active faults (with hit counts)
    POST   /__sandbox/faults          add one: {"kind": "429", "user_id": 1001, "times": 1, ...}
    DELETE /__sandbox/faults          clear faults
    POST   /__sandbox/latency         {"ms": 100}: delay every response
    POST   /__sandbox/turnstile       {"enabled": true}: site-wide Turnstile on login/check-in
    POST   /__sandbox/expire-tokens   {"user_id": 1001} (optional): expire issued JWTs
    POST   /__sandbox/users           {"two_factor": true, ...}: add a user, returns it
    POST   /__sandbox/models          {"add": ["m"], "remove": ["m"]}: change the models the site sells
    POST   /__sandbox/reset           clear faults/requests, restore the seeded data
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.responses import JSONResponse, Response

from allhub_core.sandbox._faults import FAULT_KINDS, make_fault
from allhub_core.sandbox._http import Req

if TYPE_CHECKING:
    from allhub_core.sandbox._site import SandboxSite


def handle(site: SandboxSite, req: Req) -> Response:
    action = req.path[len("/__sandbox/"):].strip("/")
    body = req.json() if req.body else {}
    if not isinstance(body, dict):
        return JSONResponse({"ok": False, "error": "body must be a JSON object"}, 400)
    key = (req.method, action)
    try:
        if key == ("GET", "info"):
            return JSONResponse(site.info())
        if key == ("GET", "requests"):
            items = [r.to_json() for r in site.requests]
            limit = req.int_arg("limit", 0)
            return JSONResponse(items[-limit:] if limit > 0 else items)
        if key == ("DELETE", "requests"):
            site.clear_requests()
            return JSONResponse({"ok": True})
        if key == ("GET", "faults"):
            return JSONResponse({"faults": [f.to_json() for f in site.faults.snapshot()],
                                 "kinds": FAULT_KINDS})
        if key == ("POST", "faults"):
            params = dict(body)
            kind = str(params.pop("kind", ""))
            fault = make_fault(kind, **params)
            site.faults.add(fault)
            return JSONResponse({"ok": True, "fault": fault.to_json()})
        if key == ("DELETE", "faults"):
            site.clear_faults()
            return JSONResponse({"ok": True})
        if key == ("POST", "latency"):
            site.set_latency(int(body.get("ms", 0)))
            return JSONResponse({"ok": True, "latency_ms": site.latency_ms})
        if key == ("POST", "turnstile"):
            site.turnstile = bool(body.get("enabled", True))
            return JSONResponse({"ok": True, "turnstile": site.turnstile})
        if key == ("POST", "expire-tokens"):
            uid = body.get("user_id")
            site.expire_access_tokens(None if uid is None else int(uid))
            return JSONResponse({"ok": True})
        if key == ("POST", "users"):
            u = site.add_user(two_factor=bool(body.get("two_factor")),
                              turnstile=bool(body.get("turnstile")),
                              disabled=bool(body.get("disabled")))
            return JSONResponse({"ok": True, "user": site._user_info(u)})
        if key == ("POST", "models"):
            add, remove = body.get("add") or [], body.get("remove") or []
            if not isinstance(add, list) or not isinstance(remove, list):
                raise ValueError("add and remove must be lists of model names")
            return JSONResponse({"ok": True, "models": site.change_models(add, remove)})
        if key == ("POST", "reset"):
            site.reset()
            return JSONResponse({"ok": True})
    except (ValueError, TypeError) as exc:
        return JSONResponse({"ok": False, "error": str(exc)}, 400)
    return JSONResponse({"ok": False, "error": f"no admin route {req.method} /__sandbox/{action}"}, 404)
