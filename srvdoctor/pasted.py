"""Read the numbers in what people paste beside an error: `df -h`/`df -i` tables, `free` and
`top` headers, `nvidia-smi` tables, `docker inspect` State JSON. Numbers decide: a `df -h`
at 69% demotes "disk full", a `df -i` at 100% makes it inodes.

Pure text in, `Evidence` out. Every regex is anchored on a literal and linear.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from srvdoctor.conditions import BY_ID
from srvdoctor.lazyre import lazy
from srvdoctor.messages import t
from srvdoctor.record import dataclass
from srvdoctor.textscan import Evidence

_DF_HEADER = lazy(r"^Filesystem\s.{0,80}?(I?Use%|Capacity)", re.IGNORECASE)
_DF_COMMAND = lazy(r"^(?:\S{0,80}[$#>] ?)?df\s{1,4}-(\w{1,4})\b")
_DF_ROW = lazy(r"\s(\d{1,3})%(?:\s+(/\S{0,300}))?\s*$")
_FREE_MEM = lazy(r"^Mem:\s+(\S+)\s+(\S+)\s+(\S+)(?:\s+\S+){0,3}?\s+(\S+)\s*$")
_FREE_SWAP = lazy(r"^Swap:\s+(\S+)\s+(\S+)\s+(\S+)\s*$")
_TOP_MEM = lazy(r"^([KMGT]iB) Mem\s*:\s*([\d.]+) total")
_TOP_AVAIL = lazy(r"([\d.]+) avail Mem")
_SMI_MEM = lazy(r"\|\s{0,8}(\d+)MiB\s{0,3}/\s{0,3}(\d+)MiB\s{0,3}\|")
_SMI_TEMP = lazy(r"^\|\s{0,8}(?:\d+|N/A)\s{1,8}(\d{1,3})C\s{1,8}P\d{1,2}\b")
_INSPECT_OOM = lazy(r'"OOMKilled"\s{0,4}:\s{0,4}(true|false)')
_INSPECT_EXIT = lazy(r'"ExitCode"\s{0,4}:\s{0,4}(-?\d{1,4})')

_UNITS = {"": 1, "b": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40, "p": 2**50}


@dataclass(frozen=True)
class DfRow:
    percent: int
    mount: str
    inodes: bool


def _bytes(text: str) -> float | None:
    m = re.fullmatch(r"([\d.]+)\s?([KMGTP]?)(?:i?B?)?", text.strip(), re.IGNORECASE)
    if not m:
        return None
    try:
        return float(m.group(1)) * _UNITS[m.group(2).lower()]
    except ValueError:
        return None


def df_rows(lines: Sequence[str]) -> list[DfRow]:
    """Rows of every `df`-style table in the text (space or inodes)."""
    rows: list[DfRow] = []
    inodes: bool | None = None
    for line in lines:
        header = _DF_HEADER.search(line.strip())
        if header:
            inodes = header.group(1).lower() == "iuse%" or "inodes" in line.lower()
            continue
        command = _DF_COMMAND.search(line.strip())
        if command:
            inodes = "i" in command.group(1)
            continue
        if inodes is None:
            continue
        row = _DF_ROW.search(line)
        if row:
            rows.append(DfRow(int(row.group(1)), row.group(2) or "?", inodes))
        elif not line.strip() or line.lstrip().startswith(("$", "#", ">")):
            inodes = None  # the table ended
    return rows


def _containing(path: str, mounts: list[str]) -> str | None:
    from srvdoctor.extract import containing

    return containing(path, mounts)


def _df_evidence(rows: list[DfRow], paths: Sequence[str]) -> list[Evidence]:
    out: list[Evidence] = []
    enospc = BY_ID["ENOSPC"]
    for inodes in (False, True):
        table = [r for r in rows if r.inodes is inodes]
        if not table:
            continue
        mounts = [r.mount for r in table]
        focus = next((m for p in paths if (m := _containing(p, mounts))), None)
        picked = [r for r in table if r.mount == focus] if focus else table
        top = max(picked, key=lambda r: r.percent)
        tool = "df -i" if inodes else "df -h"
        note = "inode-exhaustion" if inodes else "disk-full"
        where = (
            t("{mount} at {pct}% used (the error's path is there)", mount=top.mount, pct=top.percent)
            if focus
            else t("{mount} at {pct}% used", mount=top.mount, pct=top.percent)
        )
        shm = [r for r in table if r.mount == "/dev/shm" and r.percent >= 95 and not inodes]
        if shm:
            reason = t("df -h in the text shows /dev/shm at {pct}%", pct=shm[0].percent)
            out.append(Evidence("shm-too-small", 8, reason, BY_ID["shm-full"]))
            table = [r for r in table if r.mount != "/dev/shm"]
            if not table:
                continue
            top = max(table, key=lambda r: r.percent)
        if top.percent >= 95:
            out.append(
                Evidence(note, 8, t("{tool} in the text shows {where}", tool=tool, where=where), enospc)
            )
        elif top.percent < 85:
            out.append(
                Evidence(note, -8, t("{tool} in the text shows {where}: demoted", tool=tool, where=where))
            )
    return out


def _free_evidence(lines: Sequence[str]) -> list[Evidence]:
    out: list[Evidence] = []
    header_has_available = False
    for i, raw in enumerate(lines):
        line = raw.strip()
        if line.startswith("total") and "available" in line:
            header_has_available = True
            continue
        mem = _FREE_MEM.match(line)
        if mem and header_has_available:
            total, avail = _bytes(mem.group(1)), _bytes(mem.group(4))
            if total and avail is not None:
                out += _mem_ratio(avail / total, "free")
        swap = _FREE_SWAP.match(line)
        if swap:
            total, used = _bytes(swap.group(1)), _bytes(swap.group(2))
            if total and used is not None and used / total >= 0.9:
                reason = t("free in the text shows swap {ratio:.0%} used", ratio=used / total)
                out.append(Evidence("swap-thrashing", 6, reason, BY_ID["swap"]))
        top = _TOP_MEM.match(line)
        if top and i + 1 < len(lines):
            total_top = float(top.group(2))
            avail_top = _TOP_AVAIL.search(lines[i + 1])
            if avail_top and total_top:
                out += _mem_ratio(float(avail_top.group(1)) / total_top, "top")
    return out


def _mem_ratio(ratio: float, tool: str) -> list[Evidence]:
    if ratio < 0.1:
        return [
            Evidence("memory-pressure", 6, t("{tool} in the text shows {ratio:.0%} of memory available",
                                              tool=tool, ratio=ratio), BY_ID["ENOMEM"]),
            Evidence("oom-killed", 2, t("{tool} in the text shows {ratio:.0%} of memory available",
                                        tool=tool, ratio=ratio)),
        ]  # fmt: skip
    if ratio >= 0.5:
        reason = t("{tool} in the text shows {ratio:.0%} available: demoted", tool=tool, ratio=ratio)
        return [Evidence("memory-pressure", -6, reason)]
    return []


def _smi_evidence(lines: Sequence[str]) -> list[Evidence]:
    out: list[Evidence] = []
    full = hot = 0
    worst = 0.0
    for line in lines:
        mem = _SMI_MEM.search(line)
        if mem and int(mem.group(2)):
            share = int(mem.group(1)) / int(mem.group(2))
            worst = max(worst, share)
            full += share >= 0.95
        temp = _SMI_TEMP.search(line)
        if temp and int(temp.group(1)) >= 87:
            hot = max(hot, int(temp.group(1)))
    if full:
        reason = t("nvidia-smi in the text shows GPU memory {ratio:.0%} used", ratio=worst)
        out.append(Evidence("cuda-oom", 5, reason, BY_ID["cuda-oom"]))
        out.append(Evidence("gpu-memory-full", 5, reason))
    if hot:
        out.append(
            Evidence(
                "gpu-thermal",
                5,
                t("nvidia-smi in the text shows a GPU at {temp}°C", temp=hot),
                BY_ID["gpu-hot"],
            )
        )
    listed = any(re.search(r"^\|\s{0,4}Processes:", line) for line in lines)
    if worst >= 0.02 and any("No running processes found" in line for line in lines):
        out.append(
            Evidence(
                "gpu-orphan-memory", 5, t("nvidia-smi shows {ratio:.0%} used by no process", ratio=worst)
            )
        )
    elif worst >= 0.02 and not listed:
        reason = t("nvidia-smi shows {ratio:.0%} of GPU memory used and no process table "
                   "(a container does not see the processes)", ratio=worst)  # fmt: skip
        out.append(Evidence("gpu-orphan-memory", 2, reason, BY_ID["orphan-gpu-memory"]))
    return out


def _inspect_evidence(text_lines: Sequence[str]) -> list[Evidence]:
    out: list[Evidence] = []
    for line in text_lines:
        oom = _INSPECT_OOM.search(line)
        if oom and oom.group(1) == "true":
            reason = t('docker inspect in the text says "OOMKilled": true')
            out.append(Evidence("oom-killed", 5, reason, BY_ID["mem-cgroup-oom"]))
        elif oom:
            out.append(Evidence("oom-killed", -3, t('docker inspect says "OOMKilled": false: demoted')))
    return out


def evidence(lines: Sequence[str], paths: Sequence[str] = (), lowered: str | None = None) -> list[Evidence]:
    """What the pasted tables in `lines` (the text's lines, in order) say about the notes.
    `lowered` (the lines lower-cased) lets each reader skip a text without its table."""
    low = lowered if lowered is not None else "\n".join(lines).lower()
    out: list[Evidence] = []
    if "filesystem" in low or "df -" in low:
        out += _df_evidence(df_rows(lines), paths)
    if "mem:" in low or "swap:" in low or "mem :" in low:
        out += _free_evidence(lines)
    if "mib /" in low or "mib/" in low:
        out += _smi_evidence(lines)
    if '"oomkilled"' in low:
        out += _inspect_evidence(lines)
    return out
