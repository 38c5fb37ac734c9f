"""Numbered schema migrations, each applied in one transaction with its bookkeeping row.

DuckDB has no ``PRAGMA user_version``, so ``schema_migrations`` records what ran (modelled on
sqlite-utils' ``Migrations``). Add a migration by appending a function to ``MIGRATIONS``;
never edit one that has shipped. Link tables carry no PRIMARY KEY on purpose: DuckDB checks
unique indexes eagerly inside a transaction, so "delete then re-insert the same pair" would fail.

``schema_migrations`` is created inside the first migration's transaction, so a failed first
migration leaves nothing at all. A DuckDB file that holds tables but no allhub bookkeeping
belongs to another program: ``migrate`` refuses it (``ForeignDatabase``) and changes nothing.
Looking at versions (``applied_versions``, ``pending_versions``, ``bookkeeping``) never writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from allhub_core.errors import StoreError
from allhub_core.origin import origin_key
from allhub_core.store import _schema_rooms, _schema_use
from allhub_core.store.bookkeeping import applied_versions, classify, ensure_table

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "ForeignDatabase", "applied_versions", "classify", "migrate",
           "pending_versions"]


class ForeignDatabase(StoreError):
    """A DuckDB database of another program: allhub will not add its tables to it."""


def _m001_initial(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        CREATE TABLE meta (
            key VARCHAR PRIMARY KEY,
            value VARCHAR,
            value_blob BLOB
        )""")
    con.execute("CREATE SEQUENCE account_id_seq START 1")
    con.execute("""
        CREATE TABLE accounts (
            id BIGINT PRIMARY KEY DEFAULT nextval('account_id_seq'),
            site_name VARCHAR NOT NULL DEFAULT '',
            site_url VARCHAR NOT NULL,
            site_type VARCHAR NOT NULL DEFAULT 'unknown',
            user_id VARCHAR NOT NULL DEFAULT '',
            username VARCHAR NOT NULL DEFAULT '',
            auth_type VARCHAR NOT NULL DEFAULT 'access_token',
            access_token_enc BLOB,
            cookie_enc BLOB,
            refresh_token_enc BLOB,
            secret_hint VARCHAR NOT NULL DEFAULT '',
            notes VARCHAR NOT NULL DEFAULT '',
            exchange_rate DOUBLE NOT NULL DEFAULT 7.2,
            disabled BOOLEAN NOT NULL DEFAULT false,
            exclude_from_total_balance BOOLEAN NOT NULL DEFAULT false,
            exclude_from_today_income BOOLEAN NOT NULL DEFAULT false,
            manual_balance_usd DOUBLE,
            auto_checkin BOOLEAN NOT NULL DEFAULT true,
            checkin_url VARCHAR NOT NULL DEFAULT '',
            redeem_url VARCHAR NOT NULL DEFAULT '',
            checkin_supported BOOLEAN,
            checkin_status VARCHAR NOT NULL DEFAULT 'unknown',
            checkin_date DATE,
            custom_checkin_date DATE,
            health_status VARCHAR NOT NULL DEFAULT 'unknown',
            health_reason VARCHAR NOT NULL DEFAULT '',
            quota BIGINT NOT NULL DEFAULT 0,
            today_consumption BIGINT,
            today_income BIGINT,
            today_prompt_tokens BIGINT,
            today_completion_tokens BIGINT,
            today_requests BIGINT,
            consumption_availability VARCHAR NOT NULL DEFAULT 'unavailable',
            income_availability VARCHAR NOT NULL DEFAULT 'unavailable',
            tokens_availability VARCHAR NOT NULL DEFAULT 'unavailable',
            requests_availability VARCHAR NOT NULL DEFAULT 'unavailable',
            stats_reason VARCHAR NOT NULL DEFAULT 'not_collected',
            stats_date DATE,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            user_updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            last_sync_time TIMESTAMPTZ
        )""")
    con.execute("CREATE SEQUENCE tag_id_seq START 1")
    con.execute("""
        CREATE TABLE tags (
            id BIGINT PRIMARY KEY DEFAULT nextval('tag_id_seq'),
            name VARCHAR NOT NULL,
            name_key VARCHAR NOT NULL UNIQUE,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )""")
    con.execute("CREATE TABLE account_tags (account_id BIGINT NOT NULL, tag_id BIGINT NOT NULL)")
    # Pinned accounts: newest pin first (highest seq first).
    con.execute("CREATE SEQUENCE pin_seq START 1")
    con.execute("CREATE TABLE pins (account_id BIGINT NOT NULL, seq BIGINT NOT NULL)")
    # Manual order: lower position first; accounts without a row come after those with one.
    con.execute("CREATE TABLE manual_order (account_id BIGINT NOT NULL, position INTEGER NOT NULL)")
    con.execute("CREATE TABLE preferences (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)")


