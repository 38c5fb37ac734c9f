"""Seeded, deterministic fake data of one site: users, relay keys, logs, codes.

Everything is drawn from ``random.Random`` seeded with (seed, dialect, site index,
user index), so the same integer seed gives the same users, passwords, tokens,
balances and log amounts on every run. Only timestamps move with the clock: log
rows are placed inside *today's* local-time window (plus a few from yesterday)
because that is the window clients query (docs/site-api.md).
"""

from __future__ import annotations

import random
import string
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime

QUOTA_PER_USD = 500_000

MODELS = ["gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet", "deepseek-chat", "gemini-1.5-pro"]
GROUPS = {"default": ("默认分组", 1.0), "vip": ("VIP 分组", 0.8)}


@dataclass(frozen=True)
class CatalogModel:
    """One model as the sandbox prices it before a site's own factor (``site_factor``).

    ``quota_type`` 1 is per call (``model_price`` USD a call); ``tiered`` rows carry New API's
    ``billing_mode: "tiered_expr"`` with an expression and no flat ratio a client may use."""

    vendor: str
    model_ratio: float = 0.0
    completion_ratio: float = 1.0
    quota_type: int = 0
    model_price: float = 0.0
    cache_ratio: float | None = None
    create_cache_ratio: float | None = None
    tiered: bool = False


#: The models every sandbox site prices (``MODELS`` first, as the logs use them), then the ones
#: only some sites sell (``site_models``).
CATALOG: dict[str, CatalogModel] = {
    "gpt-4o": CatalogModel("OpenAI", 1.25, 4, cache_ratio=0.5),
    "gpt-4o-mini": CatalogModel("OpenAI", 0.075, 4, cache_ratio=0.5),
    "claude-3-5-sonnet": CatalogModel("Anthropic", 1.5, 5, cache_ratio=0.1, create_cache_ratio=1.25),
    "deepseek-chat": CatalogModel("DeepSeek", 0.14, 5),
    "gemini-1.5-pro": CatalogModel("Google", quota_type=1, model_price=0.05),
    "qwen-max": CatalogModel("Qwen", 0.8, 3),
    "glm-4-plus": CatalogModel("Zhipu", 0.5, 1),
    "gemini-2.5-pro": CatalogModel("Google", 0.625, 8, tiered=True),
}
#: New API's tiered expression for the tiered rows (``billing_expr``), as its docs write one.
TIERED_EXPR = 'len <= 200000 ? tier("standard", p * 1.25 + c * 10) : tier("long_context", p * 2.5 + c * 15)'
#: A group every New API sandbox site has a ratio for but no user may use (not in ``usable_group``).
CLOSED_GROUP = ("svip", "SVIP 分组", 0.5)


def _site_hash(dialect: str, index: int) -> int:
    return sum((i + 1) * ord(ch) for i, ch in enumerate(f"{dialect}#{index}"))


def site_factor(dialect: str, index: int) -> float:
    """How much dearer (or cheaper) one site sells than the catalog: 0.8 to 1.4 by tenths,
    the same on every run, different between most sites, so one model has several prices."""
    return round(0.8 + 0.1 * (_site_hash(dialect, index) % 7), 2)


def site_models(dialect: str, index: int) -> list[str]:
    """The models one site sells: ``MODELS`` everywhere, ``qwen-max`` or ``glm-4-plus`` (or both)
    by the site's hash, and ``gemini-2.5-pro`` (tiered where the price list is New API's)."""
    h = _site_hash(dialect, index)
    extra = ["qwen-max"] if h % 2 == 0 else ["glm-4-plus"]
    if h % 3 == 0:
        extra = ["qwen-max", "glm-4-plus"]
    return [*MODELS, *extra, "gemini-2.5-pro"]


def site_groups(index: int) -> dict[str, tuple[str, float]]:
    """The groups a site's users may use with their ratios: ``vip`` 0.8 on a dialect's first
    site, 0.7 on its second, 0.6 on its third..."""
    return {"default": GROUPS["default"], "vip": (GROUPS["vip"][0], round(0.8 - 0.1 * (index % 4), 2))}
_ALNUM = string.ascii_letters + string.digits


def random_string(rng: random.Random, n: int) -> str:
    """``n`` of ``rng.choice(_ALNUM)``: the same draws (``choice`` indexes by ``_randbelow``),
    without a call of ``choice`` per character (a third of starting the demo's sandbox)."""
    below = rng._randbelow  # type: ignore[attr-defined]
    return "".join([_ALNUM[below(len(_ALNUM))] for _ in range(n)])


def mask_key(key: str) -> str:
    """New API ``MaskTokenKey``: first 4 + ``**********`` + last 4."""
    if len(key) <= 8:
        return "**********"
    return key[:4] + "**********" + key[-4:]


