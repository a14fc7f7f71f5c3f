"""What a config builds: the components of a run, and where they run.

>>> import ganlab
>>> from ganlab.engine.build import build
>>> parts = build(ganlab.load_config(overrides={"device": "cpu"}))
>>> type(parts.loss).__name__, parts.dataset.shape, parts.gan.latent_dim, [n for n, _ in parts.diagnostics][:2]
('NonSaturating', (2,), 16, ['divergence', 'equilibrium'])
>>> parts.components["arch"]["plugin"], parts.components["arch"]["distribution"]
('archs', 'ganlab')

Model initialisation is seeded with ``config.seed`` (torch's global generator, as every
``nn.Module`` initialiser uses it), in a fixed order: dataset, architecture, the core's changes to
D (packing, spectral normalisation), loss, regularizer, diagnostics. A component whose plugin
raises is a :class:`ganlab.errors.PluginError`: one line naming it and its plugin.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from typing import Any

import torch

from ganlab.components import GAN, Dataset, Diagnostic, Loss, Regularizer
from ganlab.config import Config
from ganlab.engine import distributed
from ganlab.engine.devices import resolve_device
from ganlab.engine.distributed import World
from ganlab.errors import GanlabError, PluginError
from ganlab.manager import Manager, get_manager
from ganlab.nn import Packed, spectral_normalize
from ganlab.resolve import NO_REGULARIZER, applies


@dataclass
class Parts:
    """The components a config names, built and placed on the run's device."""

    config: Config
    device: torch.device
    world: World
    dataset: Dataset
    gan: GAN  # D is the packed one with train.pack > 1
    loss: Loss
    regularizer: Regularizer
    diagnostics: list[tuple[str, Diagnostic]] = field(default_factory=list)
    components: dict[str, Any] = field(default_factory=dict)  # provenance of each, for summary.json


def create(manager: Manager, kind: str, name: str, /, **options: Any) -> Any:
    """``registry(kind).create(name, **options)``, a plugin's own bug reported in one line."""
    entry = manager.registry(kind).get(name)
    factory = entry.load()
    try:
        return factory(**options)
    except GanlabError:
        raise
    except Exception as exc:
        raise PluginError(
            f"{kind} {entry.name!r} (plugin {entry.plugin!r}) raised {type(exc).__name__}: {_one_line(exc)}",
            traceback.format_exc(),
        ) from exc


def _one_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else ""


def provenance(manager: Manager, kind: str, name: str) -> dict[str, Any]:
    entry = manager.registry(kind).get(name)
    return {"name": manager.registry(kind).canonical(name), **manager.provenance(entry.plugin)}


def build(config: Config, manager: Manager | None = None, *, world: World | None = None, diagnostics: bool = True) -> Parts:
    """Build every component of a run; only rank 0 builds diagnostics."""
    m = manager or get_manager()
    world = world or World()
    c = config
    device = resolve_device(c.device, world)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    distributed.check_batch(c.train.batch_size, world, c.train.pack)
    torch.manual_seed(c.seed)  # model initialisation: the same on every rank
    dataset = create(m, "dataset", c.data.name, **c.data.options).to(device)
    shape = tuple(dataset.shape)
    gan = build_gan(m, c, shape)
    loss = create(m, "loss", c.loss.name, **c.loss.options)
    regularizer = Regularizer() if c.reg.name == NO_REGULARIZER else create(m, "regularizer", c.reg.name, **c.reg.options)
    components = {sec: provenance(m, kind, getattr(c, sec).name) for sec, kind in
                  (("arch", "architecture"), ("loss", "loss"), ("data", "dataset"))}  # fmt: skip
    if c.reg.name != NO_REGULARIZER:
        components["reg"] = provenance(m, "regularizer", c.reg.name)
    diags: list[tuple[str, Diagnostic]] = []
    if diagnostics and world.main:
        for name in c.diagnostics:
            factory = m.registry("diagnostic").get(name).load()
            if not applies(factory, dataset, auto=False):
                raise GanlabError(f"diagnostic {name!r} does not apply to dataset {c.data.name!r} as built "
                                  f"({dataset.kind} data, {getattr(factory, 'needs', None) or 'kind'} not provided)")  # fmt: skip
            diags.append((name, create(m, "diagnostic", name, **c.diag.get(name, {}))))
        components["diagnostics"] = {name: provenance(m, "diagnostic", name) for name, _ in diags}
    return Parts(c, device, world, dataset, gan, loss, regularizer, diags, components)


def build_gan(m: Manager, c: Config, shape: tuple[int, ...]) -> GAN:
    """The architecture for ``shape``, then what the core adds to D: packing (a second build for
    the widened input, whose D is kept) and spectral normalisation."""
    entry = m.registry("architecture").get(c.arch.name)
    options = dict(c.arch.options)
    core_sn = False if "spectral_norm" in entry.options() else options.pop("spectral_norm", False)
    gan = _architecture(m, c.arch.name, shape, options)
    pack = c.train.pack
    if pack > 1:
        packed = _architecture(m, c.arch.name, (shape[0] * pack, *shape[1:]), options)
        gan = GAN(gan.generator, Packed(packed.discriminator, pack), gan.latent_dim)
    if core_sn:
        spectral_normalize(gan.discriminator)
    return gan


def _architecture(m: Manager, name: str, shape: tuple[int, ...], options: dict[str, Any]) -> GAN:
    gan = create(m, "architecture", name, data_shape=shape, **options)
    if not isinstance(gan, GAN):
        entry = m.registry("architecture").get(name)
        raise PluginError(f"architecture {entry.name!r} (plugin {entry.plugin!r}) returned a {type(gan).__name__}, not a ganlab.components.GAN")
    return gan
