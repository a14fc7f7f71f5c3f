"""Sample-quality metrics on image features: FID (Heusel et al. 2017), KID (Binkowski et al. 2018),
both through torchmetrics, and improved precision/recall (Kynkaanniemi et al. 2019).

The reference set is the real data's features: every image when the dataset holds ``real`` or
fewer (the 1,797 digits), else ``real`` images drawn with a fixed seed (0), so every run and every
``ganlab eval`` of a dataset shares it; it is computed once and kept in the reference cache
(``ganlab.cache``). Each evaluation extracts features of the generated samples only. Every value is
recorded with its protocol: the extractor, the numbers of real and generated samples, the image
size, how the reference was had (``NAME/protocol``), so runs measured differently are never
mistaken for comparable.

KID's polynomial kernel k(x, y) = (x.y / d + 1)^3 is on the scale papers report (0.01 for a good
model) for Inception's features; the digits CNN's features are much larger, so for every extractor
but Inception they are first centred on the reference set's mean and divided by one number, the
root of its mean per-feature variance (``kid.normalize = "auto"``; the protocol says which).
"""

from __future__ import annotations

import torch
from torch import nn

from ganlab.components import Diagnostic
from ganlab.errors import GanlabError
from ganlab.plugins.diagnostics.features import features_in_batches, fidelity_importable, get_extractor

REFERENCE_SEED = 0  # the draw of a reference set from a dataset larger than it (fixed: shared by every run)


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
        if real < 2:
            raise GanlabError(f"diag.*.real must be at least 2 (real images in the reference set), got {real}")
        self.features, self.n_real, self.weights = features, real, weights
        self.state = ("ok", "")

    def setup(self, run, dataset):
        from ganlab.cache import cached_features

        self.extractor = get_extractor(self.features, dataset, self.weights)
        every = dataset.all_samples() if hasattr(dataset, "all_samples") else None
        whole = every is not None and len(every) <= self.n_real
        key = {"dataset": run.config.data.name, "options": run.config.data.options, "extractor": self.extractor.identity,
               "real": len(every) if whole else self.n_real, "shape": list(dataset.shape),
               "draw": "every image" if whole else f"seed {REFERENCE_SEED}"}  # fmt: skip
        self.real, self.reference = cached_features(key, lambda: features_in_batches(self.extractor, _real_batch(dataset, self.n_real, run)))
        self.reference_draw = key["draw"]
        self.size = "x".join(map(str, dataset.shape))
        self._prepare()

    def _prepare(self):
        pass

    def protocol(self, n_fake: int) -> str:
        # How the reference was had (computed or a cache hit) is not part of the protocol: it is
        # kept apart, in self.reference, so the same measurement always reads the same.
        return f"{self.extractor.protocol}; {len(self.real)} real ({self.reference_draw}), {n_fake} fake; {self.size}"

    def verdict(self):
        return self.state


def _real_batch(dataset, n, run):
    every = dataset.all_samples() if hasattr(dataset, "all_samples") else None
    if every is not None and len(every) <= n:
        return every.float().cpu()  # the whole (small) dataset, each image once
    return run.real(n, REFERENCE_SEED)


class Fid(_FeatureMetric):
    """Frechet distance between real and generated feature statistics (Heusel et al. 2017)."""

    better = {"fid": "lower"}

    def _prepare(self):
        fidelity_importable()
        from torchmetrics.image.fid import FrechetInceptionDistance

        # Only rank 0 evaluates: the metric must not wait for the other processes (sync_on_compute).
        self.metric = FrechetInceptionDistance(feature=_Features(self.real.shape[1]), reset_real_features=False, sync_on_compute=False)
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

    def __init__(self, features: str = "auto", real: int = 2500, weights: str = "", subsets: int = 50, subset_size: int = 1000,
                 normalize: str = "auto"):  # fmt: skip
        super().__init__(features, real, weights)
        if subsets < 1 or subset_size < 2:
            raise GanlabError(f"diag.kid.subsets must be at least 1 and diag.kid.subset_size at least 2, got {subsets} and {subset_size}")
        if normalize not in ("auto", "standardize", "none"):
            raise GanlabError(f"diag.kid.normalize must be auto, standardize or none, got {normalize!r}")
        self.subsets, self.subset_size, self.normalize = subsets, subset_size, normalize

    def evaluate(self, step, samples, dataset):
        import warnings

        fidelity_importable()
        from torchmetrics.image.kid import KernelInceptionDistance

        fake = features_in_batches(self.extractor, samples)
        real = self.real
        standardize = self.normalize == "standardize" or (self.normalize == "auto" and not self.extractor.identity.startswith("inception"))
        if standardize:  # centred on the reference mean, scaled to unit variance per feature on average (one scalar)
            mean = real.mean(dim=0)
            scale = real.var(dim=0).mean().sqrt().clamp_min(1e-12)
            real, fake = (real - mean) / scale, (fake - mean) / scale
        size = min(self.subset_size, len(fake), len(real))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torchmetrics warns that it buffers features: that is the point
            metric = KernelInceptionDistance(feature=_Features(real.shape[1]), subsets=self.subsets, subset_size=size,
                                             sync_on_compute=False)  # only rank 0 evaluates: never wait for the others
        metric.update(real, real=True)
        metric.update(fake, real=False)
        with torch.random.fork_rng():
            torch.manual_seed(0)  # the subsets are drawn the same way at every evaluation
            mean, std = metric.compute()
        how = "features centred and scaled to unit mean variance by the reference set" if standardize else "raw features"
        protocol = self.protocol(len(fake)) + f"; {self.subsets} subsets of {size}; {how}"
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