def _m002_checkin_log(con: duckdb.DuckDBPyConnection) -> None:
    # One row per check-in attempt: the Check-in page shows today's, the CLI prints them.
    con.execute("CREATE SEQUENCE checkin_log_seq START 1")
    con.execute("""
        CREATE TABLE checkin_log (
            id BIGINT PRIMARY KEY DEFAULT nextval('checkin_log_seq'),
            account_id BIGINT NOT NULL,
            day DATE NOT NULL DEFAULT current_date,
            attempted_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            result VARCHAR NOT NULL,
            message VARCHAR NOT NULL DEFAULT '',
            checkin_url VARCHAR
        )""")


def _m003_normalise_site_urls(con: duckdb.DuckDBPyConnection) -> None:
    # The site-address rules grew (NFKC, IDNA, compressed IPv6): a Unicode host and its punycode
    # are one site. Stored addresses are rewritten to the current origin so duplicate checks,
    # search and the per-origin limits see one site; an address the rules now refuse is kept.
    for aid, url in con.execute("SELECT id, site_url FROM accounts").fetchall():
        try:
            key = origin_key(url)
        except ValueError:
            continue
        if key and key != url:
            con.execute("UPDATE accounts SET site_url = ? WHERE id = ?", [key, aid])


def _m004_checkin_method_subscription(con: duckdb.DuckDBPyConnection) -> None:
    # Issue 8: how each account checks in ('auto' = the site family's built-in; 'custom' = the
    # JSON request in checkin_request; 'none' = never), and New API's subscription quota, kept
    # beside the wallet balance (NULL: the site has no subscriptions or did not say).
    con.execute("ALTER TABLE accounts ADD COLUMN checkin_method VARCHAR NOT NULL DEFAULT 'auto'")
    con.execute("ALTER TABLE accounts ADD COLUMN checkin_request VARCHAR NOT NULL DEFAULT ''")
    con.execute("ALTER TABLE accounts ADD COLUMN subscription_quota BIGINT")


