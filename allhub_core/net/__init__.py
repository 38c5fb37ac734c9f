"""The network layer: one polite transport on httpx shared by every site adapter.

Knows nothing about the database; see ``allhub_core.sites`` for the adapters.
"""

from allhub_core.net._deadline import AccountClock, SharedWork, current_clock
from allhub_core.net._errors import (
    BadResponseError,
    BusinessError,
    ChallengeError,
    HttpStatusError,
    NetworkError,
    RedirectError,
    SiteError,
    UnsupportedError,
    looks_like_auth_failure,
)
from allhub_core.net._headers import NO_AUTH, SENSITIVE_HEADERS, USER_ID_HEADERS, Auth
from allhub_core.net._limiter import CRITICAL_PATHS, Limiter, SlidingWindow, is_critical_path, is_log_path
from allhub_core.net._origin import InvalidSiteUrl, host_of, normalize_site_url, origin_key, same_origin
from allhub_core.net._policy import parse_retry_after, session_limit_code
from allhub_core.net._politeness import Politeness, window_from_rpm
from allhub_core.net._prewarm import start as prewarm
from allhub_core.net._redact import scrub, short, strip_controls
from allhub_core.net._reply import Reply, looks_like_challenge, looks_like_html, server_message
from allhub_core.net._session import Meter, SiteSession
from allhub_core.net._shared_window import unstored_lowerings
from allhub_core.net._transport import Transport
from allhub_core.net.webdav import (
    WebdavAuthError,
    WebdavClient,
    WebdavConfigError,
    WebdavError,
    backup_dir_url,
    display_url,
    ensure_filename,
    temp_file_name,
)

__all__ = [
    "CRITICAL_PATHS",
    "ERROR",
    "HEALTHY",
    "NO_AUTH",
    "SENSITIVE_HEADERS",
    "UNKNOWN",
    "USER_ID_HEADERS",
    "WARNING",
    "AccountClock",
    "Auth",
    "BadResponseError",
    "BusinessError",
    "ChallengeError",
    "HttpStatusError",
    "InvalidSiteUrl",
    "Limiter",
    "Meter",
    "NetworkError",
    "Politeness",
    "RedirectError",
    "Reply",
    "SharedWork",
    "SiteError",
    "SiteSession",
    "SlidingWindow",
    "Transport",
    "UnsupportedError",
    "WebdavAuthError",
    "WebdavClient",
    "WebdavConfigError",
    "WebdavError",
    "backup_dir_url",
    "current_clock",
    "display_url",
    "ensure_filename",
    "host_of",
    "is_critical_path",
    "is_log_path",
    "looks_like_auth_failure",
    "looks_like_challenge",
    "looks_like_html",
    "normalize_site_url",
    "origin_key",
    "parse_retry_after",
    "prewarm",
    "same_origin",
    "scrub",
    "server_message",
    "session_limit_code",
    "short",
    "strip_controls",
    "temp_file_name",
    "unstored_lowerings",
    "window_from_rpm",
]
