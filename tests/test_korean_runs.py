"""Every command, run for real under `LANG=ko_KR.UTF-8` (the environment, no --lang), prints
Korean and no untranslated English sentence; under `LANG=C` it prints no Hangul at all.

What counts as an untranslated English sentence, precisely (`english_runs`):

1. From each output line, remove what is not prose: URLs; `backticked` spans; the command of a
   hint (`→ try: ss -ltnp …`: the text after the label when its first word is a program,
   up to a `  # remark`, which stays); paths (any token with a `/`); ids (`disk.space`,
   `disk-full`, `nf_conntrack`, `mem.oom`: words joined by `.`, `-`, `_`); option names
   (`--depth`, `-n`); `KEY=VALUE`; numbers and units (`97%`, `1.2`, `GiB`, `ms`);
   program names and a short allow-list of technical words kept in English by the Korean
   style guide (Docker, GPU, CUDA, NVIDIA, DNS, TCP, TLS, HTTP, inode, OOM, cgroup, …);
   the text the test itself passed in (a triage message, a search word) and what srvdoctor
   quotes of it; the text after a label that quotes the system (`last line:`, `busiest:`,
   in English or as the Korean catalog says it); an error's English original written beside
   its Korean (`장치에 남은 공간이 없음 (No space left on device)`, `CUDA out of memory (GPU 메모리
   부족)`); and a note's code blocks (byte-identical to the English note by design).
2. What is left is split into runs of consecutive English words (`[A-Za-z][A-Za-z']*`);
   anything else (Hangul, a removed token, a symbol) ends a run. A run of 3 or more words
   is English prose.
3. Such a run is srvdoctor's own text, hence untranslated, when one of its word trigrams
   occurs in srvdoctor's source strings (the package's string literals, pattern tables
   aside), the English playbooks, or click/typer's help strings. Other runs are data quoted
   from the system (a kernel log line, a process's command line, a Docker version) and stay
   as they are; they are listed, not failed.

The commands run concurrently once per session (a few tens of seconds on 2 cores), on
127.0.0.1 only, with short timeouts.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "srvdoctor"
HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")

# --------------------------------------------------------------------------- what runs


@dataclass(frozen=True)
class Case:
    """One command line; `ko_args` replaces `args` under the Korean locale where the input
    itself is language-bound (a search word). `given` is text the test passed in."""

    name: str
    args: tuple[str, ...]
    ko_args: tuple[str, ...] | None = None
    given: tuple[str, ...] = ()


TRIAGE_TEXT = "OSError: [Errno 28] No space left on device"
T = ("--timeout", "1")


def _cases(tmp: Path) -> list[Case]:
    tree = tmp / "tree"
    merge_a, merge_b = tmp / "host-a.json", tmp / "host-b.json"
    cases = [
        Case("check", ("check", *T)),
        Case("disk", ("disk", str(tree), "--depth", "2", *T)),
        Case("path", ("path", str(tmp / "nope" / "weights.bin"), *T)),
        Case("port", ("port", "1", *T)),
        Case("ping", ("ping", "127.0.0.1", "--count", "1", *T)),
        Case("firewall", ("firewall", *T)),
        Case("load", ("load", *T)),
        Case("gpu", ("gpu", *T)),
        Case("docker", ("docker", *T)),
        Case("logs", ("logs", "--since", "10m", "--lines", "50", *T)),
        Case("notes", ("notes",)),
        Case("notes ID", ("notes", "disk-full")),
        Case("notes search", ("notes", "search", "space"), ("notes", "search", "공간"), ("space", "공간")),
        Case("triage TEXT", ("triage", TRIAGE_TEXT, *T), given=(TRIAGE_TEXT,)),
        Case("report", ("report", *T)),
        # the reports' English summaries are data to merge: they came from hosts under LANG=C
        Case("merge FILES", ("merge", str(merge_a), str(merge_b)), given=_summaries(merge_a)),
        # the files it would write stay English (remove finds them by their first line; a file's
        # content must not depend on the locale of whoever installed it): their comments are data
        Case("schedule install", ("schedule", "install"), given=(UNIT_COMMENT,)),
        Case("schedule remove", ("schedule", "remove")),
    ]
    helps = [(), *((c,) for c in COMMANDS), ("notes", "show"), ("notes", "search"), ("notes", "new"),
             ("schedule", "install"), ("schedule", "remove")]  # fmt: skip
    cases += [Case(" ".join((*h, "--help")), (*h, "--help")) for h in helps]
    return cases


UNIT_COMMENT = "srvdoctor check into node_exporter's textfile directory; exit 1 only means a check failed."
COMMANDS = ("check", "disk", "path", "port", "ping", "firewall", "load", "gpu", "docker", "logs", "notes",
            "triage", "report", "merge", "schedule")  # fmt: skip


@dataclass(frozen=True)
class Run:
    case: Case
    lang: str
    rc: int
    output: str  # stdout, then stderr
    seconds: float


def _env(lang_value: str, notes_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "SRVDOCTOR_"))}
    env.pop("LANGUAGE", None)
    env.update(LANG=lang_value, NO_COLOR="1", COLUMNS="100", SRVDOCTOR_CONFIG=os.devnull,
               SRVDOCTOR_NOTES=str(notes_dir), HOME=str(notes_dir.parent))  # fmt: skip
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        env.pop(name, None)
    return env


def _run(case: Case, lang: str, tmp: Path) -> Run:
    args = case.ko_args if lang == "ko" and case.ko_args else case.args
    env = _env("ko_KR.UTF-8" if lang == "ko" else "C", tmp / "notes")
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "srvdoctor", *args], capture_output=True, text=True, env=env,
                          cwd=tmp, timeout=120, check=False)  # fmt: skip
    return Run(case, lang, proc.returncode, proc.stdout + proc.stderr, time.perf_counter() - started)


def _summaries(report: Path) -> tuple[str, ...]:
    if not report.is_file():
        return ()
    return tuple(r["summary"] for r in json.loads(report.read_text())["results"])


def _prepare(tmp: Path) -> None:
    (tmp / "notes").mkdir()
    tree = tmp / "tree"
    for i in range(3):
        (tree / f"d{i}").mkdir(parents=True)
        (tree / f"d{i}" / "data.bin").write_bytes(b"\0" * (4096 * (i + 1)))
    env = _env("C", tmp / "notes")
    proc = subprocess.run([sys.executable, "-m", "srvdoctor", "path", str(tmp / "nope"), "--format", "json"],
                          capture_output=True, text=True, env=env, cwd=tmp, timeout=60, check=False)  # fmt: skip
    report = json.loads(proc.stdout)
    (tmp / "host-a.json").write_text(json.dumps(report))
    (tmp / "host-b.json").write_text(json.dumps({**report, "host": "gpu02"}))


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Run]:
    tmp = tmp_path_factory.mktemp("korean-runs")
    _prepare(tmp)
    jobs = [(c, lang) for c in _cases(tmp) for lang in ("ko", "C")]
    with ThreadPoolExecutor(max_workers=6) as pool:
        done = list(pool.map(lambda job: _run(job[0], job[1], tmp), jobs))
    return {(r.case.name, r.lang): r for r in done}


CASE_NAMES = [c.name for c in _cases(Path("/tmp"))]

# --------------------------------------------------------------------------- what is English prose

#: Kept in English by the Korean style guide (I18N.md) or names of things: never prose.
ALLOWED = {
    "srvdoctor", "docker", "dockerd", "containerd", "nvidia", "gpu", "gpus", "cuda", "nvml", "pynvml", "dns",
    "tcp", "udp", "tls", "ssl", "http", "https", "icmp", "ip", "ipv4", "ipv6", "inode", "inodes", "oom",
    "cgroup", "cgroups", "psi", "cpu", "cpus", "ram", "api", "id", "ids", "pid", "uid", "gid", "linux", "debian",
    "ubuntu", "iptables", "ip6tables", "nftables", "nft", "ufw", "firewalld", "systemd", "journald", "journalctl",
    "dmesg", "kmsg", "json", "junit", "nagios", "prometheus", "yaml", "toml", "cron", "crontab", "ssh", "sudo",
    "root", "python", "python3", "pip", "venv", "conda", "torch", "pytorch", "jupyter", "uvicorn", "node_exporter",
    "nccl", "ecc", "xid", "pcie", "swap", "tmpfs", "overlay2", "ext4", "xfs", "nfs", "lsof", "df", "du", "ss",
    "ps", "uptime", "ping", "curl", "ls", "mount", "sysctl", "rm", "git", "ok", "url",
    "urls", "unix", "localhost", "stdin", "stdout", "stderr", "utf", "utc", "iowait", "shm", "mib", "gib", "kib", "tib", "mb", "gb", "kb", "ms", "s", "b", "h", "m", "d", "typer", "click",
}  # fmt: skip
#: Hint labels whose text is a command when its first word is a program.
_HINT = re.compile(r"^(\s*(?:→|->)\s*[^:]{1,20}:\s*)(.*)$")
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)
_BACKTICK = re.compile(r"`[^`]*`")
_H = "\uac00-\ud7a3"
#: `한국어 (English, 한국어, …)`: the parentheses close, or a table cell ends (2 spaces), or the line does.
_GLOSS_AFTER = re.compile(rf"([{_H}][^\s(]*) ?\(([^()]*?)(?:\)|(?=\s{{2,}})|$)")


def _gloss(m: re.Match[str]) -> str:
    """Keep the Korean items of a parenthesised list after Korean; its English items are the
    originals (error texts, terms: `(정정 불가 ECC, row remapping, retired page)`)."""
    items = [item if HANGUL.search(item) else " · " for item in m.group(2).split(",")]
    return m.group(1) + " (" + ",".join(items) + ") "


#: `English words (한국어…)`: the English words just before a Korean gloss.
_GLOSS_BEFORE = re.compile(rf"(?:[A-Za-z][\w'-]*[ ,]+){{0,8}}[A-Za-z][\w'-]* ?\((?=[^()]*[{_H}])")
_FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
_STRIP = ".,;:!?()[]{}<>\"'“”‘’…|*"


@cache
def _programs() -> frozenset[str]:
    """Names a hint's command can start with: what is on PATH here, and common programs."""
    names = {"srvdoctor", "sudo", "docker", "nvidia-smi", "ss", "top", "ps", "df", "du", "ls", "lsof", "dmesg",
             "journalctl", "systemctl", "sysctl", "ip", "iptables", "nft", "ufw", "firewall-cmd", "curl", "ping",
             "python", "python3", "pip", "mount", "umount", "cat", "grep", "find", "kill", "ulimit", "echo",
             "crontab", "openssl", "dig", "getent", "nslookup", "resolvectl", "tail", "head", "fuser", "chmod",
             "chown", "mkdir", "touch", "rm", "nvcc", "conda", "apt", "apt-get", "free", "vmstat", "iostat",
             "watch", "xfs_quota", "quota", "repquota", "tune2fs", "dpkg", "file", "stat", "readlink", "realpath",
             "namei", "id", "sed", "awk", "jq", "ssh", "scp", "rsync", "tar", "gzip", "uname", "lscpu", "lspci",
             "modprobe", "lsmod", "env", "export", "cd", "git", "sensors", "nc", "telnet", "traceroute", "mtr",
             "tracepath", "nproc", "pgrep", "pkill", "htop", "podman", "kubectl", "uptime", "timedatectl",
             "crictl", "ctr", "fallocate", "truncate", "logrotate", "jupyter", "uvicorn", "torchrun"}  # fmt: skip
    return frozenset(names)


