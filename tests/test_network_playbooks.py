"""Real error text from clients finds the network playbooks (triage relies on these)."""

from __future__ import annotations

import pytest

from srvdoctor.playbooks import load_library

LIB = load_library(None)


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("ConnectionRefusedError: [Errno 111] Connection refused", "port-closed"),
        ("dial tcp 10.0.0.5:5432: connect: ECONNREFUSED", "port-closed"),
        ("TimeoutError: [Errno 110] Connection timed out", "port-filtered"),
        ("OSError: [Errno 113] No route to host", "host-unreachable"),
        ("OSError: [Errno 101] Network is unreachable", "host-unreachable"),
        ("socket.gaierror: [Errno -2] Name or service not known", "dns-failure"),
        ("socket.gaierror: [Errno -3] Temporary failure in name resolution", "dns-failure"),
        ("curl: (6) Could not resolve host: nosuch.invalid", "dns-failure"),
        ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired", "tls-error"),
        ("urllib.error.HTTPError: HTTP Error 502: Bad Gateway", "http-error"),
        ("<html><head><title>504 Gateway Time-out</title></head>", "http-error"),
        ("INFO:     Uvicorn running on http://127.0.0.1:8000 (Press CTRL+C to quit)", "bound-to-loopback"),
        ("Error: connect ECONNREFUSED ::1:3000", "address-family-mismatch"),
    ],
)
def test_error_text_finds_its_playbook(text: str, note: str) -> None:
    found = [n.id for n, _ in LIB.matching(text)]
    assert found and found[0] == note, found
