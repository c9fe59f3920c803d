"""Ranking by specificity, causality, context and pasted numbers — on the classes of misses
real error texts showed (issue 14), each written as the tools print it."""

from __future__ import annotations

import pytest

from srvdoctor.playbooks import load_library
from srvdoctor.triage import triage

SHIPPED = load_library(None)


def _first(text: str) -> list[str]:
    return [n.id for n, _ in SHIPPED.matching(text)]


@pytest.mark.parametrize(
    ("text", "first"),
    [
        # generic beats specific: the subsystem wins over the bare errno
        (
            'Cannot connect to the Docker daemon: Get "http://%2Fvar%2Frun%2Fdocker.sock/v1.24/version": '
            "dial unix /var/run/docker.sock: connect: no such file or directory",
            "docker-daemon-unreachable",
        ),
        ("dial unix /var/run/docker.sock: connect: no such file or directory", "docker-daemon-unreachable"),
        # the same condition in other words
        ("E: You don't have enough free space in /var/cache/apt/archives/.", "disk-full"),
        (
            'ERROR:  could not extend file "base/16384/16397.1": No space left on device\n'
            "HINT:  Check free disk space.",
            "disk-full",
        ),
        ("npm ERR! request to https://registry.npmjs.org/x failed, reason: getaddrinfo ENOTFOUND registry.npmjs.org",
         "dns-failure"),
        ("RuntimeError: received 0 items of ancdata", "too-many-open-files"),
        ("Unable to determine the device handle for GPU 0000:3B:00.0: Unknown Error\nGPU has fallen off the bus.",
         "gpu-xid"),
        ("RuntimeError: No CUDA GPUs are available", "gpu-driver-missing"),
        ("nouveau 0000:01:00.0: DRM: failed to create kernel channel, -22", "gpu-driver-missing"),
        ("OSError: [Errno 30] Read-only file system: '/models/cache'", "read-only-filesystem"),
        ("EXT4-fs (nvme0n1p2): Remounting filesystem read-only", "read-only-filesystem"),
        ("OSError: [Errno 122] Disk quota exceeded: '/home/u/.cache/pip/wheels/x'", "disk-quota"),
        ("/bin/bash^M: bad interpreter: No such file or directory", "bad-interpreter"),
        ("exec /usr/local/bin/docker-entrypoint.sh: exec format error", "bad-interpreter"),
        ("OSError: [Errno 99] Cannot assign requested address", "address-not-available"),
        ("Error: listen EADDRNOTAVAIL: address not available 10.1.2.3:3000", "address-not-available"),
        ("CPU2: Package temperature above threshold, cpu clock throttled (total events = 16)", "cpu-thermal"),
        (
            "torch.distributed.DistBackendError: NCCL error in: ../torch/csrc/distributed/c10d/ProcessGroupNCCL.cpp"
            ":1970, unhandled system error (run with NCCL_DEBUG=INFO for details), NCCL version 2.19.3",
            "nccl-error",
        ),
        ("[Rank 0] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=3, OpType=ALLREDUCE, "
         "Timeout(ms)=600000) ran for 600410 milliseconds before timing out.", "nccl-error"),
        # context redirects look-alikes
        ("Error: ENOSPC: System limit for number of file watchers reached, watch '/app/src'", "inotify-limit"),
        ("tail: inotify_add_watch(/var/log/syslog) failed: No space left on device", "inotify-limit"),
        # CUDA out of memory is never the OOM killer
        ("torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 MiB. MemoryError", "cuda-oom"),
        # torchrun summaries
        ("  exitcode  : -9 (pid: 1043)\n  error_file: <N/A>\n  traceback : Signal 9 (SIGKILL) received by PID 1043",
         "oom-killed"),
        ("RuntimeError: The NVIDIA driver on your system is too old (found version 10020).", "gpu-driver-mismatch"),
        # the first error in time outranks its consequences
        ("tar: data/x: Cannot mkdir: No space left on device\ntar: data/x/y: Cannot open: No such file or directory",
         "disk-full"),
    ],
)  # fmt: skip
def test_first_note(text: str, first: str) -> None:
    assert _first(text)[0] == first


def test_docker_socket_before_path_missing() -> None:
    ids = _first("dial unix /var/run/docker.sock: connect: no such file or directory")
    assert ids[0] == "docker-daemon-unreachable"


def test_bus_error_is_not_the_oom_killer() -> None:
    found = triage("RuntimeError: DataLoader worker (pid 3121) is killed by signal: Bus error.")
    assert "oom-killed" not in found.note_ids
    assert found.note_ids[0] == "shm-too-small"


def test_shm_full_is_not_a_full_disk() -> None:
    found = triage("OSError: [Errno 28] No space left on device: '/dev/shm/torch_1234_567'")
    assert found.note_ids[0] == "shm-too-small"
    assert "names the subsystem" in found.why


def test_cuda_oom_never_ranks_the_oom_killer_first() -> None:
    found = triage("torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB\nKilled")
    assert found.note_ids[0] == "cuda-oom"
    assert found.error_class.area == "gpu"


def test_driver_too_old_is_infrastructure_not_a_bug() -> None:
    text = (
        'Traceback (most recent call last):\n  File "train.py", line 3, in <module>\n    torch.zeros(1).cuda()\n'
        "RuntimeError: The NVIDIA driver on your system is too old (found version 11040). Please update your GPU "
        "driver by downloading and installing a new version from the URL: http://www.nvidia.com/Download/index.aspx"
    )
    ec = triage(text).error_class
    assert (ec.kind, ec.area) == ("infrastructure", "gpu")