def _is_program(word: str) -> bool:
    word = word.strip(_STRIP)
    return bool(word) and (
        word in _programs() or (re.fullmatch(r"[\w.+-]+", word) and shutil.which(word)) is not None
    )


def _token_is_data(token: str) -> bool:
    """Not prose: a path, id, option, KEY=VALUE, number/unit, program or allowed word."""
    core = token.strip(_STRIP)
    if not core:
        return True
    if "/" in core or "=" in core or core.startswith(("-", "~", "$", "%", "#", "@")):
        return True
    if core[0].isdigit():
        return True
    if len(core) >= 2 and core.isupper():  # a metavar (FILE, SECONDS) or an acronym (GPU, RMA)
        return True
    if re.fullmatch(r"[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)+", core):  # disk.space, disk-full, nf_conntrack
        return True
    return core.lower() in ALLOWED


#: Labels after which srvdoctor quotes the system as it is (a log line, process command
#: lines): the rest of such a line is data. Their Korean is read from the compiled catalog.
QUOTE_LABELS = ("last line", "seen in", "busiest", "top by CPU", "top by memory", "command line", "cmdline")


@cache
def quote_labels() -> tuple[str, ...]:
    """QUOTE_LABELS in English and as the Korean catalog translates them (`마지막 줄`)."""
    labels = set(QUOTE_LABELS)
    mo = PACKAGE / "locale" / "ko" / "LC_MESSAGES" / "srvdoctor.mo"
    if mo.is_file():
        import gettext

        with mo.open("rb") as fh:
            catalog: dict[object, str] = gettext.GNUTranslations(fh)._catalog  # type: ignore[attr-defined]
        for msgid, msgstr in catalog.items():
            if isinstance(msgid, str) and ":" in msgstr:
                for label in QUOTE_LABELS:
                    if msgid.lower().startswith(label.lower() + ":"):
                        labels.add(msgstr.split(":", 1)[0].strip())
    return tuple(sorted(labels, key=len, reverse=True))


