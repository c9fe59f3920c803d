"""The CUDA stack beside NVML: a deprecated pynvml distribution, torch's CUDA build (read, not imported)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from srvdoctor.probes import cuda_env


def test_deprecated_pynvml_distribution_is_detected(tmp_path: Path) -> None:
    # a real installed-distribution record, as pip writes it, on sys.path of a fresh interpreter
    info = tmp_path / "pynvml-12.0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: pynvml\nVersion: 12.0.0\n")
    code = "from srvdoctor.probes.cuda_env import pynvml_distribution as d; print(d())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(tmp_path)}, check=True)  # fmt: skip
    assert out.stdout.strip() == "12.0.0"
    assert cuda_env.pynvml_distribution() is None  # this venv has only nvidia-ml-py


def test_torch_cuda_build_is_read_without_importing_torch(tmp_path: Path) -> None:
    pkg = tmp_path / "torch"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("raise RuntimeError('importing torch is slow: never do it')\n")
    (pkg / "version.py").write_text(
        "from typing import Optional\n__version__ = '2.5.1+cu124'\ncuda: Optional[str] = '12.4'\n"
    )
    code = "from srvdoctor.probes.cuda_env import torch_build; print(torch_build())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(tmp_path)}, check=True)  # fmt: skip
    assert out.stdout.strip() == "('2.5.1+cu124', '12.4')"
