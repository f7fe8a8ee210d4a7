import pytest

from reviewer.api import DEFAULT_BASE_URL, InsecureURLError, is_loopback_host, normalize_base_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (DEFAULT_BASE_URL, "https://api.aurous-labs.com/v1"),
        ("https://api.aurous-labs.com", "https://api.aurous-labs.com/v1"),
        ("https://api.aurous-labs.com/", "https://api.aurous-labs.com/v1"),
        ("https://api.aurous-labs.com/v1/", "https://api.aurous-labs.com/v1"),
        ("  https://proxy.example/aurous  ", "https://proxy.example/aurous/v1"),
        ("https://api.aurous-labs.com/v2", "https://api.aurous-labs.com/v2"),
        ("http://127.0.0.1:8787", "http://127.0.0.1:8787/v1"),
        ("http://localhost:8787/v1", "http://localhost:8787/v1"),
        ("http://[::1]:9000", "http://[::1]:9000/v1"),
    ],
)
def test_normalize(given: str, expected: str) -> None:
    assert normalize_base_url(given) == expected


@pytest.mark.parametrize(
    "bad",
    [
        "http://api.aurous-labs.com/v1",
        "http://10.0.0.5:8787",
        "http://127.0.0.1.evil.example/v1",
        "ftp://api.aurous-labs.com",
        "api.aurous-labs.com/v1",
        "https://api.aurous-labs.com/v1?key=1",
        "",
    ],
)
def test_refuses_insecure_or_malformed(bad: str) -> None:
    with pytest.raises(InsecureURLError):
        normalize_base_url(bad)


def test_plain_http_message_says_why() -> None:
    with pytest.raises(InsecureURLError, match="unencrypted"):
        normalize_base_url("http://api.example.com")


@pytest.mark.parametrize(
    ("host", "loop"),
    [
        ("localhost", True),
        ("127.0.0.1", True),
        ("127.9.9.9", True),
        ("::1", True),
        ("[::1]", True),
        ("10.0.0.1", False),
        ("example.com", False),
        ("localhost.com", False),
    ],
)
def test_loopback(host: str, loop: bool) -> None:
    assert is_loopback_host(host) is loop
