"""From what the user wrote to a fully resolved, validated Config.

>>> from ganlab.resolve import resolve
>>> cfg = resolve({"arch": {"name": "radford"}})        # an alias; dcgan recommends the digits
>>> cfg.arch.name, cfg.data.name, cfg.train.lr_g, cfg.arch.options["width"]
('dcgan', 'digits', 0.0002, 64)
>>> cfg.diagnostics
['divergence', 'equilibrium', 'fid', 'gradients', 'kid', 'precision-recall']

Precedence, lowest first: Config's defaults < the components' recommended values (architecture <
loss < dataset < regularizer: a later one wins) < what the user wrote. Every option of every
component is written out, names are canonical, and every value is checked: an unknown key, a
wrong type, a non-finite number or an out-of-range value is one ``GanlabError`` line naming it.
"""

from __future__ import annotations

import difflib
from typing import Any

from ganlab import config as cfgmod
from ganlab.config import Config
from ganlab.errors import GanlabError
from ganlab.kinds import SECTIONS, by_section
from ganlab.manager import get_manager

OPTIMIZERS = ("adam", "rmsprop")
SCHEDULES = ("constant", "linear", "cosine")
MAX_SEED = 2**62  # seeds and the seeds derived from them (+ small offsets) stay valid for torch
MAX_UNROLL = 100  # look-ahead D updates kept in memory for G's gradient (Metz et al. 2017 use 1 to 10)
# Options ganlab itself gives every architecture (applied by the core to any discriminator).
CORE_ARCH_OPTIONS: dict[str, Any] = {"spectral_norm": False}
NO_REGULARIZER = "none"  # reg.name = "none": no regularizer (the core's, not a plugin's)


def resolve(raw: dict[str, Any]) -> Config:
    """Turn nested user data into a fully resolved, validated Config."""
    m = get_manager()
    Config.from_dict(raw)  # the user's own keys and types first, before defaults can hide them
    recommended: dict[str, Any] = {}
    entries: dict[str, Any] = {}
    # Components in order: each may recommend defaults, including a later one's name (dcgan
    # recommends the digits dataset); what the user wrote always wins.
    for i, sec in enumerate(SECTIONS):
        current = Config.from_dict(cfgmod.merge(recommended, raw))
        name = getattr(current, sec).name
        if sec == "reg" and name == NO_REGULARIZER:
            entries[sec] = None
            continue
        entries[sec] = entry = m.registry(by_section(sec).name).get(name)
        factory = entry.load()
        for key, value in (getattr(factory, "recommended", None) or {}).items():
            if not key.startswith(tuple(f"{s}." for s in SECTIONS[: i + 1])):
                cfgmod.set_dotted(recommended, key, value)
    cfg = Config.from_dict(cfgmod.merge(recommended, raw))
    for sec in SECTIONS:
        comp, entry = getattr(cfg, sec), entries[sec]
        if entry is None:
            comp.name = NO_REGULARIZER
            comp.options = validate_options(sec, None, comp.options)
            continue
        comp.name = m.registry(by_section(sec).name).canonical(comp.name)  # aliases resolve to the canonical name
        comp.options = validate_options(sec, entry, comp.options)
    cfg.diagnostics = resolve_diagnostics(cfg.diagnostics, entries["data"])
    resolve_diag_options(cfg)
    check_ranges(cfg)
    return cfg


def validate_options(section: str, entry: Any, given: dict[str, Any], kind: str | None = None) -> dict[str, Any]:
    """Check ``given`` against the factory's keyword options; return every option, defaults filled."""
    params: dict[str, Any] = {k: p.default for k, p in entry.options().items()} if entry is not None else {}
    if section == "arch":
        params = {**CORE_ARCH_OPTIONS, **params}  # a factory's own spectral_norm takes precedence
    out = {}
    for key, value in given.items():
        if key not in params:
            close = difflib.get_close_matches(key, list(params), n=1)
            hint = f" Did you mean {section}.{close[0]}?" if close else ""
            known = ", ".join(sorted(params)) or "none"
            what = f"{kind or by_section(section).name} {entry.name!r}" if entry is not None else "no regularizer ('none')"
            raise GanlabError(f"unknown config key '{section}.{key}' for {what}.{hint} Its options: {known}")
    for key, default in params.items():
        value = given.get(key, default)
        if key in given and default is not None and value is not None:
            value = cfgmod.coerce(f"{section}.{key}", value, type(default))
        cfgmod.check_finite(f"{section}.{key}", value)
        if value is not None:  # TOML has no null: an unset optional option stays out of config.toml
            out[key] = value
    return out


