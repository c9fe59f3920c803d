"""mem.oom in Korean, judged on kernel log text captured from real OOM kills."""

from __future__ import annotations

import time

import pytest

from srvdoctor import messages
from srvdoctor.checks.oom import MemOom
from srvdoctor.messages import localize
from srvdoctor.model import Status
from srvdoctor.probes import oom
from tests.probes.test_oom import JOURNAL_GLOBAL, KMSG_MEMCG

pytestmark = pytest.mark.skipif(
    messages.catalog("ko") is None, reason="no compiled ko catalog (pip install -e .)"
)


def ko(text: str) -> str:
    return localize(text, "ko")


def stamp(t: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t))


def test_a_real_machine_kill_in_korean() -> None:
    (kill,) = oom.parse_kernel_lines(oom.parse_journal(JOURNAL_GLOBAL))
    assert kill.time is not None
    result = MemOom().judge(oom.OomReading((kill,), ("journalctl -k",), ()), now=kill.time + 1800)
    assert result.status is Status.FAIL
    where = " in cgroup /user.slice/user-1000.slice/session-4.scope"
    assert result.summary == (
        f"1 OOM kill since boot; latest: python (pid 4242) killed 30m00s ago ({stamp(kill.time)}){where}, "
        "59.1 GiB resident [kernel log]"
    )
    assert ko(result.summary) == (
        f"부팅 이후 OOM kill 1건; 가장 최근: python (pid 4242): 30m00s 전 ({stamp(kill.time)}) "
        "cgroup /user.slice/user-1000.slice/session-4.scope에서 강제 종료됨, 상주 메모리 59.1 GiB [커널 로그]"
    )


@pytest.mark.parametrize(
    ("count", "english", "korean"),
    [
        (1, "1 OOM kill in this container's cgroup; latest: 1 process killed",
         "이 컨테이너의 cgroup에서 OOM kill 1건; 가장 최근: 프로세스 1개: "),
        (3, "3 OOM kills in this container's cgroup; latest: 3 processes killed",
         "이 컨테이너의 cgroup에서 OOM kill 3건; 가장 최근: 프로세스 3개: "),
    ],
    ids=["1 kill", "3 kills"],
)  # fmt: skip
def test_counted_kills_plural_forms(count: int, english: str, korean: str) -> None:
    now = 2_000_000.0
    counted = oom.OomKill(None, "?", None, messages.t("cgroup counter {file}", file="/sys/fs/cgroup/memory.events"),
                          cgroup="/", count=count, not_before=now - 600)  # fmt: skip
    reading = oom.OomReading((counted,), ("/sys/fs/cgroup/memory.events",),
                             (messages.t("kernel log: {reason}", reason="/dev/kmsg: x"),), kernel_log=False,
                             scope="container", cgroup_path="/")  # fmt: skip
    result = MemOom().judge(reading, now)
    assert result.summary == (
        f"{english} within the last 10m00s (time unknown: counted, not logged) "
        "[cgroup counter /sys/fs/cgroup/memory.events]"
    )
    assert ko(result.summary) == (
        f"{korean}최근 10m00s 이내 (시각 불명: 카운터로 셌고 로그에는 없음) 강제 종료됨 "
        "[cgroup 카운터 /sys/fs/cgroup/memory.events]"
    )
    assert [ko(d) for d in result.details] == [
        "커널 로그: /dev/kmsg: x",
        "커널 로그(희생된 프로세스 이름과 시각)를 읽을 수 없었습니다. /sys/fs/cgroup/memory.events로 센 값입니다",
    ]


def test_a_cgroup_kill_record_and_no_kills_in_korean() -> None:
    lines = [oom.parse_kmsg_record(r, boot_time=1_000_000.0) for r in KMSG_MEMCG]
    (kill,) = oom.parse_kernel_lines(lines)
    assert ko(kill.source) == "커널 로그" and kill.source == "kernel log"
    empty = MemOom().judge(oom.OomReading((), ("/dev/kmsg", "/proc/vmstat"), ()), now=2_000_000.0)
    assert (empty.summary, ko(empty.summary)) == (
        "no OOM kills since boot (read /dev/kmsg, /proc/vmstat)",
        "부팅 이후 OOM kill 없음 (/dev/kmsg, /proc/vmstat 읽음)",
    )
    unread = MemOom().judge(oom.OomReading((), (), ()), now=2_000_000.0)
    assert (unread.status, ko(unread.summary)) == (Status.SKIP, "여기서 읽을 수 있는 OOM kill 기록 없음")
