"""Real kernel log lines for tests: written to the ring buffer through /dev/kmsg (root).

Lines stay in the ring buffer after the test, so every line carries a unique token and
tests look only at lines (or groups whose newest line) carry it.
"""

from __future__ import annotations

import secrets
from pathlib import Path

KMSG = Path("/dev/kmsg")


def token() -> str:
    return "sdtok" + secrets.token_hex(4)


def write_kmsg(*lines: str, level: int = 3) -> None:
    """Each line as one kernel record at `level` (3 = err), exactly as given."""
    with KMSG.open("w") as fh:
        for line in lines:
            fh.write(f"<{level}>{line}\n")
            fh.flush()


def kernel_lines(tok: str) -> dict[str, str]:
    """The four 'done when' lines in the kernel's formats, with test devices and `tok`."""
    dev = tok[-6:]
    return {
        "xid": f"NVRM: Xid (PCI:0000:ff:00): 79, pid=4242, name=python-{tok}, GPU has fallen off the bus.",
        "ext4": f"EXT4-fs error (device sdt{dev}1): ext4_find_entry:1455: inode #2: comm ls-{tok}: "
        "reading directory lblock 0",
        "blk": f"blk_update_request: I/O error, dev sdt{dev}, sector 123456 op 0x0:(READ) flags 0x0 "
        f"phys_seg 1 prio class 0 {tok}",
        "conntrack": f"nf_conntrack: nf_conntrack: table full, dropping packet {tok}",
    }
