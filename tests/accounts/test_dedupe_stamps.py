"""``scan_duplicates`` reads each account's times as epoch microseconds and builds the datetimes
itself (issue 18): they must be the very values (and zone) DuckDB returns for the columns."""

from allhub_core.accounts import AccountInput, add_account, scan_duplicates


def test_scan_times_equal_the_stored_timestamps_in_the_session_zone(store):
    ids = [add_account(store, AccountInput(site_url="https://dup.example.com", site_name=f"D{i}", user_id="7",
                                           access_token="tok-abcdefghijklmnop")) for i in range(3)]
    with store.write() as con:
        con.execute("UPDATE accounts SET updated_at = TIMESTAMPTZ '1999-12-31 23:59:59.123456+05:30' WHERE id = ?",
                    [ids[1]])
    with store.read() as con:
        stored = {r[0]: (r[1], r[2]) for r in con.execute("SELECT id, updated_at, created_at FROM accounts")
                  .fetchall()}
    [group] = scan_duplicates(store, "recent").groups
    assert {a["id"] for a in group.accounts} == set(ids)
    for a in group.accounts:
        assert (a["updated_at"], a["created_at"]) == stored[a["id"]]
        assert a["updated_at"].tzinfo == stored[a["id"]][0].tzinfo
        assert a["updated_at"].isoformat() == stored[a["id"]][0].isoformat()
    assert group.accounts[-1]["id"] == ids[1]  # the oldest update is last under "recent"
