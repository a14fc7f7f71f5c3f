"""How fast ``ganlab eval`` scores samples on the CPU, and what the reference cache saves.

    python benchmarks/eval_throughput.py

- the digits CNN (the offline extractor of ``digits``): samples/s over 10,000 generated-size
  images (1x32x32), in batches of 500, as an evaluation runs it;
- Inception-v3 (torch-fidelity's FID network, resized to 299): samples/s over 200 images. No
  weights can be downloaded here, so the network is built with random weights (the same
  architecture and arithmetic; speed does not depend on the values), as tests/test_evaluate.py does;
- the reference cache: the time to set up FID on the digits (1,797 real images through the
  extractor) with an empty cache, then again with the entry cached.
Numbers depend on the machine and its load; threads: torch's default.
"""

from __future__ import annotations

import os
import tempfile
import time

import torch


def rate(fn, n: int) -> float:
    start = time.perf_counter()
    fn()
    return n / (time.perf_counter() - start)


def main() -> None:
    import ganlab.testing as gt
    from ganlab.plugins.datasets.images import Digits
    from ganlab.plugins.diagnostics.features import features_in_batches, get_extractor
    from ganlab.plugins.diagnostics.quality import Fid

    digits = Digits()
    x = digits.batch(10000, torch.Generator().manual_seed(0))
    ext = get_extractor("digits", digits)
    features_in_batches(ext, x[:500])  # warm up
    print(f"digits CNN: {rate(lambda: features_in_batches(ext, x.clone()), len(x)):,.0f} samples/s (1x32x32, batches of 500)")

    from ganlab.plugins.diagnostics.features import fidelity_importable

    fidelity_importable()  # torch-fidelity without the torchvision it would import
    import torch_fidelity.feature_extractor_inceptionv3 as fx

    fx.load_state_dict_from_url = lambda *a, **k: {}
    fx.FeatureExtractorInceptionV3.load_state_dict = lambda self, sd, strict=True: None
    net = fx.FeatureExtractorInceptionV3("inception-v3-compat", ["2048"]).eval()
    images = ((x[:200].repeat(1, 3, 1, 1) + 1) * 127.5).round().to(torch.uint8)
    with torch.no_grad():
        net(images[:8])
        r = rate(lambda: [net(images[i : i + 50]) for i in range(0, 200, 50)], 200)
    print(f"Inception-v3: {r:,.1f} samples/s (299x299 after resizing, batches of 50)")

    with tempfile.TemporaryDirectory() as cache:
        os.environ["GANLAB_CACHE"] = cache
        times = []
        for _ in range(2):
            fid = Fid()
            start = time.perf_counter()
            fid.setup(gt.info_for(digits, **{"data.name": "digits"}), digits)
            times.append((time.perf_counter() - start, fid.reference))
    (cold, how_cold), (warm, how_warm) = times
    print(f"reference for FID on the digits: {cold:.3f} s {how_cold}, {warm:.3f} s {how_warm}")


if __name__ == "__main__":
    main()
