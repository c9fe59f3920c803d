"""Triage of error text: classification, extraction, tracebacks — on real captured errors
and on the exact messages the tools print."""

from __future__ import annotations

import errno
import os
import re
import socket
import subprocess
import sys
import traceback
from pathlib import Path

import pytest

from srvdoctor.config import Config, Targets
from srvdoctor.playbooks import load_library
from srvdoctor.triage import (
    classify,
    containing,
    error_lines,
    extract,
    mentioned_paths,
    parse_traceback,
    scoped_config,
    suggest_match,
    triage,
)

SHIPPED = load_library(None)


def _captured(fn) -> str:  # type: ignore[no-untyped-def]
    """The traceback text of a real failure, as Python prints it."""
    try:
        fn()
    except OSError:
        return traceback.format_exc()
    raise AssertionError("expected the call to fail")


# The exact messages the issue lists, as tools print them: (text, area, label).
MESSAGES = [
    ("OSError: [Errno 28] No space left on device: '/data/ckpt/step-900.pt'", "disk", "out of disk space"),
    ("Error: ENOSPC: no space left on device, write", "disk", "out of disk space"),
    ("write /var/lib/docker/tmp/x: no space left on device", "docker", "Docker storage full"),
    (
        "FileNotFoundError: [Errno 2] No such file or directory: 'data/train.csv'",
        "path",
        "file or directory missing",
    ),
    (
        "Error: ENOENT: no such file or directory, open '/app/config.json'",
        "path",
        "file or directory missing",
    ),
    ("PermissionError: [Errno 13] Permission denied: '/root/.cache/x'", "path", "permission denied"),
    ("bash: ./run.sh: Permission denied", "path", "permission denied"),
    ("Error: EACCES: permission denied, open '/etc/shadow'", "path", "permission denied"),
    ("OSError: [Errno 98] Address already in use", "network", "port already in use"),
    ("Error: listen EADDRINUSE: address already in use :::3000", "network", "port already in use"),
    ("ConnectionRefusedError: [Errno 111] Connection refused", "network", "connection refused"),
    ("TimeoutError: timed out", "network", "timed out"),
    ("socket.gaierror: [Errno -2] Name or service not known", "network", "name resolution failed"),
    ("socket.gaierror: [Errno -3] Temporary failure in name resolution", "network", "name resolution failed"),
    (
        "ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
        "self-signed certificate (_ssl.c:1006)",
        "network",
        "TLS certificate problem",
    ),
    (
        "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity "
        "of 79.11 GiB of which 1.06 GiB is free.",
        "gpu",
        "GPU out of memory",
    ),
    ("RuntimeError: CUDA error: out of memory", "gpu", "GPU out of memory"),
    (
        "RuntimeError: CUDA driver version is insufficient for CUDA runtime version",
        "gpu",
        "GPU driver too old or mismatched",
    ),
    ("Failed to initialize NVML: Driver/library version mismatch", "gpu", "GPU driver too old or mismatched"),
    ("NVML: Driver/library version mismatch", "gpu", "GPU driver too old or mismatched"),
    ("Killed", "memory", "killed (SIGKILL, usually the OOM killer)"),
    ("command terminated with exit code 137", "memory", "killed (SIGKILL, usually the OOM killer)"),
    ("Out of memory: Killed process 4242 (python) total-vm:81234567kB", "memory", "killed by the OOM killer"),
    (
        "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?",
        "docker",
        "Docker daemon unreachable",
    ),
    (
        "permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock",
        "docker",
        "Docker daemon unreachable",
    ),
    ("OSError: [Errno 24] Too many open files: '/data/shard-0001.parquet'", "limits", "too many open files"),
]


@pytest.mark.parametrize(("text", "area", "label"), MESSAGES, ids=[m[0][:40] for m in MESSAGES])
def test_message_is_classified(text: str, area: str, label: str) -> None:
    found = triage(text)
    assert (found.error_class.kind, found.error_class.area, found.error_class.label) == (
        "infrastructure",
        area,
        label,
    )