def today_window(now: float | None = None) -> tuple[int, int]:
    """Local midnight and 23:59:59 of today, epoch seconds (docs/site-api.md)."""
    dt = datetime.fromtimestamp(now if now is not None else time.time())
    start = dt.replace(hour=0, minute=0, second=0, microsecond=0)
    return int(start.timestamp()), int(start.timestamp()) + 86399


def local_date(ts: float | None = None) -> str:
    return datetime.fromtimestamp(ts if ts is not None else time.time()).strftime("%Y-%m-%d")


@dataclass
class SandboxToken:
    """A relay key (``sk-...`` without the prefix, as New API stores it)."""

    id: int
    user_id: int
    key: str
    name: str
    status: int = 1
    created_time: int = 0
    accessed_time: int = 0
    expired_time: int = -1
    remain_quota: int = 0
    unlimited_quota: bool = True
    used_quota: int = 0
    model_limits_enabled: bool = False
    model_limits: str = ""
    allow_ips: str = ""
    group: str = ""

    def to_json(self, masked: bool, with_group: bool = True) -> dict:
        d = asdict(self)
        if masked:
            d["key"] = mask_key(self.key)
        if not with_group:
            d.pop("group")
        return d


@dataclass
class LogRow:
    """One ``/api/log/self`` row (New API user DTO plus the older extra fields)."""

    id: int
    user_id: int
    username: str
    created_at: int
    type: int
    content: str = ""
    token_name: str = ""
    model_name: str = ""
    quota: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    use_time: int = 0
    is_stream: bool = False
    group: str = "default"
    hidden: tuple[str, ...] = ()
    """Fields an older fork leaves out of this row (``quota``: the amount only in ``content``;
    ``type``: a fork whose rows do not say their type)."""

    def to_json(self) -> dict:
        d = asdict(self)
        d["other"] = {}
        for name in d.pop("hidden"):
            d.pop(name, None)
        return d


@dataclass
class SandboxUser:
    """A seeded account. The object is live: rotating the access token (``GET
    /api/user/token``) or refreshing a Sub2API JWT updates these fields, so
    ``user.access_token`` is always the credential that works *now*."""

    id: int
    username: str
    password: str
    access_token: str
    """New API PAT; for sub2api the current JWT."""
    quota: int
    used_quota: int = 0
    request_count: int = 0
    group: str = "default"
    email: str = ""
    aff_code: str = ""
    session: str = ""
    """Value of the ``session`` cookie (cookie-mode auth without logging in)."""
    refresh_token: str = ""
    """Sub2API refresh token (rotated on every refresh); modern New API refresh cookie."""
    token_expires_at: int = 0
    """Sub2API JWT expiry, epoch milliseconds (as the dashboard stores it)."""
    two_factor: bool = False
    """Login answers ``require_2fa`` instead of a session."""
    turnstile: bool = False
    """Login answers "Turnstile token 为空" unless ``?turnstile=`` is given."""
    disabled: bool = False
    tokens: list[SandboxToken] = field(default_factory=list, repr=False)
    logs: list[LogRow] = field(default_factory=list, repr=False)
    checkins: dict[str, int] = field(default_factory=dict, repr=False)
    """Local date ``YYYY-MM-DD`` -> quota awarded."""
    login_credits: dict[str, int] = field(default_factory=dict, repr=False)
    """Local date -> quota a site with ``login_reward`` credited on that day's first login."""
    subscriptions: list[dict] = field(default_factory=list, repr=False)
    """New API plans (``UserSubscription`` rows): active and expired."""

    @property
    def cookie(self) -> str:
        """A ready ``Cookie`` header value for cookie-mode accounts."""
        return f"session={self.session}"

    @property
    def balance_usd(self) -> float:
        return round(self.quota / QUOTA_PER_USD, 6)

    @property
    def today_consumption(self) -> int:
        start, end = today_window()
        return sum(r.quota for r in self.logs if r.type == 2 and start <= r.created_at <= end)

    @property
    def today_income(self) -> int:
        start, end = today_window()
        return sum(r.quota for r in self.logs if r.type in (1, 4) and start <= r.created_at <= end)


def _spread(rng: random.Random, start: int, now: int, end: int) -> int:
    """A time between ``start`` and now (or the whole day when now is too early)."""
    hi = now if now - start > 60 else end
    return rng.randint(start, max(start, hi))


