"""Layer-by-layer view of an architecture: output shapes and parameter counts.

    info = describe("dcgan", data_shape=(3, 64, 64))
    info["generator"]["parameters"]   # 3,576,704
"""

from __future__ import annotations

from typing import Any


def _layers(module: Any, run: Any) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    handles = []
    for name, mod in module.named_modules():
        if next(iter(mod.children()), None) is not None:
            continue  # containers: their leaves are listed

        def hook(m, inputs, output, name=name):
            rows.append({
                "name": name,
                "layer": repr(m).replace("\n", " "),
                "output_shape": list(output.shape[1:]),
                "parameters": sum(p.numel() for p in m.parameters(recurse=False)),
            })  # fmt: skip

        handles.append(mod.register_forward_hook(hook))
    try:
        out = run()
    finally:
        for h in handles:
            h.remove()
    return {"layers": rows, "parameters": sum(p.numel() for p in module.parameters()), "output": out}


def describe(arch: str, data_shape: tuple[int, ...], options: dict[str, Any] | None = None) -> dict[str, Any]:
    import torch

    from ganlab.manager import get_manager

    torch.manual_seed(0)
    gan = get_manager().registry("architecture").create(arch, data_shape=tuple(data_shape), **(options or {}))
    g, d = gan.generator.eval(), gan.discriminator.eval()
    with torch.no_grad():
        gen = _layers(g, lambda: g(gan.latent(2)))
        disc = _layers(d, lambda: d(gen["output"]))
    for part in (gen, disc):
        part.pop("output")
    return {"arch": arch, "data_shape": list(data_shape), "latent_dim": gan.latent_dim, "generator": gen, "discriminator": disc}