@pytest.mark.parametrize(
    ("text", "note_id"),
    [
        ("OSError: [Errno 98] Address already in use", "port-in-use"),
        ("Error: listen EADDRINUSE: address already in use :::3000", "port-in-use"),
        ("torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB.", "cuda-oom"),
        ("RuntimeError: CUDA error: out of memory", "cuda-oom"),
        ("OSError: [Errno 24] Too many open files", "too-many-open-files"),
        ("Error: EMFILE: too many open files, open '/x'", "too-many-open-files"),
        ("OSError: [Errno 28] No space left on device", "disk-full"),
    ],
)
def test_message_matches_its_playbook_first(text: str, note_id: str) -> None:
    assert SHIPPED.matching(text)[0][0].id == note_id


def test_java_heap_error_is_not_a_gpu_error() -> None:
    found = triage('Exception in thread "main" java.lang.OutOfMemoryError: Java heap space')
    assert found.error_class.area == "memory"


def test_cuda_out_of_memory_names_no_ram_note() -> None:
    """The words "out of memory" inside "CUDA out of memory" are the GPU's memory: no RAM condition and no
    RAM note, so an unrelated OOM kill in the kernel log cannot confirm one above cuda-oom."""
    found = triage("torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a "
                   "total capacity of 79.15 GiB of which 1.20 GiB is free.")  # fmt: skip
    notes = [score.note for score in found.ranked]
    assert (found.error_class.area, found.error_class.also, notes[0]) == ("gpu", (), "cuda-oom")
    assert not {"oom-killed", "memory-pressure"} & set(notes), notes


# --------------------------------------------------------------------------- real failures


def test_real_missing_file_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "models" / "llama.bin"
    text = _captured(lambda: open(missing))  # noqa: SIM115
    found = triage(text)
    assert found.error_class.area == "path" and found.error_class.label == "file or directory missing"
    assert found.extracted.paths == (str(missing),)
    assert found.error_class.exception == "FileNotFoundError"
    # the deepest frame outside the standard library and site-packages: this test file
    assert found.error_class.frame is not None and found.error_class.frame.file == __file__


def test_real_permission_denied_names_the_path(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.write_text("x")
    locked.chmod(0)
    proc = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "cat", str(locked)],
        capture_output=True,
        text=True,
    )
    if os.geteuid() != 0:
        proc = subprocess.run(["cat", str(locked)], capture_output=True, text=True)
    assert proc.returncode != 0, proc
    found = triage(proc.stderr)
    assert (found.error_class.area, found.error_class.label) == ("path", "permission denied")
    assert found.extracted.paths == (str(locked),)


def test_real_shell_missing_command_path(tmp_path: Path) -> None:
    proc = subprocess.run(["cat", str(tmp_path / "nope.txt")], capture_output=True, text=True)
    found = triage(proc.stderr)  # "cat: /tmp/.../nope.txt: No such file or directory"
    assert found.extracted.paths == (str(tmp_path / "nope.txt"),)


def test_real_port_in_use_on_loopback() -> None:
    with socket.socket() as holder, socket.socket() as second:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        try:
            second.bind(("127.0.0.1", port))
        except OSError as exc:
            assert exc.errno == errno.EADDRINUSE
            # uvicorn's wording around the real OSError text
            text = f"ERROR: [Errno 98] error while attempting to bind on address ('127.0.0.1', {port}): {exc.strerror}"
            bare = traceback.format_exc()
        else:
            raise AssertionError("bind to a port in use succeeded")
    found = triage(text)
    assert (found.error_class.area, found.error_class.label) == ("network", "port already in use")
    assert found.extracted.ports == (str(port),)
    assert triage(bare).error_class.label == "port already in use"
    assert SHIPPED.matching(bare)[0][0].id == "port-in-use"


def test_real_connection_refused_on_closed_loopback_port() -> None:
    import requests

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, never listening: connect is refused
        try:
            requests.get(f"http://127.0.0.1:{port}/api/health", timeout=2)
        except requests.ConnectionError:
            text = traceback.format_exc()
        else:
            raise AssertionError("connect to a closed port succeeded")
    found = triage(text)
    assert (found.error_class.area, found.error_class.label) == ("network", "connection refused")
    assert f"127.0.0.1:{port}" in found.extracted.ports
    assert "127.0.0.1" in found.extracted.hosts