# --------------------------------------------------------------------------- numbers in pasted tables

ENOSPC = "OSError: [Errno 28] No space left on device: '/data/ckpt/x.pt'\n"
DF_69 = """Filesystem      Size  Used Avail Use% Mounted on
/dev/nvme0n1p1  1.8T  1.2T  560G  69% /data
/dev/sda1        40G   20G   20G  50% /
"""
DF_FULL = """Filesystem      Size  Used Avail Use% Mounted on
/dev/nvme0n1p1  1.8T  1.8T     0 100% /data
"""
DF_I_FULL = """$ df -i
Filesystem       Inodes    IUsed IFree IUse% Mounted on
/dev/nvme0n1p1 12058624 12058624     0  100% /data
"""


def test_df_h_at_69_percent_demotes_disk_full() -> None:
    found = triage(ENOSPC + DF_69)
    assert found.note_ids[0] == "inode-exhaustion"
    assert "69%" in found.why


def test_df_h_at_100_percent_confirms_disk_full() -> None:
    found = triage(ENOSPC + DF_FULL)
    assert found.note_ids[0] == "disk-full" and "/data at 100%" in found.why


def test_df_i_at_100_percent_is_inodes() -> None:
    assert triage(ENOSPC + DF_I_FULL).note_ids[0] == "inode-exhaustion"
    assert triage("df -hi\n" + DF_I_FULL.split("\n", 1)[1]).note_ids[0] == "inode-exhaustion"


def test_docker_inspect_state() -> None:
    killed = '"State": {"Status": "exited", "OOMKilled": true, "ExitCode": 137}'
    assert triage(killed).note_ids[0] == "oom-killed"
    stopped = '"State": {"Status": "exited", "OOMKilled": false, "ExitCode": 0, "Error": ""}'
    assert "oom-killed" not in triage(stopped).note_ids


def test_free_shows_no_memory_available() -> None:
    text = """MemoryError
               total        used        free      shared  buff/cache   available
Mem:            62Gi        61Gi       300Mi       1.0Mi       700Mi       512Mi
Swap:             0B          0B          0B
"""
    found = triage(text)
    assert found.note_ids[0] == "memory-pressure" and "available" in found.why


NVIDIA_SMI = """+-----------------------------------------------------------------------------+
| GPU  Name        Persistence-M| Bus-Id        Disp.A | Volatile Uncorr. ECC |
|   0  NVIDIA H200         On   | 00000000:1B:00.0 Off |                    0 |
| N/A   91C    P0   690W / 700W | 143100MiB / 143771MiB |    100%      Default |
+-----------------------------------------------------------------------------+
| Processes:                                                                  |
|    0   N/A  N/A      4242      C   python                         143000MiB |
"""


def test_nvidia_smi_table_numbers() -> None:
    found = triage("RuntimeError: CUDA error: out of memory\n" + NVIDIA_SMI)
    assert found.note_ids[0] == "cuda-oom" and "GPU memory 100% used" in found.why
    assert "gpu-thermal" in found.note_ids


@pytest.mark.parametrize(
    "text",
    [
        "KeyError: 'input_ids'",
        "TypeError: forward() got an unexpected keyword argument 'labels'",
        "ValueError: too many values to unpack (expected 2)",
        "RuntimeError: Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!",
        "RuntimeError: mat1 and mat2 shapes cannot be multiplied (64x512 and 256x10)",
        "IndexError: index out of range in self",
        "AttributeError: 'NoneType' object has no attribute 'shape'",
        "ModuleNotFoundError: No module named 'transformers'",
        "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)",
        "ZeroDivisionError: division by zero",
    ],
)
def test_code_bugs_rank_no_infrastructure_note(text: str) -> None:
    found = triage(text)
    assert found.note_ids == [] and found.error_class.kind == "code"


def test_top_header_shows_no_memory_available() -> None:
    text = """top - 10:01:02 up 3 days,  2:03,  1 user,  load average: 9.12, 8.40, 7.95
Tasks: 312 total,   3 running, 309 sleeping,   0 stopped,   0 zombie
MiB Mem :  64215.3 total,    301.2 free,  63512.9 used,    401.2 buff/cache
MiB Swap:      0.0 total,      0.0 free,      0.0 used.    210.4 avail Mem
"""
    found = triage(text)
    assert (
        found.note_ids[0] == "memory-pressure" and "top in the text shows 0% of memory available" in found.why
    )


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("socket.gaierror: [Errno 8] nodename nor servname provided, or not known", "dns-failure"),  # not ENOEXEC
        ("OSError: Not enough free disk space to download the file. The expected file size is: 5000.00 MB.",
         "disk-full"),
        ("The node was low on resource: ephemeral-storage.", "disk-full"),
        ("Killed: 9", "oom-killed"),
        ("OSError: [WinError 10048] Only one usage of each socket address is normally permitted", "port-in-use"),
        ("dial tcp: lookup registry-1.docker.io on 10.0.0.2:53: read udp 172.17.0.2:43566->10.0.0.2:53: "
         "i/o timeout", "dns-failure"),
        ("requests.exceptions.HTTPError: 502 Server Error: Bad Gateway for url: http://10.0.0.5/x", "http-error"),
        ("curl: (22) The requested URL returned error: 404", "http-error"),
        ("bash: nvidia-smi: command not found", "gpu-driver-missing"),
        ("Container killed by YARN for exceeding memory limits. 5.5 GB of 5.5 GB physical memory used.",
         "oom-killed"),
    ],
)  # fmt: skip
def test_other_words_for_known_conditions(text: str, first: str) -> None:
    assert _first(text)[0] == first
