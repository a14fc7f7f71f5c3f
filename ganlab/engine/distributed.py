"""Data-parallel training over several processes (torch.distributed), as torchrun starts them.

    torchrun --nproc_per_node=2 -m ganlab run ...     # or: ganlab run --nproc 2 ...

How a run is split, so that N processes train the same run one process would:
  - ``train.batch_size`` is the global batch. Every process draws the whole batch's random
    numbers from the run's one shared stream (same seed everywhere) and keeps its own rows
    ``[rank * B/N, (rank + 1) * B/N)``: data and noise are sharded, and the random streams stay
    identical on every rank, so a checkpoint written by N processes resumes on M.
  - G and D are wrapped in DistributedDataParallel: gradients are averaged over ranks, which is
    the gradient of the global batch's mean loss. The generator step goes through D's plain
    module with D frozen, so D's gradients are never computed, let alone all-reduced, twice.
  - BatchNorm layers normalise each rank's shard (a "ghost batch" of B/N); buffers are not
    broadcast, and the checkpoint keeps rank 0's running statistics.
  - Only rank 0 builds diagnostics, fires the lifecycle hooks and writes the run directory.
    Logged losses and D outputs are averaged over ranks at each logging point, in the same
    collective that agrees on stopping (Ctrl-C, non-finite values), so every rank stops at once.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from typing import Any

from ganlab.errors import GanlabError


@dataclass(frozen=True)
class World:
    """This process's place among the run's processes (rank 0 of 1 when not distributed)."""

    rank: int = 0
    size: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        return self.rank == 0

    @property
    def active(self) -> bool:
        return self.size > 1

    def shard(self, n: int) -> slice:
        """This rank's rows of a global batch of n."""
        b = n // self.size
        return slice(self.rank * b, (self.rank + 1) * b)


def from_env() -> World:
    """The world torchrun describes in RANK / WORLD_SIZE / LOCAL_RANK (a single process if unset)."""
    try:
        size = int(os.environ.get("WORLD_SIZE", "1"))
        rank = int(os.environ.get("RANK", "0"))
        local = int(os.environ.get("LOCAL_RANK", str(rank)))
    except ValueError:
        raise GanlabError("RANK, WORLD_SIZE and LOCAL_RANK must be integers (torchrun sets them)") from None
    return World(rank, size, local)


def check_batch(batch_size: int, world: World, pack: int = 1) -> None:
    if batch_size % world.size:
        raise GanlabError(
            f"train.batch_size {batch_size} does not split evenly over {world.size} processes; "
            f"use a multiple of {world.size} (it is the global batch)"
        )
    if (batch_size // world.size) % pack:
        raise GanlabError(
            f"train.batch_size {batch_size} over {world.size} processes gives shards of {batch_size // world.size}, "
            f"which do not divide into packs of train.pack = {pack}; use a multiple of {world.size * pack}"
        )


def init(world: World, device: Any) -> None:
    """Join the process group (NCCL on CUDA, gloo on the CPU); a no-op for a single process."""
    if not world.active:
        return
    import torch.distributed as dist

    if not dist.is_initialized():
        backend = "nccl" if device.type == "cuda" else "gloo"
        attempt = os.environ.get("TORCHELASTIC_RESTART_COUNT", "0")
        if attempt in ("", "0"):
            dist.init_process_group(backend, rank=world.rank, world_size=world.size)
            return
        # A restarted group meets in the same store as the group that failed, whose processes'
        # addresses are still in it: a prefix per attempt keeps the new group from dialling the dead.
        store, _, _ = next(dist.rendezvous("env://", world.rank, world.size))
        store = dist.PrefixStore(f"ganlab/attempt-{attempt}", store)
        dist.init_process_group(backend, store=store, rank=world.rank, world_size=world.size)


def wrap(module: Any, world: World, device: Any) -> Any:
    """``module`` in DistributedDataParallel (no buffer broadcast), or itself for one process."""
    if not world.active or not any(p.requires_grad for p in module.parameters()):
        return module
    from torch.nn.parallel import DistributedDataParallel

    ids = [device.index] if device.type == "cuda" else None
    with warnings.catch_warnings():  # torch 2.13 deprecates the name, not the behaviour we rely on (rank-local buffers)
        warnings.simplefilter("ignore", FutureWarning)
        return DistributedDataParallel(module, device_ids=ids, broadcast_buffers=False)


def reduce_mean(values: Any, world: World) -> Any:
    """Average a 1-D tensor over ranks in place (gloo has no AVG: SUM, then divide)."""
    if world.active:
        import torch.distributed as dist

        dist.all_reduce(values)
        values /= world.size
    return values


def mean_differentiable(tensors: list[Any], world: World) -> list[Any]:
    """The ranks' average of each tensor, as one all-reduce that autograd differentiates through
    (its backward all-reduces the gradients): the unrolled look-ahead's D gradients, so every
    rank takes the look-ahead step one process would take on the global batch."""
    if not world.active:
        return tensors
    import torch
    from torch.distributed.nn.functional import all_reduce

    flat = all_reduce(torch.cat([t.reshape(-1) for t in tensors])) / world.size
    return [part.view_as(t) for part, t in zip(flat.split([t.numel() for t in tensors]), tensors)]


def broadcast(obj: Any, world: World) -> Any:
    """Rank 0's ``obj`` on every rank."""
    if not world.active:
        return obj
    import torch.distributed as dist

    box = [obj]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def agree(message: str | None, world: World) -> str | None:
    """Every rank's one-line problem (or None), gathered: the first one, on every rank. Called by
    every rank at the same point, so a mistake one rank finds stops them all instead of leaving
    the others waiting in a collective."""
    if not world.active:
        return message
    import torch.distributed as dist

    messages: list[str | None] = [None] * world.size
    dist.all_gather_object(messages, message)
    return next((m for m in messages if m), None)


def shutdown(world: World, clean: bool = True) -> None:
    """Leave the process group. After a run every rank ended the same way (``clean``), they meet
    in a barrier first, so no rank exits while a peer's collective threads still talk to it. After
    a failure on one rank there is no barrier (the others may be inside another collective): the
    group is destroyed and the peers' next collective fails at once instead of waiting."""
    if world.active:
        import torch.distributed as dist

        if dist.is_initialized():
            try:
                if clean:
                    dist.barrier()
            finally:
                dist.destroy_process_group()
