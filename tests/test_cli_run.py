"""`ganlab run` and `ganlab resume` as a user sees them: output, files, statuses, exit codes."""

import json
import os
import signal

import pytest
import torch
from click.testing import CliRunner

import ganlab
from ganlab.cli import build

FAST = [
    "--steps", "60", "--batch-size", "64",
    "--set", "arch.width=32", "--set", "arch.d_width=32", "--set", "arch.depth=2", "--set", "arch.d_depth=2",
    "--set", "log.every=10", "--set", "log.eval_every=30", "--set", "log.checkpoint_every=0",
    "--set", "log.progress=false",
]  # fmt: skip


def invoke(*args):
    return CliRunner().invoke(build(), list(args), catch_exceptions=False)


def records(run_dir):
    return [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]


def test_run_writes_a_complete_run_directory(tmp_path):
    out = tmp_path / "r"
    result = invoke("run", *FAST, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "completed at step 60/60" in result.output
    assert "D(G(z))" in result.output and "mode-coverage" in result.output
    cfg = ganlab.load_config(out / "config.toml")
    assert cfg.train.steps == 60 and cfg.arch.options["width"] == 32
    recs = records(out)
    train = [r for r in recs if r["kind"] == "train"]
    evals = [r for r in recs if r["kind"] == "eval"]
    assert [r["step"] for r in train] == [10, 20, 30, 40, 50, 60]
    assert [r["step"] for r in evals] == [30, 60]
    assert {"loss_d", "loss_g", "d_real", "d_fake", "grad_norm_g", "grad_norm_d"} <= set(train[0])
    assert 0 < train[-1]["d_real"] < 1 and 0 < train[-1]["d_fake"] < 1
    assert evals[-1]["mode-coverage/samples"] == 2500
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["step"] == 60
    assert summary["steps_per_second"] > 0
    assert summary["metrics"]["loss_d"] == train[-1]["loss_d"]
    assert set(summary["verdicts"]) == {"divergence", "equilibrium", "gradients", "mode-coverage"}
    assert summary["best"]["mode-coverage/modes"]["step"] in (30, 60)
    state = torch.load(out / "checkpoints" / "last.pt", weights_only=True)
    assert state["step"] == 60


def test_run_without_out_makes_a_directory_under_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert invoke("run", *FAST, "--name", "first").exit_code == 0
    assert (tmp_path / "runs" / "first" / "summary.json").is_file()
    assert invoke("run", *FAST, "--seed", "4").exit_code == 0
    made = sorted(p.name for p in (tmp_path / "runs").iterdir())
    assert len(made) == 2 and made[1].startswith("mlp-nonsat-ring8-s4-")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--arch", "mpl"], "Error: unknown architecture 'mpl'. Did you mean mlp? Known: dcgan, mlp (`ganlab list archs` describes them)."),
        (["--loss", "nonsta"], "Did you mean nonsat?"),
        (["--dataset", "ring9"], "unknown dataset 'ring9'. Did you mean ring8?"),
        (["--set", "train.stpes=3"], "Error: unknown config key 'train.stpes'. Did you mean train.steps?"),
        (["--set", "train.d_steps=big"], "config key 'train.d_steps' must be an integer, got 'big'"),
        (["--device", "tpu"], "unknown device 'tpu'"),
        (["--config", "nope.toml"], "config file 'nope.toml' does not exist"),
        (["--dataset", "points"], "dataset 'points' needs a file: --set data.path=points.npy"),
        (["--dataset", "points", "--diag", "mode-coverage", "--set", "data.path=x.npy"], "diagnostic 'mode-coverage' does not apply to dataset 'points'"),
        (["--diag", "nope"], "unknown diagnostic 'nope'"),
        (["--name", "a/b"], "--name 'a/b' must be a plain directory name"),
        (["--set", "arch.d_maxout=1"], "arch.d_maxout must be 0 (LeakyReLU) or 2 or more pieces, got 1"),
        (["--set", "arch.minibatch_std=true", "--set", "arch.minibatch_std_group=1"],
         "arch.minibatch_std_group must be 0 (the whole batch) or 2 or more samples, got 1"),
        (["--set", "train.pack=3"], "train.batch_size 64 does not divide into packs of train.pack = 3; use a multiple of 3"),
        (["--set", "train.unroll=-1"], "config key 'train.unroll' must be 0 (no unrolling) to 100, got -1"),
        (["--set", "train.unroll=1000000"], "must be 0 (no unrolling) to 100, got 1000000: every look-ahead step stays in memory"),
        (["--loss", "wgan-gp", "--set", "loss.gp_lambda=-1"], "loss.gp_lambda must be >= 0 (the paper's is 10), got -1"),
        (["--loss", "wgan", "--set", "loss.clip=0"], "loss.clip must be positive (the paper's is 0.01), got 0"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = invoke("run", *FAST, *args)
    assert result.exit_code == 1
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_out_holding_a_run_is_refused_and_left_intact(tmp_path):
    out = tmp_path / "r"
    invoke("run", *FAST, "--out", str(out))
    before = (out / "summary.json").read_text()
    result = invoke("run", *FAST, "--out", str(out))
    assert result.exit_code == 1
    assert "already holds a run; `ganlab resume" in result.output
    assert (out / "summary.json").read_text() == before


def test_cuda_on_a_machine_without_one(tmp_path):
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    result = invoke("run", *FAST, "--device", "cuda", "--out", str(tmp_path / "r"))
    assert result.exit_code == 1
    assert "this machine has no CUDA GPU; use --device cpu" in result.output


def _states_equal(a, b):
    sa = torch.load(a / "checkpoints" / "last.pt", weights_only=True)
    sb = torch.load(b / "checkpoints" / "last.pt", weights_only=True)
    assert sa["step"] == sb["step"]
    assert ("generator_ema" in sa) == ("generator_ema" in sb)
    for key in ("generator", "discriminator", "generator_ema"):
        for name, t in sa.get(key, {}).items():
            assert torch.equal(t, sb[key][name]), f"{key}.{name} differs"
    for key in ("opt_g", "opt_d"):
        for pid, st in sa[key]["state"].items():
            for name, t in st.items():
                assert torch.equal(t, sb[key]["state"][pid][name])
    assert torch.equal(sa["rng"]["data"], sb["rng"]["data"])


REMEDIES = ["--set", "train.pack=2", "--set", "train.unroll=2", "--set", "arch.minibatch_std=true", "--set", "train.ema=0.9"]


@pytest.mark.parametrize("extra", [[], REMEDIES], ids=["plain", "pack-unroll-mbstd-ema"])
def test_resume_is_bit_identical_to_a_straight_run(tmp_path, extra):
    straight, split = tmp_path / "straight", tmp_path / "split"
    assert invoke("run", *FAST, *extra, "--out", str(straight)).exit_code == 0
    assert invoke("run", *FAST, *extra, "--steps", "30", "--out", str(split)).exit_code == 0
    result = invoke("resume", str(split), "--steps", "60")
    assert result.exit_code == 0, result.output
    assert "resuming" in result.output and "completed at step 60/60" in result.output
    _states_equal(straight, split)
    a = [r for r in records(straight) if r["kind"] == "train"]
    b = [r for r in records(split) if r["kind"] == "train"]
    drop = {"steps_per_second"}
    assert [{k: v for k, v in r.items() if k not in drop} for r in a] == [
        {k: v for k, v in r.items() if k not in drop} for r in b
    ]


class Interrupter:
    """Sends the process a Ctrl-C (SIGINT) at one logging step."""

    def __init__(self, at):
        self.at = at

    @ganlab.hookimpl
    def on_log(self, step):
        if step == self.at:
            os.kill(os.getpid(), signal.SIGINT)


def test_ctrl_c_saves_checkpoint_and_summary_then_resumes(tmp_path, ganlab_plugin):
    out, straight = tmp_path / "r", tmp_path / "straight"
    ganlab_plugin(Interrupter(20), "interrupter")
    result = invoke("run", *FAST, "--out", str(out))
    assert result.exit_code == 130
    assert f"interrupted at step 20; `ganlab resume {out}` continues it" in result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "interrupted" and summary["step"] == 20
    assert torch.load(out / "checkpoints" / "last.pt", weights_only=True)["step"] == 20
    get = ganlab.manager.get_manager()
    get.remove_plugin("interrupter")
    assert invoke("resume", str(out)).exit_code == 0
    assert json.loads((out / "summary.json").read_text())["status"] == "completed"
    assert invoke("run", *FAST, "--out", str(straight)).exit_code == 0
    _states_equal(straight, out)


def test_resume_drops_metrics_written_after_the_checkpoint(tmp_path):
    out = tmp_path / "r"
    invoke("run", *FAST, "--set", "log.checkpoint_every=20", "--out", str(out))
    # pretend the process died after step 60 was logged but the checkpoint holds step 40
    state = torch.load(out / "checkpoints" / "last.pt", weights_only=True)
    ck = out / "checkpoints"
    invoke("run", *FAST, "--steps", "40", "--out", str(tmp_path / "r40"))
    (ck / "last.pt").write_bytes((tmp_path / "r40" / "checkpoints" / "last.pt").read_bytes())
    with (out / "metrics.jsonl").open("a") as f:
        f.write('{"step": 70, "kind": "tr')  # a line cut short
    assert state["step"] == 60
    assert invoke("resume", str(out)).exit_code == 0
    steps = [r["step"] for r in records(out) if r["kind"] == "train"]
    assert steps == [10, 20, 30, 40, 50, 60]


def test_divergence_ends_the_run_with_a_status(tmp_path, ganlab_plugin):
    from tests.plugins import components

    ganlab_plugin(components, "test-components")
    out = tmp_path / "r"
    result = invoke("run", "--arch", "tiny", "--loss", "blowup", "--dataset", "line", "--steps", "100",
                    "--set", "log.every=10", "--set", "log.progress=false", "--out", str(out))  # fmt: skip
    assert result.exit_code == 1
    assert "Error: run diverged at step 30: non-finite loss or gradient at step 30" in result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "diverged" and summary["diverged_at_step"] == 30
    assert "diverged" in result.output


class Exploding:
    @ganlab.hookimpl
    def on_log(self, step):
        if step == 20:
            raise MemoryError("out of memory in a plugin")


def test_unexpected_error_becomes_failed_status(tmp_path, ganlab_plugin):
    ganlab_plugin(Exploding(), "exploding")
    out = tmp_path / "r"
    result = invoke("run", *FAST, "--out", str(out))
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == (
        f"Error: run failed at step 20: MemoryError: out of memory in a plugin (traceback in {out / 'error.log'})"
    )
    assert json.loads((out / "summary.json").read_text())["status"] == "failed"
    assert "MemoryError" in (out / "error.log").read_text()


def test_resume_errors(tmp_path):
    assert "is not a run directory" in invoke("resume", str(tmp_path)).output
    out = tmp_path / "r"
    invoke("run", *FAST, "--out", str(out))
    assert "--steps 10 is before the checkpoint's step 60" in invoke("resume", str(out), "--steps", "10").output
    (out / "checkpoints" / "last.pt").write_bytes(b"garbage")
    result = invoke("resume", str(out))
    assert result.exit_code == 1 and "cannot be read" in result.output


def test_tensorboard_asked_for_but_missing(tmp_path):
    try:
        import tensorboard  # noqa: F401

        pytest.skip("tensorboard is installed here")
    except ImportError:
        pass
    out = tmp_path / "r"
    result = invoke("run", *FAST, "--set", "log.tensorboard=true", "--out", str(out))
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == (
        "Error: log.tensorboard=true needs the tensorboard package: pip install 'ganlab[tensorboard]'"
    )
    assert not out.exists()  # refused before training: nothing left behind


def test_summary_times_training_and_evaluation_apart(tmp_path):
    out = tmp_path / "r"
    invoke("run", *FAST, "--out", str(out))
    s = json.loads((out / "summary.json").read_text())
    assert s["train_seconds"] > 0 and s["eval_seconds"] > 0
    assert s["steps_per_second"] == pytest.approx(60 / s["train_seconds"], rel=0.05)