def _m005_history(con: duckdb.DuckDBPyConnection) -> None:
    # Issue 10, history and analytics. No keys or indexes (see the module docstring): the
    # history room writes a day's snapshot as "delete then insert" and de-duplicates usage
    # rows by fingerprint itself, inside the writing transaction.
    # One balance snapshot per account per local day; money in quota units. income_estimated:
    # the site gave no income, so it is today's balance minus yesterday's plus consumption.
    con.execute("""
        CREATE TABLE balance_snapshots (
            account_id BIGINT NOT NULL,
            day DATE NOT NULL,
            quota BIGINT,
            subscription_quota BIGINT,
            consumption BIGINT,
            income BIGINT,
            income_estimated BOOLEAN NOT NULL DEFAULT false,
            captured_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            source VARCHAR NOT NULL DEFAULT 'refresh'
        )""")
    # Consume-log rows (source 'log') or hourly aggregates (source 'hourly', requests > 1);
    # created_at in epoch seconds as the site gave it, ts the same instant in local time.
    con.execute("""
        CREATE TABLE usage_logs (
            account_id BIGINT NOT NULL,
            created_at BIGINT NOT NULL,
            ts TIMESTAMP NOT NULL,
            model VARCHAR NOT NULL DEFAULT '',
            token_id VARCHAR NOT NULL DEFAULT '',
            token_name VARCHAR NOT NULL DEFAULT '',
            requests INTEGER NOT NULL DEFAULT 1,
            prompt_tokens BIGINT NOT NULL DEFAULT 0,
            completion_tokens BIGINT NOT NULL DEFAULT 0,
            quota BIGINT NOT NULL DEFAULT 0,
            latency_s DOUBLE,
            source VARCHAR NOT NULL DEFAULT 'log',
            fingerprint VARCHAR NOT NULL
        )""")
    # Where each account's usage sync stands: rows up to last_ts are stored; backlog_end is the
    # oldest time read by a run that was cut short (its older rows are read next).
    con.execute("""
        CREATE TABLE usage_sync_state (
            account_id BIGINT NOT NULL,
            last_ts BIGINT,
            backlog_end BIGINT,
            status VARCHAR NOT NULL DEFAULT '',
            message VARCHAR NOT NULL DEFAULT '',
            rows_added BIGINT NOT NULL DEFAULT 0,
            synced_at TIMESTAMPTZ
        )""")


def _m006_transfer(con: duckdb.DuckDBPyConnection) -> None:
    # Issue 9 (import/export): the extension's account id (stable across round trips; a new row
    # gets a fresh one), the extension fields we have no column for (JSON, written back on
    # export), bookmarks, and deleted-entry records (tombstones) so a merge resurrects nothing.
    con.execute("ALTER TABLE accounts ADD COLUMN ext_id VARCHAR DEFAULT ('account-' || gen_random_uuid()::VARCHAR)")
    con.execute("ALTER TABLE accounts ADD COLUMN ext_extra VARCHAR NOT NULL DEFAULT '{}'")
    con.execute("""
        CREATE TABLE bookmarks (
            id VARCHAR NOT NULL,
            name VARCHAR NOT NULL,
            url VARCHAR NOT NULL,
            notes VARCHAR NOT NULL DEFAULT '',
            tags VARCHAR[] NOT NULL DEFAULT []::VARCHAR[],
            pin_seq BIGINT,
            position INTEGER,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )""")
    # kind 'account' or 'bookmark'; times in epoch milliseconds, as the extension writes them.
    con.execute("""
        CREATE TABLE tombstones (
            id VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            deleted_at BIGINT NOT NULL,
            entry_updated_at BIGINT NOT NULL DEFAULT 0
        )""")


