"""An architecture layer by layer: output shapes and parameter counts (``ganlab inspect``).

>>> import ganlab
>>> from ganlab.describe import describe
>>> info = describe(ganlab.load_config(overrides={"arch.name": "dcgan"}), data_shape=(3, 64, 64))
>>> info["generator"]["parameters"], info["discriminator"]["parameters"]
(3576704, 2765568)

The networks are built exactly as a run builds them, with what the core adds to D (packing,
spectral normalisation); a spectrally normalised layer is shown as one row with its weights.
torch's global random state is left untouched.
"""

from __future__ import annotations

from typing import Any


def _is_leaf(mod: Any) -> bool:
    from torch.nn.utils import parametrize

    return parametrize.is_parametrized(mod) or next(iter(mod.children()), None) is None


def _layers(module: Any, run: Any) -> dict[str, Any]:
    from torch.nn.utils import parametrize

    rows: list[dict[str, Any]] = []
    handles = []
    inside: list[str] = []  # parametrized layers: their own parts are not rows
    for name, mod in module.named_modules():
        if any(name.startswith(p + ".") for p in inside) or not _is_leaf(mod):
            continue
        if parametrize.is_parametrized(mod):
            inside.append(name)

        def hook(m, inputs, output, name=name):
            rows.append({
                "name": name,
                "layer": _label(m),
                "output_shape": list(output.shape[1:]),
                "parameters": sum(p.numel() for p in m.parameters()),
            })  # fmt: skip

        handles.append(mod.register_forward_hook(hook))
    try:
        out = run()
    finally:
        for h in handles:
            h.remove()
    return {"layers": rows, "parameters": sum(p.numel() for p in module.parameters()), "output": out}


def _label(m: Any) -> str:
    from torch.nn.utils import parametrize

    if not parametrize.is_parametrized(m):
        return repr(m).replace("\n", " ")
    kinds = sorted({type(p).__name__.lstrip("_") for plist in m.parametrizations.values() for p in plist})
    return f"{type(m).__name__.removeprefix('Parametrized')}({m.extra_repr()}) + {', '.join(kinds)}"


def describe(config: Any, data_shape: tuple[int, ...] | None = None) -> dict[str, Any]:
    """Layers of ``config``'s architecture for ``data_shape`` (default: its dataset's shape)."""
    import torch

    from ganlab.engine.build import build_gan, create
    from ganlab.manager import get_manager

    m = get_manager()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        if data_shape is None:
            data_shape = tuple(create(m, "dataset", config.data.name, **config.data.options).shape)
        gan = build_gan(m, config, tuple(data_shape))
        g, d = gan.generator.eval(), gan.discriminator.eval()
        with torch.no_grad():
            gen = _layers(g, lambda: g(gan.latent(2 * config.train.pack)))
            disc = _layers(d, lambda: d(gen["output"]))
    for part in (gen, disc):
        part.pop("output")
    return {"arch": config.arch.name, "data_shape": list(data_shape), "latent_dim": gan.latent_dim, "generator": gen, "discriminator": disc}
