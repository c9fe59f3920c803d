"""Triage: read an error message or a whole log, classify it, pull out what it names.

Pure text in, plain values out: no system access, no printing. `commands/triage.py`
matches the result against the playbook library and runs the checks the notes name.

The error class follows the debugging habit srvdoctor is built on: *infrastructure*
(disk, path, network, GPU, Docker, memory, OS limits — something about the machine),
*code* (a Python exception raised in the user's own files, with the frame), or
*unknown*.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from srvdoctor.config import Config, Targets
from srvdoctor.model import Report, Result
from srvdoctor.playbooks import Playbook

#: Infrastructure areas an error can belong to, with the words the report uses.
AREA_LABELS: dict[str, str] = {
    "disk": "disk",
    "path": "path",
    "network": "network",
    "gpu": "GPU",
    "docker": "Docker",
    "memory": "memory",
    "limits": "OS limits",
}


@dataclass(frozen=True)
class Signal:
    """One recognised kind of infrastructure error: an area, a plain label, a pattern."""

    area: str
    label: str
    pattern: re.Pattern[str]


def _signal(area: str, label: str, *patterns: str) -> Signal:
    return Signal(
        area, label, re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE | re.MULTILINE)
    )


#: Most specific first: the first signal that matches names the error class. A Docker
#: socket "permission denied" is Docker, "CUDA out of memory" is GPU and not RAM.
SIGNALS: tuple[Signal, ...] = (
    _signal(
        "docker",
        "Docker daemon unreachable",
        r"Cannot connect to the Docker daemon",
        r"Is the docker daemon running",
        r"docker\.sock",
        r"DockerException: Error while fetching server API version",
    ),
    _signal(
        "gpu",
        "GPU out of memory",
        r"CUDA out of memory",
        r"CUDA error: out of memory",
        r"torch\.(?:cuda\.)?OutOfMemoryError",
        r"OutOfMemoryError: CUDA",
        r"CUBLAS_STATUS_ALLOC_FAILED",
        r"RESOURCE_EXHAUSTED: Out of memory while trying to allocate",
    ),
    _signal(
        "gpu",
        "GPU driver problem",
        r"CUDA driver version is insufficient",
        r"NVML: Driver/library version mismatch",
        r"Failed to initialize NVML",
        r"no CUDA-capable device is detected",
        r"NVIDIA-SMI has failed",
        r"cudaErrorInsufficientDriver",
        r"Found no NVIDIA driver on your system",
    ),
    _signal("disk", "out of disk space", r"No space left on device", r"\bENOSPC\b", r"Errno 28\b"),
    _signal("disk", "disk quota exceeded", r"Disk quota exceeded", r"\bEDQUOT\b", r"Errno 122\b"),
    _signal("limits", "too many open files", r"Too many open files", r"\bE[MN]FILE\b", r"Errno 2[34]\b"),
    _signal(
        "network",
        "port already in use",
        r"Address already in use",
        r"\bEADDRINUSE\b",
        r"Errno 98\b",
        r"port is already allocated",
        r"\bport \d+ is (?:already )?in use",
    ),
    _signal("network", "connection refused", r"Connection refused", r"\bECONNREFUSED\b", r"Errno 111\b"),
    _signal(
        "network",
        "name resolution failed",
        r"Name or service not known",
        r"Temporary failure in name resolution",
        r"nodename nor servname provided",
        r"getaddrinfo (?:failed|ENOTFOUND|EAI_AGAIN)",
        r"Could not resolve host",
        r"Failed to resolve",
        r"NameResolutionError",
        r"\bno such host\b",
        r"Errno -[235]\b",
    ),
    _signal(
        "network",
        "TLS certificate problem",
        r"CERTIFICATE_VERIFY_FAILED",
        r"certificate verify failed",
        r"x509: certificate",
        r"self[- ]signed certificate",
        r"certificate has expired",
        r"SSLError",
        r"SSL routines",
    ),
    _signal(
        "network",
        "host unreachable",
        r"No route to host",
        r"Network is unreachable",
        r"\bE(?:HOST|NET)UNREACH\b",
        r"Errno 11[03]\b",
        r"Errno 101\b",
    ),
    _signal(
        "network",
        "timed out",
        r"\btimed out\b",
        r"\bETIMEDOUT\b",
        r"Errno 110\b",
        r"Connect(?:ion)?Timeout",
        r"ReadTimeout",
        r"deadline exceeded",
    ),
    _signal(
        "memory",
        "out of memory (RAM)",
        r"^\s*Killed\s*$",
        r"\bKilled\s+(?:python|\S+\.py)",
        r"(?:exit(?:ed)?|status|code|signal)\D{0,16}\b137\b",
        r"\bOOMKilled\b",
        r"\boom[-_ ]?kill",
        r"Out of memory",
        r"\bMemoryError\b",
        r"\bOutOfMemoryError\b",
        r"Cannot allocate memory",
        r"\bENOMEM\b",
        r"Errno 12\b",
        r"std::bad_alloc",
    ),
    _signal(
        "path",
        "file or directory missing",
        r"No such file or directory",
        r"\bENOENT\b",
        r"\[Errno 2\]",
        r"\bFileNotFoundError\b",
    ),
    _signal(
        "path",
        "permission denied",
        r"Permission denied",
        r"\bEACCES\b",
        r"\[Errno 13\]",
        r"\bPermissionError\b",
        r"Operation not permitted",
        r"\bEPERM\b",
    ),
)

#: Python exceptions that say "the program is wrong", not "the machine is".
CODE_EXCEPTIONS = frozenset(
    {
        "AssertionError", "AttributeError", "ImportError", "IndentationError", "IndexError",
        "KeyError", "ModuleNotFoundError", "NameError", "NotImplementedError", "RecursionError",
        "RuntimeError", "SyntaxError", "TabError", "TypeError", "UnboundLocalError",
        "ValueError", "ZeroDivisionError", "JSONDecodeError", "UnicodeDecodeError",
        "UnicodeEncodeError", "StopIteration", "LookupError", "ArithmeticError",
        "OverflowError",
    }
)  # fmt: skip

_TRACEBACK = re.compile(r"^\s*Traceback \(most recent call last\):\s*$")
_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+)(?:, in (?P<func>.+?))?\s*$')
_EXCEPTION = re.compile(
    r"^(?P<type>[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning|Fault|Failure|Killed)"
    r"|[A-Za-z_][\w]*\.[A-Za-z_][\w.]*)"
    r"(?::\s?(?P<message>.*))?$"
)
_LIBRARY = re.compile(r"(?:site-packages|dist-packages)[/\\]|/lib/python\d(?:\.\d+)?/|/lib64/python\d|^<")
_ERRORISH = re.compile(
    r"\b(?:error|exception|fatal|failed|failure|denied|refused|killed|cannot|can't|could not|unable to"
    r"|not found|no such|timed out|abort(?:ed)?|panic|segmentation fault|insufficient|mismatch"
    r"|out of memory|in use|unreachable|not responding|unavailable|exceeded|expired|broken pipe"
    r"|reset by peer|stale)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Frame:
    """One frame of a Python traceback."""

    file: str
    line: int
    function: str
    code: str = ""

    @property
    def in_library(self) -> bool:
        """True for the standard library, installed packages and frozen modules."""
        return bool(_LIBRARY.search(self.file))

    def to_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "function": self.function, "code": self.code}


@dataclass(frozen=True)
class Traceback:
    """The last Python traceback in the text: its frames and the exception it ended with."""

    frames: tuple[Frame, ...]
    exception: str  # e.g. "OSError"
    message: str
    line: str  # the exception line as written

    @property
    def user_frame(self) -> Frame | None:
        """The deepest frame in the user's own files (where their code was when it failed)."""
        for frame in reversed(self.frames):
            if not frame.in_library:
                return frame
        return None


