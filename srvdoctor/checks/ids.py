"""Every check id, in report order, without importing a check module.

`triage --no-run` tells the checks a note names from unknown ids with this list alone;
a test holds it equal to the ids of `registry.checks()` (add an id here with its check).
"""

from __future__ import annotations

#: The `id` of every check class in `checks.registry.MODULES`, in report order.
CHECK_IDS: tuple[str, ...] = (
    "disk.space", "disk.inodes", "disk.deleted_open", "disk.shm",
    "path.exists",
    "net.dns", "port.tcp", "port.listen", "http.status", "http.tls", "net.ping",
    "firewall.rules",
    "container.limits", "cpu.usage", "cpu.load", "mem.available", "mem.swap", "mem.pressure", "mem.oom",
    "fs.inotify",
    "gpu.memory", "gpu.temperature", "gpu.throttle", "gpu.ecc", "gpu.processes", "gpu.driver",
    "docker.daemon", "docker.logs", "docker.disk",
    "expect.http", "expect.port", "expect.listen", "expect.path", "expect.process", "expect.container",
    "expect.gpu", "expect.command",
    "logs.kernel", "logs.units", "logs.journald", "logs.containers",
)  # fmt: skip
