"""The `srvdoctor` console script and `python -m srvdoctor`: for `check` and `load`, a CPU baseline
before anything else loads (probes/cpustat.py), then the app (srvdoctor.cli)."""

from __future__ import annotations

import sys

from srvdoctor.probes import cpustat


def main() -> None:
    cpustat.take_early(sys.argv[1:])
    from srvdoctor.cli import main as run

    run()
