"""The network layer: one polite httpx transport shared by every site adapter.

Knows nothing about the database; see ``allhub_core.sites`` for the adapters.
"""

from ._deadline import AccountClock, SharedWork, current_clock
from ._errors import (
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
from ._headers import NO_AUTH, SENSITIVE_HEADERS, USER_ID_HEADERS, Auth
from ._limiter import CRITICAL_PATHS, Limiter, SlidingWindow, is_critical_path, is_log_path
from ._origin import InvalidSiteUrl, host_of, normalize_site_url, origin_key, same_origin
from ._politeness import Politeness, window_from_rpm
from ._redact import scrub, short, strip_controls
from ._reply import Reply, looks_like_challenge, looks_like_html, server_message
from ._transport import Meter, SiteSession, Transport, parse_retry_after, session_limit_code
from .webdav import (
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
    "ERROR", "HEALTHY", "UNKNOWN", "WARNING",
    "BadResponseError", "BusinessError", "ChallengeError", "HttpStatusError", "NetworkError",
    "RedirectError", "SiteError", "UnsupportedError", "looks_like_auth_failure",
    "NO_AUTH", "SENSITIVE_HEADERS", "USER_ID_HEADERS", "Auth",
    "AccountClock", "SharedWork", "current_clock",
    "CRITICAL_PATHS", "Limiter", "SlidingWindow", "is_critical_path", "is_log_path",
    "InvalidSiteUrl", "host_of", "normalize_site_url", "origin_key", "same_origin",
    "Politeness", "window_from_rpm", "scrub", "short", "strip_controls",
    "Reply", "looks_like_challenge", "looks_like_html", "server_message",
    "Meter", "SiteSession", "Transport", "parse_retry_after", "session_limit_code",
    "WebdavAuthError", "WebdavClient", "WebdavConfigError", "WebdavError", "backup_dir_url", "display_url",
    "ensure_filename", "temp_file_name",
]
