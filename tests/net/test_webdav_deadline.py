"""The WebDAV client against hostile servers (tests/webdav_server.py): one deadline for a whole
request, and answers streamed and bounded instead of read whole.

A server that sends its headers and then one byte a second is cut off at the deadline with one
sentence; an answer announcing 300 MB is refused before its body is read; one that streams
without end is dropped just past the limit, and the client's memory stays far below the size.
"""

from __future__ import annotations

import time
import tracemalloc

import pytest
from webdav_server import PASSWORD, USER

from allhub_core.net import WebdavClient, WebdavError

LIMIT = 32 * 1024 * 1024


def client(server, **kw) -> WebdavClient:
    return WebdavClient(server.url("/"), USER, PASSWORD, **kw)


def test_a_dripping_server_is_cut_off_at_the_deadline(dav_server):
    server = dav_server("drip")
    server.drip_every = 0.5  # each read gets a byte well within any per-read timeout
    started = time.monotonic()
    with client(server, timeout=2) as c, pytest.raises(WebdavError) as err:
        c.download()
    took = time.monotonic() - started
    assert str(err.value) == f"The WebDAV server at {server.url('/')} did not finish answering within 2 s."
    assert took < 8 and server.sent >= 2  # it was dripping, and we left about when the deadline passed


def test_the_run_limit_ends_every_request_of_the_client(dav_server):
    server = dav_server("drip")
    server.drip_every = 0.5
    with client(server, timeout=60, until=time.monotonic() + 1.5) as c:
        started = time.monotonic()
        with pytest.raises(WebdavError, match="did not finish answering before the run's time limit"):
            c.download()
        assert time.monotonic() - started < 8
        with pytest.raises(WebdavError, match="before the run's time limit"):
            c.test()  # past the limit: not even sent
    assert [m for m, *_ in server.log].count("PROPFIND") == 0


@pytest.mark.parametrize("mode", ["huge", "endless"])
def test_a_huge_answer_is_refused_without_being_read_whole(dav_server, mode):
    """300 MB announced: refused before the body; no Content-Length and no end: dropped just past
    32 MB. Either way the client's memory stays far below the size of the answer."""
    server = dav_server(mode)
    tracemalloc.start()
    started = time.monotonic()
    try:
        with client(server, max_body=LIMIT) as c, pytest.raises(WebdavError) as err:
            c.download()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(err.value) == (f"The WebDAV server's answer for {server.url('/all-api-hub-backup/all-api-hub-1-0.json')}"
                              " is over 32 MB, more than allhub reads; it was not read.")
    assert time.monotonic() - started < 20
    assert peak < 100 * 1024 * 1024, peak
    if mode == "huge":
        assert server.sent < 16 * 1024 * 1024  # the announced size was enough
    else:
        assert LIMIT < server.sent < 100 * 1024 * 1024  # read past the limit, then dropped


def test_an_answer_within_the_limit_is_read_as_before(dav_server):
    server = dav_server()
    (server.root / "all-api-hub-backup").mkdir()
    (server.root / "all-api-hub-backup" / "all-api-hub-1-0.json").write_text('{"version": "4.0"}')
    with client(server, max_body=LIMIT, timeout=5) as c:
        assert c.download() == '{"version": "4.0"}'
    with client(server, max_body=10) as c, pytest.raises(WebdavError, match="is over 10 bytes"):
        c.download()
