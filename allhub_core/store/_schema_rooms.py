"""Migrations 11 to 15: the rooms of issues 19 and 21 (keys, models, look-alikes, notices,
check-in reasons). Split from ``migrations`` only for length; the list and the runner live there."""

from __future__ import annotations

import duckdb

__all__ = ["m011_keys", "m012_models", "m013_lookalike_kept", "m014_notices", "m015_checkin_reasons",
           "m019_model_offers"]


def m011_keys(con: duckdb.DuckDBPyConnection) -> None:
    # Issue 19: each account's relay API keys as its site listed them (``keys``), never their
    # secrets: ``masked_key`` only. ``secret_enc`` (sealed like every secret) is filled only when
    # the user asks to keep a revealed key. ``key_syncs``: when each account's keys were fetched
    # (an account with no keys still has its row). No primary keys: a sync deletes and re-inserts.
    con.execute("""
        CREATE TABLE api_keys (
            account_id BIGINT NOT NULL,
            key_id VARCHAR NOT NULL,
            name VARCHAR NOT NULL DEFAULT '',
            masked_key VARCHAR NOT NULL DEFAULT '',
            key_group VARCHAR NOT NULL DEFAULT '',
            site_status INTEGER,
            unlimited BOOLEAN,
            remain_quota BIGINT,
            used_quota BIGINT,
            expires_at TIMESTAMPTZ,
            created_at TIMESTAMPTZ,
            accessed_at TIMESTAMPTZ,
            model_limits_enabled BOOLEAN,
            model_limits VARCHAR,
            allow_ips VARCHAR,
            fetched_at TIMESTAMPTZ NOT NULL,
            secret_enc BLOB
        )""")
    con.execute("CREATE TABLE key_syncs (account_id BIGINT NOT NULL, fetched_at TIMESTAMPTZ NOT NULL)")


def m012_models(con: duckdb.DuckDBPyConnection) -> None:
    # Issue 19: each account's models and prices as its site priced them (``prices``), the groups
    # it can use with their ratios, when each account's models were fetched, and the models a site
    # added or removed between two syncs. The price *formulas* are SQL over these rows
    # (``prices.query``); what is stored is the site's own numbers, never a computed price, except
    # where a site gives USD directly. No primary keys: a sync deletes and re-inserts an account.
    con.execute("""
        CREATE TABLE model_prices (
            account_id BIGINT NOT NULL,
            model VARCHAR NOT NULL,
            vendor VARCHAR NOT NULL DEFAULT '',
            billing VARCHAR NOT NULL,
            model_ratio DOUBLE,
            completion_ratio DOUBLE,
            model_price DOUBLE,
            cache_ratio DOUBLE,
            create_cache_ratio DOUBLE,
            input_usd_per_1m DOUBLE,
            output_usd_per_1m DOUBLE,
            call_usd DOUBLE,
            enable_groups VARCHAR[],
            endpoints VARCHAR[],
            fetched_at TIMESTAMPTZ NOT NULL
        )""")
    con.execute("""
        CREATE TABLE account_groups (
            account_id BIGINT NOT NULL,
            grp VARCHAR NOT NULL,
            description VARCHAR NOT NULL DEFAULT '',
            ratio DOUBLE,
            usable BOOLEAN NOT NULL,
            fetched_at TIMESTAMPTZ NOT NULL
        )""")
    con.execute("""
        CREATE TABLE model_syncs (
            account_id BIGINT NOT NULL,
            fetched_at TIMESTAMPTZ NOT NULL,
            priced BOOLEAN NOT NULL,
            models INTEGER NOT NULL
        )""")
    con.execute("""
        CREATE TABLE model_changes (
            account_id BIGINT NOT NULL,
            origin VARCHAR NOT NULL,
            model VARCHAR NOT NULL,
            change VARCHAR NOT NULL,
            changed_at TIMESTAMPTZ NOT NULL
        )""")


