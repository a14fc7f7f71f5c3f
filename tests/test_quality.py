"""Sample-quality metrics and convergence verdicts on cases whose answer is known."""

import json
import math

import pytest
import torch
from click.testing import CliRunner

import ganlab
from ganlab.cli import build
from ganlab.errors import GanlabError
from ganlab.plugins.datasets.images import Digits, StackedDigits
from ganlab.plugins.diagnostics.digits_net import accuracy, load
from ganlab.plugins.diagnostics.quality import Fid, Kid, PrecisionRecall, precision_recall
from ganlab.plugins.diagnostics.stacked_modes import StackedModes


class FakeRun:
    """What a diagnostic's setup reads of a run."""

    def __init__(self, dataset, seed=0):
        self.config = ganlab.load_config(overrides={"seed": seed})
        self._ds = dataset

    def real(self, n, seed):
        return self._ds.batch(n, torch.Generator().manual_seed(seed))


@pytest.fixture(scope="module")
def digits():
    return Digits()


def noise_like(x, seed=0):
    return torch.rand(x.shape, generator=torch.Generator().manual_seed(seed)) * 2 - 1


def test_shipped_classifier_reads_the_digits():
    assert accuracy() >= 0.98  # held out, written by scripts/train_digits_classifier.py
    ds = Digits()
    with torch.no_grad():
        acc = (load()(ds.images).argmax(1) == ds.labels).double().mean().item()
    assert acc > 0.99


def test_fid_real_against_real_is_zero_and_against_noise_large(digits):
    fid = Fid()
    fid.setup(FakeRun(digits), digits)
    same = fid.evaluate(0, digits.images, digits)
    assert same["fid"] == pytest.approx(0, abs=1e-3)
    assert same["protocol"] == "digits-cnn (64-d per channel, shipped with ganlab); 1797 real (every image), 1797 fake; 1x32x32"
    half = fid.evaluate(0, digits.images[::2], digits)["fid"]
    noise = fid.evaluate(0, noise_like(digits.images), digits)["fid"]
    assert 0 < half < noise / 20
    assert noise > 1000


def test_kid_real_against_real_is_near_zero(digits):
    kid = Kid(subsets=20, subset_size=500)
    kid.setup(FakeRun(digits), digits)
    same = kid.evaluate(0, digits.images, digits)
    noise = kid.evaluate(0, noise_like(digits.images), digits)
    assert abs(same["kid"]) < 3 * same["kid_std"] + 1e-6 * noise["kid"]
    assert noise["kid"] > 100 * abs(same["kid"])
    assert "; 20 subsets of 500; features centred and scaled" in same["protocol"]


def test_precision_recall_hand_worked():
    real = torch.tensor([[0.0], [1.0], [2.0], [10.0]])
    fake = torch.tensor([[0.5], [20.0]])
    # real radii (1st neighbour): 1, 1, 1, 8 -> 0.5 inside, 20 not: precision 1/2
    # fake radii: 19.5 each -> every real point inside: recall 1
    assert precision_recall(real, fake, k=1) == (0.5, 1.0)


def test_precision_recall_of_real_and_noise(digits):
    pr = PrecisionRecall()
    pr.setup(FakeRun(digits), digits)
    same = pr.evaluate(0, digits.images, digits)
    assert same["precision"] == 1.0 and same["recall"] == 1.0
    noise = pr.evaluate(0, noise_like(digits.images), digits)
    assert noise["precision"] == 0.0


def test_stacked_modes_perfect_and_collapsed():
    ds = StackedDigits()
    diag = StackedModes(samples=10000)
    diag.setup(FakeRun(ds), ds)
    x = ds.batch(10000, torch.Generator().manual_seed(0))
    out = diag.evaluate(0, x, ds)
    # 10,000 uniform draws over 1,000 modes leave 1000 * e^-10 = 0.05 empty on average
    assert out["modes"] >= 990 and out["kl"] < 0.15
    assert diag.verdict()[0] == "ok"
    stuck = x[:1].repeat(2000, 1, 1, 1)
    out = diag.evaluate(0, stuck, ds)
    assert out["modes"] == 1 and out["kl"] == pytest.approx(math.log(1000))
    assert diag.verdict() == ("failure", "1/1000 modes captured (1 holding >= 10% of their share), KL to uniform 6.91 (2,000 samples)")