def test_real_too_many_open_files_in_a_child() -> None:
    script = (
        "import resource\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (16, 16))\n"
        "files = [open('/dev/null') for _ in range(64)]\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 1
    found = triage(proc.stderr)
    assert (found.error_class.area, found.error_class.label) == ("limits", "too many open files")
    assert found.error_lines[-1] == "OSError: [Errno 24] Too many open files: '/dev/null'"
    assert SHIPPED.matching(proc.stderr)[0][0].id == "too-many-open-files"


def test_real_code_error_points_at_the_users_frame(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text(
        "import json\n\ndef main():\n    cfg = json.loads('{}')\n    return cfg['lr']\n\nmain()\n"
    )
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    found = triage(proc.stderr)
    ec = found.error_class
    assert (ec.kind, ec.exception) == ("code", "KeyError")
    assert ec.frame is not None and (ec.frame.file, ec.frame.line, ec.frame.function) == (
        str(script),
        5,
        "main",
    )
    assert ec.frame.code == "return cfg['lr']"


def test_code_error_raised_inside_a_library_keeps_the_users_frame(tmp_path: Path) -> None:
    script = tmp_path / "load.py"
    script.write_text("import json\njson.loads('{not json')\n")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    tb = parse_traceback(proc.stderr)
    assert tb is not None and tb.exception == "json.decoder.JSONDecodeError"
    assert tb.frames[-1].in_library and tb.user_frame is not None and tb.user_frame.line == 2
    assert classify(proc.stderr).kind == "code"


def test_unknown_text_shows_the_error_looking_lines() -> None:
    log = "starting worker 3\nloaded 120 shards\nnfs: server fs01 not responding, still trying\nstep 10\n"
    found = triage(log)
    assert found.error_class.kind == "unknown"
    assert found.error_lines == ("nfs: server fs01 not responding, still trying",)
    assert SHIPPED.matching(log) == []


def test_error_lines_prefer_the_exception_line_last() -> None:
    text = 'WARNING: retrying\nTraceback (most recent call last):\n  File "a.py", line 1, in <module>\n    x()\nValueError: bad'
    assert error_lines(text)[-1] == "ValueError: bad"


# --------------------------------------------------------------------------- extraction


@pytest.mark.parametrize(
    ("text", "paths"),
    [
        ("ls: cannot access '/mnt/my data': No such file or directory", ["/mnt/my data"]),
        ("open /data/x.bin: no such file or directory", ["/data/x.bin"]),
        ("Error: ENOENT: no such file or directory, open '/app/config.json'", ["/app/config.json"]),
        (
            "python: can't open file '/home/u/trian.py': [Errno 2] No such file or directory",
            ["/home/u/trian.py"],
        ),
    ],
)
def test_paths_from_messages(text: str, paths: list[str]) -> None:
    assert list(triage(text).extracted.paths) == paths


@pytest.mark.parametrize(
    ("text", "ports"),
    [
        ("[C 10:00:00.000 ServerApp] The port 8888 is already in use, trying another port.", ["8888"]),
        ("listen tcp :8080: bind: address already in use", ["8080"]),
        ("nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)", ["80"]),
        ("Error: listen EADDRINUSE: address already in use :::3000", ["3000"]),
        ("Bind for 0.0.0.0:8443 failed: port is already allocated", ["8443"]),
        (
            "[W 2024-05-01 12:34:56.789 ServerApp] The port 8888 is already in use, trying another port.",
            ["8888"],
        ),
        ("12:34:56 listen tcp 127.0.0.1:9090: bind: address already in use", ["9090"]),
        ("OSError: [Errno 98] Address already in use: ('::1', 8000, 0, 0) [::1]:8000", ["8000"]),
    ],
)
def test_ports_from_messages(text: str, ports: list[str]) -> None:
    assert list(triage(text).extracted.ports) == ports


def test_hosts_and_urls_from_messages() -> None:
    found = triage("curl: (6) Could not resolve host: db.example.invalid")
    assert found.extracted.hosts == ("db.example.invalid",)
    found = triage(
        "httpx.ConnectError: [Errno -2] Name or service not known while requesting https://api.example.invalid/v1"
    )
    assert found.extracted.urls == ("https://api.example.invalid/v1",)


def test_extracted_values_become_the_config_targets() -> None:
    config = Config(targets=Targets(paths=("/configured",), ports=("9999",)))
    found = triage("FileNotFoundError: [Errno 2] No such file or directory: '/data/missing.csv'")
    scoped = scoped_config(config, found.extracted)
    assert scoped.targets == Targets(paths=("/data/missing.csv",))
    assert scoped.timeout == config.timeout and config.targets.paths == ("/configured",)


def test_values_are_only_extracted_for_their_error_kind() -> None:
    assert extract("port 8888 is fine; cat: /x: No such file or directory", ()).ports == ()


# --------------------------------------------------------------------------- notes from errors


@pytest.mark.parametrize(
    "line",
    [
        "OSError: [Errno 116] Stale file handle: '/mnt/shared/ckpt'",
        "nfs: server 10.1.2.3 not responding, still trying",
        "RuntimeError: NCCL error in: ../torch/csrc/distributed/c10d/NCCLUtils.hpp:275, unhandled system error",
    ],
)
def test_suggested_match_matches_its_line_and_variants(line: str) -> None:
    pattern = re.compile(suggest_match(line), re.IGNORECASE)
    assert pattern.search(line)
    assert pattern.search(re.sub(r"\d+", "7", line))


def test_suggested_match_drops_the_variable_parts() -> None:
    assert suggest_match("OSError: [Errno 116] Stale file handle: '/mnt/shared/ckpt'") == "Stale file handle"


@pytest.mark.parametrize(
    ("text", "paths"),
    [
        ("OSError: [Errno 28] No space left on device: '/data/ckpt/step-9.pt'", ["/data/ckpt/step-9.pt"]),
        ("Error: ENOSPC: no space left on device, write '/srv/app/log.txt'", ["/srv/app/log.txt"]),
        ("OSError: [Errno 28] No space left on device", []),
        ("FileNotFoundError: [Errno 2] No such file or directory: 'relative/x'", []),
    ],
)
def test_mentioned_paths(text: str, paths: list[str]) -> None:
    assert mentioned_paths(text) == paths


def test_containing_mount_point() -> None:
    mounts = ["/", "/data", "/data/scratch", "/dat"]
    assert containing("/data/scratch/x/y.pt", mounts) == "/data/scratch"
    assert containing("/data/x", mounts) == "/data"
    assert containing("/database/x", mounts) == "/"
    assert containing("/x", ["-", "/data"]) is None


def test_checks_reorder_the_notes_they_confirm() -> None:
    from srvdoctor.model import Result, Status
    from srvdoctor.runner import make_report
    from srvdoctor.triage import confirmed_by, focus_results, rank_confirmed

    text = "OSError: [Errno 28] No space left on device: '/scratch/run/shard-9.bin'"
    results = [
        Result("disk.space", "/", Status.FAIL, "/ is 97% full", playbook="disk-full"),
        Result("disk.space", "/scratch", Status.OK, "/scratch is 1% full"),
        Result("disk.inodes", "/scratch", Status.FAIL, "/scratch has 100% ...", playbook="inode-exhaustion"),
    ]
    import datetime as dt

    report = make_report(results, dt.datetime.now(dt.timezone.utc), 0.0)
    confirmed = confirmed_by(report)
    assert confirmed == {"disk-full": ["disk.space"], "inode-exhaustion": ["disk.inodes"]}
    focus = focus_results(text, report)
    assert [(p, r.check) for p, r in focus] == [
        ("/scratch/run/shard-9.bin", "disk.space"),
        ("/scratch/run/shard-9.bin", "disk.inodes"),
    ]
    ranked = rank_confirmed(SHIPPED.matching(text), confirmed, focus)
    assert [n.id for n, _ in ranked][:2] == ["inode-exhaustion", "disk-full"]