def _m007_automation(con: duckdb.DuckDBPyConnection) -> None:
    # Issue 11, automation (allhub_core.automation). No keys on the log tables (see the module
    # docstring): runs are updated while they go (progress, heartbeat) and their results added.
    # The run log: one row per job run; times are the scheduler clock's, counts/notify JSON.
    con.execute("CREATE SEQUENCE automation_run_seq START 1")
    con.execute("""
        CREATE TABLE automation_runs (
            id BIGINT NOT NULL DEFAULT nextval('automation_run_seq'),
            job VARCHAR NOT NULL,
            trigger VARCHAR NOT NULL,
            status VARCHAR NOT NULL DEFAULT 'running',
            day DATE,
            holder VARCHAR NOT NULL DEFAULT '',
            started_at TIMESTAMPTZ NOT NULL,
            finished_at TIMESTAMPTZ,
            heartbeat_at TIMESTAMPTZ,
            done INTEGER NOT NULL DEFAULT 0,
            total INTEGER NOT NULL DEFAULT 0,
            counts VARCHAR NOT NULL DEFAULT '{}',
            summary VARCHAR NOT NULL DEFAULT '',
            notify VARCHAR NOT NULL DEFAULT '[]'
        )""")
    # Per-account results of a run; day is the local day of the run (check-ins once a day).
    con.execute("""
        CREATE TABLE automation_run_results (
            run_id BIGINT NOT NULL,
            account_id BIGINT,
            name VARCHAR NOT NULL DEFAULT '',
            ok BOOLEAN NOT NULL,
            result VARCHAR NOT NULL DEFAULT '',
            message VARCHAR NOT NULL DEFAULT '',
            day DATE,
            recorded_at TIMESTAMPTZ
        )""")
    # The scheduler lease: one row per name ('scheduler'); a holder renews it with a heartbeat.
    con.execute("""
        CREATE TABLE automation_lease (
            name VARCHAR NOT NULL,
            holder VARCHAR NOT NULL,
            acquired_at TIMESTAMPTZ NOT NULL,
            heartbeat_at TIMESTAMPTZ NOT NULL,
            expires_at TIMESTAMPTZ NOT NULL
        )""")
    # Settings (JSON values over the defaults in code) and the scheduler's state: the day's
    # chosen check-in time, the day's daily run, last run times per job.
    con.execute("CREATE TABLE automation_settings (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)")
    con.execute("CREATE TABLE automation_state (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)")


def _m008_notify(con: duckdb.DuckDBPyConnection) -> None:
    # Issue 11, notifications (allhub_core.automation.notify). A channel is one Apprise URL,
    # encrypted (it holds bot tokens, webhook keys, SMTP passwords); the rest is plain.
    con.execute("CREATE SEQUENCE notify_channel_seq START 1")
    con.execute("""
        CREATE TABLE notify_channels (
            id BIGINT PRIMARY KEY DEFAULT nextval('notify_channel_seq'),
            name VARCHAR NOT NULL UNIQUE,
            kind VARCHAR NOT NULL,
            url_enc BLOB NOT NULL,
            policy VARCHAR NOT NULL DEFAULT 'always',
            jobs VARCHAR NOT NULL DEFAULT 'refresh,checkin',
            daily_summary BOOLEAN NOT NULL DEFAULT false,
            enabled BOOLEAN NOT NULL DEFAULT true,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            last_sent_at TIMESTAMPTZ,
            last_ok BOOLEAN,
            last_message VARCHAR NOT NULL DEFAULT ''
        )""")
    # Digests of the last run per channel and job (the "change" policy), the day the daily
    # summary went out, its time, and the last run of each job (for the summary).
    con.execute("CREATE TABLE notify_state (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)")


def _m009_no_future_dates(con: duckdb.DuckDBPyConnection) -> None:
    # Issue 16: a backup's deletion records (and other times) dated in the future were stored as
    # they came; a deletion dated next year refuses the account until then. Every time an import
    # wrote is moved down to now when it lies more than 5 minutes ahead (the skew imports allow
    # now, transfer.times); a day after tomorrow is forgotten. Tombstones are epoch milliseconds.
    now_ms = "CAST(epoch_ms(now()) AS BIGINT)"
    for col in ("deleted_at", "entry_updated_at"):
        con.execute(f"UPDATE tombstones SET {col} = {now_ms} WHERE {col} > {now_ms} + 300000")
    for table, cols in (("accounts", ("created_at", "updated_at", "user_updated_at", "last_sync_time")),
                        ("tags", ("created_at", "updated_at")), ("bookmarks", ("created_at", "updated_at"))):
        for col in cols:
            con.execute(f"UPDATE {table} SET {col} = now() WHERE {col} > now() + INTERVAL 5 MINUTE")
    for col in ("checkin_date", "custom_checkin_date", "stats_date"):
        con.execute(f"UPDATE accounts SET {col} = NULL WHERE {col} > current_date + 1")


