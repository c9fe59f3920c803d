"""The GPU checks in Korean, on the real H200 readings: what `--lang ko` prints, plural forms,
and JSON that keeps the English summary beside the Korean one."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest

from srvdoctor import messages
from srvdoctor.checks.gpu import GpuDriver, GpuEcc, GpuMemory, GpuProcesses, GpuTemperature, GpuThrottle
from srvdoctor.messages import localize
from srvdoctor.model import Report, Result, Status
from srvdoctor.probes.cuda_env import Environment
from tests.checks.test_gpu import TRAINER, GiB, device, raw, sample

pytestmark = pytest.mark.skipif(
    messages.catalog("ko") is None, reason="no compiled ko catalog (pip install -e .)"
)

H200 = "GPU 0 (NVIDIA H200)"
EVAL = {**TRAINER, 999: ("python3", "lee", "python eval.py")}


def ko(text: str) -> str:
    return localize(text, "ko")


@pytest.fixture
def korean() -> Iterator[None]:
    """The run speaks Korean to people and (as with an explicit --lang ko) in JSON."""
    messages.activate("ko", "ko")
    try:
        yield
    finally:
        messages.activate("en", "en")


def test_busy_reading_in_korean() -> None:
    busy = device("busy", TRAINER)
    memory = GpuMemory().judge(busy)
    assert ko(memory.summary) == (
        f"{H200}: 메모리 140.4 GiB 중 21.0 GiB 사용 (15%), 사용률 100%; "
        "점유: python train.py --bf16 (pid 574, 사용자 kim) 21.0 GiB"
    )
    assert ko(GpuTemperature().judge(busy).summary) == (
        f"{H200} 온도 57 °C (카드 한계: 최대 87 °C, 감속 89 °C, 차단 95 °C)"
    )
    assert ko(GpuThrottle().judge(busy).summary) == (
        f"{H200} 스로틀링 없음 (전력 한도 도달 (SW power cap: 최대 부하에서는 정상)), "
        "전력 700 W 중 693 W, P0, PCIe gen5 x16 (최대 gen5 x16)"
    )
    assert ko(GpuEcc().judge(busy).summary) == (
        f"{H200}: ECC 켜짐, volatile uncorrected 0, remapped rows 0 (대기 0, 실패 0), retired pages n/a"
    )


def test_english_stays_as_it_was() -> None:
    busy = device("busy", TRAINER)
    assert GpuMemory().judge(busy).summary == (
        f"{H200}: 21.0 GiB of 140.4 GiB memory used (15%), utilisation 100%; "
        "held by python train.py --bf16 (pid 574, user kim) 21.0 GiB"
    )
    assert localize(GpuMemory().judge(busy).summary, "en") == GpuMemory().judge(busy).summary


@pytest.mark.parametrize(
    ("lookup", "procs", "english", "korean"),
    [
        (TRAINER, [{"pid": 574, "usedGpuMemory": 80 * GiB}],
         f"{H200}: 1 process: python train.py --bf16 (pid 574, user kim) 80.0 GiB",
         f"{H200}: 프로세스 1개: python train.py --bf16 (pid 574, 사용자 kim) 80.0 GiB"),
        (EVAL, [{"pid": 574, "usedGpuMemory": 80 * GiB}, {"pid": 999, "usedGpuMemory": 20 * GiB}],
         f"{H200}: 2 processes: python train.py --bf16 (pid 574, user kim) 80.0 GiB; "
         "python eval.py (pid 999, user lee) 20.0 GiB",
         f"{H200}: 프로세스 2개: python train.py --bf16 (pid 574, 사용자 kim) 80.0 GiB; "
         "python eval.py (pid 999, 사용자 lee) 20.0 GiB"),
    ],
    ids=["1 process", "2 processes"],
)  # fmt: skip
def test_process_count_plural_forms(
    lookup: dict[int, tuple[str, str, str]], procs: list[dict[str, int]], english: str, korean: str
) -> None:
    result = GpuProcesses().judge(device("busy", lookup, compute_processes=procs), in_pid_namespace=False)
    assert (result.summary, ko(result.summary)) == (english, korean)


def test_memory_hidden_by_a_pid_namespace_in_korean() -> None:
    pidns = raw("pidns-no-processes")
    dev = device("idle", memory_v2=pidns["memory_v2"], compute_processes=pidns["nvml_compute_processes"])
    result = GpuProcesses().judge(dev, in_pid_namespace=True)
    assert result.status is Status.WARN
    assert ko(result.summary) == f"{H200}: 나열된 프로세스가 없는데 8.8 GiB 사용 중"
    assert [ko(d) for d in result.details] == [
        "여기 나열된 어떤 프로세스의 것도 아닌 사용량 8.8 GiB: srvdoctor가 --pid=host 없이 컨테이너에서 "
        "실행 중이며, 이때 NVML은 다른 PID 네임스페이스의 프로세스를 숨깁니다"
    ]
    assert [ko(h) for h in result.hints] == [
        "docker run --pid=host ...  # 또는 호스트에서 srvdoctor gpu 실행"
    ]


def test_thermal_slowdown_and_narrow_link_in_korean() -> None:
    hot = device("busy", TRAINER, clock_event_reasons=0x40 | 0x4, pcie_link_width=8)
    result = GpuThrottle().judge(hot)
    assert (result.status, result.playbook) == (Status.FAIL, "gpu-thermal")
    assert ko(result.summary) == (
        f"{H200} 감속됨: HW thermal slowdown; PCIe 링크가 x16 중 x8로 동작: 카드를 다시 장착하거나 슬롯을 "
        "확인하세요, 전력 700 W 중 693 W, P0, PCIe gen5 x8 (최대 gen5 x16)"
    )
    assert [ko(d) for d in result.details] == [
        "HW thermal slowdown (GPU가 너무 뜨거움)",
        "PCIe 링크가 x16 중 x8로 동작: 카드를 다시 장착하거나 슬롯을 확인하세요",
    ]


@pytest.mark.parametrize(
    ("phase", "english", "korean"),
    [
        ("idle", "1 GPU, driver 580.159.04, supports CUDA 13.0; torch 2.5.1+cu124 built for CUDA 12.4",
         "GPU 1개, 드라이버 580.159.04, CUDA 13.0 지원; torch 2.5.1+cu124 (CUDA 12.4용 빌드)"),
    ],
    ids=["idle"],
)  # fmt: skip
def test_driver_stack_in_korean(phase: str, english: str, korean: str) -> None:
    (result,) = GpuDriver().judge(sample(phase), Environment(torch_version="2.5.1+cu124", torch_cuda="12.4"))
    assert (result.summary, ko(result.summary)) == (english, korean)


def test_two_gpus_is_the_plural_form() -> None:
    one = sample("idle")
    two = type(one)(one.driver, one.cuda_driver, one.nvml, (*one.devices, *one.devices))
    (result,) = GpuDriver().judge(two, Environment())
    assert (result.summary, ko(result.summary)) == (
        "2 GPUs, driver 580.159.04, supports CUDA 13.0",
        "GPU 2개, 드라이버 580.159.04, CUDA 13.0 지원",
    )


def test_torch_for_a_newer_cuda_in_korean() -> None:
    (result,) = GpuDriver().judge(sample("idle"), Environment(torch_version="3.0.0+cu131", torch_cuda="13.1"))
    assert (
        ko(result.summary)
        == "torch 3.0.0+cu131: CUDA 13.1용 빌드지만 드라이버 580.159.04는 CUDA 13.0까지만 지원"
    )
    # the command stays a command; the prose beside it is Korean
    assert [ko(h) for h in result.hints] == [
        "pip install torch --index-url https://download.pytorch.org/whl/cu130",
        "또는 NVIDIA 드라이버를 업그레이드하세요",
    ]


def _report(*results: Result) -> Report:
    return Report("srvdoctor", "0", "h", "2026-12-01T00:00:00Z", 0.0, list(results))


def test_json_lang_ko_keeps_english_summary_and_adds_korean(korean: None) -> None:
    from srvdoctor.render import json as render_json

    result = GpuProcesses().judge(device("busy", TRAINER), in_pid_namespace=False)
    out = json.loads(render_json.render(_report(result)))
    (entry,) = out["results"]
    assert (entry["check"], entry["target"], entry["status"]) == ("gpu.processes", "gpu0", "ok")
    assert entry["summary"] == f"{H200}: 1 process: python train.py --bf16 (pid 574, user kim) 21.0 GiB"
    assert entry["localized"] == {
        "lang": "ko",
        "summary": f"{H200}: 프로세스 1개: python train.py --bf16 (pid 574, 사용자 kim) 21.0 GiB",
        "details": [],
        "hints": [],
    }
    assert entry["data"]["processes"][0]["user"] == "kim"  # data never changes with the language


def test_table_in_korean(korean: None) -> None:
    from rich.console import Console

    from srvdoctor.render.table import print_report

    result = GpuTemperature().judge(device("busy", TRAINER, temperature_gpu=95))
    buf = io.StringIO()
    print_report(Console(file=buf, width=200, no_color=True), _report(result), {})
    lines = buf.getvalue().splitlines()
    assert (
        f"  [✗] gpu.temperature gpu0: {H200} 온도 95 °C (카드 한계: 최대 87 °C, 감속 89 °C, 차단 95 °C)"
        in lines
    )
    assert "      감속 온도 이상: 카드가 식히려고 클럭을 낮춥니다(또는 꺼집니다)" in lines
