"""`ganlab sweep`: grid expansion, names, worker isolation, skipping and resuming."""

import json

import pytest
from click.testing import CliRunner

from ganlab.cli import build
from ganlab.errors import GanlabError
from ganlab.rundir import RunDir
from ganlab.sweep import parse_seeds, split_values

SMALL = ["--steps", "40", "--set", "train.batch_size=32", "--set", "arch.width=16", "--set", "arch.d_width=16",
         "--set", "log.every=10", "--set", "log.eval_every=20", "--workers", "2"]  # fmt: skip


def invoke(*args):
    return CliRunner().invoke(build(), list(args), catch_exceptions=False)


def test_parse_seeds_and_values():
    assert parse_seeds("0-4") == [0, 1, 2, 3, 4]
    assert parse_seeds("0,3,7") == [0, 3, 7]
    assert parse_seeds("2") == [2]
    for bad in ("a", "1,1", "3-x"):
        with pytest.raises(GanlabError, match="--seeds"):
            parse_seeds(bad)
    assert split_values("1e-3,2e-4") == [0.001, 0.0002]
    assert split_values('["a", "b"]') == [["a", "b"]]


def test_progress_reads_the_last_complete_record(tmp_path):
    from ganlab.sweep import Job, poll_step

    r = Job("x", {}, dir=tmp_path, step=3)
    assert poll_step(r) == 3  # no metrics yet
    lines = [json.dumps({"step": s, "kind": "train", "pad": "x" * 300}) for s in range(10, 400, 10)]
    (tmp_path / "metrics.jsonl").write_text("\n".join(lines) + '\n{"step": 400, "ki')
    assert poll_step(r) == 390


def test_sweep_runs_the_grid_isolates_a_failure_and_skips_finished_runs(tmp_path):
    out = tmp_path / "sweep"
    r = invoke("sweep", "--loss", "minimax,nonsat", "--seeds", "3", *SMALL, "--set", "arch.depth=2,0", "--out", str(out))
    assert r.exit_code == 0, r.output
    names = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert names == sorted(f"loss={l},arch.depth={d},seed=3" for l in ("minimax", "nonsat") for d in (2, 0))
    ok = RunDir(out / "loss=nonsat,arch.depth=2,seed=3").read_summary()
    assert ok["status"] == "completed" and ok["step"] == 40
    assert "4 runs" in r.output and "sweep finished" in r.output
    # depth 0 is valid (a linear G); a width of 0 is not: isolate a failing run
    r2 = invoke("sweep", "--seeds", "0", *SMALL, "--set", "arch.width=16,0", "--out", str(tmp_path / "s2"))
    assert "1 ok, 1 failed" in r2.output
    assert "failed: arch.width=0,seed=0: Error: arch.width must be at least 1, got 0" in r2.output.replace("\n", "")
    assert RunDir(tmp_path / "s2" / "arch.width=16,seed=0").read_summary()["status"] == "completed"
    # the compare table for the sweep ends the output
    assert "groups" in r.output and "minimax" in r.output.split("sweep finished")[-1]
    # re-running skips every finished run
    again = invoke("sweep", "--loss", "minimax,nonsat", "--seeds", "3", *SMALL, "--set", "arch.depth=2,0", "--out", str(out))
    assert again.output.count("skipped") == 4


def test_sweep_resumes_an_interrupted_run(tmp_path):
    out = tmp_path / "sweep"
    invoke("sweep", "--seeds", "0", *SMALL, "--out", str(out))
    run = out / "seed=0"
    summary = json.loads((run / "summary.json").read_text())
    summary["status"] = "interrupted"
    (run / "summary.json").write_text(json.dumps(summary))
    r = invoke("sweep", "--seeds", "0", *SMALL, "--steps", "40", "--out", str(out))
    assert "resumed" in r.output
    assert RunDir(run).read_summary()["status"] == "completed"
    assert "resuming" in (run / "sweep.log").read_text()


def test_sweep_bad_input(tmp_path):
    r = invoke("sweep", "--loss", "minimax,nonsta", "--out", str(tmp_path / "s"))
    assert r.exit_code == 1 and "unknown loss 'nonsta'. Did you mean nonsat?" in r.output
    assert not (tmp_path / "s").exists()


def test_sweep_refuses_a_directory_holding_different_runs_and_extends_steps(tmp_path):
    out = tmp_path / "sweep"
    invoke("sweep", "--seeds", "0", *SMALL, "--out", str(out))
    r = invoke("sweep", "--seeds", "0", *SMALL, "--set", "train.lr_g=0.01", "--out", str(out))
    assert r.exit_code == 1
    assert "holds a run with a different config (train.lr_g); sweep into another --out" in r.output
    longer = [a if a != "40" else "60" for a in SMALL]
    r = invoke("sweep", "--seeds", "0", *longer, "--out", str(out))
    assert "resumed" in r.output
    assert RunDir(out / "seed=0").read_summary()["step"] == 60
