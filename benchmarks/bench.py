"""srvdoctor benchmarks: each figure a ratio against its reference, run side by side.

    .venv/bin/python benchmarks/bench.py            # every benchmark
    .venv/bin/python benchmarks/bench.py startup    # just one (names below)

Rows (issue 17's table; targets from it and DESIGN.md):
  version   `srvdoctor --version` <= 1.3x `python -c "import typer"`
  startup   `path /`, `port 1`, `notes`, `triage --no-run TEXT`, `ping`, `firewall`, `gpu`
            (no GPU) each <= 1.5x `python -c "import typer"`
  check     `srvdoctor check` (every area) <= 4x `python -c "import typer"`, <= 2 s wall
  disk      `srvdoctor disk TREE --depth 2` <= 1.2x `du -s -B1 -x TREE` on 300,000 files warm,
            same byte totals, peak RSS <= 64 MiB (also with `--files 1000000`)
  watch     CPU of `srvdoctor load --watch 1` <= 5 % of a core (top -b -d 1 beside it)
  load, gpu, port: the commands against the tools they replace

Each row runs ours and its reference interleaved (ref, ours, ref, ours...), so that noise
from other processes hits both alike, and prints medians, the median of the per-pair ratios
(each run of ours over the reference run just before it: the pair shares the machine's drift),
the machine's CPU count and its load average before and after: on a shared machine, read the
ratio, not the milliseconds.
srvdoctor's own modules are byte-compiled first (PYTHONDONTWRITEBYTECODE=1 would otherwise
make every run compile them, as an installed wheel never does).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

PY = sys.executable
SRVDOCTOR = [PY, "-m", "srvdoctor"]
BIN = Path(PY).with_name("srvdoctor")


def once(cmd: Sequence[str], **kwargs: object) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process and its children) of one run of `cmd`."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)  # type: ignore[call-overload]
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0
    return time.perf_counter() - t0, usage.ru_utime + usage.ru_stime


class Pair(NamedTuple):
    """Ours against the reference, run interleaved: medians of (wall, cpu) seconds, and the
    median of the per-pair ratios (each run of ours over the reference run just before it)."""

    ours: tuple[float, float]
    ref: tuple[float, float]
    ratio: float
    cpu_ratio: float


def side_by_side(
    ours: Sequence[str], ref: Sequence[str], runs: int, warmup: int = 1, **kwargs: object
) -> Pair:
    """Runs interleaved (ref, ours, ref, ours...). The ratio is the median of each pair's ratio,
    not the ratio of the medians: this machine's speed drifts by tens of percent within seconds,
    and a pair run back to back shares the drift."""
    for _ in range(warmup):
        once(ref, **kwargs)
        once(ours, **kwargs)
    mine: list[tuple[float, float]] = []
    theirs: list[tuple[float, float]] = []
    for _ in range(runs):
        theirs.append(once(ref, **kwargs))
        mine.append(once(ours, **kwargs))
    med = statistics.median
    return Pair(
        (med(w for w, _ in mine), med(c for _, c in mine)),
        (med(w for w, _ in theirs), med(c for _, c in theirs)),
        med(m[0] / r[0] for m, r in zip(mine, theirs, strict=True) if r[0]),
        med(m[1] / r[1] for m, r in zip(mine, theirs, strict=True) if r[1]),
    )


def row(name: str, pair: Pair, ref_name: str, target: str) -> None:
    """One line: wall and CPU of ours and of the reference, and the median per-pair ratios."""
    ours, ref = pair.ours, pair.ref
    print(f"{name:<34} {ours[0] * 1000:7.0f} ms ({ours[1] * 1000:5.0f} ms CPU)  vs {ref_name:<24} "
          f"{ref[0] * 1000:7.0f} ms ({ref[1] * 1000:5.0f} ms CPU)  ratio {pair.ratio:5.2f}x "
          f"(CPU {pair.cpu_ratio:5.2f}x)  target {target}")  # fmt: skip


def wall(cmd: Sequence[str], runs: int, warmup: int = 2, **kwargs: object) -> float:
    """Median wall seconds of `cmd` over `runs` runs, after `warmup` unmeasured runs."""
    for _ in range(warmup):
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, **kwargs)  # type: ignore[call-overload]
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, **kwargs)  # type: ignore[call-overload]
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def line(name: str, ours: float, ref: float | None, ref_name: str, target: str) -> None:
    ratio = f"{ours / ref:.2f}x" if ref else "-"
    ref_text = f"{ref * 1000:8.1f} ms" if ref is not None else "       -   "
    print(
        f"{name:<28} {ours * 1000:8.1f} ms   {ref_name:<26} {ref_text}   ratio {ratio:>6}   target {target}"
    )


CMD = [str(BIN)] if BIN.exists() else SRVDOCTOR
TYPER = [PY, "-c", "import typer"]
QUIET_ENV = {**os.environ, "SRVDOCTOR_CONFIG": os.devnull}


def bench_version() -> None:
    """`srvdoctor --version` (the installed console script) vs `python -c "import typer"`."""
    pair = side_by_side([*CMD, "--version"], TYPER, runs=15)
    row("srvdoctor --version", pair, 'python -c "import typer"', "<= 1.30x")


#: The commands that should start about as fast as typer itself (issue 17).
STARTUP = {
    "path /": ["path", "/"],
    "port 1": ["port", "1", "--timeout", "1"],
    "notes": ["notes"],
    "triage --no-run TEXT": ["triage", "--no-run", "OSError: [Errno 28] No space left on device"],
    "ping 127.0.0.1 --count 1": ["ping", "127.0.0.1", "--count", "1", "--timeout", "1"],
    "firewall": ["firewall"],
    "gpu": ["gpu"],
}


def bench_startup() -> None:
    """Each light command vs `python -c "import typer"`, interleaved."""
    for name, args in STARTUP.items():
        pair = side_by_side([*CMD, *args], TYPER, runs=15, env=QUIET_ENV)
        row(f"srvdoctor {name}", pair, 'python -c "import typer"', "<= 1.50x")


def bench_triage() -> None:
    """`srvdoctor triage --no-run TEXT` (run once per pasted error) vs `python -c "import typer"`."""
    cmd = [str(BIN)] if BIN.exists() else SRVDOCTOR
    text = "OSError: [Errno 28] No space left on device: '/data/ckpt/step-900.pt'"
    env = {**os.environ, "SRVDOCTOR_CONFIG": os.devnull}
    ref = wall([PY, "-c", "import typer"], runs=11)
    ours = wall([*cmd, "triage", "--no-run", text], runs=11, env=env)
    line("srvdoctor triage --no-run", ours, ref, 'python -c "import typer"', "<= 350 ms")


def bench_check() -> None:
    """`srvdoctor check`, every area this machine has, no targets configured, vs import typer."""
    pair = side_by_side([*CMD, "check", "--format", "json"], TYPER, runs=7, env=QUIET_ENV)
    row("srvdoctor check", pair, 'python -c "import typer"', "<= 4x, <= 2000 ms")


def bench_load() -> None:
    """`srvdoctor load --format json` vs one batch frame of `top` (procps), the tool it replaces."""
    ref = wall(["top", "-b", "-n", "1"], runs=7) if shutil.which("top") else None
    ours = wall([*SRVDOCTOR, "load", "--format", "json"], runs=7)
    line("srvdoctor load", ours, ref, "top -b -n 1", "<= 2000 ms (0.2 s CPU sample)")


def _cpu_seconds(pid: int) -> float:
    """utime + stime of a running process (/proc/PID/stat), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _steady_cpu_percent(cmd: Sequence[str], warmup_s: float = 4.0, measure_s: float = 20.0) -> float:
    """CPU use of a long-running command (percent of one core) once its first frame is drawn."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(warmup_s)
        c0, t0 = _cpu_seconds(proc.pid), time.monotonic()
        time.sleep(measure_s)
        return 100.0 * (_cpu_seconds(proc.pid) - c0) / (time.monotonic() - t0)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def bench_watch() -> None:
    """CPU cost of `srvdoctor load --watch 1` (batch frames, as piped) vs `top -b -d 1`, per core."""
    ref = _steady_cpu_percent(["top", "-b", "-d", "1"]) if shutil.which("top") else None
    ours = _steady_cpu_percent([*SRVDOCTOR, "load", "--watch", "1"])
    ref_text = f"{ref:5.1f}% of a core" if ref is not None else "-"
    ratio = f"{ours / ref:.1f}x" if ref else "-"
    print(
        f"{'srvdoctor load --watch 1':<28} {ours:5.1f}% of a core   {'top -b -d 1':<21} {ref_text}"
        f"   ratio {ratio:>6}   target <= 5% of a core"
    )


def bench_gpu() -> None:
    """`srvdoctor gpu --format json` vs `nvidia-smi -q -x` (NVML directly vs shelling out)."""
    ref = wall(["nvidia-smi", "-q", "-x"], runs=7) if shutil.which("nvidia-smi") else None
    ours = wall([*SRVDOCTOR, "gpu", "--format", "json"], runs=7)
    line("srvdoctor gpu", ours, ref, "nvidia-smi -q -x" if ref else "(no nvidia-smi here)", "<= 1.00x")


#: Files in the generated tree for `disk` (--files changes it); 4,400 directories per 300,000 files.
OPTIONS = {"files": 300_000}
TREE_BASE = Path("/tmp/srvdoctor-bench-tree")


def make_tree(files: int) -> Path:
    """Generate (once, cached) `files` small files in files * 4400 / 300000 directories."""
    root = TREE_BASE / f"{files}"
    marker = root / ".complete"
    if marker.exists():
        return root
    if root.exists():
        shutil.rmtree(root)
    dirs = max(2, files * 4400 // 300_000)
    top = max(1, round(dirs**0.5 / 1.6))  # ~40 top-level dirs for 4,400
    per_top = max(1, dirs // top - 1)
    leaves = []
    for t in range(top):
        for m in range(per_top):
            leaves.append(root / f"top{t:03d}" / f"sub{m:03d}")
    t0 = time.perf_counter()
    for leaf in leaves:
        leaf.mkdir(parents=True)
    payload = [b"x" * n for n in (10, 100, 1000, 5000, 20000)]
    for i in range(files):
        leaf = leaves[i % len(leaves)]
        with open(leaf / f"f{i}", "wb") as fh:
            fh.write(payload[i % len(payload)])
    marker.touch()
    print(f"generated {files:,} files in {len(leaves) + top:,} directories under {root} "
          f"in {time.perf_counter() - t0:.0f} s")  # fmt: skip
    return root


def peak_rss_mib(cmd: Sequence[str]) -> float:
    """Peak RSS in MiB of the largest process of `cmd` (it or a worker it forked), via wait4's rusage."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0
    return usage.ru_maxrss / 1024


