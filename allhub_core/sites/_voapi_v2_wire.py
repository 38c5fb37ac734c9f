"""VoAPI v2's wire format (``sites/voapi_v2``): its ``{code, data, msg}`` envelope and its amounts
(USD as numbers or numeric strings), shared by the account calls and the key calls."""

from __future__ import annotations

import math
import re
from typing import Any

from allhub_core.net import (
    BadResponseError,
    BusinessError,
    Reply,
    looks_like_auth_failure,
    server_message,
)
from allhub_core.vocab import (
    QUOTA_PER_USD,
)

__all__ = ["ALREADY_SIGNED", "AUTH_EXPIRED", "amount_to_quota", "as_number", "unwrap"]

ALREADY_SIGNED, AUTH_EXPIRED = 1, 2
_AUTH_EXPIRED_MSG = re.compile(r"auth\s*expire|unauthorized|token|jwt|login", re.I)


def unwrap(reply: Reply) -> Any:
    """``data`` of a ``{code, data, msg}`` answer; a non-zero code is a ``BusinessError``."""
    body = reply.json_object()
    code = body.get("code")
    if not isinstance(code, int) or isinstance(code, bool):
        raise BadResponseError("The site's answer is not a VoAPI v2 envelope.")
    if code != 0:
        message = reply.clean(server_message(body))
        auth = (code == AUTH_EXPIRED and bool(_AUTH_EXPIRED_MSG.search(message))) or looks_like_auth_failure(message)
        raise BusinessError(message, auth=auth, http_status=reply.status)
    return body.get("data")


def as_number(value: Any) -> float | None:
    """A finite number, or a numeric string (VoAPI v2 sends amounts as strings); else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def amount_to_quota(value: Any) -> int | None:
    """A USD amount in quota units (negative counts as 0); None when it is not a number."""
    number = as_number(value)
    return None if number is None else max(0, round(number * QUOTA_PER_USD))