def m013_lookalike_kept(con: duckdb.DuckDBPyConnection) -> None:
    # A look-alike pair the user kept (``accounts.lookalike``): ``account_a < account_b``; not
    # listed again. No key (see the module docstring); the writer keeps one row per pair.
    con.execute("""
        CREATE TABLE lookalike_kept (
            account_a BIGINT NOT NULL,
            account_b BIGINT NOT NULL,
            kept_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )""")


def m014_notices(con: duckdb.DuckDBPyConnection) -> None:
    # Issue 21: each site's announcements (``notices``). ``notice_id`` is the extension's identity
    # of one announcement (a digest of its site key and fingerprint, services/siteAnnouncements):
    # the same announcement seen again is the same row, so its read state holds; a new or changed
    # one is a row that is unread once. ``active``: in the site's latest answer. ``notice_sites``:
    # per site (origin) when it was last asked, what went wrong, and whether it is asked at all.
    con.execute("""
        CREATE TABLE notices (
            notice_id VARCHAR NOT NULL,
            site_key VARCHAR NOT NULL,
            origin VARCHAR NOT NULL,
            account_id BIGINT NOT NULL,
            source VARCHAR NOT NULL,
            upstream_id VARCHAR NOT NULL DEFAULT '',
            title VARCHAR NOT NULL DEFAULT '',
            text VARCHAR NOT NULL DEFAULT '',
            published_at TIMESTAMPTZ,
            first_seen TIMESTAMPTZ NOT NULL,
            last_seen TIMESTAMPTZ NOT NULL,
            changed_at TIMESTAMPTZ,
            read BOOLEAN NOT NULL DEFAULT false,
            read_at TIMESTAMPTZ,
            active BOOLEAN NOT NULL DEFAULT true
        )""")
    con.execute("""
        CREATE TABLE notice_sites (
            origin VARCHAR NOT NULL,
            enabled BOOLEAN NOT NULL DEFAULT true,
            last_synced TIMESTAMPTZ,
            last_error VARCHAR NOT NULL DEFAULT ''
        )""")


def m015_checkin_reasons(con: duckdb.DuckDBPyConnection) -> None:
    # Issue 21: why each check-in result came to be (``vocab.CheckInReason``), so a retry takes
    # only what can succeed. NULL on the rows written before: they read as "unclassified".
    con.execute("ALTER TABLE checkin_log ADD COLUMN reason VARCHAR")
    con.execute("ALTER TABLE automation_run_results ADD COLUMN reason VARCHAR")


