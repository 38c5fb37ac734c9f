"""VoAPI v2: a rewrite with its own ``/api/user/info`` routes and a raw JWT (docs/site-api.md).

Not supported yet.  Detection still recognises it (``_detect``), so a user who adds
such a site is told so in one sentence instead of getting a New API error, and every
operation raises ``UnsupportedError`` with that same sentence.
"""

from __future__ import annotations

from typing import Never

from ..net import SiteSession, UnsupportedError
from ..vocab import SiteType
from ._types import RecognizeResult, SiteStatus, TypedInput
from .family import BaseFamily

NOT_SUPPORTED = "VoAPI v2 sites are not supported yet."


class VoApiV2Family(BaseFamily[Never]):
    site_type = SiteType.VOAPI_V2
    raw_authorization = True  # VoAPI v2 sends the JWT without "Bearer "

    def _unsupported(self, lacks: str) -> UnsupportedError:
        return UnsupportedError(NOT_SUPPORTED)

    async def recognize(self, session: SiteSession, origin: str, status: SiteStatus | None,
                        typed: TypedInput) -> RecognizeResult:
        return RecognizeResult(ok=False, site_url=origin, site_type=self.site_type.value, message=NOT_SUPPORTED)
