"""How spread out are the generated samples, against the real ones?"""

import torch

from ganlab.components import Diagnostic


class Spread(Diagnostic):
    """Per-dimension std of generated against real samples; flags a sampler that has shrunk."""

    when = "eval"
    kinds = ("points",)
    better = {"ratio": "higher"}

    def __init__(self, min_ratio: float = 0.5):
        self.min_ratio = min_ratio
        self.state = ("ok", "")

    def evaluate(self, step, samples, dataset):
        real = dataset.batch(len(samples), torch.Generator(device="cpu").manual_seed(0)).cpu()
        ratio = float((samples.std(dim=0) / real.std(dim=0).clamp_min(1e-12)).mean())
        if ratio < self.min_ratio:
            self.state = ("warning", f"samples spread {ratio:.2f}x as far as the data: collapsing?")
        else:
            self.state = ("ok", f"spread ratio {ratio:.2f}")
        return {"ratio": ratio}

    def verdict(self):
        return self.state