@dataclass(frozen=True)
class ErrorClass:
    """What kind of error this is: `infrastructure` (with an area), `code` or `unknown`."""

    kind: str  # infrastructure | code | unknown
    area: str | None = None  # for infrastructure: a key of AREA_LABELS
    label: str = ""  # "out of disk space", "TypeError in your code", ...
    line: str = ""  # the line that decided it
    frame: Frame | None = None
    exception: str | None = None
    also: tuple[str, ...] = ()  # labels of other infrastructure signals in the text

    def describe(self) -> str:
        if self.kind == "infrastructure" and self.area:
            return f"infrastructure ({AREA_LABELS.get(self.area, self.area)}): {self.label}"
        if self.kind == "code":
            return f"code: {self.label}"
        return "unknown"

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "area": self.area,
            "label": self.label,
            "line": self.line,
            "exception": self.exception,
            "frame": self.frame.to_dict() if self.frame else None,
            "also": list(self.also),
        }


@dataclass(frozen=True)
class Extracted:
    """Values named in the error text that checks can look at."""

    paths: tuple[str, ...] = ()
    ports: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.paths or self.ports or self.hosts or self.urls)

    def to_dict(self) -> dict[str, list[str]]:
        return {"paths": list(self.paths), "ports": list(self.ports), "hosts": list(self.hosts),
                "urls": list(self.urls)}  # fmt: skip