def _m010_sites(con: duckdb.DuckDBPyConnection) -> None:
    # Issue 18: what we know of each site (one row per origin, ``accounts.site_profiles``): the
    # user's own request window for it (NULL: the default), or one a 429 lowered it to (source
    # '429'; never raised silently); and whether it sells subscription plans, probed again daily.
    con.execute("""
        CREATE TABLE sites (
            origin VARCHAR PRIMARY KEY,
            window_requests INTEGER,
            window_s DOUBLE,
            window_source VARCHAR,
            window_changed_at TIMESTAMPTZ,
            has_plans BOOLEAN,
            plans_probed_at TIMESTAMPTZ
        )""")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[duckdb.DuckDBPyConnection], None]


MIGRATIONS: list[Migration] = [
    Migration(1, "initial accounts, tags, pins, order, preferences", _m001_initial),
    Migration(2, "check-in log", _m002_checkin_log),
    Migration(3, "site addresses in the current normal form (NFKC, IDNA)", _m003_normalise_site_urls),
    Migration(4, "check-in method per account; subscription quota", _m004_checkin_method_subscription),
    Migration(5, "history: balance snapshots, usage logs, usage sync state", _m005_history),
    Migration(6, "transfer: extension account ids and extras, bookmarks, tombstones", _m006_transfer),
    Migration(7, "automation: run log, run results, scheduler lease, settings and state", _m007_automation),
    Migration(8, "notifications: channels (URLs encrypted), change digests, daily summary", _m008_notify),
    Migration(9, "no stored date from the future (times from backup files moved down to now)", _m009_no_future_dates),
    Migration(10, "sites: a request window per site, and whether it has subscription plans", _m010_sites),
    Migration(11, "keys: each account's API keys (masked; a kept secret sealed) and when they were fetched",
              _schema_rooms.m011_keys),
    Migration(12, "models: each account's model prices and groups, model syncs, models added and removed",
              _schema_rooms.m012_models),
    Migration(13, "look-alike duplicates: the pairs the user kept", _schema_rooms.m013_lookalike_kept),
    Migration(14, "notices: site announcements with their read state, and each site's announcement sync",
              _schema_rooms.m014_notices),
    Migration(15, "check-in reasons: a reason code on each check-in log row and automated check-in result",
              _schema_rooms.m015_checkin_reasons),
    Migration(16, "redemptions: each code sent to an account, its outcome and credited amount",
              _schema_use.m016_redemptions),
    Migration(17, "credentials: standalone API keys (sealed) and their checks", _schema_use.m017_credentials),
    Migration(18, "re-login check-in: an opt-in stored login per account (password sealed)",
              _schema_use.m018_account_logins),
    Migration(19, "model offers: each account's models priced per group when stored (the Models page at scale)",
              _schema_rooms.m019_model_offers),
    Migration(20, "linked balance snapshots: each snapshot keeps the quota of the one before it (the trend at scale)",
              _schema_rooms.m020_linked_snapshots),
]
SCHEMA_VERSION = MIGRATIONS[-1].version


def pending_versions(con: duckdb.DuckDBPyConnection) -> list[int]:
    done = set(applied_versions(con))
    return [m.version for m in MIGRATIONS if m.version not in done]


def migrate(con: duckdb.DuckDBPyConnection, stop_before: int | None = None) -> list[int]:
    """Apply pending migrations in order; each with its bookkeeping row in one transaction."""
    if classify(con) == "foreign":
        raise ForeignDatabase("This is a DuckDB database of another program; allhub will not change it.")
    done = set(applied_versions(con))
    ran = []
    for m in MIGRATIONS:
        if stop_before is not None and m.version >= stop_before:
            break
        if m.version in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            ensure_table(con)  # inside the transaction: a failed first migration leaves nothing
            m.apply(con)
            con.execute(
                "INSERT INTO schema_migrations (version, name, duckdb_version) VALUES (?, ?, ?)",
                [m.version, m.name, duckdb.__version__],
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        ran.append(m.version)
    return ran
