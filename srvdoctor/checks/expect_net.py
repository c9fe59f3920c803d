"""Network expectations: `[[expect.http]]`, `[[expect.port]]` and `[[expect.listen]]`.

The `judge_*` functions are pure (probe values in, a Result out); the `eval_*` ones read
the system through the probes and judge what they read.
"""

from __future__ import annotations

import json as jsonlib
import shlex
import time
from typing import Any

from srvdoctor.checks.base import CheckContext
from srvdoctor.checks.expect_result import UNHEALTHY, exp_timeout
from srvdoctor.checks.expect_result import result as _result
from srvdoctor.expect.model import HttpExpect, JsonMatch, ListenExpect, PortExpect
from srvdoctor.lazyre import lazy
from srvdoctor.messages import join, oserror, t
from srvdoctor.model import Result, Status
from srvdoctor.probes.dns import Resolution
from srvdoctor.probes.http import HttpFailure, HttpResponse
from srvdoctor.probes.listeners import Listener
from srvdoctor.probes.tcp import TcpResult
from srvdoctor.record import dataclass
from srvdoctor.units import naturalduration

# --------------------------------------------------------------------------- http


def _json_lookup(doc: Any, path: str) -> tuple[bool, Any]:
    cur = doc
    for part in path.split("."):
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        elif isinstance(cur, list) and part.lstrip("-").isdigit() and -len(cur) <= int(part) < len(cur):
            cur = cur[int(part)]
        else:
            return False, None
    return True, cur


def _json_problem(body: str, match: JsonMatch) -> str | None:
    try:
        doc = jsonlib.loads(body)
    except ValueError:
        return t("body is not JSON (wanted {path})", path=match.path)
    found, value = _json_lookup(doc, match.path)
    if not found:
        return t("JSON has no {path}", path=match.path)
    if (
        match.has_equals
        and not (value == match.equals and type(value) is type(match.equals))
        and not (
            isinstance(value, (int, float))
            and isinstance(match.equals, (int, float))
            and not isinstance(value, bool)
            and not isinstance(match.equals, bool)
            and value == match.equals
        )
    ):
        return t(
            "JSON {path} is {value}, expected {expected}",
            path=match.path,
            value=jsonlib.dumps(value),
            expected=jsonlib.dumps(match.equals),
        )
    return None


def judge_http(exp: HttpExpect, got: HttpResponse | HttpFailure) -> Result:
    curl = (
        f"curl -sS -o /dev/null -w '%{{http_code}} %{{time_total}}s\\n' {'-k ' if exp.insecure else ''}"
        + (f"-X {exp.method} " if exp.method != "GET" else "")
        + shlex.quote(exp.url)
    )
    if isinstance(got, HttpFailure):
        hints = [curl]
        if got.kind == "tls":
            hints.append(
                t(
                    "set insecure = true only for a self-signed test certificate; "
                    "otherwise fix the certificate"
                )
            )
        return _result(
            exp,
            Status.FAIL,
            got.message,
            data={"error": got.kind, "elapsed_ms": round(got.elapsed_s * 1000, 1)},
            playbook=UNHEALTHY,
            hints=tuple(hints),
            elapsed=got.elapsed_s,
        )
    problems: list[str] = []  # each a Msg
    if got.status not in exp.status:
        want: str = str(exp.status[0])
        for code in exp.status[1:]:
            want = t("{codes} or {code}", codes=want, code=str(code))
        english = f"HTTP {got.status} {got.reason} (expected {want})".replace("  ", " ")
        if got.reason:
            wrong = t("HTTP {code} {reason} (expected {want})", code=got.status, reason=got.reason, want=want)
        else:
            wrong = t("HTTP {code} (expected {want})", code=got.status, want=want)
        problems.append(wrong if wrong == english else wrong.retext(english))
    if exp.within is not None and got.elapsed_s > exp.within:
        problems.append(
            t(
                "took {took} (budget {budget})",
                took=naturalduration(got.elapsed_s),
                budget=naturalduration(exp.within),
            )
        )
    text = got.text()
    if exp.contains is not None and not exp.contains.found_in(text):
        problems.append(t("body does not contain {what}", what=exp.contains.describe()))
    for match in exp.json:
        problem = _json_problem(text, match)
        if problem:
            problems.append(problem)
    data = {
        "status_code": got.status,
        "elapsed_ms": round(got.elapsed_s * 1000, 1),
        "body_bytes": len(got.body),
    }
    if not problems:
        return _result(
            exp,
            Status.OK,
            t("HTTP {code} in {took}", code=got.status, took=naturalduration(got.elapsed_s)),
            data=data,
            elapsed=got.elapsed_s,
        )
    snippet = " ".join(text.split())[:200]
    details = (t("body: {snippet}", snippet=snippet),) if snippet else ()
    return _result(
        exp,
        Status.FAIL,
        join("; ", problems),
        details=details,
        data=data,
        playbook=UNHEALTHY,
        hints=(curl,),
        elapsed=got.elapsed_s,
    )