def prose(line: str, given: Iterable[str] = ()) -> str:
    """`line` with everything that is not prose replaced by ` · ` (a run breaker)."""
    for label in quote_labels():
        at = line.find(label + ":")
        if at != -1:
            line = line[: at + len(label) + 1] + " ·"
            break
    # Korean quotes an error's original English beside its own words, as engineers write
    # ("장치에 남은 공간이 없음 (No space left on device)", "CUDA out of memory (GPU 메모리 부족)"):
    # the English original in parentheses after Hangul, or before a Hangul gloss, is data
    line = _GLOSS_AFTER.sub(_gloss, line)
    line = _GLOSS_BEFORE.sub(" · (", line)
    given = tuple(given)
    for text in given:
        line = line.replace(text, " · ")
    # what srvdoctor quotes of the given text ('No space left on device')
    line = re.sub(
        r"'([^']{1,200})'", lambda m: " · " if any(m.group(1) in g for g in given) else m.group(0), line
    )
    line = _URL.sub(" · ", line)
    line = _BACKTICK.sub(" · ", line)
    hint = _HINT.match(line)
    if hint:
        rest = hint.group(2)
        command, sep, remark = rest.partition("  # ")
        if not sep:
            command, sep, remark = rest.partition(" # ")
        if command.split() and _is_program(command.split()[0]):
            line = hint.group(1) + " · " + (" " + remark if sep else "")
    out = []
    for token in line.split():
        out.append("·" if _token_is_data(token) else token)
    return " ".join(out)


