"""The GPU fast path: each part switchable in ``[perf]``, "auto" turning on what helps where.

    fp = FastPath.resolve(config.perf, device, image_data=True)
    with fp.autocast():                  # bf16 autocast of G and D forwards (and the losses)
        ...
    fp.optimizer_options("adam")         # {"fused": True} on CUDA

    perf.amp             auto | bf16 | off     auto: bf16 on a CUDA GPU that supports it; off on CPU
    perf.channels_last   auto | on | off       auto: on for image data on CUDA
    perf.optimizer_impl  auto | fused | foreach | for-loop   auto: fused Adam on CUDA, torch's own choice on CPU
    perf.compile         off | default | reduce-overhead | max-autotune   torch.compile of G and D (opt-in)

On the CPU, "auto" leaves everything off: fp32, torch's default layout and optimizer, no compile,
so CPU results are exact and checkpoints resume bit-identically. bf16 needs no loss scaling
(GradScaler is for fp16), and backward runs outside the autocast region, as PyTorch advises.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, Callable

from ganlab.errors import GanlabError

CHOICES = {
    "amp": ("auto", "bf16", "off"),
    "channels_last": ("auto", "on", "off"),
    "optimizer_impl": ("auto", "fused", "foreach", "for-loop"),
    "compile": ("off", "default", "reduce-overhead", "max-autotune"),
}


def check(perf: Any) -> None:
    for key, allowed in CHOICES.items():
        value = getattr(perf, key)
        if value not in allowed:
            raise GanlabError(f"config key 'perf.{key}' must be one of {', '.join(allowed)}, got {value!r}")


@dataclass(frozen=True)
class FastPath:
    """What a run actually uses, after "auto" is decided for its device and data."""

    amp: bool = False
    channels_last: bool = False
    optimizer_impl: str = "default"  # fused | foreach | for-loop | default (torch decides)
    compile: str = "off"
    device_type: str = "cpu"

    @classmethod
    def resolve(cls, perf: Any, device: Any, image_data: bool) -> FastPath:
        import torch

        cuda = device.type == "cuda"
        if perf.amp == "auto":
            amp = cuda and torch.cuda.is_bf16_supported()
        else:
            amp = perf.amp == "bf16"
        channels_last = (cuda if perf.channels_last == "auto" else perf.channels_last == "on") and image_data
        impl = perf.optimizer_impl
        if impl == "auto":
            impl = "fused" if cuda else "default"
        return cls(amp, channels_last, impl, perf.compile, device.type)

    def describe(self) -> dict[str, Any]:
        """As recorded in summary.json: what the run used."""
        return {
            "amp": "bf16" if self.amp else "off",
            "channels_last": self.channels_last,
            "optimizer_impl": self.optimizer_impl,
            "compile": self.compile,
        }

    def autocast(self) -> Any:
        if not self.amp:
            return contextlib.nullcontext()
        import torch

        return torch.autocast(self.device_type, dtype=torch.bfloat16)

    def optimizer_options(self, optimizer: str) -> dict[str, Any]:
        if self.optimizer_impl == "fused":
            return {"fused": True} if optimizer == "adam" else {"foreach": True}
        if self.optimizer_impl == "foreach":
            return {"foreach": True}
        if self.optimizer_impl == "for-loop":
            return {"foreach": False}
        return {}

    def prepare_module(self, module: Any) -> Any:
        """Memory layout for a model about to be trained (in place; returns it)."""
        if self.channels_last:
            import torch

            module.to(memory_format=torch.channels_last)
        return module

    def prepare_batch(self, x: Any) -> Any:
        if self.channels_last and x.dim() == 4:
            import torch

            return x.contiguous(memory_format=torch.channels_last)
        return x

    def compiled(self, fn: Callable) -> Callable:
        """``torch.compile(fn)`` with the chosen mode, or ``fn`` itself."""
        if self.compile == "off":
            return fn
        import torch

        return torch.compile(fn, mode=self.compile)
