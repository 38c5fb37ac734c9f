"""``allhub export-client cliproxyapi``: CLIProxyAPI's openai-compatibility entry as YAML, byte for
byte the golden file, and read back (as YAML) it is the very entry a push writes."""

from __future__ import annotations

from pathlib import Path

import yaml

from allhub_core.transfer.clients.cliproxyapi import render
from allhub_core.transfer.clients.push_payloads import cliproxy_entry
from allhub_core.transfer.clients.types import ClientTarget

GOLDEN = Path(__file__).parent / "golden"
TARGET = ClientTarget('Relay "One": main', "https://relay.example", "sk-golden0123456789",
                      models=("gpt-4o", "claude-3-5-sonnet"))


def test_cliproxyapi_entry_matches_the_golden_file():
    out = render(TARGET)
    assert out.format == "cliproxyapi" and out.kind == "snippet"
    assert out.text == (GOLDEN / "cliproxyapi.yaml").read_text(encoding="utf-8")
    assert "key in plain text" in out.note


def test_cliproxyapi_yaml_reads_back_as_the_pushed_entry():
    parsed = yaml.safe_load(render(TARGET).text)
    assert parsed == {"openai-compatibility": [cliproxy_entry(TARGET)]}
    bare = ClientTarget("Plain", "https://relay.example/", "sk-x")
    assert yaml.safe_load(render(bare).text)["openai-compatibility"][0] == {
        "name": "Plain", "base-url": "https://relay.example/v1", "api-key-entries": [{"api-key": "sk-x"}]}
