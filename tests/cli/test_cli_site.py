"""``allhub site list|set`` (issue 18): each site's request window, run in-process on a real
store; the JSON keys are ``accounts.site_rows``'s, bad input is one sentence with exit 2."""

from __future__ import annotations

import json

from allhub_core.accounts import AccountInput, add_account, lower_site_window, site_rows, site_windows
from allhub_core.cli.main import main
from allhub_core.sync import politeness_for

ALPHA, BRAVO = "https://alpha.example.com", "https://bravo.example.com"


def _add(store, url: str, user: str) -> None:
    add_account(store, AccountInput(site_url=url, site_name=url, site_type="new-api", user_id=user,
                                    access_token=f"tok-{user}-0123456789abcdef"))


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_site_list_shows_each_site_and_who_set_its_window(store, db_path, capsys):
    _add(store, ALPHA, "1")
    _add(store, ALPHA, "2")
    _add(store, BRAVO, "1")
    lower_site_window(store, BRAVO, 25, 180)
    code, out, _ = _run(capsys, "--db", str(db_path), "site", "list", "--json")
    assert code == 0
    rows = json.loads(out)
    assert rows == json.loads(json.dumps(site_rows(store)))
    assert [(r["origin"], r["accounts"], r["window"], r["window_source"]) for r in rows] == [
        (ALPHA, 2, "50 per 180 s", "default"), (BRAVO, 1, "25 per 180 s", "429")]
    assert set(rows[0]) == {"origin", "accounts", "window_requests", "window_s", "window", "window_source",
                            "has_plans"}
    code, out, _ = _run(capsys, "--db", str(db_path), "site", "list")
    assert code == 0
    assert "lowered after a 429" in out and "default" in out and ALPHA in out


def test_site_set_a_window_and_back_to_the_default(store, db_path, capsys):
    _add(store, ALPHA, "1")
    code, out, err = _run(capsys, "--db", str(db_path), "site", "set", "alpha.example.com/some/path",
                          "--window", "180/180")
    assert code == 0, err
    assert out.strip() == f"{ALPHA}: 180 per 180 s (your setting)."
    own = site_windows(store)[ALPHA]
    assert (own.requests, own.seconds, own.source) == (180, 180.0, "user")
    assert politeness_for(store).window_for(ALPHA) == (180, 180.0)

    code, out, err = _run(capsys, "--db", str(db_path), "site", "set", ALPHA, "--default", "--json")
    assert code == 0, err
    row = json.loads(out)
    assert (row["origin"], row["window_source"], row["window"]) == (ALPHA, "default", "50 per 180 s")
    assert ALPHA not in site_windows(store)


def test_bad_input_is_one_sentence_and_changes_nothing(store, db_path, capsys):
    _add(store, ALPHA, "1")
    for argv, sentence in (
        (["site", "set", ALPHA, "--window", "180"], "allhub: --window takes N/SECONDS, such as 180/180"),
        (["site", "set", ALPHA, "--window", "1.5/60"], "allhub: A site's window takes a whole number of requests."),
        (["site", "set", ALPHA, "--window", "10/0"], "allhub: A site's window lasts from 1 to 3600 seconds."),
        (["site", "set", "not a site", "--window", "10/60"], "allhub: 'not a site' is not a site address"),
    ):
        code, out, err = _run(capsys, "--db", str(db_path), *argv)
        assert code == 2 and out == ""
        assert err.startswith(sentence) and err.count("\n") == 1 and "Traceback" not in err
    assert site_windows(store) == {}
