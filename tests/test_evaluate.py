"""Evaluation as papers report it: best checkpoints, `ganlab eval` after training, the reference
cache, KID on the usual scale, and the Inception-v3 path with a weights file made here."""

import json
import os

import pytest
import torch

import ganlab
from tests.test_cli_run import FAST, invoke

DCGAN = ["--arch", "dcgan", "--set", "arch.width=4", "--set", "data.image_size=16", "--set", "train.batch_size=16", "--set", "log.every=5",
         "--set", "log.eval_every=10", "--set", "diag.fid.real=300", "--set", "diag.kid.real=300", "--set", "diag.kid.subset_size=100",
         "--set", "diag.precision-recall.real=300", "--set", "log.progress=false"]  # fmt: skip


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GANLAB_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def one_line_error(result, text):
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1 and len(lines) == 1 and text in lines[0], result.output


def test_the_best_and_the_last_n_checkpoints_are_kept_and_indexed(tmp_path):
    run = tmp_path / "r"
    assert invoke("run", *FAST, "--steps", "90", "--set", "log.checkpoint_every=30", "--set", "log.keep=2", "--out", str(run)).exit_code == 0
    index = json.loads((run / "checkpoints" / "index.json").read_text())
    summary = json.loads((run / "summary.json").read_text())
    assert index["last"] == {"step": 90} and index["snapshots"] == [60, 90]
    assert sorted(p.name for p in (run / "checkpoints").glob("*.pt")) == ["best.pt", "last.pt", "step-000060.pt", "step-000090.pt"]
    best = index["best"]
    assert best["metric"] == "mode-coverage/modes_held" and best["better"] == "higher"
    assert best["value"] == max(r["mode-coverage/modes_held"] for r in map(json.loads, (run / "metrics.jsonl").read_text().splitlines()) if r["kind"] == "eval")
    assert torch.load(run / "checkpoints" / "best.pt", weights_only=True)["step"] == best["step"]
    assert summary["checkpoints"] == index
    assert invoke("resume", str(run), "--steps", "120").exit_code == 0  # from the last, not the best
    assert json.loads((run / "summary.json").read_text())["step"] == 120


def test_a_named_metric_chooses_the_best_checkpoint_and_a_wrong_one_is_one_line(tmp_path):
    run = tmp_path / "r"
    invoke("run", *FAST, "--set", "log.best=mode-coverage/high_quality", "--out", str(run))
    assert json.loads((run / "checkpoints" / "index.json").read_text())["best"]["metric"] == "mode-coverage/high_quality"
    one_line_error(invoke("run", *FAST, "--set", "log.best=fid/fid", "--out", str(tmp_path / "x")),
                   "log.best = 'fid/fid' is not an evaluation metric with a direction in this run; use one of: mode-coverage/modes")  # fmt: skip
    invoke("run", *FAST, "--set", "log.best=none", "--out", str(tmp_path / "n"))
    one_line_error(invoke("sample", str(tmp_path / "n"), "--checkpoint", "best", "--out", str(tmp_path / "s.npy")),
                   "has no best checkpoint: it kept no best checkpoint (log.best = none")  # fmt: skip


def test_sample_from_the_best_checkpoint(tmp_path):
    run = tmp_path / "r"
    invoke("run", *FAST, "--steps", "90", "--set", "log.checkpoint_every=30", "--out", str(run))
    step = json.loads((run / "checkpoints" / "index.json").read_text())["best"]["step"]
    r = invoke("sample", str(run), "--checkpoint", "best", "--n", "8", "--out", str(tmp_path / "b.npy"))
    assert r.exit_code == 0 and f"from the best checkpoint (step {step})" in r.output
    loaded = ganlab.load_run(run)
    assert torch.equal(loaded.sample(8, checkpoint="best"), torch.from_numpy(__import__("numpy").load(tmp_path / "b.npy")))
    assert not torch.equal(loaded.sample(8, checkpoint="best"), loaded.sample(8)) or step == 90


