"""Fixtures for sweep tests: tiny bcc Li diffusion sweeps with the shipped MTP, and a private Slurm
cluster on localhost (munged + slurmctld + slurmd on unusual ports, torn down after the session)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from sweep_helpers import REPO, TINY_SETTINGS, sweep_toml  # noqa: E402,F401


@pytest.fixture
def write_sweep(tmp_path):
    """write_sweep(name, **kwargs) -> path of a sweep file for :func:`sweep_toml`."""
    def write(name: str = "tiny", **kwargs) -> Path:
        path = tmp_path / f"{name}.toml"
        path.write_text(sweep_toml(name, **kwargs))
        return path
    return write


# ------------------------------------------------------------------------------------------ Slurm

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SlurmCluster:
    """A running localhost cluster; ``env`` has SLURM_CONF for the client commands."""

    def __init__(self, root: Path, conf: Path, processes: list[subprocess.Popen]):
        self.root, self.conf, self.processes = root, conf, processes
        self.env = {**os.environ, "SLURM_CONF": str(conf)}

    def run(self, *command: str, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run(list(command), check=False, env=self.env, capture_output=True, text=True, timeout=60, **kwargs)

    def wait_for_job(self, job_id: str, timeout: float = 240) -> None:
        """Until no task of ``job_id`` is queued or running."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            queued = self.run("squeue", "-h", "-j", job_id, "-o", "%i %T").stdout.strip()
            if not queued:
                return
            time.sleep(1)
        raise TimeoutError(f"Slurm job {job_id} still queued after {timeout} s: {queued}")

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in reversed(self.processes):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _cannot_start() -> str | None:
    missing = [b for b in ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo") if shutil.which(b) is None]
    if missing:
        return f"Slurm/munge binaries not found: {', '.join(missing)} (apt-get install slurm-wlm munge)"
    if os.geteuid() != 0:
        return "slurmd must run as root to start jobs, and these tests are not root"
    return None


@pytest.fixture(scope="session")
def slurm_cluster():
    """munged on a private socket, slurmctld and slurmd in the foreground (-D) with a private
    slurm.conf; skips with the reason if they cannot start. Daemons are stopped at session end."""
    reason = _cannot_start()
    if reason:
        pytest.skip(reason)
    root = Path(tempfile.mkdtemp(prefix="sei_slurm_"))
    os.chmod(root, 0o755)       # munged wants its socket directory reachable
    munge_dir = root / "munge"
    munge_dir.mkdir(mode=0o700)
    key = munge_dir / "munge.key"
    key.write_bytes(os.urandom(1024))
    key.chmod(0o600)
    for sub in ("state", "spool", "logs"):
        (root / sub).mkdir()
    ctld_port, d_port = _free_port(), _free_port()
    socket_path = munge_dir / "munge.sock"
    conf = root / "slurm.conf"
    conf.write_text(f"""\
ClusterName=seilmptest
SlurmctldHost=localhost
SlurmctldPort={ctld_port}
SlurmdPort={d_port}
AuthType=auth/munge
AuthInfo=socket={socket_path}
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/slurmctld.pid
SlurmdPidFile={root}/slurmd.pid
SlurmctldLogFile={root}/logs/slurmctld.log
SlurmdLogFile={root}/logs/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc={root}/logs/jobcomp.txt
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
ReturnToService=2
SlurmdTimeout=60
InactiveLimit=0
KillWait=5
MinJobAge=600
NodeName=localhost CPUs={os.cpu_count() or 1} RealMemory=1000 State=UNKNOWN
PartitionName=sweeptest Nodes=localhost Default=YES MaxTime=INFINITE State=UP
""")
    processes: list[subprocess.Popen] = []
    cluster = SlurmCluster(root, conf, processes)
    logs = (root / "logs" / "daemons.out").open("ab")
    try:
        for command in (["munged", "-F", "-f", f"--socket={socket_path}", f"--key-file={key}",
                         f"--pid-file={munge_dir}/munged.pid", f"--seed-file={munge_dir}/munged.seed",
                         f"--log-file={root}/logs/munged.log"],
                        ["slurmctld", "-D", "-i", "-f", str(conf)],
                        ["slurmd", "-D", "-N", "localhost", "-f", str(conf)]):
            processes.append(subprocess.Popen(command, env=cluster.env, stdout=logs, stderr=subprocess.STDOUT,
                                              stdin=subprocess.DEVNULL))
            time.sleep(0.5)
        deadline = time.monotonic() + 30
        state = ""
        while time.monotonic() < deadline:
            dead = [p.args[0] for p in processes if p.poll() is not None]
            if dead:
                break
            state = cluster.run("sinfo", "-h", "-o", "%T").stdout.strip()
            if state == "idle":
                break
            time.sleep(0.5)
        if state != "idle":
            cluster.stop()
            text = (root / "logs" / "daemons.out").read_text(errors="replace")[-2000:]
            pytest.skip(f"local Slurm did not come up (node state {state!r}, exited: "
                        f"{[p.args[0] for p in processes if p.poll() is not None]}): {text}")
        yield cluster
    finally:
        cluster.stop()
        logs.close()
