"""Container detection: this host is not a container (though its image ships /.dockerenv)."""

from __future__ import annotations

from pathlib import Path

import pytest

from srvdoctor.probes import container
from tests.containerrun import run_inside
from tests.dockerutil import docker_image

__all__ = ["docker_image"]  # a fixture, imported for pytest


def test_this_host_is_not_a_container() -> None:
    info = container.detect()
    if info.inside:
        pytest.skip(f"the tests themselves run in a container ({info.signals})")
    assert info.runtime is None and info.describe() == "not in a container"
    if Path("/.dockerenv").exists():  # a VM image built with Docker: a weak signal alone
        assert "/.dockerenv exists" in info.signals


def test_podman_containerenv_names_image_and_container() -> None:
    text = 'engine="podman-4.9.3"\nname="trainer"\nid="4f1c…"\nimage="docker.io/pytorch/pytorch:2.4"\nrootless=1\n'
    values = container.parse_containerenv(text)
    assert (values["name"], values["image"]) == ("trainer", "docker.io/pytorch/pytorch:2.4")


@pytest.mark.docker
def test_a_docker_container_is_detected_with_its_id(docker_image: str) -> None:
    import sys

    code = (
        "from srvdoctor.probes.container import detect; d = detect(); print(d.runtime, d.id, d.root_fstype)"
    )
    proc = run_inside(docker_image, f'{sys.executable} -c "{code}"; cat /proc/self/cgroup')
    runtime, ident, fstype = proc.stdout.split("\n")[0].split()
    assert (runtime, fstype) == ("docker", "overlay"), proc.stdout
    assert len(ident) == 64 and all(c in "0123456789abcdef" for c in ident), proc.stdout
