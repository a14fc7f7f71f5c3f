"""Data held as one tensor on the training device; batches are drawn there by random indexing."""

from __future__ import annotations

import torch

from ganlab.components import Dataset


class InMemory(Dataset):
    """A dataset whose samples are the rows of ``self.tensor`` (N, *shape)."""

    tensor: torch.Tensor

    def __len__(self) -> int:
        return len(self.tensor)

    def to(self, device):
        self.tensor = self.tensor.to(device)
        return self

    def batch(self, n, generator):
        idx = torch.randint(len(self.tensor), (n,), generator=generator, device=self.tensor.device)
        return self.tensor[idx]  # (n, *shape), uniformly with replacement

    def all_samples(self):
        return self.tensor

    def batch_shard(self, n, generator, rows):
        idx = torch.randint(len(self.tensor), (n,), generator=generator, device=self.tensor.device)
        return self.tensor[idx[rows]]  # gathers only this process's rows
