"""Sample-quality metrics on image features: FID, KID (through torchmetrics) and improved
precision/recall (Kynkaanniemi et al. 2019).

Real features are computed once per run (``setup``) and cached; each evaluation extracts features
of the generated samples only. Every value is recorded with its protocol: the feature extractor,
the numbers of real and fake samples and the image size (``NAME/protocol``), so runs measured
differently are never mistaken for comparable.
"""

from __future__ import annotations

import torch
from torch import nn

from ganlab.components import Diagnostic
from ganlab.plugins.diagnostics.features import features_in_batches, get_extractor


class _Features(nn.Module):
    """Identity on precomputed features: torchmetrics then does only the statistics."""

    def __init__(self, n: int):
        super().__init__()
        self.num_features = n

    def forward(self, x):
        return x


class _FeatureMetric(Diagnostic):
    when = "eval"
    kinds = ("images",)
    auto = True
    auto_if = "features"  # in the auto set only for data with an offline extractor (the digits)

    def __init__(self, features: str = "auto", real: int = 2500, weights: str = ""):
        self.features, self.n_real, self.weights = features, real, weights
        self.state = ("ok", "")

    def setup(self, run, dataset):
        self.extractor = get_extractor(self.features, dataset, self.weights)
        self.real = features_in_batches(self.extractor, _real_batch(dataset, self.n_real, run))
        self.size = "x".join(map(str, dataset.shape))
        self._prepare()

    def _prepare(self):
        pass

    def protocol(self, n_fake: int) -> str:
        return f"{self.extractor.protocol}; {len(self.real)} real, {n_fake} fake; {self.size}"

    def verdict(self):
        return self.state


def _real_batch(dataset, n, run):
    every = dataset.all_samples() if hasattr(dataset, "all_samples") else None
    if every is not None and len(every) <= n:
        return every.float().cpu()  # the whole (small) dataset, each image once
    return run.real(n, run.config.seed + 7)


class Fid(_FeatureMetric):
    """Frechet distance between real and generated feature statistics (Heusel et al. 2017)."""

    better = {"fid": "lower"}

    def _prepare(self):
        from torchmetrics.image.fid import FrechetInceptionDistance

        self.metric = FrechetInceptionDistance(feature=_Features(self.real.shape[1]), reset_real_features=False)
        self.metric.update(self.real, real=True)

    def evaluate(self, step, samples, dataset):
        fake = features_in_batches(self.extractor, samples)
        self.metric.reset()
        self.metric.update(fake, real=False)
        fid = float(self.metric.compute())
        self.state = ("ok", f"FID {fid:.4g} ({self.protocol(len(fake))})")
        return {"fid": fid, "protocol": self.protocol(len(fake))}


class Kid(_FeatureMetric):
    """Kernel distance between real and generated features (Binkowski et al. 2018), mean and std."""

    better = {"kid": "lower"}

    def __init__(self, features: str = "auto", real: int = 2500, weights: str = "", subsets: int = 50, subset_size: int = 1000):
        super().__init__(features, real, weights)
        self.subsets, self.subset_size = subsets, subset_size

    def evaluate(self, step, samples, dataset):
        import warnings

        from torchmetrics.image.kid import KernelInceptionDistance

        fake = features_in_batches(self.extractor, samples)
        size = min(self.subset_size, len(fake), len(self.real))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torchmetrics warns that it buffers features: that is the point
            metric = KernelInceptionDistance(feature=_Features(self.real.shape[1]), subsets=self.subsets, subset_size=size)
        metric.update(self.real, real=True)
        metric.update(fake, real=False)
        with torch.random.fork_rng():
            torch.manual_seed(0)  # the subsets are drawn the same way at every evaluation
            mean, std = metric.compute()
        protocol = self.protocol(len(fake)) + f"; {self.subsets} subsets of {size}"
        self.state = ("ok", f"KID {float(mean):.4g} ± {float(std):.2g} ({protocol})")
        return {"kid": float(mean), "kid_std": float(std), "protocol": protocol}


def precision_recall(real: torch.Tensor, fake: torch.Tensor, k: int = 3) -> tuple[float, float]:
    """Improved precision and recall (Kynkaanniemi et al. 2019): each set's manifold is the union
    of balls around its points reaching their k-th nearest neighbour. Precision is the share of
    fake points inside the real manifold; recall the share of real points inside the fake one."""

    def radii(x):
        d = torch.cdist(x, x)
        return d.kthvalue(k + 1, dim=1).values  # k+1: the nearest is the point itself

    def inside(points, ref, ref_radii):
        return (torch.cdist(points, ref) <= ref_radii.unsqueeze(0)).any(dim=1).double().mean().item()

    real, fake = real.double(), fake.double()
    return inside(fake, real, radii(real)), inside(real, fake, radii(fake))


class PrecisionRecall(_FeatureMetric):
    """Improved precision and recall, k = 3 (Kynkaanniemi et al. 2019)."""

    better = {"precision": "higher", "recall": "higher"}

    def __init__(self, features: str = "auto", real: int = 2500, weights: str = "", k: int = 3):
        super().__init__(features, real, weights)
        self.k = k

    def evaluate(self, step, samples, dataset):
        fake = features_in_batches(self.extractor, samples)
        p, r = precision_recall(self.real, fake, self.k)
        protocol = self.protocol(len(fake)) + f"; k={self.k}"
        self.state = ("ok", f"precision {p:.3f}, recall {r:.3f} ({protocol})")
        return {"precision": p, "recall": r, "protocol": protocol}
