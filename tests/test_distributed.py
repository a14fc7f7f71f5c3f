"""Data-parallel training in several processes (gloo on the CPU), against its single-process
equivalent: the same global batch in one process gives the same weights, up to float rounding.

Every multi-process run here is a real one: `ganlab run --nproc 2` (ganlab's launcher) or
`python -m torch.distributed.run` (torchrun) starting `python -m ganlab` twice.
"""

import json
import os
import signal
import subprocess
import sys
import time

import click
from click.testing import CliRunner
import pytest
import torch

from ganlab.engine.distributed import World
from ganlab.launch import command_args

# R1 too: its penalty backpropagates through D's own module, and must still be all-reduced.
ARGS = [
    "--steps", "40", "--batch-size", "64", "--reg", "r1", "--diag", "divergence",
    "--set", "arch.width=32", "--set", "arch.d_width=32", "--set", "log.every=10",
    "--set", "log.eval_every=0", "--set", "log.progress=false",
]  # fmt: skip


def ganlab(*args, check=True):
    out = subprocess.run([sys.executable, "-m", "ganlab", *args], capture_output=True, text=True)
    if check:
        assert out.returncode == 0, out.stdout + out.stderr
    return out


def torchrun(*args):
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", "-m", "ganlab", *args]
    out = subprocess.run(cmd, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def weights(run_dir):
    return torch.load(run_dir / "checkpoints" / "last.pt", weights_only=True)


def assert_same_training(a, b):
    sa, sb = weights(a), weights(b)
    assert sa["step"] == sb["step"]
    for part in ("generator", "discriminator", "opt_g"):
        flat_a = torch.cat([t.flatten().float() for t in _tensors(sa[part])])
        flat_b = torch.cat([t.flatten().float() for t in _tensors(sb[part])])
        torch.testing.assert_close(flat_a, flat_b, atol=1e-5, rtol=1e-4, msg=f"{part} differs")
    assert torch.equal(sa["rng"]["data"], sb["rng"]["data"])  # the same random stream, consumed alike


def _tensors(state):
    if isinstance(state, torch.Tensor):
        return [state]
    if isinstance(state, dict):
        return [t for v in state.values() for t in _tensors(v)]
    if isinstance(state, (list, tuple)):
        return [t for v in state for t in _tensors(v)]
    return []


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    """The documented single-process equivalent: the same command without --nproc."""
    out = tmp_path_factory.mktemp("single") / "run"
    ganlab("run", *ARGS, "--out", str(out))
    return out


def test_two_processes_train_the_run_one_process_trains(single, tmp_path):
    out = tmp_path / "run"
    result = ganlab("run", *ARGS, "--nproc", "2", "--out", str(out))
    assert "completed at step 40/40" in result.stdout
    assert result.stdout.count("completed at step") == 1  # rank 1 prints nothing
    assert_same_training(single, out)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["processes"] == 2 and summary["status"] == "completed"
    # Only rank 0 wrote: each logging point once, the same files as the single run.
    steps = [json.loads(line)["step"] for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert steps == [10, 20, 30, 40]  # each logging point once (no evaluation diagnostics here)
    assert sorted(p.name for p in out.rglob("*")) == sorted(p.name for p in single.rglob("*"))
    # Logged losses are averaged over the ranks: the global batch's, as in one process.
    one = json.loads((single / "summary.json").read_text())["metrics"]
    assert summary["metrics"]["loss_d"] == pytest.approx(one["loss_d"], rel=1e-4)
    assert summary["metrics"]["d_fake"] == pytest.approx(one["d_fake"], rel=1e-4)


def test_two_processes_unroll_and_pack_as_one_process_does(tmp_path):
    # Each rank's look-ahead D gradients are averaged over ranks (differentiably), so the look-ahead
    # is the global batch's; without that, weights differed by 0.05 after 40 steps.
    remedies = ["--set", "train.unroll=2", "--set", "train.pack=2"]
    one, two = tmp_path / "one", tmp_path / "two"
    ganlab("run", *ARGS, *remedies, "--out", str(one))
    ganlab("run", *ARGS, *remedies, "--nproc", "2", "--out", str(two))
    assert_same_training(one, two)


def test_a_checkpoint_from_two_processes_resumes_on_one(single, tmp_path):
    out = tmp_path / "run"
    torchrun("run", *ARGS, "--steps", "20", "--out", str(out))
    ganlab("resume", str(out), "--steps", "40")
    assert_same_training(single, out)


def test_a_checkpoint_from_one_process_resumes_on_two(single, tmp_path):
    out = tmp_path / "run"
    ganlab("run", *ARGS, "--steps", "20", "--out", str(out))
    ganlab("resume", str(out), "--steps", "40", "--nproc", "2")
    assert_same_training(single, out)
    assert json.loads((out / "summary.json").read_text())["processes"] == 2


def test_ctrl_c_stops_every_process_at_the_same_step_and_keeps_a_checkpoint(tmp_path):
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "ganlab", "run", *ARGS, "--steps", "1000000", "--nproc", "2", "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while not (out / "metrics.jsonl").is_file() or not (out / "metrics.jsonl").read_text():
        assert time.monotonic() < deadline and proc.poll() is None, "the run never logged"
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole process group
    output, _ = proc.communicate(timeout=120)
    assert proc.returncode == 130, output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "interrupted"
    assert weights(out)["step"] == summary["step"]
    assert f"interrupted at step {summary['step']}" in output


@pytest.mark.parametrize(
    "args, message",
    [
        (["--nproc", "3", "--batch-size", "64"], "train.batch_size 64 does not split evenly over 3 processes"),
        (["--nproc", "0"], "--nproc must be at least 1, got 0"),
        (["--nproc", "2", "--device", "cuda:1"], "with several processes: use auto, cpu or cuda"),
    ],
)
def test_bad_process_counts_are_one_line_errors_before_anything_starts(tmp_path, args, message):
    out = tmp_path / "run"
    result = ganlab("run", *ARGS[:2], *args, "--out", str(out), check=False)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0]
    assert not out.exists()


def test_each_rank_takes_its_rows_of_the_global_batch():
    rows = [World(r, 4).shard(64) for r in range(4)]
    assert [(s.start, s.stop) for s in rows] == [(0, 16), (16, 32), (32, 48), (48, 64)]
    assert not World().active and World(1, 2).active and not World(1, 2).main


def test_the_launcher_passes_every_option_but_nproc_on():
    @click.command()
    @click.argument("run_dir")
    @click.option("--steps", type=int)
    @click.option("--set", "sets", multiple=True)
    @click.option("--nproc", type=int)
    def resume(run_dir, steps, sets, nproc):
        click.echo(" ".join(command_args(click.get_current_context())))

    result = CliRunner().invoke(resume, ["r", "--nproc", "2", "--set", "a=1", "--set", "b=2", "--steps", "9"])
    assert result.output.strip() == "resume r --steps 9 --set a=1 --set b=2"


def test_every_built_in_image_diagnostic_works_in_two_processes_with_an_evaluation_mid_run(tmp_path):
    """torchmetrics' compute() must not wait for ranks that do not evaluate (it once hung here)."""
    out = tmp_path / "d"
    r = subprocess.run([sys.executable, "-m", "ganlab", "run", "--arch", "dcgan", "--dataset", "stacked-digits", "--nproc", "2",
                        "--steps", "8", "--batch-size", "16", "--set", "arch.width=4", "--set", "data.image_size=16",
                        "--set", "log.every=2", "--set", "log.eval_every=4", "--set", "diag.stacked-modes.samples=300",
                        "--set", "diag.fid.real=200", "--set", "diag.kid.real=200", "--set", "diag.kid.subset_size=100",
                        "--set", "diag.precision-recall.real=200", "--set", "log.progress=false", "--out", str(out)],
                       capture_output=True, text=True, timeout=300)  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["processes"] == 2
    assert set(summary["verdicts"]) == {"divergence", "equilibrium", "gradients", "fid", "kid", "precision-recall", "stacked-modes"}
    evals = [json.loads(line)["step"] for line in (out / "metrics.jsonl").read_text().splitlines() if '"eval"' in line]
    assert evals == [4, 8]


def test_two_machines_meet_at_a_rendezvous(tmp_path):
    """Two launchers, each one process (two 'machines' on this one), train one run together."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "ganlab", "run", *ARGS, "--nproc", "1", "--nnodes", "2", "--rdzv-endpoint", f"127.0.0.1:{port}",
           "--out", str(tmp_path / "two")]  # fmt: skip
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert json.loads((tmp_path / "two" / "summary.json").read_text())["processes"] == 2
    ganlab("run", *ARGS, "--out", str(tmp_path / "one"))
    assert_same_training(tmp_path / "one", tmp_path / "two")


def test_a_killed_worker_is_restarted_from_the_last_checkpoint(tmp_path):
    out, straight = tmp_path / "r", tmp_path / "straight"
    args = [*[a if a != "40" else "400" for a in ARGS], "--set", "log.checkpoint_every=100"]
    proc = subprocess.Popen([sys.executable, "-m", "ganlab", "run", *args, "--nproc", "2", "--max-restarts", "1", "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    deadline = time.time() + 240
    while not (out / "checkpoints" / "index.json").exists() and time.time() < deadline:
        time.sleep(0.05)
    os.kill(json.loads((out / ".lock").read_text())["pid"], signal.SIGKILL)  # rank 0, the run's owner
    try:
        output = proc.communicate(timeout=300)[0]
    finally:
        proc.kill()  # never leave a process group behind when the test fails
    assert proc.returncode == 0, output
    assert json.loads((out / "summary.json").read_text())["status"] == "completed"
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records if r["kind"] == "train"] == list(range(10, 401, 10))
    ganlab("run", *args, "--nproc", "2", "--out", str(straight))
    assert_same_training(straight, out)


@pytest.mark.parametrize("args, text", [
    (["--nnodes", "2", "--out", "x"], "--nnodes above 1 needs --rdzv-endpoint HOST:PORT"),
    (["--nnodes", "two", "--out", "x"], "--nnodes 'two': a number of machines, like 2, or a range like 1:4"),
    (["--nnodes", "2", "--rdzv-endpoint", "h:1"], "--nnodes and --max-restarts need --out"),
    (["--nproc", "2", "--max-restarts", "-1", "--out", "x"], "--max-restarts must be 0 or more, got -1"),
])  # fmt: skip
def test_bad_launcher_input_is_one_line(tmp_path, args, text):
    r = subprocess.run([sys.executable, "-m", "ganlab", "run", *ARGS, *args], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 1 and r.stderr.strip().splitlines() == [f"Error: {r.stderr.strip()[7:]}"] and text in r.stderr
    assert not (tmp_path / "x").exists()
