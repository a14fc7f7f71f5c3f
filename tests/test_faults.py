"""Nothing lost, nothing mixed, nothing run that the user did not ask for: the hostile cases.

Each test is one case of the fault probe (issue #14); the guarantees they check are the ones
docs/run-directory.md states."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

import ganlab
from tests.conftest import ROOT
from tests.test_cli_run import FAST, invoke


def one_line_error(result, text):
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and text in lines[0], result.output


# -- data loss and mixing ------------------------------------------------------------------


def test_sweep_never_removes_what_it_did_not_write(tmp_path):
    notes = tmp_path / "sw" / "seed=0" / "my_analysis" / "NOTES.txt"
    notes.parent.mkdir(parents=True)
    notes.write_text("notes")
    r = invoke("sweep", "--seeds", "0", "--steps", "30", "--set", "train.batch_size=32", "--set", "log.every=10",
               "--workers", "1", "--out", str(tmp_path / "sw"))  # fmt: skip
    assert r.exit_code == 0, r.output
    assert notes.read_text() == "notes"
    assert json.loads((notes.parent.parent / "summary.json").read_text())["status"] == "completed"


def _cli(*args, cwd=None, env=None):
    return subprocess.Popen([sys.executable, "-m", "ganlab", *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env={**os.environ, "OMP_NUM_THREADS": "1", **(env or {})})  # fmt: skip


def _wait_for(path, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        if path.exists() and path.stat().st_size > 0:
            return
        time.sleep(0.05)
    raise AssertionError(f"{path} never appeared")


def test_a_run_directory_has_one_owner(tmp_path):
    run = tmp_path / "c"
    first = _cli("run", "--steps", "3000", "--seed", "1", "--set", "log.progress=false", "--out", str(run))
    try:
        _wait_for(run / "metrics.jsonl")
        for args in (["run", "--steps", "600", "--seed", "2", "--out", str(run)], ["resume", str(run)]):
            second = invoke(*args)
            one_line_error(second, f"{str(run)!r} is in use by process {first.pid} on ")
            assert "(ganlab run, since " in second.output
    finally:
        first.send_signal(signal.SIGINT)
        first.wait(60)
    assert json.loads((run / "summary.json").read_text())["seed"] == 1
    steps = [json.loads(line)["step"] for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert steps == sorted(steps) and len(steps) == len(set((s, i) for i, s in enumerate(steps)))


def test_two_sweeps_into_one_directory_are_refused(tmp_path):
    from ganlab.rundir.lock import RunLock

    (tmp_path / "sw").mkdir()
    with RunLock(tmp_path / "sw" / ".sweep.lock", "ganlab sweep"):
        one_line_error(invoke("sweep", "--seeds", "0", "--steps", "10", "--out", str(tmp_path / "sw")),
                       f"{str(tmp_path / 'sw')!r} is in use by process {os.getpid()} on ")  # fmt: skip
    assert not (tmp_path / "sw" / "seed=0").exists()


def test_a_killed_owner_leaves_no_stuck_lock(tmp_path):
    run = tmp_path / "k"
    proc = _cli("run", "--steps", "5000", "--set", "log.progress=false", "--set", "log.checkpoint_every=100", "--out", str(run))
    _wait_for(run / "checkpoints" / "last.pt")
    proc.kill()  # kill -9: no cleanup at all
    proc.wait()
    r = invoke("resume", str(run), "--steps", "300")
    assert r.exit_code == 0, r.output
    assert json.loads((run / "summary.json").read_text())["status"] == "completed"


def test_resume_refuses_a_config_that_does_not_match_its_checkpoint(tmp_path):
    run = tmp_path / "r"
    invoke("run", *FAST, "--steps", "20", "--out", str(run))
    ckpt = (run / "checkpoints" / "last.pt").read_bytes()
    metrics = (run / "metrics.jsonl").read_text()
    (run / "config.toml").write_text("")  # emptied: it would train the defaults
    r = invoke("resume", str(run), "--steps", "40")
    one_line_error(r, "config.toml' does not match the run's checkpoint (arch.d_depth: 3 in config.toml, 2 in the checkpoint")
    assert (run / "checkpoints" / "last.pt").read_bytes() == ckpt and (run / "metrics.jsonl").read_text() == metrics
    assert (run / "config.toml").read_text() == ""  # nothing rewritten


def test_resume_writes_only_inside_the_run_directory(tmp_path):
    run, outside = tmp_path / "r", tmp_path / "elsewhere"
    invoke("run", *FAST, "--steps", "20", "--out", str(run))
    outside.mkdir()
    for name in ("metrics.jsonl", "config.toml"):
        (outside / name).write_text((run / name).read_text())
        (run / name).unlink()
        (run / name).symlink_to(outside / name)
    before = {n: (outside / n).read_text() for n in ("metrics.jsonl", "config.toml")}
    r = invoke("resume", str(run), "--steps", "40")
    one_line_error(r, "is a symbolic link; ganlab writes only inside the run directory")
    assert {n: (outside / n).read_text() for n in before} == before


def test_resuming_a_finished_run_changes_nothing(tmp_path):
    run = tmp_path / "r"
    invoke("run", *FAST, "--out", str(run))
    files = {p: p.read_bytes() for p in run.rglob("*") if p.is_file() and p.name != ".lock"}
    for _ in range(2):
        r = invoke("resume", str(run))
        assert r.exit_code == 0 and "already complete at step 60/60; nothing to do" in r.output
    assert {p: p.read_bytes() for p in files} == files


def test_temporary_files_of_a_killed_write_are_cleaned(tmp_path):
    run = tmp_path / "r"
    invoke("run", *FAST, "--steps", "20", "--out", str(run))
    stale = run / "checkpoints" / ".last.pt.abcd1234.tmp"
    stale.write_bytes(b"x" * 1000)  # what a kill -9 during a checkpoint write leaves
    assert invoke("resume", str(run), "--steps", "40").exit_code == 0
    assert not stale.exists() and not list(run.rglob("*.tmp"))


class Interrupter:
    """Sends Ctrl-C (SIGINT), or another signal, at one logging step, ``times`` times in a row."""

    def __init__(self, at, times=1, signum=signal.SIGINT):
        self.at, self.times, self.signum = at, times, signum

    @ganlab.hookimpl
    def on_log(self, step):
        if step == self.at:
            for _ in range(self.times):
                os.kill(os.getpid(), self.signum)
                time.sleep(0.05)


def test_sigterm_stops_at_the_step_with_a_checkpoint_and_resumes_exactly(tmp_path, ganlab_plugin):
    """kill, scancel and a pod's stop send SIGTERM before they kill: the run stops as on the first
    Ctrl-C, and a second SIGTERM does not make it drop the step's checkpoint."""
    run, straight = tmp_path / "r", tmp_path / "s"
    ganlab_plugin(Interrupter(30, times=2, signum=signal.SIGTERM), "interrupter")
    r = invoke("run", *FAST, "--out", str(run))
    assert r.exit_code == 143 and "interrupted by SIGTERM at step 30; `ganlab resume" in r.output, r.output
    summary = json.loads((run / "summary.json").read_text())
    assert (summary["status"], summary["step"], summary["checkpoint_step"], summary["stopped_by"]) == ("interrupted", 30, 30, "SIGTERM")
    ganlab.manager.get_manager().remove_plugin("interrupter")
    assert invoke("resume", str(run)).exit_code == 0
    assert invoke("run", *FAST, "--out", str(straight)).exit_code == 0
    a, b = (torch.load(d / "checkpoints" / "last.pt", weights_only=True) for d in (run, straight))
    assert all(torch.equal(v, b["generator"][k]) for k, v in a["generator"].items())


