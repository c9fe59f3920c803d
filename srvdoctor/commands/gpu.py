"""`srvdoctor gpu`: NVIDIA GPUs through NVML — memory, temperature, throttling, ECC, processes."""

from __future__ import annotations

from srvdoctor.commands.common import (
    ConfigOpt,
    FormatOpt,
    OutputOpt,
    TimeoutOpt,
    check_format,
    check_timeout,
    finish,
    load,
)
from srvdoctor.constants import COMMAND_FORMATS


def gpu(
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    timeout: TimeoutOpt = None,
    config_path: ConfigOpt = None,
) -> None:
    """NVIDIA GPUs: memory, utilisation, temperature vs the card's limits, throttling, ECC, processes."""
    import dataclasses

    check_format(fmt, COMMAND_FORMATS)
    config = load(config_path)
    probe_timeout = check_timeout(timeout, config)

    from srvdoctor.checks import gpu as gpu_checks
    from srvdoctor.checks import registry
    from srvdoctor.checks.base import CheckContext
    from srvdoctor.probes.nvml import GpuSample
    from srvdoctor.runner import run_report

    checks = registry.build(registry.select(["gpu"]), config)
    ctx = CheckContext(config=config, timeout=probe_timeout)
    report = run_report(checks, ctx)
    reading = gpu_checks.gpu_reading(ctx)  # memoised: the reading the checks judged
    if isinstance(reading, GpuSample):
        report = dataclasses.replace(
            report,
            meta={
                "driver": reading.driver,
                "cuda_driver": reading.cuda_version,
                "gpus": len(reading.devices),
            },
        )

    header = None
    if fmt == "table" and isinstance(reading, GpuSample) and reading.devices:
        from srvdoctor.render.dashboard import gpu_dashboard

        header = gpu_dashboard(reading)
    finish(report, config, fmt, output, header=header)
