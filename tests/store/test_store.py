"""The store: migrations, secrets at rest, locking between processes, bad files and keys."""

import os
import subprocess
import sys
import textwrap
import threading
import time

import duckdb
import pytest
from cryptography.fernet import Fernet

from allhub_core.accounts import AccountInput, add_account, get_secrets, set_secrets
from allhub_core.errors import StoreError, ValidationError
from allhub_core.prices import rebuild_offers
from allhub_core.store import Store, key_path_for, mask_secret, migrations
from allhub_core.store.migrations import MIGRATIONS, applied_versions, migrate, pending_versions

TOKEN = "sk-RAW-SECRET-TOKEN-0123456789abcdef"


def _acc(**kw):
    base = dict(site_url="https://relay.example.com", site_name="Relay", user_id="1", access_token=TOKEN)
    base.update(kw)
    return AccountInput(**base)


def test_migrations_apply_once_and_record_versions(tmp_path):
    con = duckdb.connect(str(tmp_path / "m.duckdb"))
    assert pending_versions(con) == [m.version for m in MIGRATIONS]
    assert migrate(con) == [m.version for m in MIGRATIONS]
    assert migrate(con) == []
    assert applied_versions(con) == [m.version for m in MIGRATIONS]
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert {"accounts", "tags", "account_tags", "pins", "manual_order", "preferences", "schema_migrations"} <= tables


def test_failed_migration_leaves_nothing_behind(tmp_path, monkeypatch):
    def broken(con):
        con.execute("CREATE TABLE half_done (x INT)")
        raise RuntimeError("boom")

    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, migrations.Migration(99, "broken", broken)])
    con = duckdb.connect(str(tmp_path / "m.duckdb"))
    with pytest.raises(RuntimeError):
        migrations.migrate(con)
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert "half_done" not in tables
    assert 99 not in migrations.applied_versions(con)
    assert "accounts" in tables  # the good migrations before it stay applied


def test_migration_3_rewrites_stored_site_addresses_to_one_normal_form(tmp_path):
    # Rows saved before the IDNA/NFKC rules: a Unicode host and a full-width one become punycode
    # and ASCII, so the duplicate check sees one site; an unusable address is left as it was.
    con = duckdb.connect(str(tmp_path / "m.duckdb"))
    migrate(con, stop_before=3)
    for url in ("https://bücher.example", "https://ｅｘａｍｐｌｅ.com", "https://relay.example.com", "not a url"):
        con.execute("INSERT INTO accounts (site_name, site_url) VALUES ('x', ?)", [url])
    assert migrate(con)[0] == 3
    urls = [r[0] for r in con.execute("SELECT site_url FROM accounts ORDER BY id").fetchall()]
    assert urls == ["https://xn--bcher-kva.example", "https://example.com", "https://relay.example.com", "not a url"]


def test_migration_19_prices_the_models_stored_before_it_as_a_sync_would(tmp_path):
    # Models stored before the offers table: the upgrade prices them once, with the formulas a
    # sync applies now (prices.offers), so the Models page shows them without a new sync.
    con = duckdb.connect(str(tmp_path / "m.duckdb"))
    migrate(con, stop_before=19)
    con.execute("INSERT INTO accounts (site_name, site_url) VALUES ('x', 'https://x.example')")
    con.execute("INSERT INTO account_groups (account_id, grp, ratio, usable, fetched_at) "
                "VALUES (1, 'default', 1.0, true, now()), (1, 'vip', 0.5, true, now())")
    con.execute("INSERT INTO model_prices (account_id, model, vendor, billing, model_ratio, completion_ratio, "
                "cache_ratio, enable_groups, endpoints, fetched_at) VALUES "
                "(1, 'GPT-4o', 'OpenAI', 'tokens', 1.25, 4, 0.5, [], [], now()), "
                "(1, 'flux', '', 'call', NULL, NULL, NULL, ['default'], [], now())")
    con.execute("UPDATE model_prices SET model_price = 0.04 WHERE model = 'flux'")
    assert migrate(con, stop_before=20) == [19]
    order = "ORDER BY model, grp"
    migrated = con.execute(f"SELECT * FROM model_offers {order}").fetchall()
    assert [(r[1], r[5], r[13]) for r in migrated] == [("GPT-4o", "default", False), ("GPT-4o", "vip", True),
                                                        ("flux", "default", True)]
    assert [r[7] for r in migrated[:2]] == [2.5, 1.25] and migrated[2][9] == 0.04  # input / 1M; per call
    con.execute("BEGIN TRANSACTION")
    rebuild_offers(con)
    assert con.execute(f"SELECT * FROM model_offers {order}").fetchall() == migrated
    con.execute("COMMIT")


def test_key_file_is_created_0600_beside_the_database(db_path):
    Store(db_path)
    key = key_path_for(db_path)
    assert key.exists() and key.parent == db_path.parent
    assert (os.stat(key).st_mode & 0o777) == 0o600


