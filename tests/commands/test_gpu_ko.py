"""`srvdoctor gpu` in Korean as a user runs it on a machine without NVIDIA (the live GPU runs
are tests/commands/test_gpu.py's; the judgments in Korean are tests/checks/test_gpu_ko.py's)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from srvdoctor import messages
from srvdoctor.probes import nvml
from tests.conftest import CliResult

Cli = Callable[..., CliResult]
HAS_GPU = isinstance(nvml.probe(5.0), nvml.GpuSample)
pytestmark = [
    pytest.mark.skipif(messages.catalog("ko") is None, reason="no compiled ko catalog (pip install -e .)"),
    pytest.mark.skipif(HAS_GPU, reason="this machine has an NVIDIA GPU"),
]
ENGLISH = "no NVIDIA driver (NVML Shared Library Not Found): no NVIDIA GPU to check"
KOREAN = "NVIDIA 드라이버 없음 (NVML Shared Library Not Found): 검사할 NVIDIA GPU 없음"


@pytest.mark.parametrize("how", [["--lang", "ko"], ["--lang", "ko_KR.UTF-8"]])
def test_no_nvidia_in_korean(cli: Cli, how: list[str]) -> None:
    result = cli("gpu", *how)
    assert result.rc == 0
    assert result.stdout.splitlines()[:2] == ["gpu", f"  [-] gpu.driver driver: {KOREAN}"]


def test_locale_speaks_korean_to_people_but_json_stays_english(cli: Cli) -> None:
    table = cli("gpu", env={"LANG": "ko_KR.UTF-8", "LC_ALL": "", "LANGUAGE": ""})
    assert f"  [-] gpu.driver driver: {KOREAN}" in table.stdout.splitlines()
    (entry,) = json.loads(cli("gpu", "--format", "json", env={"LANG": "ko_KR.UTF-8"}).stdout)["results"]
    assert entry["summary"] == ENGLISH and "localized" not in entry


def test_json_lang_ko_keeps_the_english_summary(cli: Cli) -> None:
    (entry,) = json.loads(cli("gpu", "--format", "json", "--lang", "ko").stdout)["results"]
    assert (entry["check"], entry["status"], entry["data"]["reason"]) == ("gpu.driver", "skip", "missing")
    assert entry["summary"] == ENGLISH
    assert entry["localized"] == {"lang": "ko", "summary": KOREAN, "details": [], "hints": []}
