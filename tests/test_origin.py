import pytest

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
