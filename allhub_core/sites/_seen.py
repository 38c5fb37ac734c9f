"""What recognising an account has just read, handed to its first refresh (``onboard``).

Adding an account asks the site who it is (the user record, today's check-in state, the public
status) and refreshes it a moment later; without this the refresh asks the same three things
again, three more requests in a row on a site that counts every one. The figures are the same:
the refresh takes what was read a second before instead of asking again, and asks the rest
(today's usage, the plans) as ever.
"""

from __future__ import annotations

from dataclasses import dataclass

from allhub_core.sites._types import SiteStatus, UserInfo

__all__ = ["Seen"]


@dataclass(frozen=True)
class Seen:
    """The site's status (None: it has no public one), the user record and today's check-in
    state (``sites._attempt``'s words) as recognition read them."""

    status: SiteStatus | None
    user: UserInfo
    checkin_state: str
