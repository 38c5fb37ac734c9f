"""Look-alike duplicates: accounts that are probably the same account on another address.

Exact duplicates (same origin and user id) are ``dedupe``'s and its bulk clean-up's. A look-alike
pair is two accounts with the same user id on DIFFERENT origins that also share

- the same **site name** (case, spaces, ``-`` and ``_`` ignored; a bare product name such as
  "New API", which every family's ``SiteKind`` lists, says nothing and is not compared), or
- the same **registrable domain**, by a simple rule without the public-suffix list: the host's
  last two labels (``www.x.com``, ``api.x.com`` and ``x.com`` are all ``x.com``), or its last
  three where the last two are a known two-part suffix (``co.uk``, ``com.cn``...) or a shared
  hosting domain where each subdomain is someone else's site (``github.io``, ``hf.space``...:
  ``SHARED_SUFFIXES``). IP addresses and single-label hosts (``localhost``) have no registrable
  domain: only their site name can match.

Mirrors, ``www.`` and a second domain of one site look like this; so can two unrelated sites whose
users happen to share an id, which is why these pairs are only listed for the user to judge and are
never part of a bulk clean-up. Each pair is kept (``keep_lookalike``: stored in ``lookalike_kept``,
Migration 13, and not listed again) or one of its accounts removed (``remove_lookalike``).

The scan is one SQL statement: only the user ids seen on two origins or more are keyed, then two
equi-joins (on user id and domain, on user id and name) keep it a hash join; a page of pairs is
returned with the total. At 100,000 generated accounts (``bench/_gen.py``) it takes about 0.1-0.25 s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from allhub_core.accounts.model import parse_id
from allhub_core.accounts.write import delete_rows, require_ids
from allhub_core.errors import ValidationError
from allhub_core.site_kinds import known_site_names
from allhub_core.store import Store

__all__ = ["SHARED_SUFFIXES", "LookalikePair", "LookalikeScan", "keep_lookalike", "remove_lookalike",
           "scan_lookalikes"]

#: Two-label endings under which the third label from the right is the registrable domain.
SHARED_SUFFIXES = (
    # two-part country suffixes
    "co.uk", "org.uk", "ac.uk", "com.cn", "net.cn", "org.cn", "gov.cn", "edu.cn", "com.hk", "com.tw",
    "co.jp", "ne.jp", "com.au", "net.au", "co.kr", "com.br", "com.sg", "com.my", "co.in", "co.nz",
    # hosting platforms: each subdomain is its own site
    "github.io", "gitlab.io", "hf.space", "vercel.app", "netlify.app", "pages.dev", "workers.dev",
    "herokuapp.com", "onrender.com", "fly.dev", "railway.app", "zeabur.app", "deno.dev", "glitch.me",
    "repl.co", "koyeb.app", "up.railway.app",
)

_COLUMNS = ("id", "site_name", "username", "site_url", "site_type", "disabled", "health_status", "updated_at")

# The host of a stored origin key (``https://host[:port]``); '' for an [IPv6] literal.
_KEYED = """
WITH base AS (
    SELECT id, site_name, username, site_url, site_type, disabled, health_status, updated_at,
           trim(user_id) AS uid,
           regexp_extract(site_url, '^[a-z][a-z0-9+.-]*://([^/:\\[\\]]+)', 1) AS host,
           regexp_replace(lower(trim(site_name)), '[-_ ]', '', 'g') AS squashed
    FROM accounts
    -- only a user id seen on two origins or more can pair (most are on one): the rest is never keyed
    WHERE trim(user_id) IN (SELECT trim(user_id) FROM accounts WHERE trim(user_id) <> ''
                            GROUP BY trim(user_id) HAVING count(DISTINCT site_url) > 1)
),
labelled AS (
    SELECT *, string_split(host, '.') AS labels FROM base
),
keyed AS MATERIALIZED (
    SELECT *,
        CASE WHEN host = '' OR len(labels) < 2 OR regexp_full_match(host, '[0-9.]+') THEN NULL
             WHEN len(labels) >= 3 AND array_to_string(labels[-2:], '.') IN (SELECT unnest($suffixes))
                 THEN array_to_string(labels[-3:], '.')
             ELSE array_to_string(labels[-2:], '.') END AS domain,
        CASE WHEN squashed = '' OR list_contains($products, squashed) THEN NULL ELSE squashed END AS name_key
    FROM labelled
),
pairs AS (
    SELECT a.id AS a_id, b.id AS b_id, true AS by_domain, false AS by_name
    FROM keyed a JOIN keyed b ON a.uid = b.uid AND a.domain = b.domain
    WHERE a.id < b.id AND a.site_url <> b.site_url
    UNION ALL
    SELECT a.id, b.id, false, true
    FROM keyed a JOIN keyed b ON a.uid = b.uid AND a.name_key = b.name_key
    WHERE a.id < b.id AND a.site_url <> b.site_url
),
found AS (
    SELECT a_id, b_id, bool_or(by_domain) AS by_domain, bool_or(by_name) AS by_name
    FROM pairs p
    WHERE NOT EXISTS (SELECT 1 FROM lookalike_kept k WHERE k.account_a = p.a_id AND k.account_b = p.b_id)
    GROUP BY a_id, b_id
)
"""

_PAGE = _KEYED + """
SELECT f.by_domain, f.by_name, a.uid, a.domain, count(*) OVER () AS total,
       {a_cols}, {b_cols}