def english_runs(line: str, given: Iterable[str] = ()) -> list[list[str]]:
    """Runs of 3 or more consecutive English words in the prose of `line`."""
    runs: list[list[str]] = []
    current: list[str] = []
    for token in prose(line, given).split():
        core = token.strip(_STRIP)
        if core and _WORD.fullmatch(core) and not HANGUL.search(token):
            current.append(core)
            if token[-1:] in ".;:!?":  # a sentence or a label ended: a new run begins
                if len(current) >= 3:
                    runs.append(current)
                current = []
            continue
        if len(current) >= 3:
            runs.append(current)
        current = []
    if len(current) >= 3:
        runs.append(current)
    return runs


def _trigrams(words: list[str]) -> set[tuple[str, str, str]]:
    low = [w.lower().replace("’", "'") for w in words]
    return {(low[i], low[i + 1], low[i + 2]) for i in range(len(low) - 2)}


#: Modules of regex tables: their strings are patterns, not text srvdoctor prints.
_PATTERN_MODULES = {"conditions.py", "kernel_patterns.py", "saferegex.py", "pasted.py"}


def _string_constants(path: Path) -> Iterator[str]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value


@cache
def own_text() -> frozenset[tuple[str, str, str]]:
    """Word trigrams of srvdoctor's own English text: its string literals, its English
    playbooks, click's and typer's help strings."""
    grams: set[tuple[str, str, str]] = set()
    sources = [p for p in PACKAGE.rglob("*.py") if p.name not in _PATTERN_MODULES]
    for mod in ("click", "typer"):
        spec = importlib.util.find_spec(mod)
        if spec and spec.origin:
            sources += list(Path(spec.origin).parent.glob("*.py"))
    texts = [s for p in sources for s in _string_constants(p)]
    # the English playbooks' prose: their code blocks and `code` quote commands and error texts
    texts += [_BACKTICK.sub(" ", _FENCE.sub(" ", p.read_text(encoding="utf-8")))
              for p in (ROOT / "playbooks").glob("*.md")]  # fmt: skip
    for text in texts:
        for piece in re.split(r"\{[^{}]*\}|\n", text):  # a placeholder ends a run, as in the output
            grams |= _trigrams(_WORD.findall(piece))
    return frozenset(grams)


