"""GPU area: NVIDIA GPUs through NVML — memory, temperature, throttling, ECC, processes, driver."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from srvdoctor.checks.base import CheckContext
from srvdoctor.messages import Msg, join, t, tn
from srvdoctor.model import Result, Status
from srvdoctor.probes.container import ContainerGpu
from srvdoctor.probes.nvml import (
    Environment,
    GpuDevice,
    GpuProcess,
    GpuSample,
    NvmlUnavailable,
    environment,
    probe,
)
from srvdoctor.record import dataclass
from srvdoctor.units import naturalsize

#: Clock-event reasons that mean the card is slowed against its will, and their playbooks.
PROBLEM_REASONS: dict[str, tuple[Status, str, str]] = {
    "hw_slowdown": (
        Status.FAIL, "gpu-throttling", t("HW slowdown (the board cut clocks: overheating or power supply)")
    ),
    "hw_thermal_slowdown": (Status.FAIL, "gpu-thermal", t("HW thermal slowdown (the GPU is too hot)")),
    "hw_power_brake_slowdown": (
        Status.FAIL, "gpu-throttling", t("HW power brake (the PSU/system asked the GPU to slow down)")
    ),
    "sw_thermal_slowdown": (
        Status.WARN, "gpu-thermal", t("SW thermal slowdown (the driver cut clocks to stay under its target)")
    ),
}  # fmt: skip
NORMAL_REASONS: dict[str, str] = {
    "gpu_idle": t("idle"),
    "sw_power_cap": t("at its power limit (SW power cap: normal under full load)"),
    "applications_clocks_setting": t("application clocks set"),
    "sync_boost": t("sync boost"),
    "display_clock_setting": t("display clock setting"),
}


def gpu_reading(ctx: CheckContext) -> GpuSample | NvmlUnavailable:
    return ctx.memo("nvml", lambda: probe(ctx.timeout))


def nvidia_pci_devices(root: Path = Path("/sys/bus/pci/devices")) -> int:
    """How many PCI devices from NVIDIA (vendor 0x10de) this machine has (display/3D class)."""
    count = 0
    try:
        for dev in root.iterdir():
            try:
                vendor = (dev / "vendor").read_text().strip()
                klass = (dev / "class").read_text().strip()
            except OSError:
                continue
            if vendor == "0x10de" and klass.startswith("0x03"):
                count += 1
    except OSError:
        return 0
    return count


def _target(dev: GpuDevice) -> str:
    return f"gpu{dev.index}"


def _title(dev: GpuDevice) -> str:
    return f"GPU {dev.index} ({dev.name})"


def _devices(ctx: CheckContext) -> list[GpuDevice]:
    reading = gpu_reading(ctx)
    return list(reading.devices) if isinstance(reading, GpuSample) else []


def _holders(procs: tuple[GpuProcess, ...], n: int = 3) -> Msg:
    ranked = sorted(procs, key=lambda p: p.used_bytes or 0, reverse=True)[:n]
    return join("; ", [join(" ", [p.label, naturalsize(p.used_bytes or 0)]) for p in ranked])


def _proc_dict(p: GpuProcess) -> dict[str, object]:
    return {"pid": p.pid, "used_bytes": p.used_bytes, "kind": p.kind, "name": p.name, "user": p.user,
            "cmdline": p.cmdline, "visible": p.visible}  # fmt: skip


@dataclass(frozen=True)
class GpuMemory:
    """GPU memory used per GPU (NVML memory v2: reserved memory is not counted as used).

    Warn at `full_percent` (95) used, naming the biggest holders (→ gpu-memory-full):
    the next job will fail with "CUDA out of memory". Shell equivalent: `nvidia-smi
    --query-gpu=memory.used,memory.total --format=csv`.
    """

    id: ClassVar[str] = "gpu.memory"
    area: ClassVar[str] = "gpu"
    playbooks: ClassVar[tuple[str, ...]] = ("gpu-memory-full",)
    full_percent: float = 95.0

    def run(self, ctx: CheckContext) -> list[Result]:
        return [self.judge(dev) for dev in _devices(ctx)]

    def judge(self, dev: GpuDevice) -> Result:
        pct = dev.memory_used_percent
        status = Status.WARN if pct >= self.full_percent else Status.OK
        summary = t(
            "{title}: {used} of {total} memory used ({pct:.0f}%), utilisation {util}%",
            title=_title(dev),
            used=naturalsize(dev.memory_used),
            total=naturalsize(dev.memory_total),
            pct=pct,
            util=dev.util_gpu if dev.util_gpu is not None else "n/a",
        )
        if dev.processes:
            summary = t("{summary}; held by {holders}", summary=summary, holders=_holders(dev.processes, 1))
        details: list[str] = []
        if status is not Status.OK:
            details.append(
                t(
                    "biggest holders: {holders}",
                    holders=_holders(dev.processes) or t("none visible (see gpu.processes)"),
                )
            )
        if dev.memory_version == 1:
            details.append(t("driver has no memory v2: 'used' includes memory the driver reserves"))
        return Result(
            self.id,
            _target(dev),
            status,
            summary,
            details=tuple(details),
            data={
                "total_bytes": dev.memory_total,
                "used_bytes": dev.memory_used,
                "reserved_bytes": dev.memory_reserved,
                "used_percent": round(pct, 2),
                "memory_version": dev.memory_version,
                "util_gpu_percent": dev.util_gpu,
                "util_memory_percent": dev.util_memory,
            },
            playbook="gpu-memory-full" if status is not Status.OK else None,
            hints=("nvidia-smi --query-compute-apps=pid,used_memory --format=csv",)
            if status is not Status.OK
            else (),
        )


@dataclass(frozen=True)
class GpuTemperature:
    """GPU temperature against the card's own thresholds (nvmlDeviceGetTemperatureThreshold).

    Fail at or above the card's slowdown temperature (it is cutting clocks), warn at or
    above its max operating temperature (GPU_MAX), or `warn_margin_c` (5 °C) below
    slowdown where the card reports no GPU_MAX (→ gpu-thermal). Shell equivalent:
    `nvidia-smi -q -d TEMPERATURE`.
    """

    id: ClassVar[str] = "gpu.temperature"
    area: ClassVar[str] = "gpu"
    playbooks: ClassVar[tuple[str, ...]] = ("gpu-thermal",)
    warn_margin_c: float = 5.0

    def run(self, ctx: CheckContext) -> list[Result]:
        return [self.judge(dev) for dev in _devices(ctx)]

    def judge(self, dev: GpuDevice) -> Result:
        celsius = dev.temperature
        data = {"temperature_c": celsius, "slowdown_c": dev.temp_slowdown, "shutdown_c": dev.temp_shutdown,
                "gpu_max_c": dev.temp_gpu_max}  # fmt: skip
        if celsius is None:
            return Result(
                self.id,
                _target(dev),
                Status.SKIP,
                t("{title}: no temperature sensor (n/a)", title=_title(dev)),
                data=data,
            )
        warn_at = dev.temp_gpu_max if dev.temp_gpu_max is not None else (
            dev.temp_slowdown - self.warn_margin_c if dev.temp_slowdown is not None else None
        )  # fmt: skip
        status = Status.OK
        hot = [x for x in (dev.temp_shutdown, dev.temp_slowdown) if x is not None]
        if hot and celsius >= min(hot):
            status = Status.FAIL
        elif warn_at is not None and celsius >= warn_at:
            status = Status.WARN
        limits = join(
            ", ",
            [
                text
                for text, value in (
                    (t("max {value} °C", value=dev.temp_gpu_max), dev.temp_gpu_max),
                    (t("slowdown {value} °C", value=dev.temp_slowdown), dev.temp_slowdown),
                    (t("shutdown {value} °C", value=dev.temp_shutdown), dev.temp_shutdown),
                )
                if value is not None
            ],
        )
        summary = (
            t(
                "{title} is at {temp} °C (card limits: {limits})",
                title=_title(dev),
                temp=celsius,
                limits=limits,
            )
            if limits
            else t("{title} is at {temp} °C", title=_title(dev), temp=celsius)
        )
        details: tuple[str, ...] = ()
        if status is Status.FAIL:
            details = (
                t("at or above its slowdown temperature: the card cuts clocks (or shuts down) to cool"),
            )
        elif status is Status.WARN:
            details = (t("near its limits: check airflow and fans before it starts throttling"),)
        return Result(
            self.id,
            _target(dev),
            status,
            summary,
            details=details,
            data=data,
            playbook="gpu-thermal" if status is not Status.OK else None,
            hints=("nvidia-smi -q -d TEMPERATURE,PERFORMANCE",) if status is not Status.OK else (),
        )


@dataclass(frozen=True)
class GpuThrottle:
    """Clock-event (throttle) reasons decoded by name, power vs enforced limit, P-state, PCIe link.

    HW slowdown, HW thermal and HW power brake fail; SW thermal slowdown warns; SW power
    cap under load and GPU idle are normal. A PCIe link narrower than its maximum warns;
    a slower generation warns only while the GPU is at least `busy_percent` (50) busy
    (links drop to a lower generation at idle to save power) (→ gpu-throttling).
    Shell equivalent: `nvidia-smi -q -d PERFORMANCE,POWER`.
    """

    id: ClassVar[str] = "gpu.throttle"
    area: ClassVar[str] = "gpu"
    playbooks: ClassVar[tuple[str, ...]] = ("gpu-throttling", "gpu-thermal")
    busy_percent: float = 50.0

    def run(self, ctx: CheckContext) -> list[Result]:
        return [self.judge(dev) for dev in _devices(ctx)]

    def judge(self, dev: GpuDevice) -> Result:
        reasons = dev.reasons
        status = Status.OK
        playbook: str | None = None
        details: list[str] = []
        heads: list[str] = []  # each detail's head, for the summary
        for reason in reasons:
            if reason in PROBLEM_REASONS:
                level, book, text = PROBLEM_REASONS[reason]
                details.append(text)
                heads.append(text.split(" (")[0])
                if level.rank > status.rank:
                    status, playbook = level, book
                playbook = playbook or book
        pcie: str = ""
        if dev.pcie_width is not None and dev.pcie_max_width is not None:
            pcie = t(
                ", PCIe gen{gen} x{width} (max gen{max_gen} x{max_width})",
                gen=dev.pcie_gen,
                width=dev.pcie_width,
                max_gen=dev.pcie_max_gen,
                max_width=dev.pcie_max_width,
            )
            if dev.pcie_width < dev.pcie_max_width:
                text = t(
                    "PCIe link runs at x{width} of x{max_width}: reseat the card or check the slot",
                    width=dev.pcie_width,
                    max_width=dev.pcie_max_width,
                )
                details.append(text)
                heads.append(text)
                status = status if status.rank >= Status.WARN.rank else Status.WARN
                playbook = playbook or "gpu-throttling"
            busy = (dev.util_gpu or 0) >= self.busy_percent
            if (
                busy
                and dev.pcie_gen is not None
                and dev.pcie_max_gen is not None
                and dev.pcie_gen < dev.pcie_max_gen
            ):
                text = t(
                    "PCIe link runs at gen{gen} of gen{max_gen} while the GPU is busy",
                    gen=dev.pcie_gen,
                    max_gen=dev.pcie_max_gen,
                )
                details.append(text)
                heads.append(text)
                status = status if status.rank >= Status.WARN.rank else Status.WARN
                playbook = playbook or "gpu-throttling"
        power: str = ""
        if dev.power_mw is not None and dev.power_limit_mw:
            power = t(
                ", power {watts:.0f} W of {limit:.0f} W",
                watts=dev.power_mw / 1000,
                limit=dev.power_limit_mw / 1000,
            )
        normal = [NORMAL_REASONS[r] for r in reasons if r in NORMAL_REASONS]
        if status is Status.OK:
            state = (
                t("not throttled ({reasons})", reasons=join(", ", normal)) if normal else t("not throttled")
            )
        else:
            state = t("slowed down: {reasons}", reasons=join("; ", heads))
        pstate = f", P{dev.pstate}" if dev.pstate is not None else ""
        summary = join("", [_title(dev), " ", state, power, pstate, pcie])
        return Result(
            self.id,
            _target(dev),
            status,
            summary,
            details=tuple(details),
            data={
                "clock_event_reasons": dev.clock_event_reasons,
                "reasons": list(reasons),
                "power_w": dev.power_mw / 1000 if dev.power_mw is not None else None,
                "power_limit_w": dev.power_limit_mw / 1000 if dev.power_limit_mw is not None else None,
                "pstate": dev.pstate,
                "util_gpu_percent": dev.util_gpu,
                "pcie_gen": dev.pcie_gen,
                "pcie_width": dev.pcie_width,
                "pcie_max_gen": dev.pcie_max_gen,
                "pcie_max_width": dev.pcie_max_width,
            },
            playbook=playbook,
            hints=("nvidia-smi -q -d PERFORMANCE",) if status is not Status.OK else (),
        )


@dataclass(frozen=True)
class GpuEcc:
    """ECC errors and memory repair state per GPU.

    Fail on volatile uncorrected ECC errors (> 0 since the last driver load) or failed
    row remapping; warn on a pending row remap or pending page retirement (the GPU needs
    a reset), or uncorrected errors in the lifetime (aggregate) count. Retired pages are
    NotSupported on Hopper and later: n/a, never a failure (→ gpu-ecc-errors). Shell
    equivalent: `nvidia-smi -q -d ECC,ROW_REMAPPER,PAGE_RETIREMENT`.
    """

    id: ClassVar[str] = "gpu.ecc"
    area: ClassVar[str] = "gpu"
    playbooks: ClassVar[tuple[str, ...]] = ("gpu-ecc-errors",)

    def run(self, ctx: CheckContext) -> list[Result]:
        return [self.judge(dev) for dev in _devices(ctx)]

    def judge(self, dev: GpuDevice) -> Result:
        status = Status.OK
        details: list[str] = []

        def raise_to(level: Status, text: str) -> None:
            nonlocal status
            details.append(text)
            if level.rank > status.rank:
                status = level

        if dev.ecc_volatile_uncorrected:
            raise_to(
                Status.FAIL,
                t("{n} uncorrected ECC errors since the driver loaded", n=dev.ecc_volatile_uncorrected),
            )
        rows = dev.remapped_rows
        if rows is not None:
            _, _, pending, failure = rows
            if failure:
                raise_to(Status.FAIL, t("row remapping failed: the GPU has run out of spare rows (RMA)"))
            if pending:
                raise_to(Status.WARN, t("a row remap is pending: reset the GPU (or reboot) to apply it"))
        if dev.retired_pages_pending:
            raise_to(Status.WARN, t("a page retirement is pending: reset the GPU (or reboot) to apply it"))
        if dev.ecc_aggregate_uncorrected and not dev.ecc_volatile_uncorrected:
            raise_to(
                Status.WARN,
                t("{n} uncorrected ECC errors in the card's lifetime", n=dev.ecc_aggregate_uncorrected),
            )
        mode = {1: t("on"), 0: t("off"), None: "n/a"}.get(dev.ecc_mode, "n/a")

        def na(value: object) -> object:
            return "n/a" if value is None else value

        remapped = (
            "n/a"
            if rows is None
            else t(
                "{total} (pending {pending}, failed {failed})",
                total=rows[0] + rows[1],
                pending=rows[2],
                failed=rows[3],
            )
        )
        summary = t(
            "{title}: ECC {mode}, volatile uncorrected {volatile}, "
            "remapped rows {remapped}, retired pages {retired}",
            title=_title(dev),
            mode=mode,
            volatile=na(dev.ecc_volatile_uncorrected),
            remapped=remapped,
            retired=na(dev.retired_pages_dbe),
        )
        return Result(
            self.id,
            _target(dev),
            status,
            summary,
            details=tuple(details),
            data={
                "ecc_mode": dev.ecc_mode,
                "volatile_uncorrected": dev.ecc_volatile_uncorrected,
                "aggregate_uncorrected": dev.ecc_aggregate_uncorrected,
                "volatile_corrected": dev.ecc_volatile_corrected,
                "remapped_rows": list(rows) if rows is not None else None,
                "retired_pages_dbe": dev.retired_pages_dbe,
                "retired_pages_pending": dev.retired_pages_pending,
            },
            playbook="gpu-ecc-errors" if status is not Status.OK else None,
            hints=("nvidia-smi -q -d ECC,ROW_REMAPPER",) if status is not Status.OK else (),
        )


@dataclass(frozen=True)
class GpuProcesses:
    """Processes on each GPU (PID, user, command, GPU memory), and memory nobody here holds.

    Warn (→ gpu-orphan-memory) when NVML lists PIDs that do not exist here, or when at
    least `orphan_min_bytes` (512 MiB) of used memory belongs to no listed process —
    telling "srvdoctor runs in a container without --pid=host" (other namespaces'
    processes are hidden) apart from "a dead process still holds it". Shell equivalent:
    `nvidia-smi --query-compute-apps=pid,process_name,used_memory --format=csv`.
    """

    id: ClassVar[str] = "gpu.processes"
    area: ClassVar[str] = "gpu"
    playbooks: ClassVar[tuple[str, ...]] = ("gpu-orphan-memory",)
    orphan_min_bytes: int = 512 * 1024 * 1024

    def run(self, ctx: CheckContext) -> list[Result]:
        reading = gpu_reading(ctx)
        if not isinstance(reading, GpuSample):
            return []
        return [self.judge(dev, reading.in_pid_namespace) for dev in reading.devices]

    def judge(self, dev: GpuDevice, in_pid_namespace: bool) -> Result:
        procs = dev.processes
        listed = sum(p.used_bytes or 0 for p in procs)
        unaccounted = max(0, dev.memory_used - listed)
        invisible = [p for p in procs if not p.visible]
        status = Status.OK
        details: list[str] = []
        hints: list[str] = []
        summary: str
        if procs:
            summary = tn(
                "{title}: {n} process: {holders}",
                "{title}: {n} processes: {holders}",
                len(procs),
                title=_title(dev),
                holders=_holders(procs),
            )
        else:
            summary = t("{title}: no processes", title=_title(dev))
        if invisible:
            status = Status.WARN
            held = sum(p.used_bytes or 0 for p in invisible)
            pids = ", ".join(str(p.pid) for p in invisible)
            if in_pid_namespace:
                details.append(
                    t(
                        "PIDs {pids} hold {size} but are not visible here: srvdoctor runs in a "
                        "container without --pid=host; run it on the host to name them",
                        pids=pids,
                        size=naturalsize(held),
                    )
                )
                hints.append(t("nvidia-smi  # on the host"))
            else:
                details.append(
                    t(
                        "PIDs {pids} hold {size} but no such process exists: a dead process "
                        "(or one in another PID namespace) still holds GPU memory",
                        pids=pids,
                        size=naturalsize(held),
                    )
                )
                hints.append("sudo fuser -v /dev/nvidia*")
        if unaccounted >= self.orphan_min_bytes:
            status = Status.WARN
            if in_pid_namespace:
                details.append(
                    t(
                        "{size} is used by no process listed here: srvdoctor runs in a container "
                        "without --pid=host, where NVML hides processes of other PID namespaces",
                        size=naturalsize(unaccounted),
                    )
                )
                hints.append(t("docker run --pid=host ... (or run srvdoctor gpu on the host)"))
            else:
                details.append(
                    t(
                        "{size} is used by no listed process: a dead or zombie process "
                        "(or a container's process) still holds GPU memory",
                        size=naturalsize(unaccounted),
                    )
                )
                hints.append("sudo fuser -v /dev/nvidia*")
            if not procs:
                summary = t(
                    "{title}: no processes listed, yet {size} is used",
                    title=_title(dev),
                    size=naturalsize(dev.memory_used),
                )
        return Result(
            self.id,
            _target(dev),
            status,
            summary,
            details=tuple(details),
            data={
                "processes": [_proc_dict(p) for p in procs],
                "listed_bytes": listed,
                "unaccounted_bytes": unaccounted,
                "in_pid_namespace": in_pid_namespace,
            },
            playbook="gpu-orphan-memory" if status is not Status.OK else None,
            hints=tuple(dict.fromkeys(hints)),
        )


def _version_tuple(text: str) -> tuple[int, ...]:
    out: list[int] = []
    for part in text.split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        if not digits:
            break
        out.append(int(digits))
    return tuple(out)


@dataclass(frozen=True)
class GpuDriver:
    """The NVIDIA driver and CUDA stack: NVML usable, driver version, the CUDA it supports, torch's build.

    Skip where there is no NVIDIA driver (with gpu-driver-missing where NVIDIA hardware
    is present); fail on a driver/library version mismatch (driver upgraded without a
    reboot), a lost GPU, or a torch built for a newer CUDA than the driver supports
    (→ gpu-driver-mismatch); warn when the deprecated `pynvml` distribution is installed
    beside nvidia-ml-py (→ pynvml-conflict). Shell equivalent: `nvidia-smi` (first line)
    and `python -c 'import torch; print(torch.version.cuda)'`.
    """

    id: ClassVar[str] = "gpu.driver"
    area: ClassVar[str] = "gpu"
    playbooks: ClassVar[tuple[str, ...]] = (
        "gpu-driver-missing", "gpu-driver-mismatch", "pynvml-conflict", "gpu-container-toolkit",
    )  # fmt: skip

    def run(self, ctx: CheckContext) -> list[Result]:
        env = ctx.memo("gpu.environment", environment)
        reading = gpu_reading(ctx)
        hardware = nvidia_pci_devices() if isinstance(reading, NvmlUnavailable) else 0
        runtime = None
        if isinstance(reading, NvmlUnavailable) and reading.kind == "missing":
            from srvdoctor.probes.container import detect, gpu_exposure

            # the reading loadshare.container memoises, without loading the load checks' probes
            where = ctx.memo("container", detect)
            runtime = gpu_exposure(where) if where.inside else None
        return self.judge(reading, env, hardware, runtime)

    def judge(
        self,
        reading: GpuSample | NvmlUnavailable,
        env: Environment,
        nvidia_hardware: int = 0,
        container_gpu: ContainerGpu | None = None,
    ) -> list[Result]:
        if isinstance(reading, NvmlUnavailable) and reading.kind == "missing" and container_gpu is not None:
            results = [_hidden_by_runtime(reading, container_gpu, nvidia_hardware)]
        else:
            results = [self._stack(reading, env, nvidia_hardware)]
        if env.pynvml_dist:
            results.append(
                Result(
                    self.id,
                    "pynvml",
                    Status.WARN,
                    t(
                        "the deprecated 'pynvml' package ({version}) is installed beside nvidia-ml-py",
                        version=env.pynvml_dist,
                    ),
                    details=(
                        t(
                            "both provide `import pynvml`; the deprecated one warns on import "
                            "and may shadow the other"
                        ),
                    ),
                    data={"pynvml_version": env.pynvml_dist},
                    playbook="pynvml-conflict",
                    hints=("pip uninstall -y pynvml && pip install --force-reinstall nvidia-ml-py",),
                )
            )
        return results

    def _stack(self, reading: GpuSample | NvmlUnavailable, env: Environment, hardware: int) -> Result:
        if isinstance(reading, NvmlUnavailable):
            return self._unavailable(reading, hardware)
        torch: str = ""
        if env.torch_version:
            torch = t(
                "; torch {version} built for CUDA {cuda}",
                version=env.torch_version,
                cuda=env.torch_cuda or t("none (CPU-only build)"),
            )
        cuda = reading.cuda_version
        summary = tn(
            "{n} GPU, driver {driver}, supports CUDA {cuda}{torch}",
            "{n} GPUs, driver {driver}, supports CUDA {cuda}{torch}",
            len(reading.devices),
            driver=reading.driver,
            cuda=cuda or "n/a",
            torch=torch,
        )
        data = {
            "driver": reading.driver,
            "cuda_driver": cuda,
            "nvml": reading.nvml,
            "gpus": len(reading.devices),
            "torch": env.torch_version,
            "torch_cuda": env.torch_cuda,
            "persistence_mode": [d.persistence_mode for d in reading.devices],
            "mig_mode": [d.mig_mode for d in reading.devices],
        }
        details: list[str] = [
            t(
                "{title}: persistence mode off "
                "(first CUDA call pays driver start-up; `sudo nvidia-smi -pm 1`)",
                title=_title(d),
            )
            for d in reading.devices
            if d.persistence_mode == 0
        ]
        details += [
            t("{title}: MIG mode on (CUDA sees MIG instances, not the whole GPU)", title=_title(d))
            for d in reading.devices
            if d.mig_mode == 1
        ]
        if env.torch_cuda and cuda and _version_tuple(env.torch_cuda)[:2] > _version_tuple(cuda)[:2]:
            return Result(
                self.id,
                "cuda",
                Status.FAIL,
                t(
                    "torch {version} is built for CUDA {torch_cuda}, "
                    "but driver {driver} supports only CUDA {cuda}",
                    version=env.torch_version,
                    torch_cuda=env.torch_cuda,
                    driver=reading.driver,
                    cuda=cuda,
                ),
                details=(
                    t("CUDA calls fail with 'CUDA driver version is insufficient for CUDA runtime version'"),
                    *details,
                ),
                data=data,
                playbook="gpu-driver-mismatch",
                hints=(
                    f"pip install torch --index-url https://download.pytorch.org/whl/cu{''.join(cuda.split('.')[:2])}",
                    t("or upgrade the NVIDIA driver"),
                ),
            )
        return Result(self.id, "driver", Status.OK, summary, details=tuple(details), data=data)

    def _unavailable(self, reading: NvmlUnavailable, hardware: int) -> Result:
        data = {"reason": reading.kind, "error": reading.error, "nvidia_pci_devices": hardware}
        if reading.kind == "missing":
            if hardware:
                return Result(
                    self.id,
                    "driver",
                    Status.SKIP,
                    tn(
                        "{n} NVIDIA GPU on the PCI bus but {message}",
                        "{n} NVIDIA GPUs on the PCI bus but {message}",
                        hardware,
                        message=reading.message,
                    ),
                    data=data,
                    playbook="gpu-driver-missing",
                    hints=("lsmod | grep nvidia", "sudo dmesg | grep -i nvidia"),
                )
            return Result(
                self.id,
                "driver",
                Status.SKIP,
                t("{message}: no NVIDIA GPU to check", message=reading.message),
                data=data,
            )
        if reading.kind == "mismatch":
            return Result(
                self.id,
                "driver",
                Status.FAIL,
                reading.message,
                details=(
                    t(
                        "the loaded kernel module and the user-space library differ; "
                        "a reboot loads the new module"
                    ),
                ),
                data=data,
                playbook="gpu-driver-mismatch",
                hints=("cat /proc/driver/nvidia/version", "sudo reboot"),
            )
        if reading.kind == "permission":
            return Result(
                self.id,
                "driver",
                Status.SKIP,
                reading.message,
                details=(
                    t("run as root, or add the user to the group that owns /dev/nvidia* (often `video`)"),
                ),
                data=data,
            )
        if reading.kind == "lost":
            return Result(
                self.id,
                "driver",
                Status.FAIL,
                reading.message,
                details=(
                    t("the GPU stopped answering (Xid 79): drain the node and reboot; if it repeats, RMA"),
                ),
                data=data,
                playbook="gpu-driver-missing",
                hints=("sudo dmesg | grep -i xid",),
            )
        return Result(self.id, "driver", Status.ERROR, reading.message, data=data, hints=("nvidia-smi",))


def _hidden_by_runtime(reading: NvmlUnavailable, gpu: ContainerGpu, hardware: int) -> Result:
    """NVML missing inside a container: did the runtime hand the GPUs in at all?"""
    data = {"reason": reading.kind, "error": reading.error, "nvidia_pci_devices": hardware, **gpu.to_dict()}
    visible = gpu.visible_devices
    if gpu.device_nodes:
        return Result(
            GpuDriver.id,
            "driver",
            Status.SKIP,
            t(
                "{message}: the container has {devices} but no NVIDIA user-space library (libnvidia-ml.so)",
                message=reading.message,
                devices=", ".join(gpu.device_nodes[:4]),
            ),
            details=(
                t(
                    "the NVIDIA container toolkit mounts the driver's libraries "
                    "when NVIDIA_DRIVER_CAPABILITIES includes utility/compute; "
                    "devices passed with --device alone come without them"
                ),
            ),
            data=data,
            playbook="gpu-container-toolkit",
            hints=("docker run --gpus all …", "ls /dev/nvidia*; ldconfig -p | grep nvidia-ml"),
        )
    why = (
        t("NVIDIA_VISIBLE_DEVICES is unset")
        if visible is None
        else f"NVIDIA_VISIBLE_DEVICES={visible}"
        if visible in ("void", "none", "")
        else t("NVIDIA_VISIBLE_DEVICES={visible} but the runtime did not act on it", visible=visible)
    )
    on_bus = (
        tn("; {n} NVIDIA GPU on the host's PCI bus", "; {n} NVIDIA GPUs on the host's PCI bus", hardware)
        if hardware
        else ""
    )
    return Result(
        GpuDriver.id,
        "driver",
        Status.SKIP,
        t(
            "no GPU in this container: the runtime passed none in (no /dev/nvidia*, {why}){on_bus}",
            why=why,
            on_bus=on_bus,
        ),
        details=(
            t(
                "start it with GPUs: docker run --gpus all (needs the NVIDIA container toolkit on the host), "
                "Kubernetes resources.limits nvidia.com/gpu: 1"
            ),
        ),
        data=data,
        playbook="gpu-container-toolkit",
        hints=("docker run --gpus all …", t("nvidia-ctk runtime configure --runtime=docker  # on the host")),
    )


CHECKS = (GpuMemory, GpuTemperature, GpuThrottle, GpuEcc, GpuProcesses, GpuDriver)
