import pytest

from allhub_core import net
from allhub_core.errors import ValidationError
from allhub_core.origin import is_http_url, normalize_site_url, origin_key


@pytest.mark.parametrize("raw,key", [
    ("https://A.com/", "https://a.com"),
    ("https://a.com/panel", "https://a.com"),
    ("https://a.com:443/v1?x=1#y", "https://a.com"),
    ("a.com", "https://a.com"),
    ("A.COM/panel", "https://a.com"),
    ("http://a.com", "http://a.com"),
    ("http://a.com:80", "http://a.com"),
    ("http://a.com:8080/x", "http://a.com:8080"),
    ("https://127.0.0.1:3000/", "https://127.0.0.1:3000"),
    ("  https://a.com  ", "https://a.com"),
    ("https://[::1]:8080/", "https://[::1]:8080"),
])
def test_origin_key_reduces_to_scheme_host_port(raw, key):
    assert origin_key(raw) == key


@pytest.mark.parametrize("raw", ["", "   ", "/panel", "./x", "../x", "?q", "#f", "ftp://a.com",
                                 "javascript:alert(1)", "http://", "not a url", "https://a..com", None])
def test_origin_key_rejects_non_urls(raw):
    assert origin_key(raw) is None


def test_http_and_https_are_different_sites():
    assert origin_key("http://a.com") != origin_key("https://a.com")


def test_normalize_site_url_gives_one_sentence():
    with pytest.raises(ValidationError, match="cannot be empty"):
        normalize_site_url(" ")
    with pytest.raises(ValidationError, match="is not a valid site URL"):
        normalize_site_url("not a url")


def test_is_http_url():
    assert is_http_url("https://a.com/checkin")
    assert not is_http_url("javascript:alert(1)")
    assert not is_http_url("a.com")


# -- hostile and unusual host names ------------------------------------------------------------

@pytest.mark.parametrize("raw,key", [
    ("https://bücher.de/x", "https://xn--bcher-kva.de"),
    ("https://xn--bcher-kva.de", "https://xn--bcher-kva.de"),
    ("https://BÜCHER.de", "https://xn--bcher-kva.de"),
    ("bücher.de", "https://xn--bcher-kva.de"),
    ("https://例え.テスト:8443/", "https://xn--r8jz45g.xn--zckzah:8443"),
    ("https://ｅｘａｍｐｌｅ.com", "https://example.com"),
    ("ＥＸＡＭＰＬＥ．ＣＯＭ", "https://example.com"),
    ("https://example。com", "https://example.com"),
    ("https://a.com.", "https://a.com"),
    ("https://a.com./panel", "https://a.com"),
    ("http://localhost:3000", "http://localhost:3000"),
    ("https://127.0.0.1", "https://127.0.0.1"),
    ("https://[0:0:0:0:0:0:0:1]:8080", "https://[::1]:8080"),
    ("https://a.com:65535", "https://a.com:65535"),
    ("https://user:pw@a.com/", "https://a.com"),
    ("https://my_host.example.com", "https://my_host.example.com"),
])
def test_origin_key_normalises_unicode_and_punycode_to_one_form(raw, key):
    assert origin_key(raw) == key
    assert normalize_site_url(raw) == key


def test_unicode_and_punycode_forms_are_one_site():
    assert origin_key("https://münchen.example") == origin_key("https://xn--mnchen-3ya.example")
    assert origin_key("https://ｅｘａｍｐｌｅ.com/") == origin_key("example.com")


@pytest.mark.parametrize("raw,why", [
    ("https://" + "a" * 10_000 + ".com", "longer than 63"),
    ("https://" + "a." * 5_000 + "com", "longer than 253"),
    ("https://" + "a" * 64 + ".com", "longer than 63"),
    ("https://a.com:0", "port"),
    ("https://a.com:65536", "port"),
    ("https://a.com:99999999", "port"),
    ("https://a.com:８０", "port"),
    ("https://a..com", "empty label"),
    ("https://a.com..", "empty label"),
    ("https://.a.com", "empty label"),
    ("https://a\x1b[2J.com", "control character"),
    ("https://a\x00.com", "control character"),
    ("https://a\u200b.com", ""),
    ("https://a b.com", "space"),
    ("https://a.com\u3000/x", "space"),
    ("https://-a.com", ""),
    ("https://a<b>.com", ""),
    ("ftp://a.com", "'ftp://a.com' is not a valid site URL: only http:// and https:// addresses can be relay "
                    "sites; use the form https://example.com."),
])
def test_bad_hosts_are_refused_with_one_sentence(raw, why):
    assert origin_key(raw) is None
    with pytest.raises(ValidationError) as info:
        normalize_site_url(raw)
    message = str(info.value)
    assert why in message
    assert "is not a valid site URL" in message
    assert message.endswith(".") and message.count(". ") == 0 and len(message) < 260
    assert not any(ord(c) < 32 or 0x7f <= ord(c) <= 0x9f for c in message)


@pytest.mark.parametrize("raw", ["javascript:alert(1)", "JavaScript:alert(document.cookie)", "data:text/html,<b>x</b>",
                                 "data:,x", "ftp://a.com", "file:///etc/passwd", "mailto:me@a.com", "ws://a.com",
                                 "javascript://a.com/%0aalert(1)"])
def test_other_schemes_are_refused_for_not_being_http(raw):
    """Issue 16: ``javascript:`` and ``data:`` were refused for "the port"."""
    assert origin_key(raw) is None
    with pytest.raises(ValidationError) as info:
        normalize_site_url(raw)
    assert "only http:// and https:// addresses can be relay sites" in str(info.value)
    assert "port" not in str(info.value)


@pytest.mark.parametrize("raw,key", [("localhost:3000", "https://localhost:3000"),
                                     ("localhost:3000/x?y", "https://localhost:3000"),
                                     ("relay.example.com:8443", "https://relay.example.com:8443")])
def test_a_host_and_port_without_a_scheme_is_still_a_site(raw, key):
    assert normalize_site_url(raw) == key


def test_the_error_never_quotes_userinfo():
    with pytest.raises(ValidationError) as info:
        normalize_site_url("https://bob:hunter2secret@a.com:0")
    assert "hunter2secret" not in str(info.value)


def test_the_network_layer_uses_the_same_normaliser():

    for raw in ("https://bücher.de/x", "ｅｘａｍｐｌｅ.com", "https://a.com.", "http://a.com:8080/"):
        assert net.normalize_site_url(raw) == normalize_site_url(raw) == net.origin_key(raw)
    for raw in ("https://a.com:0", "https://" + "a" * 64 + ".com", "ftp://a.com", ""):
        with pytest.raises(net.InvalidSiteUrl) as info:
            net.normalize_site_url(raw)
        assert isinstance(info.value, ValueError) and isinstance(info.value, ValidationError)
    assert net.same_origin("https://bücher.de", "https://xn--bcher-kva.de/x")
    assert net.host_of("https://bücher.de/x") == "xn--bcher-kva.de"
