"""Bulk generator for the benchmark: N realistic accounts straight into the real schema.

``add_account`` validates, encrypts and inserts one row per transaction, which is far too slow
for 10,000 accounts; here ``Store(path)`` creates the schema (migrations run as usual) and the
rows go in with a few ``INSERT INTO ... SELECT`` from registered pandas frames, in one
``store.write()`` transaction. Secrets are left NULL (only ``secret_hint`` is kept): nothing
the Accounts page reads needs them.

Shape of the data (seeded, so every run builds the same store):
- ~300 origins, every site type, numeric and text user ids;
- ``dup_share`` of the accounts repeat the origin + user id of another account (duplicates);
- ``n_tags`` tags, 0-5 per account; some pinned, some in manual order, ~10% disabled;
- a health mix, log-normal quotas, a few manual balances and exclusions, exchange rates;
- today's stats (``stats_date = current_date``) for most accounts, older ones for the rest;
- check-in states of today / earlier days, some custom check-in and redeem URLs, notes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from allhub_core.accounts import QUOTA_PER_USD, SITE_TYPES
from allhub_core.prices import rebuild_offers
from allhub_core.store import Store

__all__ = ["TAG_WORDS", "fill_history", "generate"]

TAG_WORDS = ["vip", "team", "trial", "claude", "gpt", "gemini", "cheap", "backup", "main", "test",
             "cn", "us", "eu", "free", "paid", "daily", "weekly", "slow", "fast", "shared"]
_SYLLABLES = ["an", "ai", "api", "hub", "one", "neo", "flux", "ark", "sky", "nova", "relay", "zen",
              "byte", "link", "mind", "open", "star", "wave", "core", "lab"]
_TLDS = ["com", "ai", "io", "net", "org", "cn", "dev", "xyz", "top", "cc"]
_WORDS = ["alpha", "beta", "gamma", "delta", "main", "backup", "work", "home", "team", "shared",
          "panda", "tiger", "lucky", "cloud", "spark", "mango", "kiwi", "nori", "sakura", "atlas"]


def _origins(rng: np.random.Generator, n: int) -> list[str]:
    seen: dict[str, None] = {}
    while len(seen) < n:
        host = "".join(rng.choice(_SYLLABLES, size=rng.integers(2, 4)))
        if rng.random() < 0.3:
            host = f"{rng.choice(['api', 'www', 'relay', 'panel'])}.{host}"
        url = f"https://{host}.{rng.choice(_TLDS)}"
        if rng.random() < 0.03:
            url = f"http://{host}.{rng.choice(_TLDS)}:{int(rng.integers(3000, 9000))}"
        seen[url] = None
    return list(seen)


def _tag_names(rng: np.random.Generator, n: int) -> list[str]:
    names: dict[str, None] = {}
    i = 0
    while len(names) < n:
        w = TAG_WORDS[i % len(TAG_WORDS)]
        name = w if i < len(TAG_WORDS) else f"{w}-{i // len(TAG_WORDS):02d}"
        if i % 7 == 3:
            name = name.upper()
        names.setdefault(name, None)
        i += 1
    return list(names)


def generate(path: str, n_accounts: int = 10_000, n_tags: int = 200, n_origins: int = 300,
             dup_share: float = 0.05, seed: int = 7) -> dict[str, int]:
    """Create ``path`` (which must not exist) with the generated data; returns a few counts."""
    rng = np.random.default_rng(seed)
    store = Store(path)  # runs the migrations and writes the key check
    origins = _origins(rng, n_origins)

    n_dup = round(n_accounts * dup_share)
    n_base = n_accounts - n_dup

    # Base accounts: unique (origin, user id) pairs; ~1% "auth none" accounts without user id.
    o_idx = rng.integers(0, len(origins), size=n_base)
    uid_num = rng.choice(np.arange(1, 10_000_000), size=n_base, replace=False)
    user_ids = np.where(rng.random(n_base) < 0.15,
                        np.char.add("u_", uid_num.astype(str)), uid_num.astype(str)).astype(object)
    no_uid = rng.random(n_base) < 0.01
    user_ids[no_uid] = ""
    site_url = np.array(origins, dtype=object)[o_idx]

    # Duplicates: copy origin + user id of a random base account that has a user id.
    pool = np.flatnonzero(~no_uid)
    src = rng.choice(pool, size=n_dup, replace=True)
    site_url = np.concatenate([site_url, site_url[src]])
    user_ids = np.concatenate([user_ids, user_ids[src]])
    # Duplicates sometimes carry a padded user id (the scan trims it).
    pad = np.zeros(n_accounts, dtype=bool)
    pad[n_base:] = rng.random(n_dup) < 0.1
    user_ids = np.where(pad, np.char.add(" ", user_ids.astype(str)), user_ids).astype(object)
    perm = rng.permutation(n_accounts)  # interleave duplicates with the rest
    site_url, user_ids = site_url[perm], user_ids[perm]

    n = n_accounts
    host = pd.Series(site_url).str.replace(r"^https?://(www\.|api\.|relay\.|panel\.)?", "", regex=True)
    site_name = (host.str.split(".").str[0].str.capitalize()
                 + np.where(rng.random(n) < 0.4, " " + rng.choice(_WORDS, size=n), ""))
    username = np.char.add(rng.choice(_WORDS, size=n), rng.integers(1, 999, size=n).astype(str))
    username = np.where(rng.random(n) < 0.05, "", username)
    auth_type = np.where(pd.Series(user_ids).str.strip().to_numpy() == "", "none",
                         np.where(rng.random(n) < 0.8, "access_token", "cookie"))
    hint = np.where(auth_type == "none", "",
                    np.char.add("sk-…", rng.integers(1000, 9999, size=n).astype(str)))
    health = rng.choice(["healthy", "warning", "error", "unknown"], size=n, p=[0.6, 0.15, 0.1, 0.15])
    reason = np.select([health == "warning", health == "error"],
                       ["balance low", "HTTP 401: token expired"], "")
    never_synced = (health == "unknown") & (rng.random(n) < 0.7)
    quota = np.round(rng.lognormal(mean=np.log(5 * QUOTA_PER_USD), sigma=1.5, size=n)).astype("int64")
    quota[rng.random(n) < 0.05] = 0
    manual = np.where(rng.random(n) < 0.02, np.round(rng.uniform(0, 200, size=n), 2), np.nan)
    stats_age = np.where(rng.random(n) < 0.85, 0, rng.integers(1, 30, size=n))
    stats_age = np.where(never_synced, -1, stats_age)  # -1: never collected
    avail = rng.choice(["complete", "partial", "unavailable"], size=(n, 4), p=[0.7, 0.15, 0.15])
    cons = np.round(rng.exponential(0.5 * QUOTA_PER_USD, size=n)).astype("int64")
    inc = np.round(rng.exponential(0.1 * QUOTA_PER_USD, size=n)).astype("int64")
    prompt_tok = rng.integers(0, 5_000_000, size=n)
    compl_tok = rng.integers(0, 1_000_000, size=n)
    requests = rng.integers(0, 5_000, size=n)
    checkin_supported = rng.choice(np.array([True, False, None], dtype=object), size=n, p=[0.6, 0.2, 0.2])
    checkin_status = rng.choice(["checked", "not_checked", "failed", "unknown"], size=n, p=[0.5, 0.3, 0.05, 0.15])
    checkin_age = np.where(rng.random(n) < 0.7, 0, rng.integers(1, 10, size=n))
    checkin_url = np.where(rng.random(n) < 0.1, np.char.add(site_url.astype(str), "/console/checkin"), "")
    redeem_url = np.where(rng.random(n) < 0.05, np.char.add(site_url.astype(str), "/console/topup"), "")
    custom_ci_age = np.where((checkin_url != "") & (rng.random(n) < 0.5), rng.integers(0, 3, size=n), -1)
    notes = np.where(rng.random(n) < 0.2,
                     np.char.add("note: ", rng.choice(_WORDS, size=n)), "")
    rate = np.where(rng.random(n) < 0.8, 7.2, np.round(rng.uniform(6.8, 7.4, size=n), 4))
    created_days = rng.uniform(0, 400, size=n)
    updated_days = created_days * rng.random(n)

    accounts = pd.DataFrame({
        "id": np.arange(1, n + 1, dtype="int64"),
        "site_name": site_name.astype(object), "site_url": site_url, "site_type": rng.choice(SITE_TYPES, size=n),
        "user_id": user_ids, "username": username.astype(object), "auth_type": auth_type.astype(object),
        "secret_hint": hint.astype(object), "notes": notes.astype(object), "exchange_rate": rate,
        "disabled": rng.random(n) < 0.1,
        "exclude_from_total_balance": rng.random(n) < 0.03,
        "exclude_from_today_income": rng.random(n) < 0.03,
        "manual_balance_usd": manual, "auto_checkin": rng.random(n) < 0.8,
        "checkin_url": checkin_url.astype(object), "redeem_url": redeem_url.astype(object),
        "checkin_supported": checkin_supported, "checkin_status": checkin_status.astype(object),
        "checkin_age": checkin_age.astype("int64"), "custom_ci_age": custom_ci_age.astype("int64"),
        "health_status": health.astype(object), "health_reason": reason.astype(object),
        "quota": quota, "today_consumption": cons, "today_income": inc,
        "today_prompt_tokens": prompt_tok, "today_completion_tokens": compl_tok, "today_requests": requests,
        "consumption_availability": avail[:, 0].astype(object), "income_availability": avail[:, 1].astype(object),
        "tokens_availability": avail[:, 2].astype(object), "requests_availability": avail[:, 3].astype(object),
        "stats_age": stats_age.astype("int64"),
        "created_s": (created_days * 86400).astype("int64"), "updated_s": (updated_days * 86400).astype("int64"),
        "never_synced": never_synced,
    })

    tag_names = _tag_names(rng, n_tags)
    tags = pd.DataFrame({"id": np.arange(1, n_tags + 1, dtype="int64"), "name": tag_names,
                         "name_key": [t.casefold() for t in tag_names]})
    # 0-5 tags per account, popular tags more likely (Zipf-ish weights).
    per = rng.integers(0, 6, size=n)
    w = 1.0 / np.arange(1, n_tags + 1) ** 0.8
    w /= w.sum()
    links_a, links_t = [], []
    for aid, k in zip(accounts["id"].to_numpy(), per, strict=False):
        if k:
            links_a.extend([aid] * k)
            links_t.extend(rng.choice(n_tags, size=k, replace=False, p=w) + 1)
    account_tags = pd.DataFrame({"account_id": np.array(links_a, dtype="int64"),
                                 "tag_id": np.array(links_t, dtype="int64")})
    pinned_ids = rng.choice(accounts["id"].to_numpy(), size=max(1, n // 33), replace=False)
    pins = pd.DataFrame({"account_id": pinned_ids, "seq": np.arange(1, len(pinned_ids) + 1, dtype="int64")})
    ordered_ids = rng.choice(accounts["id"].to_numpy(), size=max(1, n // 20), replace=False)
    manual_order = pd.DataFrame({"account_id": ordered_ids, "position": np.arange(len(ordered_ids), dtype="int32")})

    with store.write() as con:
        con.register("g_accounts", accounts)
        con.register("g_tags", tags)
        con.register("g_links", account_tags)
        con.register("g_pins", pins)
        con.register("g_order", manual_order)
        con.execute("""
            INSERT INTO accounts (id, site_name, site_url, site_type, user_id, username, auth_type,
                secret_hint, notes, exchange_rate, disabled, exclude_from_total_balance,
                exclude_from_today_income, manual_balance_usd, auto_checkin, checkin_url, redeem_url,
                checkin_supported, checkin_status, checkin_date, custom_checkin_date, health_status,
                health_reason, quota, today_consumption, today_income, today_prompt_tokens,
                today_completion_tokens, today_requests, consumption_availability, income_availability,
                tokens_availability, requests_availability, stats_reason, stats_date, created_at,
                updated_at, user_updated_at, last_sync_time)
            SELECT id, site_name, site_url, site_type, user_id, username, auth_type, secret_hint, notes,
                exchange_rate, disabled, exclude_from_total_balance, exclude_from_today_income,
                manual_balance_usd, auto_checkin, checkin_url, redeem_url, checkin_supported,
                CASE WHEN checkin_supported IS NULL THEN 'unknown' ELSE checkin_status END,
                CASE WHEN checkin_supported IS NULL THEN NULL ELSE current_date - CAST(checkin_age AS INTEGER) END,
                CASE WHEN custom_ci_age < 0 THEN NULL ELSE current_date - CAST(custom_ci_age AS INTEGER) END,
                health_status, health_reason, quota,
                CASE WHEN stats_age >= 0 THEN today_consumption END,
                CASE WHEN stats_age >= 0 THEN today_income END,
                CASE WHEN stats_age >= 0 THEN today_prompt_tokens END,
                CASE WHEN stats_age >= 0 THEN today_completion_tokens END,
                CASE WHEN stats_age >= 0 THEN today_requests END,
                CASE WHEN stats_age >= 0 THEN consumption_availability ELSE 'unavailable' END,
                CASE WHEN stats_age >= 0 THEN income_availability ELSE 'unavailable' END,
                CASE WHEN stats_age >= 0 THEN tokens_availability ELSE 'unavailable' END,
                CASE WHEN stats_age >= 0 THEN requests_availability ELSE 'unavailable' END,
                CASE WHEN stats_age >= 0 THEN 'ok' ELSE 'not_collected' END,
                CASE WHEN stats_age >= 0 THEN current_date - CAST(stats_age AS INTEGER) END,
                now() - to_seconds(created_s), now() - to_seconds(updated_s), now() - to_seconds(updated_s),
                CASE WHEN never_synced THEN NULL
                     ELSE now() - to_seconds(greatest(stats_age, 0) * 86400 + (id % 3600)) END
            FROM g_accounts ORDER BY id""")
        con.execute("INSERT INTO tags (id, name, name_key) SELECT id, name, name_key FROM g_tags ORDER BY id")
        con.execute("INSERT INTO account_tags SELECT account_id, tag_id FROM g_links")
        con.execute("INSERT INTO pins SELECT account_id, seq FROM g_pins")
        con.execute("INSERT INTO manual_order SELECT account_id, position FROM g_order")
        # Explicit ids bypassed the sequences: move them past the data so later inserts still work.
        con.execute(f"SELECT max(nextval('account_id_seq')) FROM range({n})").fetchall()
        con.execute(f"SELECT max(nextval('tag_id_seq')) FROM range({n_tags})").fetchall()
        con.execute(f"SELECT max(nextval('pin_seq')) FROM range({len(pins)})").fetchall()
        for name in ("g_accounts", "g_tags", "g_links", "g_pins", "g_order"):
            con.unregister(name)
    with store.read() as con:
        dup_rows = con.execute("""
            SELECT coalesce(sum(c), 0) FROM (SELECT count(*) AS c FROM accounts WHERE trim(user_id) <> ''
            GROUP BY site_url, trim(user_id) HAVING count(*) > 1)""").fetchone()[0]
        origins_used = con.execute("SELECT count(DISTINCT site_url) FROM accounts").fetchone()[0]
    return {"accounts": n, "tags": n_tags, "tag_links": len(account_tags), "pins": len(pins),
            "manual_order": len(manual_order), "origins": int(origins_used),
            "accounts_in_duplicate_sets": int(dup_rows)}


_MODELS = ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "o3-mini", "claude-3-5-sonnet", "claude-3-7-sonnet",
           "claude-sonnet-4", "claude-opus-4", "gemini-2.0-flash", "gemini-2.5-pro", "deepseek-chat",
           "deepseek-reasoner", "qwen-max", "glm-4", "kimi-k2", "grok-3", "llama-3.3-70b", "mistral-large"]


def fill_history(store: Store, days: int = 30, usage_rows: int | None = None,
                 usage_days: int = 90) -> dict[str, int]:
    """Give an account store the history a daily refresh and the usage sync leave (unless it has
    some already): one balance snapshot per day for ``days`` days of every account refreshed at
    least once (its quota drifting around today's, with the day's consumption and income), and
    ``usage_rows`` consume-log rows (default 10 per account) over ``usage_days`` days, spread over a
    fifth of the accounts (those with usage) with a few keys each and a skewed model mix, stored in
    time order as the hourly syncs append them."""
    n_usage = usage_rows
    with store.write() as con:
        have = con.execute("SELECT (SELECT count(*) FROM balance_snapshots), (SELECT count(*) FROM usage_logs)"
                           ).fetchone()
        n_acc = con.execute("SELECT count(*) FROM accounts").fetchone()[0]
        if n_usage is None:
            n_usage = 10 * int(n_acc)
        if not have[0]:
            con.execute(f"""
                INSERT INTO balance_snapshots (account_id, day, quota, subscription_quota, consumption, income,
                                               income_estimated, captured_at, source, prev_quota, linked)
                -- each row linked to the account's day before, as history.record_snapshots keeps them
                SELECT *, lag(q) OVER (PARTITION BY id ORDER BY day), true FROM (
                SELECT a.id, current_date - d.n AS day,
                       greatest(0, a.quota + CAST((CAST(hash(a.id, d.n) % 2001 AS BIGINT) - 1000) * d.n * a.quota / 200000 AS BIGINT)) AS q,
                       a.subscription_quota,
                       CAST(hash(a.id, d.n, 1) % 400000 AS BIGINT),
                       CASE WHEN hash(a.id, d.n, 2) % 4 = 0 THEN NULL ELSE CAST(hash(a.id, d.n, 3) % 100000 AS BIGINT) END,
                       hash(a.id, d.n, 2) % 4 = 0,
                       CAST(current_date - d.n AS TIMESTAMP) + INTERVAL 8 HOUR, 'refresh'
                FROM accounts a, (SELECT CAST(range AS INTEGER) AS n FROM range(0, {int(days)})) d
                WHERE a.last_sync_time IS NOT NULL) ORDER BY day, id""")
        if not have[1] and n_usage:
            models = "[" + ", ".join(f"'{m}'" for m in _MODELS) + "]"
            # accounts with usage: every fifth one; each row picks one of them, a model (skewed to the
            # first few), one of three keys and a time in the window
            con.execute(f"""
                INSERT INTO usage_logs (account_id, created_at, ts, model, token_id, token_name, requests,
                                        prompt_tokens, completion_tokens, quota, latency_s, source, fingerprint)
                SELECT acc, e, make_timestamp(e * 1000000), m, CAST(k AS VARCHAR), 'key-' || k, 1,
                       CAST(hash(i, 1) % 8000 AS BIGINT), CAST(hash(i, 2) % 2000 AS BIGINT),
                       CAST(hash(i, 3) % 60000 AS BIGINT), (hash(i, 4) % 3000) / 100.0, 'log', md5(CAST(i AS VARCHAR))
                FROM (SELECT i, 1 + 5 * CAST(hash(i) % greatest(1, {int(n_acc)} // 5) AS BIGINT) AS acc,
                             CAST(epoch(now()) AS BIGINT) - CAST(hash(i, 5) % ({int(usage_days)} * 86400) AS BIGINT) AS e,
                             {models}[1 + CAST(floor(pow((hash(i, 6) % 10000) / 10000.0, 2.5) * {len(_MODELS)}) AS INTEGER)] AS m,
                             hash(i, 7) % 3 AS k
                      FROM range({int(n_usage)}) r(i))
                WHERE acc <= {int(n_acc)}
                ORDER BY e""")  # in time order, as the hourly syncs append them
        got = con.execute("SELECT (SELECT count(*) FROM balance_snapshots), (SELECT count(*) FROM usage_logs)"
                          ).fetchone()
    return {"balance_snapshots": int(got[0]), "usage_logs": int(got[1])}


def fill_rooms(store: Store, keys_per_account: int = 2, models_per_account: int = 10) -> dict[str, int]:
    """Give an account store what the keys, models and announcements syncs leave (unless it has
    some already): ``keys_per_account`` masked keys a refreshed account, ``models_per_account``
    models (of ``_MODELS``, priced per token, every third per call, at a ratio that varies by
    site) with two usable groups each, and three announcements a site (one read)."""
    with store.write() as con:
        have = con.execute("SELECT (SELECT count(*) FROM api_keys), (SELECT count(*) FROM model_prices), "
                           "(SELECT count(*) FROM notices)").fetchone()
        if not have[0]:
            con.execute(f"""
                INSERT INTO api_keys (account_id, key_id, name, masked_key, key_group, site_status, unlimited,
                                      remain_quota, used_quota, expires_at, created_at, accessed_at, fetched_at)
                SELECT a.id, CAST(a.id * 10 + k AS VARCHAR), 'key-' || k,
                       substr(md5(CAST(a.id * 10 + k AS VARCHAR)), 1, 4) || '**********' ||
                       substr(md5(CAST(a.id * 10 + k AS VARCHAR)), 29, 4),
                       CASE WHEN k = 1 THEN 'default' ELSE 'vip' END, 1, k = 1,
                       CASE WHEN k = 1 THEN 0 ELSE CAST(hash(a.id, k) % 5000000 AS BIGINT) END,
                       CAST(hash(a.id, k, 1) % 500000 AS BIGINT), NULL, now() - INTERVAL 30 DAY, now(), now()
                FROM accounts a, range(1, {int(keys_per_account) + 1}) r(k)
                WHERE a.last_sync_time IS NOT NULL""")
            con.execute("INSERT INTO key_syncs SELECT DISTINCT account_id, now() FROM api_keys")
        if not have[1]:
            models = "[" + ", ".join(f"'{m}'" for m in _MODELS) + "]"
            con.execute(f"""
                INSERT INTO model_prices (account_id, model, vendor, billing, model_ratio, completion_ratio,
                                          model_price, enable_groups, endpoints, fetched_at)
                SELECT a.id, {models}[1 + CAST((hash(a.site_url) + m) % {len(_MODELS)} AS INTEGER)], 'Vendor',
                       CASE WHEN m % 3 = 2 THEN 'call' ELSE 'tokens' END,
                       CASE WHEN m % 3 = 2 THEN NULL ELSE 0.5 + (hash(a.site_url, m) % 300) / 100.0 END,
                       CASE WHEN m % 3 = 2 THEN NULL ELSE 4.0 END,
                       CASE WHEN m % 3 = 2 THEN 0.01 + (hash(a.site_url, m) % 10) / 100.0 END,
                       [], ['openai'], now()
                FROM accounts a, range(0, {int(models_per_account)}) r(m)
                WHERE a.last_sync_time IS NOT NULL""")
            con.execute("""
                INSERT INTO account_groups (account_id, grp, description, ratio, usable, fetched_at)
                SELECT DISTINCT account_id, g, g, CASE WHEN g = 'vip' THEN 0.8 ELSE 1.0 END, true, now()
                FROM model_prices, (VALUES ('default'), ('vip')) v(g)""")
            con.execute("INSERT INTO model_syncs SELECT account_id, now(), true, count(*) FROM model_prices "
                        "GROUP BY account_id")
            rebuild_offers(con)  # what store_models does for each account it stores
        if not have[2]:
            con.execute("""
                INSERT INTO notices (notice_id, site_key, origin, account_id, source, title, text, published_at,
                                     first_seen, last_seen, read)
                SELECT md5(o.site_url || n), 'notice:new-api:' || o.site_url, o.site_url, o.id, 'notice',
                       'Announcement ' || n, 'Maintenance tonight. **Top up** before the end of the month.',
                       now() - INTERVAL (n) DAY, now(), now(), n = 3
                FROM (SELECT site_url, min(id) AS id FROM accounts GROUP BY site_url) o, range(1, 4) r(n)""")
        got = con.execute("SELECT (SELECT count(*) FROM api_keys), (SELECT count(*) FROM model_prices), "
                          "(SELECT count(*) FROM notices)").fetchone()
    return {"api_keys": int(got[0]), "model_prices": int(got[1]), "notices": int(got[2])}


if __name__ == "__main__":
    import sys
    print(generate(sys.argv[1]))