def resolve_diagnostics(names: list[str], data_entry: Any) -> list[str]:
    reg = get_manager().registry("diagnostic")
    dataset = data_entry.load()
    out: list[str] = []
    for name in names:
        if name == "auto":
            for e in reg:
                if reg.canonical(e.qualified) != e.name:
                    continue  # a clashing duplicate joins only when named
                factory = e.load()
                if getattr(factory, "auto", False) and applies(factory, dataset, auto=True):
                    out.append(e.name)
        else:
            entry = reg.get(name)
            if not applies(entry.load(), dataset, auto=False):
                raise GanlabError(
                    f"diagnostic {entry.name!r} does not apply to dataset {data_entry.name!r} "
                    f"({getattr(dataset, 'kind', 'points')} data{_lacks(entry.load(), dataset)})"
                )
            out.append(reg.canonical(name))
    return list(dict.fromkeys(out))


def applies(diagnostic: Any, dataset: Any, auto: bool) -> bool:
    """Whether a diagnostic applies to a dataset (class or instance): its ``kinds`` and the dataset
    attribute it ``needs``; for the ``auto`` set also the attribute named by ``auto_if``."""
    if getattr(dataset, "kind", "points") not in getattr(diagnostic, "kinds", ("points", "images")):
        return False
    needs = [getattr(diagnostic, "needs", None)] + ([getattr(diagnostic, "auto_if", None)] if auto else [])
    return all(getattr(dataset, n, False) for n in needs if n)


def _lacks(diagnostic: Any, dataset: Any) -> str:
    needs = getattr(diagnostic, "needs", None)
    return f" without {needs!r}" if needs and not getattr(dataset, needs, False) else ""


def resolve_diag_options(cfg: Config) -> None:
    reg = get_manager().registry("diagnostic")
    named = {reg.get(n).name: n for n in cfg.diagnostics}
    for name in cfg.diag:
        if name not in cfg.diagnostics and name not in named:
            raise GanlabError(f"config table [diag.{name}] is for a diagnostic this run does not use ({', '.join(cfg.diagnostics) or 'none'})")
    given = {named.get(k, k): v for k, v in cfg.diag.items()}
    cfg.diag = {n: validate_options(f"diag.{n}", reg.get(n), given.get(n, {}), kind="diagnostic") for n in cfg.diagnostics}
    cfg.diag = {k: v for k, v in cfg.diag.items() if v}


def check_ranges(cfg: Config) -> None:
    from ganlab.engine import fastpath

    t, lg = cfg.train, cfg.log
    if not 0 <= cfg.seed < MAX_SEED:
        raise GanlabError(f"config key 'seed' must be an integer from 0 to 2**62 - 1, got {cfg.seed}")
    for key, value in (("train.steps", t.steps), ("train.batch_size", t.batch_size), ("train.d_steps", t.d_steps),
                       ("log.every", lg.every), ("train.pack", t.pack)):  # fmt: skip
        if value < 1:
            raise GanlabError(f"config key {key!r} must be at least 1, got {value}")
    for key, value in (("train.lr_g", t.lr_g), ("train.lr_d", t.lr_d)):
        if not value > 0:
            raise GanlabError(f"config key {key!r} must be positive, got {value}")
    for key, value in (("train.beta1", t.beta1), ("train.beta2", t.beta2)):
        if not 0 <= value < 1:
            raise GanlabError(f"config key {key!r} must be in [0, 1), got {value}")
    if t.optimizer not in OPTIMIZERS:
        raise GanlabError(f"config key 'train.optimizer' must be one of {', '.join(OPTIMIZERS)}, got {t.optimizer!r}")
    if not 0 <= t.ema < 1:
        raise GanlabError(f"config key 'train.ema' must be in [0, 1) (0: off; 0.999 is typical), got {t.ema}")
    if t.lr_schedule not in SCHEDULES:
        raise GanlabError(f"config key 'train.lr_schedule' must be one of {', '.join(SCHEDULES)}, got {t.lr_schedule!r}")
    if t.batch_size % t.pack:
        raise GanlabError(f"train.batch_size {t.batch_size} does not divide into packs of train.pack = {t.pack}; use a multiple of {t.pack}")
    if not 0 <= t.unroll <= MAX_UNROLL:
        raise GanlabError(f"config key 'train.unroll' must be 0 (no unrolling) to {MAX_UNROLL}, got {t.unroll}: every look-ahead "
                          "step stays in memory to be differentiated through (Metz et al. 2017 use 1 to 10)")  # fmt: skip
    fastpath.check(cfg.perf)
    for key, value in (("log.eval_every", lg.eval_every), ("log.checkpoint_every", lg.checkpoint_every), ("log.keep", lg.keep)):
        if value < 0:
            raise GanlabError(f"config key {key!r} must be 0 or more, got {value}")
    if lg.best not in ("auto", "none") and "/" not in lg.best:
        raise GanlabError(f"config key 'log.best' must be auto, none or a metric NAME/KEY like 'fid/fid', got {lg.best!r}")