@cache
def own_words() -> frozenset[str]:
    """One-word strings of the code that prints (commands/, render/): table headers such as
    `type`, `size`, `used`, `avail`, and labels."""
    files = [*(PACKAGE / "commands").glob("*.py"), *(PACKAGE / "render").glob("*.py")]
    return (
        frozenset(s.lower() for p in files for s in _string_constants(p) if re.fullmatch(r"[A-Za-z]+", s))
        - ALLOWED
    )


def is_own(run: list[str]) -> bool:
    """A run of srvdoctor's own words: a trigram of its text, or a row of its headers."""
    return bool(_trigrams(run) & own_text()) or all(w.lower() in own_words() for w in run)


@dataclass(frozen=True)
class Finding:
    line: str
    run: str
    own: bool  # srvdoctor's own text (a failure) or data quoted from the system


def findings(output: str, given: Iterable[str] = ()) -> list[Finding]:
    found = []
    fenced = False
    for line in output.splitlines():
        if line.lstrip().startswith("```"):  # a note's code block: commands, byte-identical to English
            fenced = not fenced
            continue
        if fenced:
            continue
        for run in english_runs(line, given):
            found.append(Finding(line.strip(), " ".join(run), is_own(run)))
    return found


# --------------------------------------------------------------------------- the tests


@pytest.mark.parametrize("name", CASE_NAMES)
def test_korean_locale_prints_korean_and_no_english_sentence(
    runs: dict[tuple[str, str], Run], name: str
) -> None:
    run = runs[(name, "ko")]
    assert "Traceback" not in run.output, run.output
    problems = []
    if not HANGUL.search(run.output):
        problems.append("no Korean at all")
    found = findings(run.output, run.case.given)
    bad = [f for f in found if f.own]
    if bad:
        problems.append(f"{len(bad)} untranslated English sentence(s):")
        problems += [f"  [{f.run}]  in: {f.line[:160]}" for f in bad]
    data = [f for f in found if not f.own]
    if problems and data:
        problems.append("(English quoted from the system, not counted:)")
        problems += [f"  [{f.run}]" for f in data[:5]]
    assert not problems, f"srvdoctor {name} under LANG=ko_KR.UTF-8 (rc {run.rc}):\n" + "\n".join(problems)