@dataclass(frozen=True)
class Triage:
    """Everything read out of one error text."""

    error_class: ErrorClass
    error_lines: tuple[str, ...]
    extracted: Extracted
    traceback: Traceback | None = None
    signals: tuple[Signal, ...] = field(default_factory=tuple)


# --------------------------------------------------------------------------- tracebacks


def parse_traceback(text: str) -> Traceback | None:
    """The last `Traceback (most recent call last):` block and the exception after it."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if _TRACEBACK.match(line)]
    if not starts:
        return None
    frames: list[Frame] = []
    i = starts[-1] + 1
    while i < len(lines):
        line = lines[i]
        frame = _FRAME.match(line)
        if frame:
            code = ""
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            if nxt.startswith((" ", "\t")) and not _FRAME.match(nxt):
                code = nxt.strip()
                i += 1
            frames.append(Frame(frame["file"], int(frame["line"]), (frame["func"] or "").strip(), code))
            i += 1
            continue
        if not line.strip() or line.startswith((" ", "\t")):
            i += 1  # carets (^^^^), locals, blank lines
            continue
        exc = _EXCEPTION.match(line.strip())
        if exc:
            return Traceback(tuple(frames), exc["type"], (exc["message"] or "").strip(), line.strip())
        return Traceback(tuple(frames), "", "", line.strip())
    return Traceback(tuple(frames), "", "", "")


# --------------------------------------------------------------------------- error lines


def _is_traceback_noise(line: str) -> bool:
    stripped = line.strip()
    return bool(_FRAME.match(line)) or _TRACEBACK.match(line) is not None or set(stripped) <= set("^~ ")


def error_lines(text: str, limit: int = 5, tb: Traceback | None = None) -> tuple[str, ...]:
    """The lines that look like the error: matched signals, error words, the exception line.

    The last `limit` of them, in order, without repeats. When nothing looks like an
    error, the last non-empty line.
    """
    picked: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or _is_traceback_noise(line):
            continue
        if _ERRORISH.search(stripped) or any(s.pattern.search(stripped) for s in SIGNALS):
            picked.append(stripped)
    if tb is not None and tb.line:
        picked = [p for p in picked if p != tb.line] + [tb.line]
    unique = list(dict.fromkeys(picked))
    if not unique:
        last = [line.strip() for line in text.splitlines() if line.strip()]
        return tuple(last[-1:])
    return tuple(unique[-limit:])


# --------------------------------------------------------------------------- classification


def find_signals(text: str) -> list[Signal]:
    """Every infrastructure signal present in `text`, most specific first."""
    return [s for s in SIGNALS if s.pattern.search(text)]


def classify(text: str, tb: Traceback | None = None, lines: Sequence[str] = ()) -> ErrorClass:
    """Infrastructure (the first signal on the final error line, else the most specific
    signal anywhere), else code (a Python exception in the user's files), else unknown."""
    tb = tb if tb is not None else parse_traceback(text)
    signals = find_signals(text)
    frame = tb.user_frame if tb else None
    if signals:
        final = tb.line if tb and tb.line else (lines[-1] if lines else "")
        primary = next((s for s in signals if final and s.pattern.search(final)), signals[0])
        decided = final if final and primary.pattern.search(final) else _first_line(text, primary)
        also = tuple(dict.fromkeys(s.label for s in signals if s.label != primary.label))
        return ErrorClass(
            "infrastructure",
            primary.area,
            primary.label,
            decided,
            frame,
            tb.exception if tb and tb.exception else None,
            also,
        )
    if tb is not None and tb.exception:
        short = tb.exception.rsplit(".", 1)[-1]
        if frame is not None or short in CODE_EXCEPTIONS:
            where = f" at {frame.file}:{frame.line}" if frame else ""
            return ErrorClass("code", None, f"{short} in your code{where}", tb.line, frame, tb.exception)
    if tb is None:
        for line in reversed(text.splitlines()):
            exc = _EXCEPTION.match(line.strip())
            if exc and exc["type"].rsplit(".", 1)[-1] in CODE_EXCEPTIONS:
                short = exc["type"].rsplit(".", 1)[-1]
                return ErrorClass("code", None, f"{short} in your code", line.strip(), None, exc["type"])
    return ErrorClass("unknown", line=lines[-1] if lines else "", frame=frame,
                      exception=tb.exception if tb and tb.exception else None)  # fmt: skip


def _first_line(text: str, signal: Signal) -> str:
    for line in text.splitlines():
        if signal.pattern.search(line):
            return line.strip()
    return ""


# --------------------------------------------------------------------------- extraction

_QUOTED = r"""(?:'(?P<sq>[^'\n]+)'|"(?P<dq>[^"\n]+)"|‘(?P<uq>[^’\n]+)’)"""
_PATH_ERRORS = r"(?:No such file or directory|Permission denied|ENOENT|EACCES)"
_PATH_PATTERNS = (
    # Python: [Errno 2] No such file or directory: '/data/x'
    re.compile(_PATH_ERRORS + r"(?:\s*\(os error \d+\))?[,:]\s*" + _QUOTED, re.I),
    # Node: ENOENT: no such file or directory, open '/data/x'
    re.compile(_PATH_ERRORS + r"[^'\"\n]*?,\s*(?:open|stat|lstat|access|scandir|mkdir|unlink)\s+" + _QUOTED,
               re.I),
    # ls: cannot access '/data/x': No such file or directory
    # python: can't open file '/x.py': [Errno 2] No such file or directory
    re.compile(_QUOTED + r":\s*(?:\[Errno \d+\]\s*)?" + _PATH_ERRORS, re.I),
    # cat: /data/x: No such file or directory / bash: ./run.sh: Permission denied
    re.compile(r"(?:^|[\s:])(?P<bare>(?:~|\.{1,2})?/[^\s:'\"]*|[\w.-]+/[^\s:'\"]+):\s*" + _PATH_ERRORS,
               re.I | re.M),
    # Go: open /data/x: no such file or directory
    re.compile(r"\b(?:open|stat|lstat|mkdir|chdir|remove)\s+(?P<go>/[^\s:]+):\s*" + _PATH_ERRORS, re.I),
)  # fmt: skip

_BIND_LINE = re.compile(r"address already in use|EADDRINUSE|Errno 98\b|already allocated|bind|listen", re.I)
_PORT_PATTERNS = (
    re.compile(r"\bport\s*[:=]?\s*(\d{1,5})\b", re.I),
    re.compile(r"\(\s*'[^']*'\s*,\s*(\d{1,5})\s*\)"),  # ('0.0.0.0', 8000)
)
#: HOST:PORT in a bind/listen line: `0.0.0.0:80`, `:::3000`, `[::1]:8000`, `:8080`, `localhost:5000`;
#: never a time of day (`12:34:56.789`).
_HOSTPORT_IN_BIND = re.compile(
    r"(?<![\w:.])(?:\[[0-9a-f:]*\]|::|(?:\d{1,3}\.){3}\d{1,3}|[a-z][\w.-]*)?:(\d{1,5})\b(?![:.]\d)", re.I
)
_URL = re.compile(r"""\b(?:https?|wss?)://[^\s'"<>)\]}]+""", re.I)
_HOST_PATTERNS = (
    re.compile(r"\bhost\s*=\s*['\"]([^'\"\s]+)['\"]", re.I),
    re.compile(r"(?:Failed to resolve|Could not resolve host:?|resolve host)\s+['\"]?([\w.-]+)", re.I),
    re.compile(r"\blookup\s+([\w.-]+)(?:\s+on\s|:)", re.I),
    re.compile(r"\bgetaddrinfo (?:ENOTFOUND|EAI_AGAIN)\s+([\w.-]+)", re.I),
    re.compile(r"\b(?:connect(?:ing)? to|to host)\s+['\"]?([A-Za-z][\w-]*(?:\.[\w-]+)+)", re.I),
)
_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})*$"
)
_IN_USE_LINE = re.compile(
    r"address already in use|EADDRINUSE|Errno 98\b|already allocated|is (?:already )?in use", re.I
)
_REFUSED_LINE = re.compile(r"refused|ECONNREFUSED|Errno 111\b|timed out|unreachable", re.I)


