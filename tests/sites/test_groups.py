"""The groups each family's answer names, read into ``UserGroup`` (sites._groups): New API's
objects with its ``auto`` group whose ratio is a word, V-API's ``"<desc>=x N倍"`` strings, OneHub's
map; anything else is a clear error, never a traceback."""

from __future__ import annotations

import pytest

from allhub_core.net import BadResponseError
from allhub_core.sites._groups import UserGroup, parse_group_map, parse_self_groups


def test_new_api_groups_with_the_auto_group():
    data = {"default": {"desc": "默认分组", "ratio": 1}, "vip": {"desc": "VIP", "ratio": "0.5"},
            "auto": {"desc": "自动选择", "ratio": "自动"}}
    assert parse_self_groups(data) == {"default": UserGroup("默认分组", 1.0), "vip": UserGroup("VIP", 0.5),
                                       "auto": UserGroup("自动选择", None)}


def test_v_api_strings():
    data = {"default": "默认分组=x 1倍", "svip": "超级会员=x 1.5倍", "odd": "no ratio here"}
    assert parse_self_groups(data) == {"default": UserGroup("默认分组", 1.0), "svip": UserGroup("超级会员", 1.5),
                                       "odd": UserGroup("no ratio here", None)}


def test_onehub_group_map():
    data = {"default": {"id": 1, "symbol": "default", "name": "默认", "ratio": 1},
            "pro": {"id": 2, "symbol": "pro", "name": "Pro\x1b[31m", "ratio": -3}}
    got = parse_group_map(data)
    assert got["default"] == UserGroup("默认", 1.0)
    assert got["pro"].ratio is None and "\x1b" not in got["pro"].description  # no control characters


def test_no_groups_and_a_strange_answer():
    assert parse_self_groups(None) == {} and parse_group_map({}) == {}
    with pytest.raises(BadResponseError):
        parse_self_groups(["default", "vip"])