def test_stacked_modes_held_needs_a_share_of_the_fair_mass():
    from ganlab.plugins.diagnostics.stacked_modes import mode_histogram

    ds = StackedDigits()
    x = ds.batch(300, torch.Generator().manual_seed(1))
    diag = StackedModes()
    diag.setup(FakeRun(ds), ds)
    labels = [int(mode_histogram(x[i : i + 1], diag.net).argmax()) for i in range(len(x))]
    first = {}
    for i, m in enumerate(labels):
        first.setdefault(m, i)
    picks = list(first.values())[:11]  # 11 images of 11 different modes
    # 2,000 samples: 1,990 of the first mode, one each of 10 others; fair mass 2 a mode
    sample = torch.cat([x[picks[0]].repeat(1990, 1, 1, 1), x[picks[1:]]])
    out = diag.evaluate(0, sample, ds)
    assert (out["modes"], out["modes_held"]) == (11, 11)  # 10% of 2 is 0.2: one sample holds a mode
    strict = StackedModes(share=1.0)
    strict.setup(FakeRun(ds), ds)
    out = strict.evaluate(0, sample, ds)
    assert (out["modes"], out["modes_held"]) == (11, 1)  # the whole fair mass, 2 samples: only the first mode
    assert strict.verdict()[1].startswith("11/1000 modes captured (1 holding >= 100% of their share)")
    with pytest.raises(GanlabError, match=r"diag.stacked-modes.share must be in \(0, 1\]"):
        StackedModes(share=0)


def invoke(*args):
    return CliRunner().invoke(build(), list(args), catch_exceptions=False)


SMALL = ["--set", "arch.width=32", "--set", "arch.d_width=32", "--set", "log.progress=false"]


def test_minimax_with_an_overstrong_discriminator_saturates(tmp_path):
    args = ["--batch-size", "64", "--set", "train.d_steps=5", "--set", "train.lr_d=2e-3", "--set", "train.lr_g=1e-4",
            "--set", "diag.gradients.span=300", "--set", "diag.equilibrium.span=300", "--set", "log.eval_every=0", *SMALL]  # fmt: skip
    invoke("run", "--loss", "minimax", "--steps", "600", *args, "--out", str(tmp_path / "minimax"))
    s = json.loads((tmp_path / "minimax" / "summary.json").read_text())
    assert s["verdicts"]["gradients"]["level"] == "failure"
    assert s["verdicts"]["gradients"]["reason"].endswith("(minimax saturation)")
    assert s["verdicts"]["equilibrium"]["reason"].startswith("discriminator wins: D(G(z)) < 0.05")
    invoke("run", "--loss", "nonsat", "--steps", "600", *args, "--out", str(tmp_path / "nonsat"))
    s = json.loads((tmp_path / "nonsat" / "summary.json").read_text())
    assert s["verdicts"]["gradients"]["level"] == "ok" and s["verdicts"]["equilibrium"]["level"] == "ok"


def test_absurd_learning_rate_diverges(tmp_path):
    out = tmp_path / "r"
    result = invoke("run", "--steps", "200", "--batch-size", "64", "--set", "train.lr_g=1e4", "--set", "train.lr_d=1e4",
                    *SMALL, "--out", str(out))  # fmt: skip
    assert result.exit_code == 1 and "Error: run diverged at step" in result.output
    s = json.loads((out / "summary.json").read_text())
    assert s["status"] == "diverged"
    assert s["verdicts"]["divergence"]["level"] == "failure"
    assert s["verdicts"]["divergence"]["reason"].startswith("diverged: non-finite")


def test_dcgan_on_digits_records_quality_with_protocol_and_best(tmp_path):
    out = tmp_path / "r"
    result = invoke("run", "--arch", "dcgan", "--steps", "4", "--set", "arch.width=8", "--set", "log.every=2",
                    "--set", "log.eval_every=2", "--set", "diag.kid.subsets=5", "--set", "log.progress=false",
                    "--out", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    s = json.loads((out / "summary.json").read_text())
    assert {"fid/fid", "kid/kid", "precision-recall/precision"} <= set(s["metrics"])
    assert s["metrics"]["fid/protocol"] == "digits-cnn (64-d per channel, shipped with ganlab); 1797 real (every image), 2500 fake; 1x32x32"
    assert s["best"]["fid/fid"]["better"] == "lower" and s["best"]["fid/fid"]["step"] in (2, 4)
    assert s["best"]["fid/fid"]["value"] <= s["metrics"]["fid/fid"]


def test_inception_offline_is_one_line_and_leaves_no_run(tmp_path):
    out = tmp_path / "r"
    result = invoke("run", "--arch", "dcgan", "--diag", "fid", "--set", "diag.fid.features=inception", "--out", str(out))
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1
    assert "Inception-v3 features are unavailable" in result.output and "ganlab[inception]" in result.output
    assert not out.exists()


@pytest.mark.parametrize(
    "args, msg",
    [(["--diag", "stacked-modes"], "diagnostic 'stacked-modes' does not apply to dataset 'digits' (images data without 'stacked')"),
     (["--diag", "fid", "--dataset", "ring8", "--arch", "mlp"], "diagnostic 'fid' does not apply to dataset 'ring8' (points data)"),
     (["--set", "diag.fid.featurs=digits"], "unknown config key 'diag.fid.featurs' for diagnostic 'fid'. Did you mean diag.fid.features?"),
     (["--set", "diag.mode-coverage.x=1"], "config table [diag.mode-coverage] is for a diagnostic this run does not use")],
)  # fmt: skip
def test_bad_diagnostic_choices(args, msg, tmp_path):
    result = invoke("run", "--arch", "dcgan", *args, "--out", str(tmp_path / "r"))
    assert result.exit_code == 1 and msg in result.output
