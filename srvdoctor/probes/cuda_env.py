"""The Python side of the CUDA stack, beside NVML: torch's CUDA build (read from
torch/version.py, never by importing torch) and a deprecated `pynvml` distribution installed
next to nvidia-ml-py. Shell equivalent: `python -c 'import torch; print(torch.version.cuda)'`
and `pip show pynvml`."""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from dataclasses import field
from pathlib import Path

from srvdoctor.lazyre import lazy
from srvdoctor.record import dataclass


@dataclass(frozen=True)
class Environment:
    """What sits beside NVML: a deprecated `pynvml` distribution, torch's CUDA build."""

    pynvml_dist: str | None = None  # version of the deprecated `pynvml` distribution if installed
    torch_version: str | None = None
    torch_cuda: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


def _may_hold_pynvml_metadata() -> bool:
    """False only when every sys.path entry is a directory listing no `pynvml*.dist-info` or
    `.egg-info`: then importlib.metadata (and the email package it loads, ~10 ms) can find no
    `pynvml` distribution. Anything else (a zip on the path, an unreadable directory): True."""
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except FileNotFoundError:
            continue
        except OSError:  # a zip file, an unreadable directory: ask importlib.metadata
            return True
        for name in names:
            low = name.lower()
            if low.startswith("pynvml") and low.endswith((".dist-info", ".egg-info")):
                return True
    return False


def pynvml_distribution() -> str | None:
    """Version of the deprecated `pynvml` distribution, if installed beside nvidia-ml-py."""
    if not _may_hold_pynvml_metadata():
        return None
    import importlib.metadata

    try:
        return importlib.metadata.version("pynvml")
    except importlib.metadata.PackageNotFoundError:
        return None


_TORCH_CUDA = lazy(r"""^cuda\s*(?::[^=]*)?=\s*['"]([^'"]+)['"]""", re.M)
_TORCH_VERSION = lazy(r"""^__version__\s*(?::[^=]*)?=\s*['"]([^'"]+)['"]""", re.M)


def torch_build() -> tuple[str | None, str | None]:
    """(torch version, CUDA it was built for) from torch/version.py, without importing torch."""
    try:
        spec = importlib.util.find_spec("torch")
    except (ImportError, ValueError):
        return None, None
    if spec is None or not spec.submodule_search_locations:
        return None, None
    for location in spec.submodule_search_locations:
        try:
            text = (Path(location) / "version.py").read_text()
        except OSError:
            continue
        version = _TORCH_VERSION.search(text)
        cuda = _TORCH_CUDA.search(text)
        return (version[1] if version else None), (cuda[1] if cuda else None)
    return None, None


def environment() -> Environment:
    version, cuda = torch_build()
    return Environment(pynvml_dist=pynvml_distribution(), torch_version=version, torch_cuda=cuda)
