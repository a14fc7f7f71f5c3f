"""Feature extractors for sample-quality metrics (FID, KID, precision/recall).

    extractor = get_extractor("auto", dataset)      # digits-cnn for digits data, else inception
    feats = extractor(images)                       # (B, C, H, W) in [-1, 1] -> (B, F)
    extractor.protocol                              # "digits-cnn (64-d)" ...

``digits`` is the small CNN shipped inside ganlab (see digits_net.py): offline, for ``digits``
and ``stacked-digits`` (each channel's 64 features, concatenated). ``inception`` is Inception-v3
with the FID weights of torch-fidelity through torchmetrics (2048-d pool features); it needs
``pip install 'ganlab[inception]'`` and its weights, downloaded on first use or given as a local
file with ``weights``. ``module:attribute`` names any callable returning an ``nn.Module`` that maps
[-1, 1] images to features.
"""

from __future__ import annotations

import importlib

import torch
from torch import nn

from ganlab.errors import GanlabError


class DigitsFeatures(nn.Module):
    def __init__(self):
        super().__init__()
        from ganlab.plugins.diagnostics.digits_net import load

        self.net = load()
        self.protocol = "digits-cnn (64-d per channel, shipped with ganlab)"

    @torch.no_grad()
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.float().cpu()
        return torch.cat([self.net.features(x[:, c : c + 1]) for c in range(x.shape[1])], dim=1)


class InceptionFeatures(nn.Module):
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
                "first use or given offline with --set diag.fid.weights=FILE; or use features=digits for digit data"
            ) from None
        self.protocol = "inception-v3 (2048-d pool3, torch-fidelity FID weights)"

    @torch.no_grad()
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[1] == 1:
            x = x.repeat(1, 3, 1, 1)
        return self.net(((x.float() + 1) * 127.5).clamp(0, 255).to(torch.uint8)).reshape(len(x), -1)


def get_extractor(name: str, dataset, weights: str = "") -> nn.Module:
    if getattr(dataset, "kind", "points") != "images":
        raise GanlabError("image-feature metrics (fid, kid, precision-recall) need an image dataset")
    if name == "auto":
        name = getattr(dataset, "features", "inception")
    if name == "digits":
        return DigitsFeatures()
    if name == "inception":
        return InceptionFeatures(weights)
    if ":" in name:
        module, _, attr = name.partition(":")
        try:
            obj = getattr(importlib.import_module(module), attr)()
        except Exception as exc:
            raise GanlabError(f"feature extractor {name!r} could not be built ({type(exc).__name__}: {exc})") from None
        obj.protocol = getattr(obj, "protocol", name)
        return obj
    raise GanlabError(f"unknown feature extractor {name!r}; use auto, digits, inception or module:attribute")


_last: tuple = (None, None, None)  # (extractor protocol, samples tensor, features): one evaluation's cache


def features_in_batches(extractor: nn.Module, images: torch.Tensor, batch: int = 500) -> torch.Tensor:
    """Features of ``images``; fid, kid and precision-recall on the same samples share one pass."""
    global _last
    if _last[0] == extractor.protocol and _last[1] is images:
        return _last[2]
    out = torch.cat([extractor(images[i : i + batch]).double().cpu() for i in range(0, len(images), batch)])
    _last = (extractor.protocol, images, out)
    return out