def du_total(path: Path) -> int:
    out = subprocess.run(["du", "-B1", "-x", "-s", str(path)], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[0])


def bench_disk() -> None:
    """`srvdoctor disk DIR --depth 2` vs `du -s -B1 -x DIR`, warm cache, same byte totals, peak RSS."""
    import json

    files = OPTIONS["files"]
    tree = make_tree(files)
    ours_cmd = [*CMD, "disk", str(tree), "--depth", "2", "--format", "json"]
    du_cmd = ["du", "-s", "-B1", "-x", str(tree)]
    runs = 7 if files <= 300_000 else 3
    subprocess.run(du_cmd, stdout=subprocess.DEVNULL, check=False)  # warm the cache
    pair = side_by_side(ours_cmd, du_cmd, runs=runs, env=QUIET_ENV)
    row(f"srvdoctor disk ({files:,} files)", pair, "du -s -B1 -x", "<= 1.20x")
    proc = subprocess.run(ours_cmd, capture_output=True, text=True, check=False, env=QUIET_ENV)
    report = json.loads(proc.stdout)
    total, reference = report["tree"]["bytes"], du_total(tree)
    same = "same" if total == reference else "DIFFERENT"
    print(f"{'  byte totals':<34} srvdoctor {total:,}   du -B1 -x -s {reference:,}   ({same}); "
          f"{report['scan']['workers']} scan worker(s)")  # fmt: skip
    rss_ours, rss_du = peak_rss_mib(ours_cmd), peak_rss_mib(du_cmd)
    print(f"{'  peak RSS':<34} srvdoctor {rss_ours:.1f} MiB (largest process)   du {rss_du:.1f} MiB"
          f"   target <= 64 MiB")  # fmt: skip