def test_only_a_second_ctrl_c_stops_at_once_whatever_came_before():
    """A sweep's run gets the terminal's Ctrl-C and the sweep's SIGTERM in either order: neither
    order may turn into the abrupt stop that a second Ctrl-C asks for."""
    from ganlab.engine.stopping import stop_on_signals

    for first, then in ((signal.SIGTERM, signal.SIGINT), (signal.SIGINT, signal.SIGTERM)):
        with stop_on_signals() as stop:
            os.kill(os.getpid(), first)
            os.kill(os.getpid(), then)
            time.sleep(0.01)
            assert stop.requested and stop.signal == "SIGTERM"
            with pytest.raises(KeyboardInterrupt):
                os.kill(os.getpid(), signal.SIGINT)  # a second Ctrl-C
                time.sleep(0.01)


def test_sigterm_under_the_python_api_ends_the_script_once_the_run_is_saved(tmp_path, ganlab_plugin):
    from tests.conftest import quick

    ganlab_plugin(Interrupter(30, signum=signal.SIGTERM), "interrupter")
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(SystemExit) as info:  # ganlab.Terminated: a script ends as asked, status 143
        ganlab.train(quick(), out=tmp_path / "r")
    assert info.value.code == 143 and isinstance(info.value, ganlab.Terminated)
    assert info.value.run.summary["checkpoint_step"] == 30
    assert json.loads((tmp_path / "r" / "summary.json").read_text())["stopped_by"] == "SIGTERM"
    assert signal.getsignal(signal.SIGTERM) is before  # ganlab's handler is gone again