def _group(match: re.Match[str]) -> str:
    return next(
        v for k, v in match.groupdict().items() if v is not None and k in {"sq", "dq", "uq", "bare", "go"}
    )


def _valid_port(text: str) -> bool:
    return text.isdigit() and 1 <= int(text) <= 65535


def extract_paths(text: str) -> list[str]:
    """Paths that a "No such file or directory" / "Permission denied" message names."""
    found: list[str] = []
    for line in text.splitlines():
        if not re.search(_PATH_ERRORS, line, re.I):
            continue
        for pattern in _PATH_PATTERNS:
            for match in pattern.finditer(line):
                path = _group(match).strip()
                if path and "://" not in path and "docker.sock" not in path:
                    found.append(path)
    return list(dict.fromkeys(found))


_ANY_ERRNO_PATH = (
    re.compile(r"\[Errno \d+\][^'\"\n]*?:\s*" + _QUOTED),  # Python OSError: [Errno 28] ...: '/x'
    re.compile(r"\bE[A-Z]{3,}:[^,\n]*,\s*\w+\s+" + _QUOTED),  # Node: ENOSPC: ..., write '/x'
)


def mentioned_paths(text: str) -> list[str]:
    """Absolute paths an OS error names, whatever the error (`[Errno 28] ...: '/data/x'`)."""
    found = [
        _group(m) for line in text.splitlines() for pattern in _ANY_ERRNO_PATH for m in pattern.finditer(line)
    ]
    return list(dict.fromkeys(p for p in [*found, *extract_paths(text)] if p.startswith("/")))


