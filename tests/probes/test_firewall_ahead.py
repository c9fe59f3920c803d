"""probes/firewall.py starts the firewall tools side by side: same answers, nothing left running."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from srvdoctor.probes import firewall


def _rules(text: str) -> list[str]:
    return [
        re.sub(r"\[\d+:\d+\]|packets \d+ bytes \d+", "", line)
        for line in text.splitlines()
        if not line.startswith("#")
    ]


def _children() -> set[str]:
    return {
        pid
        for task in Path(f"/proc/{os.getpid()}/task").iterdir()
        for pid in (task / "children").read_text().split()
    }


@pytest.mark.root
def test_all_layers_reads_what_the_tools_print_one_by_one_and_reaps_every_tool() -> None:
    if os.geteuid() != 0:
        pytest.skip("reading the rules needs root")
    before = _children()
    layers = {layer.name: layer for layer in firewall.all_layers(5.0)}
    assert _children() == before  # `nft -a` and the others, started ahead, all waited for
    for name, argv in (("iptables", ["iptables-save", "-c"]), ("nftables", ["nft", "-a", "list", "ruleset"])):
        if layers[name].installed:
            alone = subprocess.run(
                argv, capture_output=True, text=True, check=True, env={**os.environ, "LC_ALL": "C"}
            )
            # packet and byte counters move between two reads; the rules do not
            assert _rules(layers[name].text) == _rules(alone.stdout)


def test_a_command_started_ahead_and_not_asked_for_is_ended() -> None:
    cmd = [sys.executable, "-c", "import time; time.sleep(30)"]
    firewall._started()[tuple(cmd)] = firewall._start(cmd)
    firewall._reap_unused()
    assert firewall._started() == {}


def test_a_command_started_ahead_answers_run_and_a_slow_one_times_out() -> None:
    quick = [sys.executable, "-c", "print('ruleset')"]
    firewall._started()[tuple(quick)] = firewall._start(quick)
    assert firewall._run(quick, 5.0) == (0, "ruleset\n", "")
    assert firewall._started() == {}
    slow = [sys.executable, "-c", "import time; time.sleep(30)"]
    rc, out, err = firewall._run(slow, 0.2)
    assert (rc, out) == (124, "") and "did not answer within 0.2 s" in err