def m019_model_offers(con: duckdb.DuckDBPyConnection) -> None:
    # Issue 18: each account's models priced per priceable group when its models are stored
    # (``prices.offers``), so the Models page reads priced rows instead of pricing every row on
    # every run. Filled here once from the rows already stored, with a frozen copy of the formula
    # of ``prices.offers`` as it stood (a later change of formula rebuilds in a migration of its own).
    con.execute("""
        CREATE TABLE model_offers (
            account_id BIGINT NOT NULL,
            model VARCHAR NOT NULL,
            model_key VARCHAR NOT NULL,
            vendor VARCHAR,
            billing VARCHAR NOT NULL,
            grp VARCHAR NOT NULL,
            group_ratio DOUBLE,
            inp DOUBLE,
            outp DOUBLE,
            per_call DOUBLE,
            cache_read DOUBLE,
            cache_write DOUBLE,
            nominal_key DOUBLE,
            best BOOLEAN NOT NULL,
            fetched_at TIMESTAMPTZ
        )""")
    con.execute("""
    INSERT INTO model_offers
    WITH grp AS (
        SELECT account_id, grp, CASE WHEN ratio >= 0 THEN ratio ELSE 1.0 END AS ratio,
               ratio IS NOT NULL AND (usable OR NOT bool_or(usable) OVER (PARTITION BY account_id)) AS priceable
        FROM account_groups WHERE true
    ),
    mp AS (
        SELECT account_id, model, lower(model) AS model_key, vendor, billing, model_ratio, completion_ratio,
               model_price, cache_ratio, create_cache_ratio, input_usd_per_1m, output_usd_per_1m, call_usd, fetched_at,
               enable_groups
        FROM model_prices WHERE true
    ),
    pairs AS (
        SELECT mp.* EXCLUDE (enable_groups), g.grp, g.ratio
        FROM mp JOIN grp g ON g.account_id = mp.account_id AND g.priceable
         AND (len(coalesce(mp.enable_groups, [])) = 0 OR list_contains(mp.enable_groups, g.grp))
        UNION ALL
        SELECT mp.* EXCLUDE (enable_groups), '' AS grp, 1.0 AS ratio
        FROM mp WHERE mp.account_id NOT IN (SELECT account_id FROM grp WHERE priceable)
    ),
    priced AS (
        SELECT p.*,
               CASE WHEN p.billing = 'tokens' THEN coalesce(p.input_usd_per_1m, p.model_ratio * 2 * p.ratio) END AS inp,
               CASE WHEN p.billing = 'tokens' THEN coalesce(p.output_usd_per_1m,
                    p.model_ratio * 2 * p.ratio * coalesce(p.completion_ratio, 1)) END AS outp,
               CASE WHEN p.billing = 'call' THEN coalesce(p.call_usd, p.model_price * p.ratio) END AS per_call
        FROM pairs p
    ),
    keyed AS (
        SELECT *,
               CASE WHEN billing = 'tokens' AND inp >= 0 AND outp >= 0
                    THEN inp * 84.54 + outp * 15.46
                    WHEN billing = 'call' AND per_call >= 0 THEN per_call END AS nominal_key
        FROM priced
    ),
    best AS (
        SELECT account_id, model, min(struct_pack(k := coalesce(nominal_key, 'Infinity'::DOUBLE), g := grp)) AS pick
        FROM keyed GROUP BY account_id, model
    )
    SELECT k.account_id, k.model, k.model_key, k.vendor, k.billing, k.grp, k.ratio AS group_ratio, k.inp, k.outp,
           k.per_call, CASE WHEN k.cache_ratio >= 0 THEN k.inp * k.cache_ratio END AS cache_read,
           CASE WHEN k.create_cache_ratio >= 0 THEN k.inp * k.create_cache_ratio END AS cache_write,
           k.nominal_key, b.pick.g = k.grp AS best, k.fetched_at
    FROM keyed k JOIN best b ON b.account_id = k.account_id AND b.model = k.model""")


def m020_linked_snapshots(con: duckdb.DuckDBPyConnection) -> None:
    # Issue 18: each balance snapshot carries the quota of the account's snapshot before it
    # (``prev_quota``, NULL on its first), so the summed balance of a day is a running sum of the
    # snapshots' changes grouped by day, without each account's latest snapshot looked up per day
    # (``history.trend``). ``linked``: the row's ``prev_quota`` is kept by ``history.record_snapshots``;
    # a row written another way (false) sends the trend back to the full computation. The table is
    # written anew with the two columns filled (an UPDATE of every row took minutes at 100,000
    # accounts), in day order, so a day's rows share a few row groups.
    con.execute("""
        CREATE TABLE balance_snapshots_linked (
            account_id BIGINT NOT NULL,
            day DATE NOT NULL,
            quota BIGINT,
            subscription_quota BIGINT,
            consumption BIGINT,
            income BIGINT,
            income_estimated BOOLEAN NOT NULL DEFAULT false,
            captured_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            source VARCHAR NOT NULL DEFAULT 'refresh',
            prev_quota BIGINT,
            linked BOOLEAN NOT NULL DEFAULT false
        )""")
    con.execute("""
        INSERT INTO balance_snapshots_linked
        SELECT account_id, day, quota, subscription_quota, consumption, income, income_estimated, captured_at, source,
               lag(quota) OVER (PARTITION BY account_id ORDER BY day), true
        FROM balance_snapshots ORDER BY day, account_id""")
    con.execute("DROP TABLE balance_snapshots")
    con.execute("ALTER TABLE balance_snapshots_linked RENAME TO balance_snapshots")