def seed_user(
    *, seed: int, dialect: str, site_index: int, index: int, ids: IdCounter, now: float
) -> SandboxUser:
    """Build user ``index`` of a site, with keys and today's/yesterday's logs."""
    rng = random.Random(f"{seed}:{dialect}:{site_index}:{index}")
    uid = 1001 + index
    username = f"user{index + 1}"
    start, end = today_window(now)
    user = SandboxUser(
        id=uid,
        username=username,
        password=f"pw-{random_string(rng, 10)}",
        access_token=random_string(rng, 32),
        quota=rng.randint(1, 40) * QUOTA_PER_USD + rng.randint(0, QUOTA_PER_USD - 1),
        used_quota=rng.randint(0, 20) * QUOTA_PER_USD,
        request_count=rng.randint(10, 5000),
        group="default" if index % 3 else "vip" if index else "default",
        email=f"{username}@sandbox.test",
        aff_code=random_string(rng, 4),
        session=random_string(rng, 40),
    )
    # User 0 always has more than one page of keys (One API pages by 10).
    n_tokens = 12 if index == 0 else rng.randint(0, 5)
    for k in range(n_tokens):
        unlimited = rng.random() < 0.5
        user.tokens.append(
            SandboxToken(
                id=ids.next_token(), user_id=uid, key=random_string(rng, 48),
                name=f"key-{k + 1}", status=2 if k and k % 5 == 0 else 1,
                created_time=start - 86400 * rng.randint(1, 90), accessed_time=start,
                remain_quota=0 if unlimited else rng.randint(1, 50) * QUOTA_PER_USD,
                unlimited_quota=unlimited, used_quota=rng.randint(0, 10) * 50_000,
                group="" if k % 2 else "default",
            )
        )
    # Logs: consumption (2) today + yesterday, top-up (1) and system/check-in (4) income.
    n_consume = 25 if index == 0 else rng.randint(3, 15)
    rows: list[LogRow] = []
    for _ in range(n_consume):
        model = rng.choice(MODELS)
        p, c = rng.randint(10, 4000), rng.randint(10, 2000)
        rows.append(LogRow(
            id=0, user_id=uid, username=username, created_at=_spread(rng, start, int(now), end),
            type=2, token_name=f"key-{rng.randint(1, max(1, n_tokens))}", model_name=model,
            quota=rng.randint(100, 60_000), prompt_tokens=p, completion_tokens=c,
            use_time=rng.randint(1, 30), is_stream=rng.random() < 0.5,
        ))
    for _ in range(rng.randint(2, 4)):
        rows.append(LogRow(
            id=0, user_id=uid, username=username, created_at=start - rng.randint(60, 86000),
            type=2, token_name="key-1", model_name=rng.choice(MODELS),
            quota=rng.randint(100, 60_000), prompt_tokens=100, completion_tokens=50,
        ))
    topup = rng.randint(1, 10) * QUOTA_PER_USD
    rows.append(LogRow(
        id=0, user_id=uid, username=username, created_at=_spread(rng, start, int(now), end),
        type=1, content=f"通过兑换码充值 ${topup / QUOTA_PER_USD:.6f} 额度", quota=topup,
    ))
    bonus = rng.randint(1, 5) * 50_000
    rows.append(LogRow(
        id=0, user_id=uid, username=username, created_at=_spread(rng, start, int(now), end),
        type=4, content=f"签到奖励 ${bonus / QUOTA_PER_USD:.6f} 额度", quota=bonus,
    ))
    rows.append(LogRow(
        id=0, user_id=uid, username=username, created_at=start - 3600, type=1,
        content="通过兑换码充值 $1.000000 额度", quota=QUOTA_PER_USD,
    ))
    rows.sort(key=lambda r: r.created_at)
    for r in rows:
        r.id = ids.next_log()
    user.logs = rows
    return user


class IdCounter:
    """Per-site id sequences for keys and log rows."""

    def __init__(self) -> None:
        self._token = 0
        self._log = 0

    def next_token(self) -> int:
        self._token += 1
        return self._token

    def next_log(self) -> int:
        self._log += 1
        return self._log


def seed_subscriptions(user: SandboxUser, index: int, now: float) -> None:
    """Users 1, 3, 5... hold an active 100 USD plan, partly used, and an expired one."""
    if index % 2 == 0:
        return
    t = int(now)
    user.subscriptions = [
        {"id": 10 * user.id + 1, "user_id": user.id, "plan_id": 1, "amount_total": 100 * QUOTA_PER_USD,
         "amount_used": index * 7 * QUOTA_PER_USD, "start_time": t - 5 * 86400, "end_time": t + 25 * 86400,
         "status": "active", "source": "order", "last_reset_time": t - 5 * 86400,
         "next_reset_time": t + 25 * 86400},
        {"id": 10 * user.id, "user_id": user.id, "plan_id": 1, "amount_total": 100 * QUOTA_PER_USD,
         "amount_used": 100 * QUOTA_PER_USD, "start_time": t - 40 * 86400, "end_time": t - 10 * 86400,
         "status": "expired", "source": "order"},
    ]


def seed_redemption_codes(seed: int, dialect: str, site_index: int, n: int = 5) -> dict[str, int]:
    """Unused redemption codes of a site -> quota each one credits."""
    rng = random.Random(f"{seed}:{dialect}:{site_index}:codes")
    return {f"SBX{random_string(rng, 29)}": (k + 1) * QUOTA_PER_USD for k in range(n)}
