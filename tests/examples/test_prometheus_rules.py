"""The example alert rules: valid for Prometheus, and they fire with the playbook as runbook."""

from __future__ import annotations

import subprocess

from tests.conftest import REPO, require_tool

EXAMPLES = REPO / "examples" / "prometheus"


def test_rules_check_and_their_unit_tests_pass() -> None:
    promtool = require_tool("promtool", "prometheus")
    check = subprocess.run([promtool, "check", "rules", "srvdoctor-rules.yml"], cwd=EXAMPLES,
                           capture_output=True, text=True, timeout=60)  # fmt: skip
    assert check.returncode == 0 and "SUCCESS: 5 rules found" in check.stdout, check.stdout + check.stderr
    # srvdoctor-rules.test.yml: a fail for 10 minutes fires SrvdoctorCheckFailing with
    # runbook_url .../playbooks/disk-full.md; a stale timestamp fires SrvdoctorNotRunning.
    unit = subprocess.run([promtool, "test", "rules", "srvdoctor-rules.test.yml"], cwd=EXAMPLES,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert unit.returncode == 0, unit.stdout + unit.stderr
