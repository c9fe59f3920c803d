"""mountinfo parsing and the choice of real filesystems, on text and on real mounts."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from srvdoctor.probes.filesystems import filesystems, parse_mountinfo, select_mounts

MOUNTINFO = """\
22 1 0:21 / /proc rw,nosuid - proc proc rw
23 1 0:22 / /sys rw - sysfs sysfs rw
24 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
25 24 254:0 /srv/data /mnt/bind rw - ext4 /dev/vda rw
26 24 0:30 / /mnt/my\\040disk rw - tmpfs tmpfs rw,size=1024k
27 23 0:31 / /sys/fs/cgroup rw - tmpfs tmpfs rw
28 24 7:1 / /snap/core/1 ro - squashfs /dev/loop1 ro
29 24 0:40 / /var/lib/docker/overlay2/abc/merged rw - overlay overlay rw
30 24 0:41 / /dev/shm rw - tmpfs shm rw
31 24 0:42 / /dev/shm rw - tmpfs shm rw,size=65536k
"""


def test_parse_unescapes_and_reads_optional_fields() -> None:
    mounts = parse_mountinfo(MOUNTINFO)
    assert [m.mountpoint for m in mounts][2:4] == ["/", "/mnt/bind"]
    assert mounts[2].fstype == "ext4" and mounts[2].source == "/dev/vda"
    assert mounts[4].mountpoint == "/mnt/my disk"


def test_select_hides_pseudo_binds_and_overmounts() -> None:
    chosen = select_mounts(parse_mountinfo(MOUNTINFO))
    assert [(m.mountpoint, m.device) for m in chosen] == [
        ("/", "254:0"), ("/dev/shm", "0:42"), ("/mnt/my disk", "0:30"),
    ]  # fmt: skip


def test_overlay_root_of_a_container_counts() -> None:
    text = "1 0 0:50 / / rw - overlay overlay rw,lowerdir=/a\n"
    assert [m.mountpoint for m in select_mounts(parse_mountinfo(text))] == ["/"]


@pytest.mark.root
def test_real_bind_mount_counted_once(tmp_path: Path, tmpfs) -> None:  # type: ignore[no-untyped-def]
    source = tmpfs("source", size="1M")
    (source / "sub").mkdir()
    bind = tmp_path / "bind"
    bind.mkdir()
    subprocess.run(["mount", "--bind", str(source / "sub"), str(bind)], check=True)
    try:
        points = [f.mountpoint for f in filesystems(timeout=3)]
        assert str(source) in points and str(bind) not in points
    finally:
        subprocess.run(["umount", str(bind)], check=True)
