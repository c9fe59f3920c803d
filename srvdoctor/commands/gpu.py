"""`srvdoctor gpu`: NVIDIA GPUs through NVML — memory, temperature, throttling, ECC, processes."""

from __future__ import annotations

from srvdoctor.commands.common import (
    ConfigOpt,
    FormatOpt,
    OutputOpt,
    TimeoutOpt,
    check_format,
    check_timeout,
    console,
    flush_console,
    load,
    print_json,
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

    import typer

    check_format(fmt, COMMAND_FORMATS)
    config = load(config_path)
    probe_timeout = check_timeout(timeout, config)

    from srvdoctor.checks import gpu as gpu_checks
    from srvdoctor.checks import registry
    from srvdoctor.checks.base import CheckContext
    from srvdoctor.model import Status
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

    if fmt == "json":
        print_json(report.to_dict(), output)
    else:
        from srvdoctor.playbooks import load_library
        from srvdoctor.render.table import print_report

        con = console(output)
        if isinstance(reading, GpuSample) and reading.devices:
            from srvdoctor.render.dashboard import gpu_dashboard

            con.print(gpu_dashboard(reading))
            con.print()
        print_report(con, report, load_library(config.resolved_notes_dir()).paths())
        flush_console(con, output)
    raise typer.Exit(report.exit_code(Status.FAIL))