def eval_http(exp: HttpExpect, ctx: CheckContext) -> Result:
    from srvdoctor.probes.http import request

    got = request(exp.method, exp.url, exp.headers, exp_timeout(exp, ctx), verify=not exp.insecure)
    return judge_http(exp, got)


# --------------------------------------------------------------------------- port


@dataclass(frozen=True)
class TcpOutcome:
    """What `expect.port` reports of a lookup and connects: the state and a short message."""

    state: str  # open | refused | timeout | dns | unreachable
    message: str
    address: str = ""
    elapsed_s: float = 0.0


_ERRNO_PREFIX = lazy(r"\[Errno -?\d+\] ")


def _strerror(text: str) -> str:
    """`[Errno 111] Connection refused` -> `Connection refused`, as the probes format errors."""
    return _ERRNO_PREFIX.sub("", text, count=1)


def dns_outcome(host: str, res: Resolution, timeout: float, elapsed_s: float) -> TcpOutcome | None:
    """The outcome of a failed lookup (None when it resolved).

    A failure that is not a getaddrinfo error (an unencodable name such as `a..b`) is raised,
    so the expectation reads "could not be checked", as when the lookup itself raised.
    """
    if res.ok:
        return None
    if res.kind == "timeout":
        return TcpOutcome(
            "dns", t("resolving {host} took over {timeout:g} s", host=host, timeout=timeout), "", elapsed_s
        )
    if not _ERRNO_PREFIX.match(res.error):
        raise ValueError(res.error)
    why = oserror(_strerror(res.error))
    return TcpOutcome("dns", t("{host} does not resolve: {why}", host=host, why=why), "", elapsed_s)


def tcp_outcome(tcp: TcpResult, timeout: float, elapsed_s: float) -> TcpOutcome:
    """probes/tcp.py's states as expect.port reports them: filtered is a timeout, and
    unreachable, rejected and error are all "unreachable" with the system's error text."""
    if tcp.state == "open":
        return TcpOutcome(
            "open", t("accepts connections on {address}", address=tcp.address), tcp.address, elapsed_s
        )
    if tcp.state == "refused":
        return TcpOutcome("refused", t("connection refused"), tcp.address, elapsed_s)
    if tcp.state == "filtered":
        message = t("no answer within {timeout:g} s (filtered?)", timeout=timeout)
        return TcpOutcome("timeout", message, tcp.address, elapsed_s)
    return TcpOutcome("unreachable", oserror(_strerror(tcp.error)), tcp.address, elapsed_s)


def _literal(host: str) -> str:
    """An IPv6 address as getaddrinfo spells it (`0:0::1` -> `::1`; dns.resolve returns a
    literal as written); anything else unchanged."""
    import socket

    try:
        return socket.inet_ntop(socket.AF_INET6, socket.inet_pton(socket.AF_INET6, host))
    except (OSError, ValueError):
        return host


def connect_host(host: str, port: int, timeout: float) -> TcpOutcome:
    """Resolve `host` and try each address once, in turn, within `timeout` in all; the first
    that answers decides, else the last address tried."""
    from srvdoctor.probes.dns import resolve
    from srvdoctor.probes.tcp import connect

    started = time.perf_counter()
    res = resolve(host, timeout, port)
    failed = dns_outcome(host, res, timeout, time.perf_counter() - started)
    if failed is not None:
        return failed
    last = TcpOutcome("unreachable", t("no address for {host}", host=host))
    for address in map(_literal, res.addresses):
        remaining = max(0.05, timeout - (time.perf_counter() - started))
        last = tcp_outcome(connect(address, port, remaining), timeout, time.perf_counter() - started)
        if last.state == "open":
            return last
    return last