@pytest.mark.parametrize("how", ["SIGTERM to the sweep", "Ctrl-C to the terminal's process group"])
def test_a_stopped_sweep_stops_every_run_at_its_step_with_a_checkpoint(tmp_path, how):
    out = tmp_path / "sw"
    proc = subprocess.Popen([sys.executable, "-m", "ganlab", "sweep", "--seeds", "0-1", "--workers", "2", "--steps", "100000",
                             "--set", "train.batch_size=64", "--set", "log.every=10", "--set", "log.checkpoint_every=0",
                             "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "OMP_NUM_THREADS": "1"}, start_new_session=True)  # fmt: skip
    try:
        for seed in (0, 1):
            _wait_for(out / f"seed={seed}" / "metrics.jsonl", timeout=120)
        if how.startswith("SIGTERM"):
            proc.send_signal(signal.SIGTERM)
            time.sleep(0.5)
            proc.send_signal(signal.SIGTERM)  # a second one, while the runs stop, changes nothing
        else:
            os.killpg(proc.pid, signal.SIGINT)  # the runs get this Ctrl-C too, then the sweep's own stop
        output, _ = proc.communicate(timeout=120)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the sweep and any run it left behind (their process group)
        except ProcessLookupError:
            pass
    assert proc.returncode == (143 if how.startswith("SIGTERM") else 130), output
    for seed in (0, 1):
        summary = json.loads((out / f"seed={seed}" / "summary.json").read_text())
        assert summary["status"] == "interrupted" and summary["checkpoint_step"] == summary["step"] > 0, summary


def test_two_quick_ctrl_c_still_leave_a_summary_and_a_way_on(tmp_path, ganlab_plugin):
    run = tmp_path / "r"
    ganlab_plugin(Interrupter(30, times=2), "interrupter")
    r = invoke("run", *FAST, "--set", "log.checkpoint_every=20", "--out", str(run))
    assert r.exit_code == 130 and "Aborted" not in r.output
    summary = json.loads((run / "summary.json").read_text())
    assert summary["status"] == "interrupted" and summary["step"] == 30 and summary["checkpoint_step"] == 20
    ganlab.manager.get_manager().remove_plugin("interrupter")
    assert invoke("resume", str(run)).exit_code == 0
    steps = [json.loads(line)["step"] for line in (run / "metrics.jsonl").read_text().splitlines() if '"train"' in line]
    assert steps == [10, 20, 30, 40, 50, 60]  # the step-30 record the checkpoint did not hold was dropped


def test_a_run_killed_before_its_first_checkpoint_can_continue(tmp_path):
    run = tmp_path / "r"
    invoke("run", *FAST, "--steps", "20", "--out", str(run))
    for p in (run / "checkpoints").iterdir():
        p.unlink()  # as if killed before the first checkpoint
    (run / "summary.json").unlink()
    (run / "my-notes.txt").write_text("mine")
    assert "already holds a run; `ganlab resume" in invoke("run", *FAST, "--out", str(run)).output
    r = invoke("resume", str(run), "--steps", "40")
    assert r.exit_code == 0, r.output
    assert json.loads((run / "summary.json").read_text())["step"] == 40
    assert (run / "my-notes.txt").read_text() == "mine"


def test_periodic_checkpoints_count_their_training_time(tmp_path):
    run = tmp_path / "r"
    invoke("run", *FAST, "--steps", "300", "--set", "log.checkpoint_every=150", "--set", "log.keep=2", "--out", str(run))
    mid = torch.load(run / "checkpoints" / "step-000150.pt", weights_only=True)
    end = json.loads((run / "summary.json").read_text())["train_seconds"]
    assert 0.15 * end < mid["train_seconds"] < end  # it counts the steps before it (not 0, the session's start)


# -- code that runs because a file said so ---------------------------------------------------


def test_a_config_cannot_name_code_to_import(tmp_path):
    marker = tmp_path / "made-by-mkdtemp"
    r = invoke("run", "--arch", "dcgan", "--steps", "2", "--set", "diag.fid.features=tempfile:mkdtemp",
               "--set", f"diag.fid.weights={marker}", "--out", str(tmp_path / "r"))  # fmt: skip
    one_line_error(r, "unknown extractor 'tempfile:mkdtemp'")
    assert not (tmp_path / "r").exists()


def test_sweep_workers_never_import_from_the_current_directory(tmp_path):
    (tmp_path / "tomllib.py").write_text("raise SystemExit('imported a stray tomllib.py')\n")
    (tmp_path / "ganlab.py").write_text("raise SystemExit('imported a stray ganlab.py')\n")
    out = subprocess.run([str(ROOT / ".venv" / "bin" / "ganlab") if (ROOT / ".venv" / "bin" / "ganlab").exists() else "ganlab",
                          "sweep", "--seeds", "0", "--steps", "20", "--set", "log.every=10", "--out", "sw"],
                         cwd=tmp_path, capture_output=True, text=True)  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    assert json.loads((tmp_path / "sw" / "seed=0" / "summary.json").read_text())["status"] == "completed"


HOSTILE = "<script>alert(1)</script>"


class Pickled:
    """A Python object a checkpoint must never make ganlab unpickle."""


def test_the_html_report_escapes_everything_from_a_run_directory(tmp_path):
    from tests.test_compare import make_run

    root = tmp_path / "runs"
    run = make_run(root, f"x{HOSTILE}", seed=0)
    cfg = (run / "config.toml").read_text().replace("seed = 0", f'seed = "{HOSTILE}"').replace('name = "nonsat"', f'name = "{HOSTILE}"')
    (run / "config.toml").write_text(cfg)
    summary = json.loads((run / "summary.json").read_text())
    summary["verdicts"] = {HOSTILE: {"level": HOSTILE, "reason": HOSTILE}}
    summary["best"] = {f"{HOSTILE}/x": {"value": 1.0, "step": 1, "better": "lower"}}
    (run / "summary.json").write_text(json.dumps(summary))
    (run / "samples").mkdir()
    from PIL import Image

    Image.new("RGB", (8, 8)).save(run / "samples" / "final.png")
    r = invoke("compare", str(root), "--report", str(tmp_path / "report"))
    assert r.exit_code == 0, r.output
    page = (tmp_path / "report" / "index.html").read_text()
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# -- tracebacks where a line belongs ---------------------------------------------------------


@pytest.mark.parametrize("args, text", [
    (["--out", "/proc/x"], "cannot make directory '/proc/x'"),
    (["--seed", "18446744073709551616"], "config key 'seed' must be an integer from 0 to 2**62 - 1"),
    (["--set", "data.std=inf"], "config key 'data.std' must be a finite number, got inf"),
    (["--set", "data.radius=nan"], "config key 'data.radius' must be a finite number, got nan"),
    (["--set", "diag.mode-coverage.share=0"], "diag.mode-coverage.share must be in (0, 1]"),
])  # fmt: skip
def test_bad_input_is_one_line(tmp_path, args, text):
    one_line_error(invoke("run", *FAST, *args), text)


def test_bad_out_directories_and_config_files_are_one_line(tmp_path):
    (tmp_path / "afile").write_text("x")
    one_line_error(invoke("run", *FAST, "--out", str(tmp_path / "afile" / "sub")), "cannot make directory")
    r = invoke("run", *FAST, "--out", str(tmp_path / "afile"))
    assert r.exit_code == 2 and len(r.output.strip().splitlines()) == 1 and "is a file" in r.output  # click's own check
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(b"[train]\nsteps = 5 # caf\xe9\n")
    one_line_error(invoke("run", "--config", str(bad)), "is not valid TOML: it is not UTF-8 text")
    list_train = tmp_path / "list.toml"
    list_train.write_text("train = [1, 2]\n")
    one_line_error(invoke("run", "--config", str(list_train), "--steps", "5"), "config key 'train' must be a table")
    assert invoke("run", *FAST, "--steps", "10", "--config", "/dev/null", "--out", str(tmp_path / "devnull")).exit_code == 0
    one_line_error(invoke("run", "--config", str(ROOT / "configs" / "grid25-goal.toml"), "--out", str(tmp_path / "g")), "it is a sweep preset, for `ganlab sweep")
    assert not (tmp_path / "g").exists()


def test_checkpoints_that_do_not_fit_are_one_line(tmp_path):
    run, wide = tmp_path / "r", tmp_path / "w"
    invoke("run", *FAST, "--steps", "20", "--out", str(run))
    invoke("run", *FAST, "--steps", "20", "--set", "arch.width=48", "--out", str(wide))
    ckpt = run / "checkpoints" / "last.pt"
    good = ckpt.read_bytes()
    ckpt.write_bytes((wide / "checkpoints" / "last.pt").read_bytes())
    one_line_error(invoke("resume", str(run), "--steps", "40"), "does not match the run's checkpoint (arch.width: 32 in config.toml, 48 in")
    one_line_error(invoke("sample", str(run), "--out", str(tmp_path / "s.npy")), "does not fit this run's generator (another architecture or width?)")
    torch.save([1, 2], ckpt)
    one_line_error(invoke("resume", str(run), "--steps", "40"), "is not a ganlab checkpoint (it holds a list, not a dictionary)")
    state = torch.load(tmp_path / "w" / "checkpoints" / "last.pt", weights_only=True)
    del state["opt_d"]
    torch.save(state, ckpt)
    one_line_error(invoke("resume", str(run), "--steps", "40"), "is not a ganlab checkpoint: it lacks opt_d")

    torch.save({"step": 1, "x": Pickled()}, ckpt)
    one_line_error(invoke("sample", str(run), "--out", str(tmp_path / "s.npy")), "never unpickles code")
    ckpt.write_bytes(good)


def test_sample_and_report_outputs_that_cannot_be_written_are_one_line(tmp_path):
    run = tmp_path / "r"
    invoke("run", *FAST, "--steps", "20", "--out", str(run))
    one_line_error(invoke("sample", str(run), "--out", "/proc/x.png"), "cannot write '/proc/x.png'")
    one_line_error(invoke("sample", str(run), "--seed", str(2**64), "--out", str(tmp_path / "s.npy")), "--seed must be from 0 to 2**63 - 1")
    one_line_error(invoke("compare", str(run), "--report", "/proc/x"), "cannot write the report into '/proc/x'")


@pytest.mark.parametrize("summary, reason", [
    ([1, 2], "summary.json: not a JSON object"),
    ({"status": ["completed"], "step": 1}, "'status' is not one of completed"),
    ({"status": "completed", "step": 1, "metrics": []}, "'metrics' is not a table"),
    ({"status": "completed", "step": 1, "best": 3}, "'best' is not a table"),
    ({"status": "completed", "step": "abc"}, "'step' is not a step count"),
])  # fmt: skip
def test_compare_lists_malformed_summaries_as_skipped(tmp_path, summary, reason):
    from tests.test_compare import make_run

    good = make_run(tmp_path / "runs", "good", seed=0)
    bad = make_run(tmp_path / "runs", "bad", seed=1)
    (bad / "summary.json").write_text(json.dumps(summary))
    with (good / "metrics.jsonl").open("a") as f:
        f.write('[1, 2]\n{"step": "abc", "kind": "train"}\n{"kind": "train"}\n')
    r = invoke("compare", str(tmp_path / "runs"))
    assert r.exit_code == 0 and reason in r.output.replace("\n", " ")
    assert "3 malformed or truncated line(s) skipped" in r.output.replace("\n", " ")


def test_a_checkpoint_is_never_written_with_non_finite_weights(tmp_path, ganlab_plugin):
    from tests.plugins import components

    ganlab_plugin(components, "test-components")
    run = tmp_path / "r"
    r = invoke("run", "--arch", "tiny", "--loss", "blowup", "--dataset", "line", "--steps", "100", "--set", "loss.at=35",
               "--set", "log.every=25", "--set", "log.checkpoint_every=10", "--set", "log.progress=false", "--out", str(run))  # fmt: skip
    assert r.exit_code == 1
    summary = json.loads((run / "summary.json").read_text())
    # the weights went NaN at step 36; no logging point until 50, but the checkpoint at 40 found it
    assert summary["status"] == "diverged" and summary["diverged_at_step"] == 40 and summary["checkpoint_step"] == 30
    state = torch.load(run / "checkpoints" / "last.pt", weights_only=True)
    assert state["step"] == 30 and all(torch.isfinite(t).all() for part in ("generator", "discriminator") for t in state[part].values())


# -- the smaller ones ---------------------------------------------------------------------------


def test_points_files_that_are_complex_or_overflow_are_refused(tmp_path):
    np.save(tmp_path / "c.npy", np.ones((10, 2), dtype=np.complex64))
    np.save(tmp_path / "big.npy", np.full((10, 2), 1e300))
    one_line_error(invoke("run", *FAST, "--dataset", "points", "--set", f"data.path={tmp_path / 'c.npy'}"), "must hold a real-valued (N, D) array")
    one_line_error(invoke("run", *FAST, "--dataset", "points", "--set", f"data.path={tmp_path / 'big.npy'}"), "beyond float32's range")


def test_workers_and_image_size_zero_are_refused(tmp_path):
    one_line_error(invoke("sweep", "--workers", "0", "--out", str(tmp_path / "s")), "--workers must be at least 1, got 0")
    one_line_error(invoke("inspect", "--arch", "dcgan", "--image-size", "0"), "--image-size must be at least 1, got 0")


def test_disabling_the_regularizers_plugin_leaves_the_default_run_working(tmp_path, monkeypatch):
    from ganlab.manager import reset_manager

    monkeypatch.setenv("GANLAB_DISABLE_PLUGINS", "regularizers")
    reset_manager()
    assert invoke("run", *FAST, "--out", str(tmp_path / "r")).exit_code == 0
    one_line_error(invoke("run", *FAST, "--reg", "r1"), "no regularizers are registered (is the plugin that provides them disabled")


def test_an_unknown_name_in_disable_plugins_is_reported(monkeypatch):
    from ganlab.manager import get_manager, reset_manager

    monkeypatch.setenv("GANLAB_DISABLE_PLUGINS", "summary-file,terminl")
    reset_manager()
    problems = [str(p) for p in get_manager().problems]
    assert "plugin 'terminl': GANLAB_DISABLE_PLUGINS names no installed plugin (did you mean terminal?); `ganlab plugins` lists them" in problems
    assert any(p.startswith("plugin 'summary-file': GANLAB_DISABLE_PLUGINS names no installed plugin") for p in problems)


def test_a_mistyped_flag_is_one_line_with_status_2():
    for args, text in ((["run", "--stpes", "5"], "No such option '--stpes'. (Did you mean one of: '--seed', '--set', '--steps'?)"),
                       (["run", "--steps", "abc"], "Invalid value for '--steps': 'abc' is not a valid integer.")):  # fmt: skip
        out = subprocess.run([sys.executable, "-m", "ganlab", *args], capture_output=True, text=True)
        assert out.returncode == 2
        assert out.stderr.strip().splitlines() == [f"Error: {text} (`ganlab run -h` lists them)"]


def test_resuming_dcgan_leaves_the_random_state_of_a_straight_run(tmp_path):
    over = ["--arch", "dcgan", "--set", "arch.width=4", "--set", "data.image_size=16", "--batch-size", "8", "--set", "log.every=2",
            "--set", "log.eval_every=4", "--set", "diag.fid.real=100", "--set", "diag.kid.real=100", "--set", "diag.kid.subset_size=50",
            "--set", "diag.precision-recall.real=100", "--set", "log.progress=false"]  # fmt: skip
    invoke("run", *over, "--steps", "8", "--out", str(tmp_path / "a"))
    invoke("run", *over, "--steps", "4", "--out", str(tmp_path / "b"))
    invoke("resume", str(tmp_path / "b"), "--steps", "8")
    a = torch.load(tmp_path / "a" / "checkpoints" / "last.pt", weights_only=True)["rng"]
    b = torch.load(tmp_path / "b" / "checkpoints" / "last.pt", weights_only=True)["rng"]
    assert torch.equal(a["torch"], b["torch"]) and torch.equal(a["data"], b["data"])


def test_train_leaves_the_callers_random_stream_alone(tmp_path):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    ganlab.train(ganlab.load_config(overrides={"train.steps": 10, "log.quiet": True, "log.progress": False}), out=tmp_path / "r")
    run = ganlab.load_run(tmp_path / "r")
    run.sample(5)
    assert torch.equal(torch.rand(3), expected)
