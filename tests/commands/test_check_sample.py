"""`check`: the CPU sample is primed before the check modules load, so it is never waited for alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def test_the_cpu_sample_starts_before_the_check_modules_load() -> None:
    code = (
        "import sys; sys.argv = ['srvdoctor', 'check', '--only', 'load,disk', '--format', 'json']\n"
        "from srvdoctor.probes import system\n"
        "loaded = []\n"
        "prime = system.CpuSampler.prime\n"
        "def spy(self, early=None):\n"
        "    loaded.append('srvdoctor.checks.disk' in sys.modules)\n"
        "    prime(self, early)\n"
        "system.CpuSampler.prime = spy\n"
        "import srvdoctor.cli\n"
        "try:\n    srvdoctor.cli.main()\nexcept SystemExit:\n    pass\n"
        "print(loaded, file=sys.stderr)"
    )
    env = {**os.environ, "SRVDOCTOR_CONFIG": os.devnull}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.stderr.strip().splitlines()[-1] == "[False]"  # primed once, before checks.disk loaded
    usage = [r for r in json.loads(proc.stdout)["results"] if r["check"] == "cpu.usage"]
    assert usage and usage[0]["status"] in ("ok", "warn", "fail")