def judge_port(exp: PortExpect, got: TcpOutcome) -> Result:
    data = {"state": got.state, "elapsed_ms": round(got.elapsed_s * 1000, 1)}
    hint = (f"srvdoctor port {exp.target}", f"nc -zv -w 3 {exp.host} {exp.port}")
    if exp.state == "open":
        if got.state == "open":
            return _result(
                exp,
                Status.OK,
                t("{target} is open ({how})", target=exp.target, how=got.message),
                data=data,
                elapsed=got.elapsed_s,
            )
        return _result(
            exp,
            Status.FAIL,
            t("{target} is not open: {why}", target=exp.target, why=got.message),
            data=data,
            playbook=UNHEALTHY,
            hints=hint,
            elapsed=got.elapsed_s,
        )
    if got.state == "open":
        return _result(
            exp,
            Status.FAIL,
            t("{target} accepts connections but should be closed", target=exp.target),
            data=data,
            hints=(f"ss -ltnp 'sport = :{exp.port}'",),
            elapsed=got.elapsed_s,
        )
    return _result(
        exp,
        Status.OK,
        t("{target} is closed ({how})", target=exp.target, how=got.message),
        data=data,
        elapsed=got.elapsed_s,
    )


def eval_port(exp: PortExpect, ctx: CheckContext) -> Result:
    return judge_port(exp, connect_host(exp.host, exp.port, exp_timeout(exp, ctx)))


# --------------------------------------------------------------------------- listen


def _address_ok(wanted: str | None, actual: str) -> bool:
    return wanted is None or wanted == actual


def _listener(x: Listener) -> str:
    """`127.0.0.1:8000 (uvicorn)`; the pid where the name is unknown, else "owner hidden"."""
    if not x.pid:
        return t("{address}:{port} (owner hidden)", address=x.address, port=x.port)
    return f"{x.address}:{x.port} ({x.process or 'pid ' + str(x.pid)})"


def judge_listen(exp: ListenExpect, found: list[Listener]) -> Result:
    on_port = [x for x in found if x.port == exp.port]
    described = join(", ", [_listener(x) for x in on_port])
    hints = (f"ss -ltnp 'sport = :{exp.port}'",)
    data: dict[str, Any] = {
        "listeners": [{"address": x.address, "pid": x.pid, "process": x.process or None} for x in on_port]
    }
    if not on_port:
        return _result(
            exp,
            Status.FAIL,
            t("nothing listens on port {port}", port=exp.port),
            data=data,
            playbook=UNHEALTHY,
            hints=hints,
        )
    matching = [x for x in on_port if _address_ok(exp.address, x.address)]
    if not matching:
        details: tuple[str, ...] = ()
        if exp.address in ("0.0.0.0", "::") and all(
            x.address.startswith("127.") or x.address == "::1" for x in on_port
        ):
            details = (
                t(
                    "it is bound to loopback only: other machines cannot reach it; start the server with "
                    "--host 0.0.0.0"
                ),
            )
        return _result(
            exp,
            Status.FAIL,
            t(
                "port {port} listens on {found}, not on {wanted}",
                port=exp.port,
                found=described,
                wanted=exp.address,
            ),
            details=details,
            data=data,
            playbook=UNHEALTHY,
            hints=hints,
        )
    if exp.process:
        owned = [x for x in matching if x.process == exp.process]
        if not owned:
            hidden = all(not x.process for x in matching)
            held = t(
                "port {port} is held by {found}, not {wanted}",
                port=exp.port,
                found=described,
                wanted=exp.process,
            )
            if hidden:
                held = t("{what} (the owner is not visible: run as root)", what=held)
            return _result(
                exp,
                Status.FAIL,
                held,
                data=data,
                playbook=UNHEALTHY,
                hints=hints,
            )
        matching = owned
    return _result(exp, Status.OK, t("listening: {found}", found=described), data=data)


def _listeners_on(port: int) -> list[Listener]:
    """The sockets listening on `port`, one per (address, port, pid), ordered by address then pid."""
    from srvdoctor.probes.listeners import listeners

    found = {(x.address, x.port, x.pid): x for x in listeners() if x.port == port}
    return sorted(found.values(), key=lambda x: (x.port, x.address, x.pid or 0))


def eval_listen(exp: ListenExpect, ctx: CheckContext) -> Result:
    from srvdoctor.probes.timeout import call_with_timeout

    return judge_listen(exp, call_with_timeout(lambda: _listeners_on(exp.port), ctx.timeout, "list sockets"))