def test_eval_scores_many_runs_and_stores_its_protocol(tmp_path):
    sweep = tmp_path / "sw"
    assert invoke("sweep", *DCGAN, "--steps", "20", "--seeds", "0-1", "--workers", "1", "--out", str(sweep)).exit_code == 0
    r = invoke("eval", str(sweep), "--checkpoint", "best", "--diag", "fid", "--diag", "kid", "--samples", "200", "--json")
    assert r.exit_code == 0, r.output
    records = json.loads(r.output)
    assert sorted((os.path.basename(x["run"]), x["diagnostic"]) for x in records) == [
        ("seed=0", "fid"), ("seed=0", "kid"), ("seed=1", "fid"), ("seed=1", "kid")]
    rec = next(x for x in records if x["diagnostic"] == "fid")
    assert rec["samples"] == 200 and rec["checkpoint"] == "best" and rec["values"]["fid"] > 0
    assert "300 real (seed 0), 200 fake" in rec["protocol"]["diagnostic"]
    assert rec["protocol"]["reference"] in ("computed", "cache hit")
    stored = json.loads((sweep / "seed=0" / "evals" / f"fid@best-step{rec['step']:06d}-n200.json").read_text())
    assert stored["values"] == next(x for x in records if x["diagnostic"] == "fid" and "seed=0" in x["run"])["values"]
    table = json.loads(invoke("compare", str(sweep), "--json").output)
    metrics = table["metrics"]
    assert metrics["fid/fid"] == "lower" and metrics["eval[best] fid/fid"] == "lower"  # both, labelled apart
    cell = table["groups"][0]["metrics"]["eval[best] fid/fid"]
    assert cell["n"] == 2 and cell["best"] is None and "200 generated, noise seed 20141210" in cell["protocol"]
    assert "eval[best] fid/fid" in invoke("compare", str(sweep), "--markdown").output
    shown = invoke("compare", str(sweep), "--metrics", "eval[best] fid/fid").output  # the terminal table: no markup eaten
    assert "eval[best] fid/fid" in shown and "eval fid/fid" not in shown


@pytest.mark.parametrize("args, text", [
    (["--checkpoint", "best"], "has no best checkpoint"),
    (["--checkpoint", "7"], "holds no checkpoint of step 7; kept: 20"),
    (["--diag", "nope"], "unknown diagnostic 'nope'"),
    (["--diag", "mode-coverage"], "diagnostic 'mode-coverage' does not apply to dataset 'digits'"),
    (["--diag", "divergence"], "diagnostic 'divergence' reads training statistics, not samples"),
    (["--samples", "0"], "--samples must be at least 1, got 0"),
    (["--checkpoint", "soon"], "--checkpoint 'soon': use last, best or a step number"),
])  # fmt: skip
def test_eval_bad_input_is_one_line_and_writes_nothing(tmp_path, args, text):
    run = tmp_path / "r"
    invoke("run", *DCGAN, "--steps", "20", "--set", "log.best=none", "--out", str(run))
    one_line_error(invoke("eval", str(run), *args), text)
    assert not (run / "evals").exists()


def test_eval_of_a_run_without_a_checkpoint_and_with_an_unwritable_cache(tmp_path, monkeypatch):
    run = tmp_path / "r"
    invoke("run", *DCGAN, "--steps", "20", "--out", str(run))
    monkeypatch.setenv("GANLAB_CACHE", "/proc/ganlab-cache")
    one_line_error(invoke("eval", str(run), "--diag", "fid"), "cannot write the reference cache in '/proc/ganlab-cache'")
    for p in (run / "checkpoints").glob("*.pt"):
        p.unlink()
    monkeypatch.setenv("GANLAB_CACHE", str(tmp_path / "c2"))
    one_line_error(invoke("eval", str(run)), "has no checkpoint: the run stopped before saving one")
    assert not (run / "evals").exists()


