"""The kernel pattern table: each pattern on the kernel's own message format, the Xid
table, and every regex linear in time on adversarial input."""

from __future__ import annotations

import time

import pytest

from srvdoctor.kernel_patterns import PATTERNS, XID_CODES, classify_line, xid_info
from srvdoctor.playbooks import load_library

#: (kernel line as the kernel prints it, kind, device, process)
SAMPLES = [
    ("NVRM: Xid (PCI:0000:3b:00): 79, pid=1234, name=python, GPU has fallen off the bus.",
     "gpu-xid", "0000:3b:00", "python"),
    ("NVRM: Xid (PCI:0000:10:1c): 63, pid=1896, Row Remapper: New row marked for remapping, reset gpu to activate.",
     "gpu-xid", "0000:10:1c", ""),
    ("NVRM: Xid (0000:01:00): 13, Graphics Exception: ChID 0010, Class 0000c5c0", "gpu-xid", "0000:01:00", ""),
    ("NVRM: GPU 0000:2b:00.0: GPU has fallen off the bus.", "gpu-fallen-off-bus", "0000:2b:00.0", ""),
    ("NVRM: GPU at 0000:01:00.0 has fallen off the bus.", "gpu-fallen-off-bus", "0000:01:00.0", ""),
    ("nouveau 0000:01:00.0: NVIDIA GA102 (172000a1)", "gpu-nouveau", "0000:01:00.0", ""),
    ("Out of memory: Killed process 4242 (python3) total-vm:1000kB, anon-rss:900kB, file-rss:0kB, shmem-rss:0kB, "
     "UID:1000 pgtables:100kB oom_score_adj:0", "oom-kill", "", "python3"),
    ("Memory cgroup out of memory: Killed process 11675 (dd) total-vm:221364kB, anon-rss:32512kB", "oom-kill", "", "dd"),
    ("INFO: task python:4242 blocked for more than 122 seconds.", "hung-task", "", "python"),
    ("INFO: task kworker/u16:2:77 blocked for more than 245 seconds.", "hung-task", "", "kworker/u16:2"),
    ("watchdog: BUG: soft lockup - CPU#3 stuck for 22s! [kworker/3:1:123]", "soft-lockup", "CPU3", "kworker/3:1"),
    ("watchdog: Watchdog detected hard LOCKUP on cpu 5", "hard-lockup", "CPU5", ""),
    ("rcu: INFO: rcu_sched detected stalls on CPUs/tasks:", "rcu-stall", "", ""),
    ("BUG: kernel NULL pointer dereference, address: 0000000000000010", "kernel-oops", "", ""),
    ("BUG: unable to handle kernel NULL pointer dereference at 0000000000000008", "kernel-oops", "", ""),
    ("divide error: 0000 [#1] SMP PTI", "kernel-oops", "", ""),
    ("Kernel panic - not syncing: Fatal exception", "kernel-oops", "", ""),
    ("EXT4-fs (sda1): Remounting filesystem read-only", "read-only-remount", "sda1", ""),
    ("BTRFS info (device sdc1): forced readonly", "read-only-remount", "sdc1", ""),
    ("EXT4-fs error (device sda1): ext4_find_entry:1455: inode #2: comm ls: reading directory lblock 0",
     "ext4-error", "sda1", "ls"),
    ("EXT4-fs warning (device dm-0): ext4_dx_add_entry:2516: Directory index full!", "ext4-error", "dm-0", ""),
    ("XFS (sdb1): Corruption of in-memory data (0x8) detected at xfs_trans_cancel+0x1/0x2 (fs/xfs/xfs_trans.c:1). "
     " Shutting down filesystem.", "xfs-error", "sdb1", ""),
    ("XFS (nvme0n1p1): metadata I/O error in \"xfs_imap_to_bp+0x5c/0xa0\" at daddr 0x40 len 32 error 5",
     "xfs-error", "nvme0n1p1", ""),
    ("BTRFS error (device sdc1): bdev /dev/sdc1 errs: wr 0, rd 1, flush 0, corrupt 0, gen 0", "btrfs-error", "sdc1", ""),
    ("blk_update_request: I/O error, dev sdb, sector 123456 op 0x0:(READ) flags 0x0 phys_seg 1 prio class 0",
     "block-io-error", "sdb", ""),
    ("I/O error, dev nvme0n1, sector 2048 op 0x1:(WRITE) flags 0x800 phys_seg 1 prio class 2",
     "block-io-error", "nvme0n1", ""),
    ("critical medium error, dev sdc, sector 99 op 0x0:(READ) flags 0x0 phys_seg 1 prio class 0",
     "block-io-error", "sdc", ""),
    ("Buffer I/O error on dev sdb1, logical block 1234, lost async page write", "buffer-io-error", "sdb1", ""),
    ("nvme nvme0: I/O 123 QID 4 timeout, aborting", "nvme-error", "nvme0", ""),
    ("nvme nvme1: controller is down; will reset: CSTS=0xffffffff, PCI_STATUS=0xffff", "nvme-error", "nvme1", ""),
    ("ata1.00: failed command: READ FPDMA QUEUED", "ata-error", "ata1.00", ""),
    ("EDAC MC0: 1 CE memory read error on CPU_SrcID#0_Ha#0_Chan#1_DIMM#0", "memory-error", "EDAC MC0", ""),
    ("mce: [Hardware Error]: Machine check events logged", "memory-error", "", ""),
    ("{1}[Hardware Error]: event severity: fatal", "memory-error", "", ""),
    ("unregister_netdevice: waiting for veth1 to become free. Usage count = 1", "unregister-netdevice", "veth1", ""),
    ("nf_conntrack: nf_conntrack: table full, dropping packet", "conntrack-full", "", ""),
    ("TCP: out of memory -- consider tuning tcp_mem", "tcp-memory", "", ""),
    ("TCP: request_sock_TCP: Possible SYN flooding on port 8000. Sending cookies.  Check SNMP counters.",
     "syn-flood", "8000", ""),
    ("TCP: request_sock_TCP: Possible SYN flooding on port [::]:8000. Sending cookies.", "syn-flood", "[::]:8000", ""),
    ("CPU12: Core temperature above threshold, cpu clock throttled (total events = 5123)", "cpu-thermal", "CPU12", ""),
    ("CPU3: Package temperature is above threshold, cpu clock is throttled (total events = 9)", "cpu-thermal", "CPU3", ""),
    ("python3[4242]: segfault at 0 ip 00007f1234567890 sp 00007ffd12345678 error 4 in libtorch_cpu.so[7f12+2000]",
     "segfault", "", "python3"),
    ("traps: node[99] general protection fault ip:55d sp:7ff error:0 in node[55d+1000]", "segfault", "", "node"),
]  # fmt: skip


