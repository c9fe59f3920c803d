"""srvdoctor benchmarks: each figure a ratio against its reference, run side by side.

    .venv/bin/python benchmarks/bench.py            # every benchmark
    .venv/bin/python benchmarks/bench.py version    # just one

Targets (DESIGN.md): `srvdoctor --version` <= 1.3x `python -c "import typer"`;
`srvdoctor check` on a healthy machine <= 2 s wall.
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


def bench_load() -> None:
    """`srvdoctor load --format json` vs one batch frame of `top` (procps), the tool it replaces."""
    ref = wall(["top", "-b", "-n", "1"], runs=7) if shutil.which("top") else None
    ours = wall([*SRVDOCTOR, "load", "--format", "json"], runs=7)
    line("srvdoctor load", ours, ref, "top -b -n 1", "<= 2000 ms (0.25 s CPU sample)")


def bench_gpu() -> None:
    """`srvdoctor gpu --format json` vs `nvidia-smi -q -x` (NVML directly vs shelling out)."""
    ref = wall(["nvidia-smi", "-q", "-x"], runs=7) if shutil.which("nvidia-smi") else None
    ours = wall([*SRVDOCTOR, "gpu", "--format", "json"], runs=7)
    line("srvdoctor gpu", ours, ref, "nvidia-smi -q -x" if ref else "(no nvidia-smi here)", "<= 1.00x")


BENCHMARKS: dict[str, Callable[[], None]] = {
    "version": bench_version,
    "check": bench_check,
    "load": bench_load,
    "gpu": bench_gpu,
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