def test_the_reference_cache_is_reused_keyed_by_protocol_and_never_trusts_a_bad_file(tmp_path, cache):
    from ganlab.plugins.datasets.images import Digits
    from ganlab.plugins.diagnostics.quality import Fid
    import ganlab.testing as gt

    def protocol(**options):
        ds = Digits(**{k: v for k, v in options.items() if k == "image_size"})
        d = Fid(**{k: v for k, v in options.items() if k != "image_size"})
        d.setup(gt.info_for(ds, **{"data.name": "digits", **{f"data.{k}": v for k, v in options.items() if k == "image_size"}}), ds)
        return d.reference, d.real, d.protocol(10)

    first, real, said = protocol()
    assert first == "computed"
    again, real2, said_again = protocol()
    assert again == "cache hit" and torch.equal(real, real2)
    assert said == said_again  # the protocol is the measurement, not whether the cache had it
    assert protocol(real=500)[0] == "computed"  # another protocol: a new entry
    assert protocol(image_size=16)[0] == "computed"
    entries = sorted((cache / "reference").glob("*.pt"))
    assert len(entries) == 3
    for entry in entries:  # flip bytes in the middle of every file
        data = bytearray(entry.read_bytes())
        data[len(data) // 2] ^= 0xFF
        entry.write_bytes(bytes(data))
    damaged, real3, _ = protocol()
    assert damaged.startswith("rebuilt (the cached file") and torch.equal(real, real3)
    assert protocol()[0] == "cache hit"


def test_kid_reads_on_the_scale_papers_report():
    from ganlab.plugins.datasets.images import Digits
    from ganlab.plugins.diagnostics.quality import Kid
    import ganlab.testing as gt

    ds = Digits()
    kid = Kid()
    kid.setup(gt.info_for(ds, **{"data.name": "digits"}), ds)
    x = ds.batch(2500, torch.Generator().manual_seed(5))
    same = kid.evaluate(0, x, ds)["kid"]
    blurred = kid.evaluate(0, torch.nn.functional.avg_pool2d(x, 3, 1, 1), ds)["kid"]
    collapsed = kid.evaluate(0, ds.tensor[:1].repeat(2500, 1, 1, 1), ds)
    assert abs(same) < 0.005 and 0.005 < blurred < 0.05 and collapsed["kid"] > 1
    assert "features centred and scaled to unit mean variance by the reference set" in collapsed["protocol"]


# -- Inception-v3, for real, with a weights file of its architecture made here -----------------


@pytest.fixture(scope="module")
def inception_weights(tmp_path_factory):
    from ganlab.plugins.diagnostics.features import fidelity_importable

    fidelity_importable()
    try:
        import torch_fidelity.feature_extractor_inceptionv3 as fx
    except ImportError:
        pytest.fail("torch-fidelity is not installed: `make test` installs it (pip install 'ganlab[inception]' for users)")
    path = tmp_path_factory.mktemp("inception") / "weights.pth"
    mp = pytest.MonkeyPatch()
    mp.setattr(fx, "load_state_dict_from_url", lambda *a, **k: {})  # build the network, download nothing
    mp.setattr(fx.FeatureExtractorInceptionV3, "load_state_dict", lambda self, sd, strict=True: None)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        net = fx.FeatureExtractorInceptionV3("inception-v3-compat", ["2048"])
    mp.undo()
    torch.save(net.state_dict(), path)
    return path


def test_inception_features_are_torchmetrics_fid_on_the_same_images(inception_weights):
    from torchmetrics.image.fid import FrechetInceptionDistance

    from ganlab.plugins.datasets.images import Digits
    from ganlab.plugins.diagnostics.features import InceptionFeatures, features_in_batches
    from ganlab.plugins.diagnostics.quality import Fid
    import ganlab.testing as gt

    ext = InceptionFeatures(weights=str(inception_weights))
    seen = []
    ext.net.Conv2d_1a_3x3.register_forward_pre_hook(lambda m, inputs: seen.append(inputs[0]))
    grey = Digits(image_size=16)
    real = grey.tensor[:12]
    fake = (real.flip(-1) * 0.9).clamp(-1, 1)
    u8 = InceptionFeatures.to_uint8(real)
    assert u8.dtype == torch.uint8 and u8.shape == (12, 3, 16, 16) and torch.equal(u8[:, 0], u8[:, 2])  # grey to three channels
    assert int(u8.min()) == 0 and int(u8.max()) == 255 and torch.equal(u8[:, 0], ((real[:, 0] + 1) * 127.5).round().to(torch.uint8))
    feats = features_in_batches(ext, real, batch=5)  # three batches
    assert feats.shape == (12, 2048) and seen[0].shape[1:] == (3, 299, 299) and float(seen[0].abs().max()) <= 1.0
    diag = Fid(features="inception", real=12, weights=str(inception_weights))
    diag.setup(gt.info_for(grey, **{"data.name": "digits", "data.image_size": 16}), grey)
    ours = diag.evaluate(0, fake, grey)
    direct = FrechetInceptionDistance(feature=2048, feature_extractor_weights_path=str(inception_weights))
    direct.update(InceptionFeatures.to_uint8(real), real=True)
    direct.update(InceptionFeatures.to_uint8(fake), real=False)
    assert ours["fid"] == pytest.approx(float(direct.compute()), rel=1e-4)
    assert ours["protocol"].startswith("inception-v3 (2048-d pool3, torch-fidelity FID weights); 12 real")


def test_inception_weights_that_hold_code_are_refused(tmp_path):
    from ganlab.errors import GanlabError
    from ganlab.plugins.diagnostics.features import InceptionFeatures
    from tests.test_faults import Pickled

    bad = tmp_path / "weights.pth"
    torch.save({"x": Pickled()}, bad)
    with pytest.raises(GanlabError, match="is not a plain tensor state dict; ganlab never unpickles code"):
        InceptionFeatures(weights=str(bad))


def test_the_inception_extra_is_declared_and_named_by_the_offline_error():
    from importlib.metadata import requires

    assert any(r.startswith("torch-fidelity") and 'extra == "inception"' in r for r in requires("ganlab"))
