"""Feature extractors for sample-quality metrics (FID, KID, precision/recall), registered through
``register_extractors`` like any plugin's.

    extractor = get_extractor("auto", dataset)      # the dataset's own (digits), else inception
    feats = extractor(images)                       # (B, C, H, W) in [-1, 1] -> (B, F)
    extractor.protocol, extractor.identity          # how results name it; what the cache keys on

``digits`` is the small CNN shipped inside ganlab (see digits_net.py): offline, for ``digits``
and ``stacked-digits`` (each channel's 64 features, concatenated). ``inception`` is Inception-v3
with the FID weights of torch-fidelity (the network papers use, 2048-d pool3 features), through
torchmetrics: images are rounded to 8 bits, grey ones repeated to three channels, and resized to
299x299 inside the network exactly as TensorFlow's original did. It needs
``pip install 'ganlab[inception]'`` (torch-fidelity) and the weights, downloaded on first use or
given as a local file (``--set diag.fid.weights=FILE``), which must hold tensors only.
"""

from __future__ import annotations

import hashlib
import contextlib
import importlib.util
import io
import sys
import types
from functools import lru_cache
from pathlib import Path

import torch
from torch import nn

from ganlab.components import FeatureExtractor
from ganlab.errors import GanlabError


class DigitsFeatures(nn.Module, FeatureExtractor):
    """The digits CNN shipped with ganlab: 64 features per channel, offline."""

    def __init__(self):
        super().__init__()
        from ganlab.plugins.diagnostics.digits_net import WEIGHTS, load

        self.net = load()
        self.protocol = "digits-cnn (64-d per channel, shipped with ganlab)"
        self.identity = f"digits-cnn:{_sha(WEIGHTS)}"

    @torch.no_grad()
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.float().cpu()
        return torch.cat([self.net.features(x[:, c : c + 1]) for c in range(x.shape[1])], dim=1)


@lru_cache(maxsize=None)
def _sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def fidelity_importable() -> None:
    """Make torch-fidelity's Inception network importable for torchmetrics.

    torch-fidelity's package ``__init__`` also imports its CLIP, VGG and DINOv2 extractors, which
    import torchvision; where torchvision cannot be imported (PyPI's CUDA torchvision beside a
    CPU torch) that ``__init__`` fails, and with it every torchmetrics image metric. The Inception
    module needs only torch, so ganlab then registers the package without running its
    ``__init__``, and torchmetrics imports the Inception module from it as usual."""
    if "torch_fidelity" in sys.modules:
        return
    spec = importlib.util.find_spec("torch_fidelity")
    if spec is None or not spec.submodule_search_locations:
        return  # not installed: torchmetrics says so when Inception is asked for
    try:
        import torch_fidelity  # noqa: F401
    except Exception:
        for name in [n for n in sys.modules if n == "torch_fidelity" or n.startswith("torch_fidelity.")]:
            del sys.modules[name]
        package = types.ModuleType("torch_fidelity")
        package.__path__ = list(spec.submodule_search_locations)
        package.__spec__ = spec
        package.__file__ = spec.origin
        sys.modules["torch_fidelity"] = package


class InceptionFeatures(nn.Module, FeatureExtractor):
    """Inception-v3 pool3 features with torch-fidelity's FID weights (2048-d), through torchmetrics."""

    image_size = 299

    def __init__(self, weights: str = ""):
        super().__init__()
        path = None
        if weights:
            path = Path(weights).expanduser()
            if not path.is_file():
                raise GanlabError(f"diag.*.weights {weights!r} is not a file (the Inception-v3 FID weights, pt_inception-2015-12-05)")
            try:  # torch-fidelity unpickles the file with weights_only=False: verify it holds tensors only first
                torch.load(path, map_location="cpu", weights_only=True)
            except Exception:
                raise GanlabError(f"weights file {weights!r} is not a plain tensor state dict; ganlab never unpickles code from a file") from None
        fidelity_importable()
        try:
            from torchmetrics.image.fid import NoTrainInceptionV3

            # torch.hub writes "Downloading: URL" to stderr before it fails offline: the error below
            # says everything in one line, so the hub's own output is kept out of the terminal.
            with contextlib.redirect_stderr(io.StringIO()):
                self.net = NoTrainInceptionV3(name="inception-v3-compat", features_list=["2048"],
                                              feature_extractor_weights_path=str(path) if path else None)  # fmt: skip
        except Exception as exc:
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise GanlabError(
                f"Inception-v3 features are unavailable ({type(exc).__name__}: {reason}); they need "
                "`pip install 'ganlab[inception]'` and the FID weights (pt_inception-2015-12-05), downloaded on "
                "first use or given offline with --set diag.fid.weights=FILE; or give the dataset an extractor "
                "(features = \"NAME\" on its class, `ganlab list extractors`), or --set diag.fid.features=digits for digit data"
            ) from None
        self.protocol = "inception-v3 (2048-d pool3, torch-fidelity FID weights)"
        self.identity = f"inception-v3-compat:{_sha(path) if path else 'torch-fidelity download'}"

    @staticmethod
    def to_uint8(x: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) in [-1, 1] -> (B, 3, H, W) uint8 in [0, 255], rounded; grey repeated."""
        if x.shape[1] == 1:
            x = x.repeat(1, 3, 1, 1)
        return ((x.float() + 1) * 127.5).round().clamp(0, 255).to(torch.uint8)

    @torch.no_grad()
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(self.to_uint8(x)).reshape(len(x), -1)


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
    if not getattr(extractor, "identity", ""):
        extractor.identity = f"{name}:{extractor.protocol}"
    return extractor


_last: tuple = (None, None, None)  # (extractor identity, samples tensor, features): one evaluation's cache


def features_in_batches(extractor: nn.Module, images: torch.Tensor, batch: int = 500) -> torch.Tensor:
    """Features of ``images`` (float64, CPU); fid, kid and precision-recall on the same samples
    share one pass."""
    global _last
    if _last[0] == extractor.identity and _last[1] is images:
        return _last[2]
    out = torch.cat([extractor(images[i : i + batch]).double().cpu() for i in range(0, len(images), batch)])
    _last = (extractor.identity, images, out)
    return out