@pytest.mark.parametrize(("line", "kind", "device", "process"), SAMPLES)
def test_kernel_line_is_classified_with_its_device(line: str, kind: str, device: str, process: str) -> None:
    m = classify_line(line)
    assert m is not None, line
    assert (m.pattern.kind, m.device, m.process) == (kind, device, process)


@pytest.mark.parametrize(
    "line",
    ["systemd[1]: Started Session 5 of user root.", "EXT4-fs (vda): mounted filesystem r/w without journal.",
     "NVRM: loading NVIDIA UNIX x86_64 Kernel Module  550.54.15", "eth0: link up, 10000Mbps",
     "Buffer cache flushed", "oom_control is deprecated and will be removed."],
)  # fmt: skip
def test_ordinary_lines_are_not_problems(line: str) -> None:
    assert classify_line(line) is None


def test_every_kind_has_a_sample_and_a_playbook_that_exists() -> None:
    assert {p.kind for p in PATTERNS} == {s[1] for s in SAMPLES}
    shipped = load_library(None).notes
    assert {p.playbook for p in PATTERNS} <= set(shipped)


def test_xid_codes_say_whose_fault() -> None:
    assert {c: XID_CODES[c].cause for c in (13, 31, 43)} == dict.fromkeys((13, 31, 43), "application")
    assert all(XID_CODES[c].cause == "hardware" for c in (48, 63, 64, 74, 79, 92, 94, 95))
    assert all(XID_CODES[c].cause == "driver" for c in (119, 120))
    assert xid_info(79).severity == "fail" and xid_info(13).severity == "warn"
    assert xid_info(9999).cause == "unknown"
    m = classify_line("NVRM: Xid (PCI:0000:3b:00): 48, pid=1, name=x, An uncorrectable double bit error")
    assert m is not None and m.severity == "fail" and m.data["cause"] == "hardware"


def test_hung_task_threshold() -> None:
    line = "INFO: task python:4242 blocked for more than 122 seconds."
    assert classify_line(line, hung_task_warn_s=300) is None
    m = classify_line(line, hung_task_warn_s=120)
    assert m is not None and m.data["blocked_s"] == 122


def _adversarial(pattern_prefilter: str) -> list[str]:
    n = 100_000
    return [
        pattern_prefilter + "a" * n,
        pattern_prefilter + " " * n,
        pattern_prefilter + "(" * n,
        pattern_prefilter + ("(device " * (n // 8)),
        pattern_prefilter + ("0000:" * (n // 5)),
        ("x[1]: " * (n // 6)) + pattern_prefilter,
        (pattern_prefilter + " ") * (n // (len(pattern_prefilter) + 1)),
        "9" * n + pattern_prefilter + "9" * n,
    ]


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.kind)
def test_regex_is_linear_on_adversarial_input(pattern: object) -> None:
    from srvdoctor.kernel_patterns import KernelPattern

    assert isinstance(pattern, KernelPattern)
    for prefilter in pattern.any_of:
        for text in _adversarial(prefilter):
            started = time.perf_counter()
            pattern.regex.search(text)
            classify_line(text)
            elapsed = time.perf_counter() - started
            # linear: ~10^7 simple steps at most; a catastrophic pattern takes minutes
            assert elapsed < 1.0, (pattern.kind, prefilter, text[:40], elapsed)


def test_candidate_lines_are_every_line_a_pattern_can_match() -> None:
    """The joined-text prefilter keeps every line classify_line matches, in order, and drops
    the lines that hold no literal at all (boundaries: first, last, empty and repeated lines)."""
    import random

    from srvdoctor.kernel_patterns import candidate_lines

    ordinary = ["systemd[1]: Started Session 5 of user root.", "", "eth0: link up, 10000Mbps",
                "Buffer cache flushed", "x"]  # fmt: skip
    rng = random.Random(3)
    for _ in range(50):
        texts = [rng.choice([s[0] for s in SAMPLES] + ordinary) for _ in range(rng.randint(0, 40))]
        literal = [i for i, t in enumerate(texts) if any(s in t for p in PATTERNS for s in p.any_of)]
        assert candidate_lines(texts) == literal
        matched = [i for i, t in enumerate(texts) if classify_line(t) is not None]
        assert set(matched) <= set(literal)
    assert candidate_lines([SAMPLES[0][0]] * 3) == [0, 1, 2]
