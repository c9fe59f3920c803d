"""Target parsing: what users type, and the one-line errors for what they mistype."""

from __future__ import annotations

import pytest

from srvdoctor.targets import Target, TargetError, parse_host, parse_target


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("8888", Target("8888", None, 8888)),
        ("localhost:8000", Target("localhost:8000", "localhost", 8000)),
        ("10.231.0.2:80", Target("10.231.0.2:80", "10.231.0.2", 80)),
        ("[::1]:8888", Target("[::1]:8888", "::1", 8888)),
        ("http://gpu07.lab:8888/lab?x=1", Target("http://gpu07.lab:8888/lab?x=1", "gpu07.lab", 8888, "http",
                                                 "http://gpu07.lab:8888/lab?x=1")),
        ("https://example.test/", Target("https://example.test/", "example.test", 443, "https",
                                         "https://example.test/")),
        ("http://[::1]:8080/", Target("http://[::1]:8080/", "::1", 8080, "http", "http://[::1]:8080/")),
    ],
)  # fmt: skip
def test_parses(raw: str, expected: Target) -> None:
    assert parse_target(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("0", "port 0 is out of range (1-65535)"),
        ("99999", "port 99999 is out of range (1-65535)"),
        ("host:http", "port 'http' is not a number"),
        ("my host:80", "a host name cannot contain spaces"),
        ("bad_-.:80", "is not a valid host name"),
        ("::1:80", "write an IPv6 address in brackets"),
        ("[::zz]:80", "is not a valid IPv6 address"),
        ("gpu07", "no port"),
        ("ftp://h/", "only http:// and https://"),
        ("http://h:0/", "port 0 is out of range"),
        ("https:///path", "the URL has no host"),
        ("http://[::1", "not a valid URL (Invalid IPv6 URL)"),
        ("::1", "write an IPv6 address in brackets, then the port: [::1]:PORT"),
        ("::1:80", "[::1]:80 or [::1:80]:PORT"),
        ("[zz]:80", "brackets hold an IPv6 address, and 'zz' is not one"),
        ("[10.0.0.1]:80", "brackets hold an IPv6 address"),
    ],
)
def test_rejects_with_one_line(raw: str, message: str) -> None:
    with pytest.raises(TargetError) as excinfo:
        parse_target(raw)
    assert message in str(excinfo.value) and "\n" not in str(excinfo.value)


def test_hosts_for_ping() -> None:
    assert [parse_host(h) for h in ("gpu07", "10.0.0.1", "[::1]", "fe80::1")] == [
        "gpu07",
        "10.0.0.1",
        "::1",
        "fe80::1",
    ]
    with pytest.raises(TargetError, match="not a URL"):
        parse_host("http://x/")
    with pytest.raises(TargetError, match="brackets hold an IPv6 address"):
        parse_host("[zz]")
