"""Feature extractors for sample-quality metrics (FID, KID, precision/recall), registered through
``register_extractors`` like any plugin's.

    extractor = get_extractor("auto", dataset)      # the dataset's own (digits), else inception
    feats = extractor(images)                       # (B, C, H, W) in [-1, 1] -> (B, F)
    extractor.protocol                              # "digits-cnn (64-d per channel, ...)"

``digits`` is the small CNN shipped inside ganlab (see digits_net.py): offline, for ``digits``
and ``stacked-digits`` (each channel's 64 features, concatenated). ``inception`` is Inception-v3
with the FID weights of torch-fidelity through torchmetrics (2048-d pool features); it needs
``pip install 'ganlab[inception]'`` and its weights, downloaded on first use or given as a local
file with ``weights``. Other extractors come from plugins; a config names them, never code.
"""

from __future__ import annotations

import torch
from torch import nn

from ganlab.components import FeatureExtractor
from ganlab.errors import GanlabError


class DigitsFeatures(nn.Module, FeatureExtractor):
    """The digits CNN shipped with ganlab: 64 features per channel, offline."""

    def __init__(self):
        super().__init__()
        from ganlab.plugins.diagnostics.digits_net import load

        self.net = load()
        self.protocol = "digits-cnn (64-d per channel, shipped with ganlab)"

    @torch.no_grad()
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.float().cpu()
        return torch.cat([self.net.features(x[:, c : c + 1]) for c in range(x.shape[1])], dim=1)


class InceptionFeatures(nn.Module, FeatureExtractor):
    """Inception-v3 pool3 features with torch-fidelity's FID weights (2048-d), through torchmetrics."""

    def __init__(self, weights: str = ""):
        super().__init__()
        try:
            from torchmetrics.image.fid import NoTrainInceptionV3

            self.net = NoTrainInceptionV3(
                name="inception-v3-compat", features_list=["2048"], feature_extractor_weights_path=weights or None
            )
        except Exception as exc:
            raise GanlabError(
                f"Inception-v3 features are unavailable ({type(exc).__name__}: {exc}); they need "
                "`pip install 'ganlab[inception]'` and the FID weights (pt_inception-2015-12-05), downloaded on "
                "first use or given offline with --set diag.fid.weights=FILE; or give the dataset an extractor "
                "(features = \"NAME\" on its class, `ganlab list extractors`), or --set diag.fid.features=digits for digit data"
            ) from None
        self.protocol = "inception-v3 (2048-d pool3, torch-fidelity FID weights)"

    @torch.no_grad()
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[1] == 1:
            x = x.repeat(1, 3, 1, 1)
        return self.net(((x.float() + 1) * 127.5).clamp(0, 255).to(torch.uint8)).reshape(len(x), -1)


def get_extractor(name: str, dataset, weights: str = "") -> nn.Module:
    """The registered extractor ``name`` (``auto``: the dataset's ``features``, else inception)."""
    from ganlab.engine.build import create
    from ganlab.manager import get_manager

    if getattr(dataset, "kind", "points") != "images":
        raise GanlabError("image-feature metrics (fid, kid, precision-recall) need an image dataset")
    if name == "auto":
        name = getattr(dataset, "features", None) or "inception"
    options = {"weights": weights} if weights else {}
    extractor = create(get_manager(), "extractor", name, **options)
    if not getattr(extractor, "protocol", ""):
        extractor.protocol = name
    return extractor


_last: tuple = (None, None, None)  # (extractor protocol, samples tensor, features): one evaluation's cache


def features_in_batches(extractor: nn.Module, images: torch.Tensor, batch: int = 500) -> torch.Tensor:
    """Features of ``images``; fid, kid and precision-recall on the same samples share one pass."""
    global _last
    if _last[0] == extractor.protocol and _last[1] is images:
        return _last[2]
    out = torch.cat([extractor(images[i : i + batch]).double().cpu() for i in range(0, len(images), batch)])
    _last = (extractor.protocol, images, out)
    return out
