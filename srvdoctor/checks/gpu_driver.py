"""The NVIDIA driver and CUDA stack: NVML usable, versions, torch's CUDA build, and why a
container has no GPU."""

from __future__ import annotations

from typing import ClassVar

from srvdoctor.checks.base import CheckContext
from srvdoctor.checks.gpu_common import gpu_reading, nvidia_pci_devices, title
from srvdoctor.messages import t, tn
from srvdoctor.model import Result, Status
from srvdoctor.probes.container import ContainerGpu
from srvdoctor.probes.cuda_env import Environment, environment
from srvdoctor.probes.nvml import GpuSample, NvmlUnavailable
from srvdoctor.record import dataclass


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
                title=title(d),
            )
            for d in reading.devices
            if d.persistence_mode == 0
        ]
        details += [
            t("{title}: MIG mode on (CUDA sees MIG instances, not the whole GPU)", title=title(d))
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