def containing(path: str, candidates: Iterable[str]) -> str | None:
    """The longest of `candidates` (mount points) that contains `path`, or None."""
    best: str | None = None
    for c in candidates:
        inside = c in ("/", path) or path.startswith(c.rstrip("/") + "/")
        if c.startswith("/") and inside and (best is None or len(c) > len(best)):
            best = c
    return best


def extract_ports(text: str) -> list[str]:
    """Ports from "Address already in use" / "port 8888" / refused-connection lines.

    `PORT` for a local listener (a port in use); `HOST:PORT` when a connection to a named
    host was refused (`HTTPConnectionPool(host='localhost', port=8000)`).
    """
    found: list[str] = []
    for line in text.splitlines():
        in_use = bool(_IN_USE_LINE.search(line))
        host = re.search(r"\bhost\s*=\s*['\"]([^'\"\s]+)['\"]", line)
        for pattern in _PORT_PATTERNS:
            for match in pattern.finditer(line):
                port = match.group(1)
                if not _valid_port(port):
                    continue
                if host and not in_use and _REFUSED_LINE.search(line):
                    found.append(f"{host.group(1)}:{port}")
                else:
                    found.append(port)
        if in_use and _BIND_LINE.search(line):
            for match in _HOSTPORT_IN_BIND.finditer(_URL.sub(" ", line)):
                if _valid_port(match.group(1)):
                    found.append(match.group(1))
    return list(dict.fromkeys(found))


def extract_urls(text: str) -> list[str]:
    return list(dict.fromkeys(m.group(0).rstrip(".,;:'\"") for m in _URL.finditer(text)))


