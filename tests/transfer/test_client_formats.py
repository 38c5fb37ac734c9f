"""Client exports (issue 20): each format byte for byte against its golden file, and every
deeplink and share code read back the way the client reads it, giving the same URL and key.

The golden files in ``tests/transfer/clients/golden/`` are the specification: the extension's own
output for the same input (the deeplinks, share code and provider ids were checked against its
TypeScript run under Node). After an intended change, regenerate them with
``UPDATE_GOLDEN=1 .venv/bin/pytest tests/transfer/test_client_formats.py`` and read the diff.
"""

from __future__ import annotations

import base64
import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from allhub_core.errors import ValidationError
from allhub_core.transfer.clients import FORMATS, ClientTarget, cc_switch, kelivo, kilo_code, render_export, roo_code

GOLDEN = Path(__file__).parent / "clients" / "golden"
NOW = datetime(2026, 12, 6, 21, 30, 5, 123456, tzinfo=UTC)

#: A key whose name, site and key hold what breaks naive encoders: spaces, non-ASCII, an emoji
#: (outside the BMP), and the characters Base64 and form encoding treat specially.
HARD = ClientTarget(name="Démo 站点 🚀", base_url="https://relay.example.com", api_key="sk-a+b/c~d*e=f&g",
                    model="gpt-4o", models=("gpt-4o", " claude-3-5 ", "gpt-4o", "o3~mini"),
                    account_id="7", key_id="12", key_name="默认 key")
PLAIN = ClientTarget(name="Local relay", base_url="http://127.0.0.1:8080", api_key="sk-plainkey0123456789",
                     models=("deepseek-chat",), account_id="3", key_id="1", key_name="allhub")


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    assert path.exists(), f"{path} is missing: run with UPDATE_GOLDEN=1"
    assert text.encode("utf-8") == path.read_bytes(), f"{name} differs from its golden file"


def _one(fmt: str, target: ClientTarget = HARD, **kw) -> str:
    (out,) = render_export(fmt, [target], **kw)
    return out.text


# -- golden files, one per format ------------------------------------------------------------

@pytest.mark.parametrize(("name", "fmt", "kw"), [
    ("cherry-studio.txt", "cherry-studio", {}),
    ("cc-switch-claude.txt", "cc-switch", {}),
    ("cc-switch-codex.txt", "cc-switch", {"app": "codex"}),
    ("cc-switch-hermes.txt", "cc-switch", {"app": "hermes"}),
    ("kelivo.txt", "kelivo", {}),
    ("cursor.json", "cursor", {}),
    ("claude-code.json", "claude-code", {}),
    ("codex.toml", "codex", {}),
    ("opencode.json", "opencode", {}),
])
def test_each_format_matches_its_golden_file(name, fmt, kw):
    _golden(name, _one(fmt, **kw))


def test_kilo_code_settings_file_matches_its_golden_file():
    out = kilo_code.render_many([HARD, PLAIN], now=NOW)
    assert (out.kind, out.filename, out.mime) == ("file", "kilo-settings.json", "application/json")
    _golden("kilo-settings.json", out.text)
    data = json.loads(out.text)
    assert data["_meta"] == {"version": 1, "exportedAt": "2026-12-06T21:30:05.123Z"}
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9-]*", pid) for pid in data["provider"])
    first, second = data["provider"].values()
    assert first["options"] == {"apiKey": HARD.api_key, "baseURL": "https://relay.example.com/v1"}
    assert list(first["models"]) == ["claude-3-5", "gpt-4o", "o3~mini"]  # trimmed, once each, in order
    assert data["model"] == f"{next(iter(data['provider']))}/gpt-4o"
    assert second["options"]["baseURL"] == "http://127.0.0.1:8080/v1"


def test_roo_code_settings_file_matches_its_golden_file():
    out = roo_code.render_many([HARD, PLAIN], new_id=lambda name: f"kilocode-api-config-{len(name)}")
    assert (out.kind, out.filename) == ("file", "kilo-code-settings.json")
    _golden("kilo-code-settings.json", out.text)
    profiles = json.loads(out.text)["providerProfiles"]
    assert profiles["currentApiConfigName"] == "Démo 站点 🚀 - 默认 key"
    assert profiles["apiConfigs"]["Local relay - allhub"] == {
        "id": "kilocode-api-config-20", "apiProvider": "openai", "openAiBaseUrl": "http://127.0.0.1:8080/v1",
        "openAiApiKey": PLAIN.api_key}  # no model chosen: no openAiModelId


def test_roo_code_ids_are_random_like_the_extensions():
    ids = [json.loads(roo_code.render(PLAIN).text)["providerProfiles"]["apiConfigs"]["Local relay - allhub"]["id"]
           for _ in range(2)]
    assert ids[0] != ids[1] and all(i.startswith("kilocode-api-config-") for i in ids)


# -- deeplinks and share codes read back as the clients read them ------------------------------

@pytest.mark.parametrize("target", [HARD, PLAIN])
def test_cherry_studio_link_decodes_to_the_same_url_and_key(target):
    link = _one("cherry-studio", target)
    assert link.startswith("cherrystudio://providers/api-keys?v=1&data=")
    data = json.loads(base64.b64decode(link.split("&data=", 1)[1], validate=True).decode("utf-8"))
    assert data == {"id": target.account_id, "baseUrl": target.base_url, "apiKey": target.api_key,
                    "name": target.name}


