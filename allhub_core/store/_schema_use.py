"""Migrations 16 to 18: using what the user has (issue 20: redemptions, standalone credentials)
and the re-login check-in of issue 21. Split from ``migrations`` only for length; the list and
the runner live there. Secrets are sealed BLOBs (``store.sealed``) like every other secret.
"""

from __future__ import annotations

import duckdb

__all__ = ["m016_redemptions", "m017_credentials", "m018_account_logins"]


def m016_redemptions(con: duckdb.DuckDBPyConnection) -> None:
    # Issue 20: every code sent to an account, once. ``code_hash`` (sha256 of the code as sent)
    # finds a code already used or refused without keeping it readable; ``code_enc`` keeps the
    # code sealed only while it may be retried (a network failure), and is cleared once it is
    # settled. ``outcome``: credited | used | invalid | network | error (redeem.Outcome).
    con.execute("CREATE SEQUENCE redemption_id_seq START 1")
    con.execute("""
        CREATE TABLE redemptions (
            id BIGINT PRIMARY KEY DEFAULT nextval('redemption_id_seq'),
            account_id BIGINT NOT NULL,
            code_hash VARCHAR NOT NULL,
            code_masked VARCHAR NOT NULL,
            code_enc BLOB,
            outcome VARCHAR NOT NULL,
            ok BOOLEAN NOT NULL,
            retryable BOOLEAN NOT NULL DEFAULT false,
            credited_quota BIGINT,
            credited_usd DOUBLE,
            message VARCHAR NOT NULL DEFAULT '',
            redeemed_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )""")
    con.execute("CREATE INDEX redemptions_code ON redemptions (code_hash)")


def m017_credentials(con: duckdb.DuckDBPyConnection) -> None:
    # Issue 20: standalone API credentials (not relay accounts). ``key_enc`` sealed, ``key_masked``
    # for lists, ``key_hash`` (sha256) to refuse the same key twice. ``telemetry``: auto or one
    # provider id (credentials.Provider); ``custom_*``: a read-only endpoint and dotted JSON paths.
    # ``credential_checks``: each check's answer (the newest per credential is what lists show).
    con.execute("CREATE SEQUENCE credential_id_seq START 1")
    con.execute("""
        CREATE TABLE credentials (
            id BIGINT PRIMARY KEY DEFAULT nextval('credential_id_seq'),
            name VARCHAR NOT NULL DEFAULT '',
            base_url VARCHAR NOT NULL,
            api_type VARCHAR NOT NULL DEFAULT 'openai-compatible',
            key_enc BLOB NOT NULL,
            key_masked VARCHAR NOT NULL,
            key_hash VARCHAR NOT NULL,
            tags VARCHAR[] NOT NULL DEFAULT [],
            notes VARCHAR NOT NULL DEFAULT '',
            expires_at TIMESTAMPTZ,
            telemetry VARCHAR NOT NULL DEFAULT 'auto',
            custom_url VARCHAR NOT NULL DEFAULT '',
            custom_balance_path VARCHAR NOT NULL DEFAULT '',
            custom_used_path VARCHAR NOT NULL DEFAULT '',
            custom_total_path VARCHAR NOT NULL DEFAULT '',
            created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )""")
    con.execute("""
        CREATE TABLE credential_checks (
            credential_id BIGINT NOT NULL,
            checked_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            ok BOOLEAN NOT NULL,
            source VARCHAR NOT NULL DEFAULT '',
            balance_usd DOUBLE,
            used_usd DOUBLE,
            total_usd DOUBLE,
            currency VARCHAR NOT NULL DEFAULT 'USD',
            raw_balance DOUBLE,
            models VARCHAR[],
            message VARCHAR NOT NULL DEFAULT ''
        )""")


def m018_account_logins(con: duckdb.DuckDBPyConnection) -> None:
    # Issue 21: the re-login check-in's stored login, opt-in and only for that method: the
    # username the site logs in with and the password sealed. One row per account at most.
    con.execute("""
        CREATE TABLE account_logins (
            account_id BIGINT NOT NULL,
            username VARCHAR NOT NULL,
            password_enc BLOB NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )""")
