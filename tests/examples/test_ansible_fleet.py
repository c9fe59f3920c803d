"""The example Ansible playbook against three real SSH hosts, merged into one view.

Three test hosts are network namespaces `sdfleet-<x>-<random>`, each with its own sshd
(Debian's openssh-server) on its namespace address in 10.232.0.0/16, its own hostname
(a UTS namespace) and its own mounts (a mount namespace). On host b alone the test mounts
a full tmpfs. ansible-playbook runs from a control namespace of its own, bridged to the
hosts, with no default route anywhere: nothing can leave the test's namespaces. The
merged view must name host b, and only host b.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import secrets
import shlex
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO, require_tool

PLAYBOOK = REPO / "examples" / "ansible" / "srvdoctor.yml"
VENV_BIN = Path(sys.executable).parent
PLANTED = "full"  # the tmpfs on host b, under the test's tmp dir


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True, timeout=20)


@dataclass
class Host:
    name: str
    address: str
    sshd: subprocess.Popen[bytes] | None = None


@dataclass
class Lab:
    control: str
    hosts: list[Host]
    tmp: Path


def _start_sshd(host: Host, tmp: Path, plant: bool) -> subprocess.Popen[bytes]:
    sshd = require_tool("sshd", "openssh-server")
    config = tmp / f"sshd-{host.name}.conf"
    config.write_text(textwrap.dedent(f"""\
        ListenAddress {host.address}:22
        HostKey {tmp / f"hostkey-{host.name}"}
        PidFile none
        AuthorizedKeysFile {tmp / "authorized_keys"}
        PermitRootLogin prohibit-password
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        UsePAM no
        StrictModes no
        Subsystem sftp internal-sftp
        LogLevel ERROR
        """))  # fmt: skip
    subprocess.run([sshd, "-t", "-f", str(config)], check=True, timeout=20)
    # Inside the host's own mount namespace: hide other tests' mounts under /tmp (this
    # machine is shared), plant the full tmpfs on host b, then become sshd.
    planted = tmp / PLANTED
    steps = [
        f"hostname {host.name}",
        "findmnt -rn -o TARGET | grep '^/tmp/' | sort -r | while read -r m; do umount -l \"$m\" || true; done",
    ]
    if plant:
        steps += [
            f"mount -t tmpfs -o size=1M srvdoctor-planted {planted}",
            f"(dd if=/dev/zero of={planted}/fill bs=64k 2>/dev/null || true)",
        ]
    steps.append(f"exec {sshd} -D -e -f {config}")
    log = (tmp / f"sshd-{host.name}.log").open("w")
    return subprocess.Popen(
        ["ip", "netns", "exec", host.name, "unshare", "--uts", "--mount", "--propagation", "private",
         "sh", "-ec", " && ".join(steps)],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


def _kill_namespace(name: str) -> None:
    """Stop what the test started in namespace `name`, by pid, then delete the namespace."""
    pids = subprocess.run(["ip", "netns", "pids", name], capture_output=True, text=True, timeout=20).stdout
    for pid in pids.split():
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pid), signal.SIGKILL)
    subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=20)


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    require_tool("ssh", "openssh-client")
    tag = secrets.token_hex(3)
    octet = random.randint(1, 254)
    control = f"sdfleet-ctl-{tag}"
    hosts = [Host(f"sdfleet-{x}-{tag}", f"10.232.{octet}.{10 + i}") for i, x in enumerate("abc")]
    (tmp_path / PLANTED).mkdir()
    created: list[str] = []
    try:
        for name in (control, *(h.name for h in hosts)):
            _ip("netns", "add", name)
            created.append(name)
            _ip("-n", name, "link", "set", "lo", "up")
        _ip("-n", control, "link", "add", "br0", "type", "bridge")
        _ip("-n", control, "addr", "add", f"10.232.{octet}.1/24", "dev", "br0")
        _ip("-n", control, "link", "set", "br0", "up")
        for i, h in enumerate(hosts):
            _ip(
                "-n", control, "link", "add", f"v{i}", "type", "veth", "peer", "name", "eth0", "netns", h.name
            )
            _ip("-n", control, "link", "set", f"v{i}", "master", "br0", "up")
            _ip("-n", h.name, "addr", "add", f"{h.address}/24", "dev", "eth0")
            _ip("-n", h.name, "link", "set", "eth0", "up")

        keygen = ["ssh-keygen", "-q", "-t", "ed25519", "-N", ""]
        subprocess.run([*keygen, "-f", str(tmp_path / "client_key")], check=True, timeout=30)
        (tmp_path / "authorized_keys").write_text((tmp_path / "client_key.pub").read_text())
        known = []
        for h in hosts:
            key = tmp_path / f"hostkey-{h.name}"
            subprocess.run([*keygen, "-f", str(key)], check=True, timeout=30)
            public = Path(f"{key}.pub").read_text().split()
            known.append(f"{h.address} {public[0]} {public[1]}")
        (tmp_path / "known_hosts").write_text("\n".join(known) + "\n")

        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege-separation directory
        for h in hosts:
            h.sshd = _start_sshd(h, tmp_path, plant=h is hosts[1])
        # every sshd listening, seen from the control namespace (bounded: 20 s)
        wait = textwrap.dedent(f"""\
            import socket, time
            deadline = time.monotonic() + 20
            for address in {[h.address for h in hosts]!r}:
                while True:
                    try:
                        socket.create_connection((address, 22), timeout=1).close()
                        break
                    except OSError:
                        if time.monotonic() > deadline:
                            raise SystemExit(f"sshd on {{address}} did not listen")
                        time.sleep(0.2)
            """)  # fmt: skip
        up = subprocess.run(["ip", "netns", "exec", control, sys.executable, "-c", wait],
                            capture_output=True, text=True, timeout=40)  # fmt: skip
        logs = {h.name: (tmp_path / f"sshd-{h.name}.log").read_text() for h in hosts}
        assert up.returncode == 0, f"{up.stderr} {logs}"
        yield Lab(control, hosts, tmp_path)
    finally:
        for h in hosts:
            if h.sshd is not None:
                try:
                    os.killpg(h.sshd.pid, signal.SIGTERM)
                    h.sshd.wait(10)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    os.killpg(h.sshd.pid, signal.SIGKILL)
                    h.sshd.wait(10)
        for name in reversed(created):
            _kill_namespace(name)


@pytest.mark.netns
@pytest.mark.root
def test_playbook_runs_everywhere_and_the_merge_names_the_one_sick_host(lab: Lab) -> None:
    ansible_playbook = VENV_BIN / "ansible-playbook"
    if not ansible_playbook.exists():
        pytest.fail("ansible-playbook is missing: pip install -e '.[test]' installs ansible-core")
    tmp = lab.tmp
    # Thresholds at 100 %: only a completely full filesystem fails, whatever this shared
    # machine's own disks look like.
    (tmp / "fleet.toml").write_text(
        '[checks."disk.space"]\nwarn_percent = 100\nfail_percent = 100\n'
        '[checks."disk.inodes"]\nwarn_percent = 100\nfail_percent = 100\n'
        '[checks."disk.deleted_open"]\nwarn_bytes = "1000TiB"\nfail_bytes = "1000TiB"\ngap_percent = 100\n'
    )
    ssh_args = f"-o UserKnownHostsFile={tmp / 'known_hosts'} -o StrictHostKeyChecking=yes -o ConnectTimeout=5"
    inventory = tmp / "inventory.ini"
    inventory.write_text(
        "[fleet]\n"
        + "".join(f"{h.name} ansible_host={h.address}\n" for h in lab.hosts)
        + "[fleet:vars]\nansible_user=root\nansible_python_interpreter=/usr/bin/python3\n"
        f"ansible_ssh_private_key_file={tmp / 'client_key'}\n"
        f"ansible_ssh_common_args={shlex.quote(ssh_args)}\n"
        f"srvdoctor_cmd={VENV_BIN / 'srvdoctor'}\n"
        f"srvdoctor_args='--only disk --config {tmp / 'fleet.toml'}'\n"
    )
    reports = tmp / "reports"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp), "LANG": "C.UTF-8",
        "ANSIBLE_HOME": str(tmp / "ansible-home"), "ANSIBLE_LOCAL_TEMP": str(tmp / "ansible-local"),
        "ANSIBLE_REMOTE_TEMP": str(tmp / "ansible-remote"),
        "ANSIBLE_SSH_ARGS": "-o ControlMaster=no -o ControlPersist=no",
        "ANSIBLE_HOST_KEY_CHECKING": "True", "ANSIBLE_NOCOLOR": "1", "ANSIBLE_TIMEOUT": "10",
        "ANSIBLE_PYTHON_INTERPRETER": "auto_silent", "ANSIBLE_RETRY_FILES_ENABLED": "False",
    }  # fmt: skip
    run = subprocess.run(
        ["ip", "netns", "exec", lab.control, str(ansible_playbook), "-i", str(inventory), str(PLAYBOOK),
         "-e", f"srvdoctor_reports={reports}", "-e", f"srvdoctor_local_cmd={VENV_BIN / 'srvdoctor'}"],
        capture_output=True, text=True, env=env, cwd=tmp, timeout=300,
    )  # fmt: skip
    output = run.stdout + run.stderr
    a, b, c = (h.name for h in lab.hosts)
    # the playbook fails on purpose: the merged view has a `fail`
    assert run.returncode == 2, output
    assert "srvdoctor found problems (see the merged view above" in output, output
    assert f'disk-full on 1 of 3 hosts: {b} (disk.space)",' in output, output
    recap = {line.split()[0]: line for line in output.split("PLAY RECAP")[-1].splitlines() if ":" in line}
    for h in lab.hosts:
        assert "unreachable=0" in recap[h.name] and "failed=0" in recap[h.name], output

    # Each report is its host's own (UTS namespace), and only b's mount namespace has the tmpfs.
    assert sorted(p.name for p in reports.iterdir()) == sorted(f"{h.name}.json" for h in lab.hosts)
    assert {json.loads((reports / f"{h.name}.json").read_text())["host"] for h in lab.hosts} == {a, b, c}
    merged = subprocess.run([VENV_BIN / "srvdoctor", "merge", str(reports), "--format", "json"],
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    view = json.loads(merged.stdout)
    assert merged.returncode == 1
    assert [
        (p["check"], p["playbook"], [(h["host"], h["targets"]) for h in p["hosts"]]) for p in view["problems"]
    ] == [
        ("disk.space", "disk-full", [(b, [str(tmp / PLANTED)])]),
    ]
    assert {h["host"]: h["status"] for h in view["hosts"]} == {a: "ok", b: "fail", c: "ok"}


def _documented_command() -> list[str]:
    """The one-line invocation in examples/ansible/README.md, split as a shell would."""
    readme = (PLAYBOOK.parent / "README.md").read_text()
    line = next(line for line in readme.splitlines() if line.startswith("ansible-playbook "))
    return shlex.split(line)


def test_documented_extra_vars_reach_the_playbook_whole(tmp_path: Path) -> None:
    """`-e` as documented hands the playbook every argument, not the first word only
    (Ansible splits `-e k=v` on whitespace unless the value is quoted inside)."""
    argv = _documented_command()
    extra = [argv[i + 1] for i, arg in enumerate(argv) if arg == "-e"]
    assert extra, argv
    ansible = VENV_BIN / "ansible"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "LANG": "C.UTF-8",
           "ANSIBLE_HOME": str(tmp_path / "ah"), "ANSIBLE_LOCAL_TEMP": str(tmp_path / "al"), "ANSIBLE_NOCOLOR": "1",
           "ANSIBLE_LOCALHOST_WARNING": "False", "ANSIBLE_PYTHON_INTERPRETER": sys.executable}  # fmt: skip
    run = subprocess.run(
        [str(ansible), "localhost", "-c", "local", "-m", "ansible.builtin.debug", "-a", "var=srvdoctor_args",
         *[a for e in extra for a in ("-e", e)]],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert '"srvdoctor_args": "--only disk,gpu"' in run.stdout, run.stdout