@pytest.mark.parametrize("app", cc_switch.APPS)
@pytest.mark.parametrize("target", [HARD, PLAIN])
def test_cc_switch_link_decodes_to_the_same_url_and_key_for_every_app(target, app):
    link = _one("cc-switch", target, app=app)
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("ccswitch", "v1", "/import")
    q = {k: v[0] for k, v in parse_qs(parts.query, strict_parsing=True).items()}
    assert q["resource"] == "provider" and q["app"] == app and q["apiKey"] == target.api_key
    assert q["homepage"] == target.base_url
    # the /v1 rule: Codex writes the endpoint into its base_url, so a bare origin gets /v1
    assert q["endpoint"] == (target.base_url + "/v1" if app == "codex" else target.base_url)
    assert q.get("model") == target.model
    if app == "hermes":
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", q["name"])
    else:
        assert q["name"] == target.name


def test_cc_switch_keeps_a_base_url_with_a_path_for_codex():
    target = ClientTarget(name="x", base_url="https://relay.example.com/openai", api_key="sk-1")
    q = parse_qs(urlsplit(_one("cc-switch", target, app="codex")).query)
    assert q["endpoint"] == ["https://relay.example.com/openai"]


def test_cc_switch_encodes_like_url_search_params():
    assert cc_switch.form_encode("a b~c*d-e.f_g/h+é") == "a+b%7Ec*d-e.f_g%2Fh%2B%C3%A9"


@pytest.mark.parametrize("target", [HARD, PLAIN])
def test_kelivo_share_code_decodes_to_the_same_url_and_key(target):
    (out,) = render_export("kelivo", [target])
    assert out.kind == "share" and out.text.startswith(kelivo.PREFIX)
    data = json.loads(base64.b64decode(out.text[len(kelivo.PREFIX):], validate=True).decode("utf-8"))
    assert data == {"type": "openai", "name": target.name, "apiKey": target.api_key,
                    "baseUrl": target.base_url + "/v1"}
    assert out.qr_svg and out.qr_svg.startswith("<svg") and out.qr_svg == kelivo.qr_svg(out.text)
    assert kelivo.qr_svg(out.text + "x") != out.qr_svg  # the picture is of this code


def test_kelivo_google_has_no_base_url_and_claude_is_claude():
    google = json.loads(base64.b64decode(_one("kelivo", ClientTarget(
        name="g", base_url="https://x.example", api_key="k", api_type="google"))[len(kelivo.PREFIX):]))
    assert google == {"type": "google", "name": "g", "apiKey": "k"}
    claude = _one("kelivo", ClientTarget(name="c", base_url="https://x.example", api_key="k", api_type="anthropic"))
    assert json.loads(base64.b64decode(claude[len(kelivo.PREFIX):]))["type"] == "claude"


# -- the rules and the refusals -------------------------------------------------------------

def test_kilo_code_refuses_a_file_over_one_mib_with_one_sentence():
    many = ClientTarget(name="big", base_url="https://x.example", api_key="sk-1", key_id="1", key_name="k",
                        models=tuple(f"model-{i:06d}-{'x' * 40}" for i in range(20_000)))
    with pytest.raises(ValidationError, match="1 MiB"):
        kilo_code.render(many)
    small = ClientTarget(name="big", base_url="https://x.example", api_key="sk-1", key_id="1", key_name="k",
                         models=tuple(f"model-{i:06d}" for i in range(100)))
    assert len(kilo_code.render(small).text.encode()) < kilo_code.MAX_IMPORT_BYTES


def test_kilo_code_ids_stay_settings_safe_and_names_unique():
    same = [ClientTarget(name="站点", base_url=f"https://{h}.example", api_key="sk-1", account_id=a, key_id="1",
                         key_name="默认", models=("m",)) for h, a in (("a", "1"), ("b", "2"))]
    twins = [ClientTarget(name="S", base_url="https://s.example", api_key="sk-1", account_id=a, key_id="1",
                          key_name="k", models=("m",)) for a in ("1", "2")]
    a = json.loads(kilo_code.render_many(same, now=NOW).text)["provider"]
    assert all(pid.startswith("provider-") for pid in a)  # nothing ASCII in the name: "provider"
    assert sorted(p["name"] for p in a.values()) == ["站点 - 默认 (a.example)", "站点 - 默认 (b.example)"]
    b = json.loads(kilo_code.render_many(twins, now=NOW).text)["provider"]
    assert sorted(p["name"] for p in b.values()) == ["S - k (s.example) #1", "S - k (s.example) #2"]


def test_model_formats_without_any_model_are_refused():
    bare = ClientTarget(name="n", base_url="https://x.example", api_key="sk-1")
    for fmt in ("kilo-code", "cursor"):
        with pytest.raises(ValidationError, match="model"):
            render_export(fmt, [bare])


@pytest.mark.parametrize(("fmt", "kw", "words"), [
    ("nope", {}, "no client format"),
    ("cc-switch", {"app": "vim"}, "no app 'vim'"),
    ("cherry-studio", {"app": "codex"}, "CC Switch only"),
])
def test_bad_choices_are_one_sentence(fmt, kw, words):
    with pytest.raises(ValidationError, match=words):
        render_export(fmt, [PLAIN], **kw)


def test_an_empty_key_or_a_bad_base_url_is_refused_in_every_format():
    for fmt in [f for f in FORMATS if f != "cliproxyapi"]:  # CLIProxyAPI's entry is tested on its own
        with pytest.raises(ValidationError):
            render_export(fmt, [ClientTarget(name="n", base_url="https://x.example", api_key=" ", models=("m",))])
        with pytest.raises(ValidationError):
            render_export(fmt, [ClientTarget(name="n", base_url="ftp://x", api_key="sk-1", models=("m",))])


def test_the_key_never_shows_in_a_repr():
    (out,) = render_export("cherry-studio", [PLAIN])
    assert PLAIN.api_key not in repr(PLAIN) + repr(out)
