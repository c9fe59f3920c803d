"""logs.kernel and friends in Korean: kernel lines in the kernel's own formats, a real
unreadable source (glibc's Korean strerror), and the service/container/journald wording."""

from __future__ import annotations

from pathlib import Path

import pytest

from srvdoctor import messages
from srvdoctor.checks.logs import JournaldUsage, KernelLogCheck, ServiceUnits, judge_container, when
from srvdoctor.checks.logs_text import LogFinding
from srvdoctor.messages import localize
from srvdoctor.model import Status
from srvdoctor.probes.container_logs import ContainerRun
from srvdoctor.probes.journal import Unit
from srvdoctor.probes.kernellog import KernelLine, KernelLog, SourceRead, read_kernel_log
from tests.kmsgutil import kernel_lines

pytestmark = pytest.mark.skipif(
    messages.catalog("ko") is None, reason="no compiled ko catalog (pip install -e .)"
)
TOK = "sdtok0a1b2c3d"
DEV = TOK[-6:]
KMSG = SourceRead("/dev/kmsg", True, 4, 400)


def ko(text: str) -> str:
    return localize(text, "ko")


def lines(*texts: str, start: float = 1000.0) -> tuple[KernelLine, ...]:
    return tuple(KernelLine(start + i, t, "/dev/kmsg") for i, t in enumerate(texts))


def test_kernel_problems_in_korean() -> None:
    planted = kernel_lines(TOK)
    log = KernelLog(lines(planted["xid"], planted["ext4"], planted["ext4"], planted["blk"]), (KMSG,))
    results = {r.target: r for r in KernelLogCheck().judge(log, 0.0, now=2000.0)}
    ext4 = results[f"sdt{DEV}1"]
    assert ext4.summary == (
        f"EXT4 filesystem error on sdt{DEV}1: 2× (first {when(1001.0)}, last {when(1002.0)})"
    )
    assert (
        ko(ext4.summary)
        == f"EXT4 파일시스템 오류 (sdt{DEV}1): 2회 (처음 {when(1001.0)}, 마지막 {when(1002.0)})"
    )
    assert [ko(d) for d in ext4.details] == [
        f"마지막 줄: {planted['ext4']}",  # the kernel's line is quoted, never translated
        f"프로세스: ls-{TOK}",
        "발견된 곳: /dev/kmsg",
    ]
    assert ext4.hints == (f"sudo dmesg -T | grep -F -- sdt{DEV}1",)
    blk = results[f"sdt{DEV}"]
    assert ko(blk.summary) == f"블록 장치 I/O 오류 (sdt{DEV}): 1회 ({when(1003.0)})"
    xid = results["0000:ff:00"]
    assert ko(xid.summary) == f"NVIDIA Xid 79: GPU가 버스에서 떨어져 나감 (0000:ff:00): 1회 ({when(1000.0)})"
    assert ko(xid.details[2]) == (
        "유력한 원인: 하드웨어; 조치: GPU가 PCIe에서 사라졌습니다: 재부팅하고 전원, 케이블, 온도를 확인하세요. 반복되면 RMA"
    )
    assert xid.details[2] == (
        "likely cause: hardware; what to do: the GPU is gone from PCIe: reboot; check power, cabling, "
        "temperature; RMA if it repeats"
    )
    assert xid.data["cause"] == "hardware"  # data stays English
    summary = results["kernel log"]
    assert (summary.summary, ko(summary.summary)) == (
        "3 kind(s) of kernel problem since boot in 4 lines",
        "부팅 이후 커널 문제 3종 (4줄 중)",
    )
    assert [ko(d) for d in summary.details] == ["읽은 소스: /dev/kmsg (4줄)"]


def test_old_problem_warns_in_korean() -> None:
    log = KernelLog(lines(kernel_lines(TOK)["blk"]), (KMSG,))
    (problem, _) = KernelLogCheck(recent_hours=1).judge(log, 7200.0, now=1000.0 + 3 * 3600)
    assert problem.status is Status.WARN
    assert ko(problem.details[-1]) == "마지막 발생이 1시간보다 더 전"


def test_a_missing_source_is_named_with_glibcs_korean(tmp_path: Path) -> None:
    """A real open() of a path that is not there: the reason is the OS's text, in Korean."""
    gone = tmp_path / "kmsg"
    log = read_kernel_log(None, 2.0, kmsg=gone, kern_log=tmp_path / "kern.log", journal=False)
    (result,) = KernelLogCheck().judge(log)
    assert result.status is Status.SKIP
    assert result.summary == f"no kernel log source could be read ({gone}: No such file or directory)"
    assert (
        ko(result.summary) == f"읽을 수 있는 커널 로그 소스 없음 ({gone}: 그런 파일이나 디렉터리가 없습니다)"
    )
    assert ko(result.details[0]).startswith("읽을 수 있게 하려면: root로 실행하거나, ")


def test_units_containers_and_journald_in_korean() -> None:
    unit = ServiceUnits().judge(Unit("web.service", "activating", "auto-restart", "exit-code", 5, 1), None)
    assert (unit.summary, ko(unit.summary)) == (
        "web.service restarted 5× (activating/auto-restart)",
        "web.service 5회 재시작됨 (activating/auto-restart)",
    )
    finding = LogFinding(12, 1, "OSError: [Errno 28] No space left on device", 7, "unknown", ("disk-full",))
    crashed = judge_container("logs.containers", ContainerRun("web", "abc", "exited", 1, False, 0, 1000.0, 900.0),
                              finding, cut=True)  # fmt: skip
    assert ko(crashed.summary) == (
        f"컨테이너 web: {when(1000.0)}에 코드 1로 종료됨: OSError: [Errno 28] No space left on device"
    )
    assert [ko(d) for d in crashed.details] == [
        "첫 오류 (읽은 12줄 중 7번째 줄): OSError: [Errno 28] No space left on device",
        "분류: unknown",
        "잘림: 로그의 마지막 줄들만 읽었습니다",
    ]
    big = JournaldUsage().judge(
        9 * 1024**3, None, messages.t("default (10% of the journal's filesystem, at most 4 GiB)")
    )
    assert (
        ko(big.summary)
        == "journald 사용량 9.0 GiB / 기본 한도 (기본값 (journal 파일시스템의 10%, 최대 4 GiB))"
    )
    assert [ko(h) for h in big.hints] == [
        "sudo journalctl --vacuum-size=1G",
        "/etc/systemd/journald.conf에 SystemMaxUse=를 설정하세요",
    ]
