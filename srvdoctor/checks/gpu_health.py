"""GPU health: memory, temperature, throttling (clock-event reasons) and ECC, per device."""

from __future__ import annotations

from typing import ClassVar

from srvdoctor.checks.base import CheckContext
from srvdoctor.checks.gpu_common import devices, holders, target, title
from srvdoctor.messages import join, t
from srvdoctor.model import Result, Status
from srvdoctor.probes.nvml import GpuDevice
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
        return [self.judge(dev) for dev in devices(ctx)]

    def judge(self, dev: GpuDevice) -> Result:
        pct = dev.memory_used_percent
        status = Status.WARN if pct >= self.full_percent else Status.OK
        summary = t(
            "{title}: {used} of {total} memory used ({pct:.0f}%), utilisation {util}%",
            title=title(dev),
            used=naturalsize(dev.memory_used),
            total=naturalsize(dev.memory_total),
            pct=pct,
            util=dev.util_gpu if dev.util_gpu is not None else "n/a",
        )
        if dev.processes:
            summary = t("{summary}; held by {holders}", summary=summary, holders=holders(dev.processes, 1))
        details: list[str] = []
        if status is not Status.OK:
            details.append(
                t(
                    "biggest holders: {holders}",
                    holders=holders(dev.processes) or t("none visible (see gpu.processes)"),
                )
            )
        if dev.memory_version == 1:
            details.append(t("driver has no memory v2: 'used' includes memory the driver reserves"))
        return Result(
            self.id,
            target(dev),
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
        return [self.judge(dev) for dev in devices(ctx)]

    def judge(self, dev: GpuDevice) -> Result:
        celsius = dev.temperature
        data = {"temperature_c": celsius, "slowdown_c": dev.temp_slowdown, "shutdown_c": dev.temp_shutdown,
                "gpu_max_c": dev.temp_gpu_max}  # fmt: skip
        if celsius is None:
            return Result(
                self.id,
                target(dev),
                Status.SKIP,
                t("{title}: no temperature sensor (n/a)", title=title(dev)),
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
                title=title(dev),
                temp=celsius,
                limits=limits,
            )
            if limits
            else t("{title} is at {temp} °C", title=title(dev), temp=celsius)
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
            target(dev),
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
        return [self.judge(dev) for dev in devices(ctx)]

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
        summary = join("", [title(dev), " ", state, power, pstate, pcie])
        return Result(
            self.id,
            target(dev),
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
        return [self.judge(dev) for dev in devices(ctx)]

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
            title=title(dev),
            mode=mode,
            volatile=na(dev.ecc_volatile_uncorrected),
            remapped=remapped,
            retired=na(dev.retired_pages_dbe),
        )
        return Result(
            self.id,
            target(dev),
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