def extract_hosts(text: str) -> list[str]:
    """Hostnames named where a connection or a lookup failed."""
    found: list[str] = []
    for pattern in _HOST_PATTERNS:
        for match in pattern.finditer(text):
            host = match.group(1).rstrip(".")
            if (_HOSTNAME.match(host) and not host.replace(".", "").isdigit()) or _is_ip(host):
                found.append(host)
    return list(dict.fromkeys(found))


def _is_ip(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def extract(text: str, signals: Iterable[Signal] = ()) -> Extracted:
    """Paths, ports, hosts and URLs the error names, for the checks to look at."""
    areas = {s.area for s in signals}
    return Extracted(
        paths=tuple(extract_paths(text)) if "path" in areas else (),
        ports=tuple(extract_ports(text)) if "network" in areas else (),
        hosts=tuple(extract_hosts(text)) if "network" in areas else (),
        urls=tuple(extract_urls(text)) if "network" in areas else (),
    )


def scoped_config(config: Config, extracted: Extracted) -> Config:
    """A copy of `config` whose targets are what the error text names (and nothing else),
    so that target checks (`path.exists`, `port.listen`, ...) look at those."""
    targets = Targets(
        paths=extracted.paths, ports=extracted.ports, hosts=extracted.hosts, urls=extracted.urls
    )
    return replace(config, targets=targets)


# --------------------------------------------------------------------------- all of it


def triage(text: str) -> Triage:
    """Read `text` (a message, a traceback or a whole log) into a Triage."""
    tb = parse_traceback(text)
    lines = error_lines(text, tb=tb)
    signals = tuple(find_signals(text))
    return Triage(classify(text, tb, lines), lines, extract(text, signals), tb, signals)


# --------------------------------------------------------------------------- notes from errors


def suggest_match(line: str) -> str:
    """A regex for `matches` from one error line: the stable words, the variable parts loose.

    Drops the exception name, `[Errno N]` and a quoted operand at the end, escapes the
    rest and lets numbers vary: `OSError: [Errno 116] Stale file handle: '/mnt/x'` →
    `Stale\\ file\\ handle`.
    """
    text = line.strip()
    exc = _EXCEPTION.match(text)
    if exc and exc["message"]:
        text = exc["message"].strip()
    text = re.sub(r"^\[Errno -?\d+\]\s*", "", text)
    text = re.sub(r"[:,]\s*" + _QUOTED + r"\s*$", "", text).strip()
    if not text:
        text = line.strip()
    pattern = re.escape(text[:120])
    pattern = re.sub(r"\d+", r"\\d+", pattern)
    pattern = re.sub(r"(\\ )+", " ", pattern)
    return pattern


# --------------------------------------------------------------------------- after the checks ran


def confirmed_by(report: Report | None) -> dict[str, list[str]]:
    """Playbook id -> the checks whose problems (warn and worse) link to it."""
    out: dict[str, list[str]] = {}
    for r in report.problems() if report is not None else ():
        if r.playbook and r.check not in out.setdefault(r.playbook, []):
            out[r.playbook].append(r.check)
    return out


def focus_results(text: str, report: Report | None) -> list[tuple[str, Result]]:
    """For each absolute path the error names, the results about the target that holds it
    (the filesystem a `[Errno 28] ...: '/data/x'` was written to)."""
    if report is None:
        return []
    out: list[tuple[str, Result]] = []
    targets = {r.target for r in report.results}
    for path in mentioned_paths(text):
        target = containing(path, targets)
        out += [(path, r) for r in report.results if target is not None and r.target == target]
    return out


def rank_confirmed(
    matched: Sequence[tuple[Playbook, list[str]]],
    confirmed: dict[str, list[str]],
    focus: Sequence[tuple[str, Result]],
) -> list[tuple[Playbook, list[str]]]:
    """Matched notes reordered by what the checks found: confirmed where the error happened
    first, then confirmed anywhere, then the rest; otherwise the library's order."""
    at_focus = {r.playbook for _, r in focus if r.status.is_problem}
    return sorted(matched, key=lambda item: (item[0].id not in at_focus, item[0].id not in confirmed))