FROM found f JOIN keyed a ON a.id = f.a_id JOIN keyed b ON b.id = f.b_id
ORDER BY coalesce(a.domain, a.name_key), a.uid, f.a_id, f.b_id
LIMIT $limit OFFSET $offset
"""


@dataclass
class LookalikePair:
    """Two accounts that may be one: ``a`` (the older id) and ``b``, each a dict of ``_COLUMNS``."""

    user_id: str
    a: dict[str, Any]
    b: dict[str, Any]
    same_domain: bool
    same_name: bool
    domain: str | None = None

    @property
    def ids(self) -> tuple[int, int]:
        return int(self.a["id"]), int(self.b["id"])

    @property
    def reason(self) -> str:
        """Why the pair is listed, in one sentence."""
        why = []
        if self.same_domain:
            why.append(f"the same domain {self.domain} ({self.a['site_url']} and {self.b['site_url']})")
        if self.same_name:
            why.append(f"the same site name \u201c{self.a['site_name']}\u201d on {self.a['site_url']} and "
                       f"{self.b['site_url']}")
        return f"Same user id {self.user_id} and " + " and ".join(why) + "."


@dataclass
class LookalikeScan:
    """A page of look-alike pairs (``total`` counts them all); none of them is an exact duplicate."""

    pairs: list[LookalikePair] = field(default_factory=list)
    total: int = 0

    def summary(self) -> str:
        return f"{self.total} look-alike pair(s) to check"

    def rows(self) -> list[dict[str, Any]]:
        return [{"account_a": p.ids[0], "account_b": p.ids[1], "user_id": p.user_id,
                 "site_a": p.a["site_url"], "site_b": p.b["site_url"], "name_a": p.a["site_name"],
                 "name_b": p.b["site_name"], "same_domain": p.same_domain, "same_name": p.same_name,
                 "reason": p.reason} for p in self.pairs]

    def exit_code(self) -> int:
        return 0


def scan_lookalikes(store: Store, *, limit: int = 50, offset: int = 0) -> LookalikeScan:
    """The look-alike pairs not yet kept, ``limit`` from ``offset`` (ordered by domain or name)."""
    if limit < 1 or offset < 0:
        raise ValidationError("A page of look-alike pairs needs a positive size and a non-negative start.")
    cols = lambda p: ", ".join(f"{p}.{c} AS {p}_{c}" for c in _COLUMNS)  # noqa: E731
    sql = _PAGE.format(a_cols=cols("a"), b_cols=cols("b"))
    params = {"suffixes": list(SHARED_SUFFIXES), "products": sorted(known_site_names()),
              "limit": limit, "offset": offset}
    with store.read() as con:
        cur = con.execute(sql, params)
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    scan = LookalikeScan(total=int(rows[0]["total"]) if rows else 0)
    if not rows and offset:
        scan.total = scan_lookalikes(store, limit=1).total
    for r in rows:
        scan.pairs.append(LookalikePair(
            user_id=r["uid"], same_domain=bool(r["by_domain"]), same_name=bool(r["by_name"]), domain=r["domain"],
            a={c: r[f"a_{c}"] for c in _COLUMNS}, b={c: r[f"b_{c}"] for c in _COLUMNS}))
    return scan


def _pair(con: Any, a: Any, b: Any) -> tuple[int, int]:
    ids = sorted({parse_id(a), parse_id(b)})
    if len(ids) != 2:
        raise ValidationError("A look-alike pair is two different accounts.")
    require_ids(con, ids)
    return ids[0], ids[1]


def keep_lookalike(store: Store, a: Any, b: Any) -> None:
    """Keep both accounts of a pair: the pair is not listed again (either order; twice is once)."""
    with store.write() as con:
        lo, hi = _pair(con, a, b)
        con.execute("DELETE FROM lookalike_kept WHERE account_a = ? AND account_b = ?", [lo, hi])
        con.execute("INSERT INTO lookalike_kept (account_a, account_b) VALUES (?, ?)", [lo, hi])


def remove_lookalike(store: Store, remove_id: Any, other_id: Any) -> int:
    """Delete ``remove_id``, one account of a look-alike pair (with its tags, pins, order and keys,
    as every delete), and the kept pairs it was part of; ``other_id`` stays. The id removed."""
    with store.write() as con:
        _pair(con, remove_id, other_id)
        gone = parse_id(remove_id)
        delete_rows(con, [gone])
        con.execute("DELETE FROM lookalike_kept WHERE account_a = ? OR account_b = ?", [gone, gone])
    return gone
