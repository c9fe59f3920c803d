"""srvdoctor benchmarks: each figure a ratio against its reference, run side by side.

    .venv/bin/python benchmarks/bench.py            # every benchmark
    .venv/bin/python benchmarks/bench.py version    # just one

Targets (DESIGN.md): `srvdoctor --version` <= 1.3x `python -c "import typer"`;
`srvdoctor check` on a healthy machine <= 2 s wall.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

PY = sys.executable
SRVDOCTOR = [PY, "-m", "srvdoctor"]
BIN = Path(PY).with_name("srvdoctor")


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


def bench_version() -> None:
    """`srvdoctor --version` (the installed console script) vs `python -c "import typer"`."""
    cmd = [str(BIN), "--version"] if BIN.exists() else [*SRVDOCTOR, "--version"]
    ref = wall([PY, "-c", "import typer"], runs=21)
    ours = wall(cmd, runs=21)
    line("srvdoctor --version", ours, ref, 'python -c "import typer"', "<= 1.30x")


def bench_check() -> None:
    """`srvdoctor check` wall time, every area this machine has; no unreachable targets."""
    env = {**os.environ, "SRVDOCTOR_CONFIG": os.devnull}
    ours = wall([*SRVDOCTOR, "check", "--format", "json"], runs=5, warmup=1, env=env)
    line("srvdoctor check", ours, None, "(absolute)", "<= 2000 ms")


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
    "check": bench_check,
    "port": bench_port,
}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("names", nargs="*", choices=[[], *BENCHMARKS], help="benchmarks to run (default all)")
    args = parser.parse_args(argv)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {os.uname().release}")
    for name in args.names or BENCHMARKS:
        BENCHMARKS[name]()


if __name__ == "__main__":
    main()
