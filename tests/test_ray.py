"""`ganlab sweep --backend ray` on a real Ray cluster started here (`ray start --head`), no mocks:
the same runs as the local backend, a lost worker's run resumed exactly, and bad input refused."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from tests.test_cli_run import invoke

# Beside a second test worker, the test cluster's processes once all exited at once mid-test
# (cause not found; alone they never have): `make test` runs these alone, after the rest.
pytestmark = pytest.mark.cluster

ray = pytest.importorskip("ray", reason="make test installs ray (the [ray] extra)")
RAY = str(Path(sys.executable).with_name("ray"))
SMALL = ["--set", "train.batch_size=64", "--set", "arch.width=16", "--set", "arch.d_width=16", "--set", "log.every=10",
         "--set", "log.eval_every=0"]  # fmt: skip


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    temp = Path("/tmp") / f"ray-ganlab-{os.getpid()}"
    start = subprocess.run([RAY, "start", "--head", f"--port={port}", "--num-cpus=2", "--include-dashboard=false",
                            f"--temp-dir={temp}", "--disable-usage-stats"], capture_output=True, text=True, env=env)  # fmt: skip
    assert start.returncode == 0, start.stdout + start.stderr
    from ray._private.services import get_node_ip_address

    try:
        yield f"{get_node_ip_address()}:{port}"  # the address Ray registers this node under
    finally:
        subprocess.run([RAY, "stop", "--force"], capture_output=True, env=env)
        shutil.rmtree(temp, ignore_errors=True)


def _weights(run):
    return torch.load(run / "checkpoints" / "last.pt", weights_only=True)


def _same(a, b):
    for key in ("generator", "discriminator", "opt_g", "opt_d"):
        x, y = a[key], b[key]
        if key.startswith("opt"):
            x, y = {k: v for st in x["state"].values() for k, v in st.items()}, {k: v for st in y["state"].values() for k, v in st.items()}
        assert all(torch.equal(v, y[k]) for k, v in x.items()), key
    assert torch.equal(a["rng"]["data"], b["rng"]["data"])


def ganlab(*args, **kw):
    """The CLI in its own process, as a user runs it (Ray reads its settings when imported)."""
    return subprocess.run([sys.executable, "-m", "ganlab", *args], capture_output=True, text=True, timeout=300, **kw)


def test_a_sweep_on_a_ray_cluster_equals_the_local_one(cluster, tmp_path, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    args = ["sweep", "--seeds", "0-1", "--steps", "40", *SMALL]
    local = invoke(*args, "--workers", "2", "--out", str(tmp_path / "local"))
    assert local.exit_code == 0, local.output
    remote = ganlab(*args, "--backend", "ray", "--address", cluster, "--out", str(tmp_path / "ray"))
    assert remote.returncode == 0, remote.stdout + remote.stderr
    assert f"on Ray ({cluster})" in remote.stdout and "2 ok, 0 failed" in remote.stdout
    for seed in (0, 1):
        _same(_weights(tmp_path / "local" / f"seed={seed}"), _weights(tmp_path / "ray" / f"seed={seed}"))
    table = json.loads(invoke("compare", str(tmp_path / "ray"), "--json").output)
    assert len(table["groups"]) == 1 and len(table["groups"][0]["runs"]) == 2
    again = ganlab(*args, "--backend", "ray", "--address", cluster, "--out", str(tmp_path / "ray"))
    assert again.stdout.count("skipped") == 2  # the same planner: finished runs are skipped


def _wait(pred, timeout=120):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_lost_worker_s_run_resumes_from_its_checkpoint_exactly(cluster, tmp_path, signum):
    """SIGKILL: the retry resumes from the last periodic checkpoint. SIGTERM (a node drained or
    preempted): the worker first checkpoints the step it is at (there are no periodic ones here)."""
    out, run = tmp_path / "sw", tmp_path / "sw" / "seed=0"
    every, steps = (50, 300) if signum == signal.SIGKILL else (0, 2000)
    args = ["--seeds", "0", "--steps", str(steps), *SMALL, "--set", f"log.checkpoint_every={every}"]
    sweep = subprocess.Popen([sys.executable, "-m", "ganlab", "sweep", *args, "--backend", "ray", "--address", cluster,
                              "--retries", "2", "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    started = run / "checkpoints" / "index.json" if every else run / "metrics.jsonl"
    _wait(lambda: started.exists() and started.stat().st_size > 0)
    owner = json.loads((run / ".lock").read_text())["pid"]  # the Ray worker training the run
    os.kill(owner, signum)
    output, _ = sweep.communicate(timeout=300)
    assert sweep.returncode == 0 and "1 ok, 0 failed" in output, output
    log = (run / "sweep.log").read_text()
    assert log.count("ganlab sweep: attempt on ") == 2, log
    if signum == signal.SIGTERM:
        stopped = int(log.split("stopped by SIGTERM at step ")[1].split(",")[0])
        assert 0 < stopped < steps and f"resuming from the checkpoint of step {stopped}\n" in log, log
    straight = invoke("run", *args[2:], "--out", str(tmp_path / "straight"))
    assert straight.exit_code == 0
    _same(_weights(run), _weights(tmp_path / "straight"))
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records if r["kind"] == "train"] == list(range(10, steps + 1, 10))  # each once: none lost, none twice
    assert [r["step"] for r in records if r["kind"] == "eval"] == [steps]


@pytest.mark.parametrize("args, text", [
    (["--address", "127.0.0.1:1"], "cannot reach a Ray cluster at '127.0.0.1:1'"),
    (["--cpus-per-run", "0"], "--cpus-per-run must be more than 0, got 0"),
    (["--gpus-per-run", "-1"], "--gpus-per-run must be 0 or more"),
    (["--workers", "2"], "--workers is for the local backend"),
])  # fmt: skip
def test_bad_ray_input_is_one_line_and_writes_nothing(tmp_path, args, text):
    r = invoke("sweep", "--seeds", "0", "--steps", "10", "--backend", "ray", *args, "--out", str(tmp_path / "s"))
    assert r.exit_code == 1 and len(r.output.strip().splitlines()) == 1 and text in r.output, r.output
    assert not (tmp_path / "s").exists()


def test_gpus_on_a_cluster_without_them(cluster, tmp_path):
    r = ganlab("sweep", "--seeds", "0", "--steps", "10", "--backend", "ray", "--address", cluster, "--gpus-per-run", "0.25",
               "--out", str(tmp_path / "s"))  # fmt: skip
    assert r.returncode == 1 and r.stderr.strip().splitlines() == [
        f"Error: --gpus-per-run 0.25: the Ray cluster ({cluster}) has 0 GPUs; drop the option, or add GPU nodes"]
    assert not (tmp_path / "s").exists()


def test_without_ray_installed(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    r = invoke("sweep", "--seeds", "0", "--backend", "ray", "--out", str(tmp_path / "s"))
    assert r.exit_code == 1 and r.output.strip() == "Error: --backend ray needs Ray: pip install 'ganlab[ray]'"
    assert not (tmp_path / "s").exists()
    r = invoke("sweep", "--seeds", "0", "--gpus-per-run", "1", "--out", str(tmp_path / "s"))
    assert r.exit_code == 1 and "--gpus-per-run is for --backend ray" in r.output
