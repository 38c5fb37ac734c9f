"""The WebDAV client against a real wsgidav server on 127.0.0.1 (tests/webdav_server.py).

The upload sequence is watched from the server side: the extension's names, the temporary
file read back and moved, 409 answered by delete-then-move, the no-MOVE/MKCOL fallback, stale
temporaries removed, and messages that never carry the password.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime, timedelta

import pytest
from webdav_server import PASSWORD, USER

from allhub_core.errors import AllhubError, SiteError, ValidationError
from allhub_core.net import (
    WebdavAuthError,
    WebdavClient,
    WebdavConfigError,
    WebdavError,
    backup_dir_url,
    ensure_filename,
    temp_file_name,
)

BACKUP = "all-api-hub-backup/all-api-hub-1-0.json"
TEMP = re.compile(r"^all-api-hub-1-0\.json\.tmp\.\d{8}T\d{6}Z\.[a-z0-9]{12}$")


def body(n: int = 1) -> str:
    return json.dumps({"version": "4.0", "timestamp": n, "accounts": {"accounts": []}})


def client(server, path: str = "/", password: str = PASSWORD, **kw) -> WebdavClient:
    return WebdavClient(server.url(path), USER, password, **kw)


def files(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


# -- names ------------------------------------------------------------------------------------
def test_the_file_name_and_folder_follow_the_extension():
    assert ensure_filename("https://dav.example.com/remote.php/dav/files/me") == \
        "https://dav.example.com/remote.php/dav/files/me/all-api-hub-backup/all-api-hub-1-0.json"
    assert ensure_filename("https://dav.example.com/dav/") == "https://dav.example.com/dav/" + BACKUP
    assert ensure_filename("https://dav.example.com/x/mine.JSON") == "https://dav.example.com/x/mine.JSON"
    assert backup_dir_url("https://h/dav/" + BACKUP) == "https://h/dav/all-api-hub-backup"
    assert backup_dir_url("https://h/x/mine.json") == "https://h/x"
    name = temp_file_name("https://h/dav/" + BACKUP, datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC))
    assert name.startswith("all-api-hub-1-0.json.tmp.20250304T050607Z.") and TEMP.match(name)


# -- test, download ---------------------------------------------------------------------------
def test_connection_test_on_a_folder_and_on_a_file(dav_server):
    server = dav_server()
    (server.root / "dav").mkdir()
    with client(server, "/dav/") as c:
        assert "reachable" in c.test().summary()
    with client(server, "/dav/mine.json") as c:
        c.test()  # a missing file is still a reachable server
    assert server.calls() == [("PROPFIND", "/dav/", 207), ("GET", "/dav/mine.json", 404)]


def test_a_wrong_password_is_one_sentence_without_the_password(dav_server):
    server = dav_server()
    wrong = "Wr0ng-password-that-must-not-leak"
    with client(server, "/", password=wrong) as c:
        for call in (c.test, c.download, lambda: c.upload(body())):
            with pytest.raises(WebdavAuthError) as err:
                call()
            msg = str(err.value)
            assert "refused the user name or password (HTTP 401)" in msg
            assert wrong not in msg and PASSWORD not in msg and USER not in msg
            assert msg.count(".") >= 1 and "\n" not in msg and isinstance(err.value, SiteError)
    assert files(server.root) == []


def test_an_unreachable_server_is_one_sentence(dav_server):
    server = dav_server()
    server.stop()
    with client(server, "/dav/", timeout=3) as c, pytest.raises(WebdavError) as err:
        c.test()
    assert str(err.value) == f"The WebDAV server at {server.url('/dav/')} cannot be reached (ConnectError)."


def test_download_of_a_missing_file_is_none_and_of_a_present_one_is_its_text(dav_server):
    server = dav_server()
    with client(server, "/dav") as c:
        assert c.download() is None
        (server.root / "dav/all-api-hub-backup").mkdir(parents=True)
        (server.root / "dav" / BACKUP).write_text(body(7), encoding="utf-8")
        assert json.loads(c.download() or "")["timestamp"] == 7


def test_addresses_with_credentials_or_without_a_password_are_refused():
    with pytest.raises(WebdavConfigError, match="must not contain a user name or password") as err:
        WebdavClient(f"https://{USER}:{PASSWORD}@dav.example.com/", USER, PASSWORD)
    assert PASSWORD not in str(err.value) and isinstance(err.value, ValidationError)
    with pytest.raises(WebdavConfigError, match="password is empty"):
        WebdavClient("https://dav.example.com/", USER, "")
    with pytest.raises(WebdavConfigError, match="http:// or https://"):
        WebdavClient("ftp://dav.example.com/", USER, PASSWORD)


def test_a_redirect_to_another_server_is_not_followed(dav_server):
    other = dav_server()
    server = dav_server("redirect_away")
    server.redirect_to = other.base
    with client(server, "/dav/") as c, pytest.raises(WebdavError) as err:
        c.test()
    assert "redirected to another server" in str(err.value) and PASSWORD not in str(err.value)
    assert other.log == []  # nothing, and no password, went there


# -- the safe upload --------------------------------------------------------------------------
def test_safe_upload_puts_a_temporary_file_reads_it_back_and_moves_it(dav_server):
    server = dav_server()
    (server.root / "dav").mkdir()
    with client(server, "/dav/") as c:
        result = c.upload(body(1))
    assert result.atomic and not result.overwrite_retried
    assert server.calls() == [
        ("MKCOL", "/dav/all-api-hub-backup", 201),
        ("PROPFIND", "/dav/all-api-hub-backup/", 207),
        ("PUT", "/dav/all-api-hub-backup/all-api-hub-1-0.json.tmp.<tmp>", 201),
        ("GET", "/dav/all-api-hub-backup/all-api-hub-1-0.json.tmp.<tmp>", 200),
        ("MOVE", "/dav/all-api-hub-backup/all-api-hub-1-0.json.tmp.<tmp>", 201),
    ]
    put_name = server.log[2][1].rsplit("/", 1)[1]
    assert TEMP.match(put_name)
    assert server.log[4][3] == "/dav/" + BACKUP  # MOVE's Destination
    assert files(server.root) == ["dav/" + BACKUP]
    assert json.loads((server.root / "dav" / BACKUP).read_text())["timestamp"] == 1
    assert f"to {server.url('/dav/' + BACKUP)}" in result.summary()


def test_a_json_address_is_the_file_itself(dav_server):
    server = dav_server()
    (server.root / "mine").mkdir()
    with client(server, "/mine/backup.json") as c:
        c.upload(body(2))
        assert json.loads(c.download() or "")["timestamp"] == 2
    assert files(server.root) == ["mine/backup.json"]
    assert any(m == "PUT" and p.startswith("/mine/backup.json.tmp.") for m, p, *_ in server.log)


def test_replacing_on_a_full_server_moves_over_the_old_file(dav_server):
    server = dav_server()
    with client(server, "/") as c:
        c.upload(body(1))
        result = c.upload(body(2))
    assert not result.overwrite_retried
    assert [s for m, _, s, _ in server.log if m == "MOVE"] == [201, 204]
    assert json.loads((server.root / BACKUP).read_text())["timestamp"] == 2


def test_a_409_on_move_deletes_the_old_file_and_moves_again(dav_server):
    server = dav_server("conflict_on_move")
    with client(server, "/") as c:
        first = c.upload(body(1))
        server.log.clear()
        second = c.upload(body(2))
    assert not first.overwrite_retried and second.overwrite_retried
    assert server.calls()[-4:] == [
        ("GET", "/all-api-hub-backup/all-api-hub-1-0.json.tmp.<tmp>", 200),
        ("MOVE", "/all-api-hub-backup/all-api-hub-1-0.json.tmp.<tmp>", 409),
        ("DELETE", "/" + BACKUP, 204),
        ("MOVE", "/all-api-hub-backup/all-api-hub-1-0.json.tmp.<tmp>", 201),
    ]
    assert files(server.root) == [BACKUP]
    assert json.loads((server.root / BACKUP).read_text())["timestamp"] == 2


@pytest.mark.parametrize("refuse", [501, 405])
def test_a_server_without_move_and_mkcol_gets_a_non_atomic_upload(dav_server, refuse):
    server = dav_server("no_move", refuse_status=refuse)
    (server.root / "all-api-hub-backup").mkdir()  # made by hand: this server cannot make folders
    with client(server, "/") as c:
        c.upload(body(1))
        server.log.clear()
        result = c.upload(body(2))
        assert json.loads(c.download() or "")["timestamp"] == 2
    assert not result.atomic and "without MOVE" in result.summary()
    mkcol = [("MKCOL", "/all-api-hub-backup", refuse)]
    if refuse != 405:  # as the extension: anything but 2xx/405 is tried once more with a slash
        mkcol.append(("MKCOL", "/all-api-hub-backup/", refuse))
    assert server.calls()[:-1] == [
        *mkcol,
        ("PROPFIND", "/all-api-hub-backup/", 207),
        ("PUT", "/all-api-hub-backup/all-api-hub-1-0.json.tmp.<tmp>", 201),
        ("GET", "/all-api-hub-backup/all-api-hub-1-0.json.tmp.<tmp>", 200),
        ("MOVE", "/all-api-hub-backup/all-api-hub-1-0.json.tmp.<tmp>", refuse),
        ("PUT", "/" + BACKUP, 204),  # in place: not atomic
        ("GET", "/" + BACKUP, 200),  # read back
        ("DELETE", "/all-api-hub-backup/all-api-hub-1-0.json.tmp.<tmp>", 204),
    ]
    assert files(server.root) == [BACKUP]


def test_without_mkcol_a_missing_folder_is_named_and_nothing_is_left(dav_server):
    server = dav_server("no_move")
    with client(server, "/dav") as c, pytest.raises(WebdavError) as err:
        c.upload(body(1))
    assert str(err.value).startswith(f"Uploading failed: the folder {server.url('/dav/all-api-hub-backup')} "
                                     "does not exist on the WebDAV server")
    assert files(server.root) == []


def test_stale_temporaries_are_removed_and_recent_ones_kept(dav_server):
    server = dav_server()
    folder = server.root / "all-api-hub-backup"
    folder.mkdir()
    now = datetime.now(UTC)
    stamp = lambda hours: (now - timedelta(hours=hours)).strftime("%Y%m%dT%H%M%SZ")  # noqa: E731
    old = f"all-api-hub-1-0.json.tmp.{stamp(30)}.abc123def456"
    legacy = f".all-api-hub-1-0.json.tmp.{stamp(48)}.zz00yy11xx22"
    recent = f"all-api-hub-1-0.json.tmp.{stamp(2)}.abc123def456"  # maybe another device uploading now
    for name in (old, legacy, recent, "notes.txt", f"other-1-0.json.tmp.{stamp(30)}.abc123def456"):
        (folder / name).write_text("{}")
    with client(server) as c:
        result = c.upload(body(1))
    assert sorted(result.stale_removed) == sorted([old, legacy])
    assert sorted(os.listdir(folder)) == sorted(["all-api-hub-1-0.json", recent, "notes.txt",
                                                 f"other-1-0.json.tmp.{stamp(30)}.abc123def456"])


def test_an_upload_that_is_not_json_is_refused_before_anything_is_sent(dav_server):
    server = dav_server()
    with client(server) as c, pytest.raises(WebdavError, match="not valid JSON"):
        c.upload("not json")
    assert server.log == []


def test_errors_are_allhub_errors_with_a_title():
    assert issubclass(WebdavError, AllhubError) and WebdavError.title == "WebDAV server problem"
