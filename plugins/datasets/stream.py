"""Data too large to hold on the device: batches stream through a DataLoader."""

from __future__ import annotations

import torch

from ganlab.components import Dataset


class StreamingImages(Dataset):
    """Wraps a torch Dataset of (C, H, W) tensors; sampling with replacement, seeded from the run.

    Unlike in-memory data, a resumed streaming run is not bit-identical to a straight one (the
    loader's worker state is not checkpointed)."""

    kind = "images"

    def __init__(self, source: torch.utils.data.Dataset, shape: tuple[int, ...], workers: int = 2):
        self.source, self.shape, self.workers = source, tuple(shape), workers
        self.device = torch.device("cpu")
        self._it = None
        self._n = None

    def to(self, device):
        self.device = torch.device(device)
        return self

    def batch(self, n, generator):
        if self._it is None or n != self._n:
            seed = int(torch.randint(2**62, (1,), generator=generator, device=generator.device))
            g = torch.Generator().manual_seed(seed)
            sampler = torch.utils.data.RandomSampler(self.source, replacement=True, num_samples=2**62, generator=g)
            loader = torch.utils.data.DataLoader(
                self.source, batch_size=n, sampler=sampler, num_workers=self.workers,
                pin_memory=self.device.type == "cuda", persistent_workers=self.workers > 0, drop_last=True,
            )  # fmt: skip
            self._it, self._n = iter(loader), n
        return next(self._it).to(self.device, non_blocking=True)
