# ruff: noqa: E501  (a table: kernel format strings are quoted whole, one per line)
"""One table of kernel log patterns: what each kernel message means, how bad, which playbook.

Each entry names the kernel's own format string (the `printk`/`pr_*` text in the source
file given) as its source, so a pattern can be checked against the kernel it claims to
match. The table covers Kubernetes node-problem-detector's kernel monitor
(config/kernel-monitor.json: OOMKilling, TaskHung, UnregisterNetDevice, KernelOops,
Ext4Error/Ext4Warning, IOError, XfsShutdown, MemoryReadError, CperHardwareError*,
DockerHung) and adds what ML servers meet: NVIDIA Xid events, a GPU fallen off the bus,
nouveau holding the card, conntrack and TCP limits, CPU throttling and segfaults.

Matching is linear-time by construction: a line is first tested for a literal substring
(`any_of`, plain `in`), and only then searched with a regex that has no nested
quantifiers and only bounded repeats. `tests/test_kernel_patterns.py` times every regex
against adversarial 10^5-character strings.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Mapping, Sequence

from srvdoctor.lazyre import lazy
from srvdoctor.messages import t
from srvdoctor.record import dataclass

#: Where the Xid code table comes from.
XID_SOURCE = "https://docs.nvidia.com/deploy/xid-errors/ (NVIDIA Xid errors and Xid catalog)"


@dataclass(frozen=True)
class XidCode:
    """One NVIDIA Xid code: what it means and whose fault it most likely is."""

    code: int
    meaning: str
    cause: str  # "application" | "driver" | "hardware"
    severity: str  # "warn" | "fail"
    action: str


def _x(code: int, meaning: str, cause: str, severity: str, action: str) -> tuple[int, XidCode]:
    return code, XidCode(code, meaning, cause, severity, action)


#: Xid codes from NVIDIA's Xid documentation (the "possible causes" columns and the
#: catalog's resolution buckets): application faults restart the app, driver/firmware
#: faults reset the GPU or reload the driver, hardware faults drain the node and RMA.
XID_CODES: Mapping[int, XidCode] = dict(
    [
        _x(8, t("GPU stopped processing (channel idle timeout)"), "driver", "warn", t("restart the application")),
        _x(13, t("Graphics engine exception (illegal instruction or address in a kernel)"), "application",
           "warn", t("an application fault: fix or rerun the job; if it repeats with good code, test the GPU")),
        _x(31, t("GPU memory page fault (a kernel touched an invalid address)"), "application", "warn",
           t("an application fault (out-of-bounds access): run with compute-sanitizer")),
        _x(32, t("Invalid or corrupted push buffer stream"), "driver", "warn",
           t("driver or PCIe problem: check `lspci -vv` link errors, update the driver")),
        _x(38, t("Driver firmware error"), "driver", "fail", t("reload the driver or reboot; update the driver")),
        _x(43, t("GPU stopped processing (the application hit a software-induced fault)"), "application",
           "warn", t("an application fault: the job's channel was reset; the GPU is fine for others")),
        _x(44, t("Graphics engine fault during context switch"), "driver", "fail", t("reset the GPU")),
        _x(45, t("Preemptive cleanup after earlier errors (or the app was killed)"), "application", "warn",
           t("follows another Xid or a killed job: look at the Xid before it")),
        _x(46, t("GPU stopped processing"), "driver", "fail", t("reset the GPU; contact support if it repeats")),
        _x(48, t("Double-bit ECC error (uncorrectable memory error)"), "hardware", "fail",
           t("drain the GPU, reset it so the row is remapped / page retired; RMA if it repeats")),
        _x(56, t("Display engine error"), "driver", "warn", t("update the driver")),
        _x(57, t("Error programming video memory interface"), "hardware", "fail", t("reset the GPU; RMA if repeats")),
        _x(61, t("Internal micro-controller breakpoint/warning"), "driver", "fail", t("reset the GPU, update driver")),
        _x(62, t("Internal micro-controller halt"), "hardware", "fail", t("reset the GPU; check temperature")),
        _x(63, t("ECC page retirement or row remapping recorded"), "hardware", "warn",
           t("reset the GPU (or reboot) to activate the remapped row")),
        _x(64, t("ECC page retirement or row remapping failed"), "hardware", "fail",
           t("drain the GPU: no spare rows left; RMA")),
        _x(68, t("Video processor (NVDEC) exception"), "driver", "warn", t("restart the application")),
        _x(69, t("Graphics engine class error"), "application", "warn", t("restart the application")),
        _x(74, t("NVLink error"), "hardware", "fail",
           t("check `nvidia-smi nvlink -s` / -e; reset the GPUs; reseat or RMA the board")),
        _x(79, t("GPU has fallen off the bus"), "hardware", "fail",
           t("the GPU is gone from PCIe: reboot; check power, cabling, temperature; RMA if it repeats")),
        _x(92, t("High single-bit ECC error rate"), "hardware", "warn", t("watch it; reset at the next drain")),
        _x(94, t("Contained ECC error (the affected application was stopped)"), "hardware", "warn",
           t("restart the application; reset the GPU when idle to remap the row")),
        _x(95, t("Uncontained ECC error (every application on the GPU is affected)"), "hardware", "fail",
           t("drain and reset the GPU; RMA if it repeats")),
        _x(109, t("Context switch timeout"), "application", "warn", t("restart the application")),
        _x(119, t("GSP RPC timeout (GPU System Processor firmware did not answer)"), "driver", "fail",
           t("reset the GPU or reboot; update the driver; try NVreg_EnableGpuFirmware=0 on affected drivers")),
        _x(120, t("GSP error (GPU System Processor firmware)"), "driver", "fail",
           t("reset the GPU or reboot; update the driver")),
        _x(121, t("C2C link corrected error"), "hardware", "warn", t("watch it; report if it grows")),
        _x(140, t("Unrecovered ECC error"), "hardware", "fail", t("drain and reset the GPU; RMA if it repeats")),
        _x(143, t("GPU initialisation failure"), "hardware", "fail", t("reboot; RMA if it repeats")),
        _x(154, t("GPU recovery action changed (reset or reboot required)"), "driver", "fail",
           t("do the recovery action the line names (GPU reset, node reboot, drain)")),
    ]
)  # fmt: skip


def xid_info(code: int) -> XidCode:
    """The table entry for `code`, or a conservative default for codes it does not list."""
    return XID_CODES.get(
        code,
        XidCode(
            code,
            t("Xid {code} (see NVIDIA's Xid catalog)", code=code),
            "unknown",
            "warn",
            t("look the code up"),
        ),
    )


@dataclass(frozen=True)
class KernelPattern:
    """One kind of kernel message.

    `any_of`: literal substrings, one of which must be in the line (the cheap prefilter).
    `regex`: must also match (searched only after the prefilter); its named groups
    `device`, `process`, `pid`, `code`, `seconds` say what the line is about.
    """

    kind: str
    title: str
    severity: str  # "warn" | "fail"
    playbook: str
    any_of: tuple[str, ...]
    expression: str  # compiled on first use (`regex`): most runs meet few of these kinds
    source: str  # the kernel source file the format string comes from

    @property
    def regex(self) -> re.Pattern[str]:
        return _compile(self.expression)

    def match(self, line: str) -> re.Match[str] | None:
        if not any(s in line for s in self.any_of):
            return None
        return self.regex.search(line)


def _p(kind: str, title: str, severity: str, playbook: str, any_of: tuple[str, ...], regex: str,
       source: str) -> KernelPattern:  # fmt: skip
    return KernelPattern(kind, title, severity, playbook, any_of, regex, source)


@functools.cache
def _compile(expression: str) -> re.Pattern[str]:
    return re.compile(expression)


_DEV = r"[^)\s,:]{1,64}"  # a device name inside "(device X)" / "(X)"
_PCI = r"[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}(?:\.[0-7])?"

#: Most specific first: a line is the first pattern it matches (an Xid 79 line also says
#: "fallen off the bus"; it is the Xid).
PATTERNS: tuple[KernelPattern, ...] = (
    # NVIDIA driver (nvidia.ko, os-interface.c / nv.c):
    #   "NVRM: Xid (PCI:%04x:%02x:%02x): %d, %s"  e.g. "NVRM: Xid (PCI:0000:3b:00): 79, pid=..., GPU has fallen off the bus."
    #   older drivers: "NVRM: Xid (0000:01:00): 13, ..."
    _p("gpu-xid", t("NVIDIA Xid error"), "warn", "gpu-xid", ("NVRM: Xid",),
       r"NVRM: Xid \((?:PCI:)?(?P<device>[0-9a-fA-F:.]{4,16})\): (?P<code>\d{1,4})"
       r"(?:, pid=(?P<pid>\d{1,10})(?:, name=(?P<process>[^,\s]{1,64}))?)?",
       "NVIDIA driver: NVRM Xid reporting (nv.c / os-interface.c)"),
    #   "NVRM: GPU at PCI:%04x:%02x:%02x: %s" ... "NVRM: GPU %04x:%02x:%02x.%x: GPU has fallen off the bus."
    #   older: "NVRM: GPU at %04x:%02x:%02x.%x has fallen off the bus."
    _p("gpu-fallen-off-bus", t("NVIDIA GPU has fallen off the bus"), "fail", "gpu-xid", ("fallen off the bus",),
       r"NVRM: GPU (?:at )?(?:PCI:)?(?P<device>" + _PCI + r")?.{0,40}fallen off the bus",
       "NVIDIA driver: nv.c (RmIsGpuLost / fallen off the bus)"),
    # drivers/gpu/drm/nouveau/nouveau_drm.c: "nouveau %s: NVIDIA %s (%08x)" and
    # drm_drv.c: "Initialized %s %d.%d.%d %s for %s on minor %d" (name=nouveau)
    _p("gpu-nouveau", t("nouveau (open-source driver) claimed the NVIDIA card"), "warn", "gpu-driver-missing",
       ("nouveau",), r"nouveau (?P<device>" + _PCI + r"): |Initialized nouveau .{0,40} for (?P<device2>" + _PCI + ")",
       "drivers/gpu/drm/nouveau/nouveau_drm.c, drivers/gpu/drm/drm_drv.c"),
    # mm/oom_kill.c: "%s: Killed process %d (%s) total-vm:%lukB, anon-rss:%lukB, file-rss:%lukB, ..."
    #   where %s is "Out of memory" or "Memory cgroup out of memory"
    _p("oom-kill", t("Out of memory: the kernel killed a process"), "fail", "oom-killed", ("Killed process",),
       r"Killed process (?P<pid>\d{1,10}) \((?P<process>[^)\n]{0,64})\)", "mm/oom_kill.c"),
    # kernel/hung_task.c: "INFO: task %s:%d blocked for more than %ld seconds."
    _p("hung-task", t("A task was blocked (hung) in the kernel"), "warn", "kernel-hung-task",
       ("blocked for more than",),
       r"task (?P<process>[^\n]{1,64}?):(?P<pid>\d{1,10}) blocked for more than (?P<seconds>\d{1,10}) seconds",
       "kernel/hung_task.c"),
    # kernel/watchdog.c: "BUG: soft lockup - CPU#%d stuck for %us! [%s:%d]"
    _p("soft-lockup", t("Soft lockup: a CPU was stuck in the kernel"), "fail", "kernel-hung-task",
       ("soft lockup",),
       r"soft lockup - CPU#(?P<device>\d{1,5}) stuck for (?P<seconds>\d{1,10})s! \[(?P<process>[^\]\n]{1,64}?):(?P<pid>\d{1,10})\]",
       "kernel/watchdog.c"),
    # kernel/watchdog_perf.c / watchdog.c: "Watchdog detected hard LOCKUP on cpu %d"
    _p("hard-lockup", t("Hard lockup: a CPU stopped taking interrupts"), "fail", "kernel-hung-task",
       ("hard LOCKUP",), r"hard LOCKUP on cpu (?P<device>\d{1,5})", "kernel/watchdog_perf.c"),
    # kernel/rcu/tree_stall.h: "INFO: %s detected stalls on CPUs/tasks:" / "%s self-detected stall on CPU"
    _p("rcu-stall", t("RCU stall: a CPU or task did not make progress"), "warn", "kernel-hung-task",
       ("detected stalls on CPUs", "self-detected stall on CPU"), r"(?:detected stalls on CPUs|self-detected stall)",
       "kernel/rcu/tree_stall.h"),
    # arch/x86/mm/fault.c: "BUG: unable to handle page fault for address: %px" /
    #   "BUG: kernel NULL pointer dereference, address: %px" (older: "unable to handle kernel NULL pointer dereference at")
    # kernel/panic.c: "Kernel panic - not syncing: %s"; lib/bug.c: "kernel BUG at %s:%u!"
    # arch/x86/kernel/traps.c / dumpstack.c: "Oops: %04lx [#%d]", "divide error: 0000 [#%d]", "general protection fault"
    _p("kernel-oops", t("Kernel oops / BUG / panic"), "fail", "kernel-oops",
       ("BUG: ", "Oops: ", "Kernel panic", "kernel BUG at", "divide error: 0000", "general protection fault, "),
       r"(?P<what>BUG: unable to handle|BUG: kernel NULL pointer dereference|unable to handle kernel NULL pointer"
       r"|Kernel panic - not syncing|kernel BUG at|Oops: [0-9a-f]{4}|divide error: 0000 \[#\d{1,4}\]"
       r"|general protection fault, (?:probably for )?non-canonical|BUG: Bad page state|BUG: scheduling while atomic)",
       "arch/x86/mm/fault.c, kernel/panic.c, lib/bug.c, arch/x86/kernel/dumpstack.c"),
    # fs/ext4/super.c: "EXT4-fs (%s): Remounting filesystem read-only" (ext4_handle_error);
    # fs/btrfs: "BTRFS info (device %s): forced readonly"; ext3/ext2 print the same words
    _p("read-only-remount", t("Filesystem remounted read-only after an error"), "fail", "read-only-filesystem",
       ("Remounting filesystem read-only", "forced readonly"),
       r"(?:\((?:device )?(?P<device>" + _DEV + r")\)[^\n]{0,40})?(?:Remounting filesystem read-only|forced readonly)",
       "fs/ext4/super.c, fs/btrfs/messages.c"),
    # fs/ext4/super.c: "EXT4-fs error (device %s): %s:%d: comm %s: %pV" and "EXT4-fs warning (device %s): %s:%d: %pV"
    _p("ext4-error", t("EXT4 filesystem error"), "fail", "filesystem-errors", ("EXT4-fs error", "EXT4-fs warning"),
       r"EXT4-fs (?P<level>error|warning) \(device (?P<device>" + _DEV + r")\)"
       r"(?:: [^:\n]{0,64}:\d{1,6}: (?:inode #\d{1,20}: )?(?:block \d{1,20}: )?comm (?P<process>[^:\n]{1,64}):)?",
       "fs/ext4/super.c (__ext4_error, __ext4_warning)"),
    # fs/xfs/xfs_message.c prefix "XFS (%s): "; fs/xfs/xfs_fsops.c: "Corruption of in-memory data (0x%x) detected at %pS
    #   (%s:%d).  Shutting down filesystem." / "Filesystem has been shut down due to log error (0x%x)." /
    #   fs/xfs/xfs_error.c: "Metadata corruption detected at %pS, %s block 0x%llx"; "metadata I/O error in"
    _p("xfs-error", t("XFS filesystem error or shutdown"), "fail", "filesystem-errors",
       ("Shutting down filesystem", "shut down", "orruption detected", "metadata I/O error", "Metadata CRC error"),
       r"XFS \((?P<device>" + _DEV + r")\): ", "fs/xfs/xfs_message.c, fs/xfs/xfs_fsops.c, fs/xfs/xfs_error.c"),
    # fs/btrfs/messages.c: "BTRFS %s (device %s%s): %pV" with level error/critical; "BTRFS: error (device %s) in %s:%d: errno=%d %s"
    _p("btrfs-error", t("Btrfs filesystem error"), "fail", "filesystem-errors",
       ("BTRFS error", "BTRFS critical", "BTRFS: error"),
       r"BTRFS:? (?:error|critical) \(device (?P<device>" + _DEV + r")", "fs/btrfs/messages.c"),
    # block/blk-core.c (blk_print_req_error): "%s error, dev %s, sector %llu op 0x%x:(%s) flags 0x%x ..."
    #   (kernels < 5.18 prefix it with "blk_update_request: "); %s is "I/O", "critical medium", "timeout", ...
    _p("block-io-error", t("Block device I/O error"), "fail", "disk-io-errors", (" error, dev ",),
       r"(?P<what>I/O|critical medium|critical target|critical nexus|critical space allocation|critical protection"
       r"|recoverable transport|timeout|operation not supported|device resource|NAK|internal|operation canceled)"
       r" error, dev (?P<device>[^,\s]{1,64}), sector (?P<sector>\d{1,20})",
       "block/blk-core.c (blk_print_req_error)"),
    # fs/buffer.c: "Buffer I/O error on dev %pg, logical block %llu, lost async page write"
    _p("buffer-io-error", t("Buffer I/O error (a write or read was lost)"), "fail", "disk-io-errors",
       ("Buffer I/O error",), r"Buffer I/O error on dev(?:ice)? (?P<device>[^,\s]{1,64})", "fs/buffer.c"),
    # drivers/nvme/host/pci.c (nvme_timeout / nvme_reset_work): dev_warn "I/O tag %d (%04x) opcode %#x (%s) QID %d
    #   timeout, aborting", "... timeout, reset controller", "controller is down; will reset: CSTS=%#x, PCI_STATUS=%#x",
    #   "Removing after probe failure status: %d", "Device not ready; aborting reset"
    _p("nvme-error", t("NVMe timeout, abort or controller reset"), "fail", "disk-io-errors",
       ("timeout, aborting", "timeout, reset controller", "controller is down", "Removing after probe failure",
        "Device not ready; aborting"),
       r"nvme (?P<device>nvme\d{1,4})", "drivers/nvme/host/pci.c"),
    # drivers/ata/libata-eh.c: "ata%u.%02u: failed command: %s", "exception Emask 0x%x SAct ...", "hard resetting link"
    _p("ata-error", t("SATA link error or failed command"), "warn", "disk-io-errors",
       ("failed command:", "exception Emask", "hard resetting link"),
       r"(?P<device>ata\d{1,3}(?:\.\d{2})?): ", "drivers/ata/libata-eh.c"),
    # drivers/edac/*: "EDAC MC%d: %d CE memory read error on %s" / "UE memory read error";
    # drivers/firmware/efi/cper.c / apei/ghes.c: "[Hardware Error]: event severity: fatal|recoverable|corrected";
    # arch/x86/kernel/cpu/mce/core.c: "Machine check events logged", "[Hardware Error]: Machine check: %s";
    # mm/memory-failure.c: "Memory failure: %#lx: %s"
    _p("memory-error", t("Memory or machine-check hardware error"), "fail", "hardware-errors",
       ("memory read error", "[Hardware Error]", "Machine check events logged", "Memory failure: "),
       r"(?P<what>CE memory read error|UE memory read error"
       r"|event severity: (?:fatal|recoverable|corrected)|Machine check|Memory failure)",
       "drivers/edac/ghes_edac.c, drivers/firmware/efi/cper.c, arch/x86/kernel/cpu/mce/core.c, mm/memory-failure.c"),
    # net/core/dev.c (netdev_wait_allrefs_any): "unregister_netdevice: waiting for %s to become free. Usage count = %d"
    _p("unregister-netdevice", t("A network device could not be removed (reference leak)"), "warn", "kernel-hung-task",
       ("unregister_netdevice: waiting for",),
       r"waiting for (?P<device>[^\s]{1,64}) to become free", "net/core/dev.c"),
    # net/netfilter/nf_conntrack_core.c: net_warn_ratelimited("nf_conntrack: table full, dropping packet\n")
    #   (printed with the module prefix: "nf_conntrack: nf_conntrack: table full, dropping packet")
    _p("conntrack-full", t("Connection-tracking table full: packets dropped"), "fail", "conntrack-full",
       ("table full, dropping packet",), r"table full, dropping packet", "net/netfilter/nf_conntrack_core.c"),
    # net/ipv4/tcp_timer.c (tcp_out_of_resources): "out of memory -- consider tuning tcp_mem"; "too many orphaned sockets"
    _p("tcp-memory", t("TCP ran out of socket memory (tcp_mem) or orphans"), "fail", "tcp-kernel-limits",
       ("consider tuning tcp_mem", "too many orphaned sockets"),
       r"out of memory -- consider tuning tcp_mem|too many orphaned sockets", "net/ipv4/tcp_timer.c"),
    # net/ipv4/tcp_input.c (tcp_syn_flood_action): "%s: Possible SYN flooding on port %s:%u. %s."
    #   (older: "TCP: request_sock_TCP: Possible SYN flooding on port %d. %s.  Check SNMP counters.")
    _p("syn-flood", t("Listen queue overflow: possible SYN flooding"), "warn", "tcp-kernel-limits",
       ("Possible SYN flooding",), r"Possible SYN flooding on port (?P<device>[^\s]{1,64})", "net/ipv4/tcp_input.c"),
    # arch/x86/kernel/cpu/mce/therm_throt.c: "CPU%d: %s temperature above threshold, cpu clock throttled
    #   (total events = %lu)" (newer: "... temperature is above threshold, cpu clock is throttled ...")
    _p("cpu-thermal", t("CPU temperature above threshold: clock throttled"), "warn", "cpu-thermal",
       ("temperature above threshold", "temperature is above threshold"),
       r"CPU(?P<device>\d{1,5}): (?P<level>Core|Package) temperature", "arch/x86/kernel/cpu/mce/therm_throt.c"),
    # arch/x86/mm/fault.c (show_signal_msg): "%s%s[%d]: segfault at %lx ip %px sp %px error %lx" + " in %s[...]"
    # arch/x86/kernel/traps.c: "traps: %s[%d] general protection fault ip:%lx sp:%lx error:%lx in %s"
    _p("segfault", t("A process crashed (segmentation fault)"), "warn", "segfault",
       ("segfault at", "general protection fault ip:", "trap invalid opcode", "trap divide error"),
       r"(?:^|(?<=\s))(?P<process>[^\s\[\]]{1,64})\[(?P<pid>\d{1,10})\]:? (?:segfault at|general protection|trap )"
       r"(?:[^\n]{0,120}? in (?P<library>[^\s\[]{1,128}))?",
       "arch/x86/mm/fault.c (show_signal_msg), arch/x86/kernel/traps.c"),
)  # fmt: skip


#: Patterns whose device is a CPU number.
_CPU_KINDS = frozenset({"soft-lockup", "hard-lockup", "cpu-thermal"})
_EDAC = lazy(r"(EDAC MC\d{1,3})")


@dataclass(frozen=True)
class KernelMatch:
    """One kernel line matched: the pattern, and what the line names."""

    pattern: KernelPattern
    device: str
    process: str
    pid: int | None
    severity: str
    title: str
    data: Mapping[str, object]


def candidate_lines(texts: Sequence[str]) -> list[int]:
    """Indices, in order, of the lines that hold a prefilter literal of some pattern: the only
    lines `classify_line` can match. One `str.find` pass per literal over the joined text
    instead of every pattern's literals tried on every line (a log of thousands of boot lines
    holds a handful of problems)."""
    literals = tuple(dict.fromkeys(s for p in PATTERNS for s in p.any_of))
    if any("\n" in s for s in literals):  # could span two lines when joined: test each line
        return [i for i, t in enumerate(texts) if any(s in t for s in literals)]
    joined = "\n".join(texts)
    starts = list(itertools.accumulate((len(t) + 1 for t in texts), initial=0))
    found: set[int] = set()
    for literal in literals:
        pos = joined.find(literal)
        while pos != -1:
            index = bisect.bisect_right(starts, pos) - 1
            found.add(index)
            pos = joined.find(literal, starts[index + 1])  # on from the next line
    return sorted(found)


def classify_line(line: str, hung_task_warn_s: int = 0) -> KernelMatch | None:
    """The first pattern `line` matches, with the device/process it names; None for none."""
    for pattern in PATTERNS:
        m = pattern.match(line)
        if m is None:
            continue
        groups = {k: v for k, v in m.groupdict().items() if v}
        device = groups.get("device") or groups.get("device2") or ""
        process = groups.get("process", "")
        pid = int(groups["pid"]) if "pid" in groups else None
        severity, title = pattern.severity, pattern.title
        data: dict[str, object] = {}
        if pattern.kind == "gpu-xid":
            info = xid_info(int(groups["code"]))
            severity = info.severity
            title = t("NVIDIA Xid {code}: {meaning}", code=info.code, meaning=info.meaning)
            data = {"xid": info.code, "cause": info.cause, "action": info.action}
        elif pattern.kind == "hung-task":
            seconds = int(groups["seconds"])
            data = {"blocked_s": seconds}
            if hung_task_warn_s and seconds < hung_task_warn_s:
                continue
        elif pattern.kind == "ext4-error" and groups.get("level") == "warning":
            severity, title = "warn", t("EXT4 filesystem warning")
        elif pattern.kind == "block-io-error":
            data = {"sector": int(groups["sector"]), "error": groups.get("what", "").strip()}
            what = data["error"]
            if what and what not in ("I/O",):
                title = t("Block device error ({error})", error=what)
        elif pattern.kind == "memory-error":
            edac = _EDAC.search(line)
            device = edac.group(1) if edac else device
            if "corrected" in line or "CE memory read error" in line:
                severity = "warn"
        elif pattern.kind == "segfault" and groups.get("library"):
            data = {"library": groups["library"]}
        elif pattern.kind == "syn-flood":
            device = device.rstrip(".")
        if pattern.kind in _CPU_KINDS and device:
            device = f"CPU{device}"  # "CPU3", as the kernel names it
        return KernelMatch(pattern, device, process, pid, severity, title, data)
    return None