@pytest.mark.parametrize("name", CASE_NAMES)
def test_c_locale_prints_no_hangul(runs: dict[tuple[str, str], Run], name: str) -> None:
    run = runs[(name, "C")]
    assert "Traceback" not in run.output, run.output
    lines = [line for line in run.output.splitlines() if HANGUL.search(line)]
    assert not lines, f"srvdoctor {name} under LANG=C prints Hangul:\n" + "\n".join(lines[:20])


def test_both_languages_exit_alike(runs: dict[tuple[str, str], Run]) -> None:
    """The language changes the words, never the verdict (load and logs read a moving system)."""
    moving = {"check", "load", "logs", "triage TEXT", "docker"}
    differ = [(n, runs[(n, "ko")].rc, runs[(n, "C")].rc) for n in CASE_NAMES
              if n not in moving and runs[(n, "ko")].rc != runs[(n, "C")].rc]  # fmt: skip
    assert not differ, differ


# --------------------------------------------------------------------------- the definition itself


def test_prose_removes_what_is_not_prose() -> None:
    line = "  [✗] disk.space: /data is 97% full (1.2 GiB free of 40 GiB) see https://x.y/z `df -h` --depth 2"
    assert prose(line).split() == ["[✗]", "·", "·", "is", "·", "full", "·", "·", "free", "of", "·", "·", "see",
                                   "·", "·", "·", "·"]  # fmt: skip
    assert english_runs(line) == []
    assert english_runs("      → try: ss -ltnp 'sport = :8888'") == []
    assert english_runs("      → try: journalctl -k   # look for the line before the crash") == [
        ["look", "for", "the", "line", "before", "the", "crash"]
    ]
    assert english_runs("      → try: check the server's log for the port it chose") == [
        ["check", "the", "server's", "log", "for", "the", "port", "it", "chose"]
    ]
    assert english_runs("  [✓] disk.space: / 27% 사용 중 (남은 공간 73.7 GiB)") == []
    assert english_runs("NVIDIA GPU driver 없음") == []
    assert english_runs("-f, --format FORMAT  table or json.  [default: table]") == []
    assert english_runs("last line: kernel: Out of memory: Killed process 4242 (python)") == []


def test_own_text_tells_srvdoctor_from_the_system() -> None:
    ours = findings(
        "  [✗] port.tcp: 127.0.0.1:1 refused the connection: nothing listens on port 1 on this machine"
    )
    assert [f.run for f in ours] == ["refused the connection", "nothing listens on port", "on this machine"]
    assert all(f.own for f in ours)
    assert [f.own for f in findings("type  size  used  avail")] == [True]
    assert [f.own for f in findings("torchvision torchaudio tensorflow jax")] == [False]
    assert findings("matched: 'No space left on device', 'Errno 28'", given=(TRIAGE_TEXT,)) == []


def test_an_english_original_beside_korean_is_data() -> None:
    assert english_runs("disk-full   장치에 남은 공간이 없음 (No space left on device)   shipped") == []
    assert (
        english_runs("bad-interpreter   바이너리를 실행할 수 없음 (bad interpreter, exec       shipped") == []
    )
    assert english_runs("cuda-oom   CUDA out of memory (GPU 메모리 부족)   shipped") == []
    assert english_runs("디스크 (it is full and nothing helps)") == []
    assert english_runs("GPU 메모리 오류 (정정 불가 ECC, row remapping, retired page)      shipped") == []
    assert english_runs("GPU 오류 (row remapping, 이것은 not translated at all)") == [
        ["not", "translated", "at", "all"]
    ]
    assert english_runs("it is full and nothing helps (디스크)") == []
    assert english_runs("디스크: it is full and nothing helps") == [
        ["it", "is", "full", "and", "nothing", "helps"]
    ]
    block = "## 확인\n```\nsrvdoctor disk / --depth 2   # what is using it\n```\nthe same by hand here"
    assert [f.run for f in findings(block)] == ["the same by hand here"]