def bench_port() -> None:
    """`srvdoctor port` over 50 targets, 10 of them filtered, vs one probe timeout (needs root).

    Runs inside two network namespaces made here (sdnet-bench-*, 10.231.250.0/24, no
    default route); the client side runs in its own namespace, so nothing leaves.
    """
    if os.geteuid() != 0:
        print("srvdoctor port (50 targets)   skipped: needs root for network namespaces")
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.netlab import NetLab

    lab = NetLab(subnet=250)
    try:
        lab.up()
        lab.iptables("-A", "INPUT", "-p", "tcp", "--dport", "9100:9109", "-j", "DROP")
        ip = lab.server_ip
        targets = [f"{ip}:{p}" for p in range(9000, 9040)] + [f"{ip}:{p}" for p in range(9100, 9110)]
        cmd = ["ip", "netns", "exec", lab.cli_ns, PY, "-m", "srvdoctor", "port", *targets, "--timeout", "1"]
        ours = wall(cmd, runs=3, warmup=1, env={**os.environ, "SRVDOCTOR_CONFIG": os.devnull})
    finally:
        lab.down()
    line("srvdoctor port (50, 10 filt.)", ours, 1.0, "one --timeout", "~1x + start-up")


BENCHMARKS: dict[str, Callable[[], None]] = {
    "version": bench_version,
    "startup": bench_startup,
    "check": bench_check,
    "load": bench_load,
    "gpu": bench_gpu,
    "disk": bench_disk,
    "port": bench_port,
    "watch": bench_watch,
    "triage": bench_triage,
}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("names", nargs="*", choices=[[], *BENCHMARKS], help="benchmarks to run (default all)")
    parser.add_argument("--files", type=int, default=300_000,
                        help="files in the generated tree of the disk benchmark (e.g. 1000000)")  # fmt: skip
    args = parser.parse_args(argv)
    OPTIONS["files"] = args.files
    import compileall

    compileall.compile_dir(str(Path(__file__).resolve().parent.parent / "srvdoctor"), quiet=1)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {os.uname().release}, "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")  # fmt: skip
    for name in args.names or BENCHMARKS:
        BENCHMARKS[name]()
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