def test_raw_token_never_in_database_or_wal_bytes(store, db_path):
    aid = add_account(store, _acc())
    for path in (db_path, db_path.with_name(db_path.name + ".wal")):
        if path.exists():
            assert TOKEN.encode() not in path.read_bytes()
    assert get_secrets(store, [aid])[aid]["access_token"] == TOKEN
    with store.read() as con:
        hint = con.execute("SELECT secret_hint FROM accounts WHERE id = ?", [aid]).fetchone()[0]
    assert hint == mask_secret(TOKEN) and TOKEN not in hint and hint.endswith("cdef")


def test_secret_key_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ALLHUB_SECRET_KEY", Fernet.generate_key().decode())
    s = Store(tmp_path / "env.duckdb")
    assert not key_path_for(tmp_path / "env.duckdb").exists()
    aid = add_account(s, _acc())
    assert get_secrets(s, [aid])[aid]["access_token"] == TOKEN


def test_wrong_key_is_one_sentence_and_changes_nothing(tmp_path, monkeypatch):
    path = tmp_path / "k.duckdb"
    add_account(Store(path), _acc())
    before = path.read_bytes()
    key_path_for(path).write_bytes(Fernet.generate_key())
    # a fresh process: the per-process "already checked" cache must not hide the wrong key
    code = textwrap.dedent(f"""
        from allhub_core.store import Store
        from allhub_core.errors import StoreError
        try:
            Store({str(path)!r})
        except StoreError as e:
            print("ERR", e)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.startswith("ERR The secret key does not fit this database")
    assert "Traceback" not in out
    assert path.read_bytes() == before


def test_malformed_key_file_is_reported(tmp_path):
    path = tmp_path / "k.duckdb"
    key_path_for(path).write_text("not-a-key")
    with pytest.raises(StoreError, match="not a valid key"):
        Store(path)
    assert not path.exists()


def test_file_that_is_not_duckdb_is_refused_untouched(tmp_path):
    path = tmp_path / "notes.duckdb"
    path.write_text("just some text, certainly not a database\n" * 10)
    before = path.read_bytes()
    with pytest.raises(StoreError, match="is not a DuckDB database"):
        Store(path)
    assert path.read_bytes() == before
    assert not key_path_for(path).exists()


def test_write_is_all_or_nothing(store):
    add_account(store, _acc())
    with pytest.raises(RuntimeError):
        with store.write() as con:
            con.execute("UPDATE accounts SET site_name = 'changed'")
            raise RuntimeError("crash mid-write")
    with store.read() as con:
        assert con.execute("SELECT site_name FROM accounts").fetchone()[0] == "Relay"


def test_validation_error_writes_nothing(store):
    with pytest.raises(ValidationError):
        add_account(store, _acc(exchange_rate=0))
    with store.read() as con:
        assert con.execute("SELECT count(*) FROM accounts").fetchone()[0] == 0


def test_another_process_waits_for_the_lock_then_proceeds(store, db_path):
    """A CLI run while the dashboard holds the file: it retries until the lock is free."""
    add_account(store, _acc())
    code = textwrap.dedent(f"""
        import time
        from allhub_core.store import Store
        s = Store({str(db_path)!r}, lock_timeout=20)
        with s.read() as con:
            print(con.execute("SELECT count(*) FROM accounts").fetchone()[0])
    """)
    with store.session():  # hold the file like a page run does
        child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        time.sleep(1.0)
        assert child.poll() is None, "the child should be waiting for the lock"
    out, _ = child.communicate(timeout=30)
    assert out.strip() == "1"


def test_lock_held_too_long_is_one_sentence(store, db_path):
    code = textwrap.dedent(f"""
        from allhub_core.store import Store
        from allhub_core.errors import StoreBusy
        try:
            Store({str(db_path)!r}, lock_timeout=0.5)
        except StoreBusy as e:
            print("BUSY", e)
    """)
    with store.session():
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30).stdout
    assert out.startswith("BUSY The database") and "in use by another allhub process" in out


def test_concurrent_writes_in_one_process_do_not_conflict(store):
    """Threads writing the same row go through the one write path: no 'Conflict on update'."""
    aid = add_account(store, _acc())
    errors = []

    def bump():
        try:
            s = Store(store.path)
            for _ in range(5):
                with s.write() as con:
                    con.execute("UPDATE accounts SET quota = quota + 1 WHERE id = ?", [aid])
        except Exception as exc:  # noqa: BLE001  # pragma: no cover - any error of a thread: the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=bump) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with store.read() as con:
        assert con.execute("SELECT quota FROM accounts").fetchone()[0] == 30


def test_set_secrets_replaces_and_rehints(store):
    aid = add_account(store, _acc())
    set_secrets(store, aid, access_token="new-token-abcdefghijkl")
    assert get_secrets(store, [aid])[aid]["access_token"] == "new-token-abcdefghijkl"


def test_missing_key_file_for_existing_database_is_reported_not_regenerated(tmp_path):
    path = tmp_path / "k.duckdb"
    add_account(Store(path), _acc())
    key_path_for(path).unlink()
    code = textwrap.dedent(f"""
        from allhub_core.store import Store
        from allhub_core.errors import StoreError
        try:
            Store({str(path)!r})
        except StoreError as e:
            print("ERR", e)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "key file" in out and "is missing" in out
    assert not key_path_for(path).exists()
