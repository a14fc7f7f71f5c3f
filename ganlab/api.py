"""The Python API the CLI is a thin layer over; a notebook uses it the same way.

    import ganlab
    cfg = ganlab.load_config("configs/mlp-grid25.toml", overrides={"train.steps": 500, "seed": 1})
    result = ganlab.train(cfg, out="runs/grid-s1")
    result.summary["status"], result.summary["metrics"]["mode-coverage/modes"]

    run = ganlab.load_run("runs/grid-s1")
    run.config, run.summary, run.metrics        # config.toml, summary.json, metrics.jsonl
    run.sample(1000)                            # (1000, 2) tensor from the last checkpoint
    ganlab.resume("runs/grid-s1", steps=1000)   # continue to step 1000
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ganlab import config as cfgmod
from ganlab import distributed, fastpath
from ganlab.config import COMPONENT_SECTIONS, Config
from ganlab.errors import GanlabError
from ganlab.manager import get_manager
from ganlab.rundir import RunDir, default_run_dir

_KIND = {"arch": "architecture", "loss": "loss", "data": "dataset", "reg": "regularizer"}
OPTIMIZERS = ("adam", "rmsprop")
SCHEDULES = ("constant", "linear", "cosine")


def load_config(
    path: str | Path | None = None,
    overrides: dict[str, Any] | None = None,
    sets: list[str] | tuple[str, ...] = (),
) -> Config:
    """Resolve a config: defaults < components' recommended values < file < sets < overrides.

    ``sets`` are ``KEY=VALUE`` strings as given to ``--set``; ``overrides`` maps dotted keys to
    values (``{"train.steps": 500}``), as the named command-line flags do, and wins over both.
    A None override is ignored (an unset flag). The result names every option explicitly.
    """
    raw: dict[str, Any] = cfgmod.read_toml(path) if path is not None else {}
    raw = cfgmod.merge(raw, cfgmod.parse_set(sets))
    for key, value in (overrides or {}).items():
        if value is not None:
            layer: dict[str, Any] = {}
            cfgmod.set_dotted(layer, key, value)
            raw = cfgmod.merge(raw, layer)
    return resolve(raw)


def resolve(raw: dict[str, Any]) -> Config:
    """Turn nested user data into a fully resolved, validated Config."""
    m = get_manager()
    recommended: dict[str, Any] = {}
    entries = {}
    # Components in order (arch, loss, data): each may recommend defaults, including the next
    # one's name (dcgan recommends the digits dataset); what the user wrote always wins.
    for sec in COMPONENT_SECTIONS:
        current = Config.from_dict(cfgmod.merge(recommended, raw))  # checks keys and types
        entry = m.registry(_KIND[sec]).get(getattr(current, sec).name)
        entries[sec] = entry
        for key, value in getattr(entry.load(), "recommended", {}).items():
            if not key.startswith(tuple(f"{s}." for s in COMPONENT_SECTIONS[: COMPONENT_SECTIONS.index(sec) + 1])):
                cfgmod.set_dotted(recommended, key, value)
    cfg = Config.from_dict(cfgmod.merge(recommended, raw))
    for sec in COMPONENT_SECTIONS:
        comp = getattr(cfg, sec)
        comp.name = entries[sec].name  # aliases resolve to the canonical name
        comp.options = validate_options(sec, entries[sec], comp.options)
    cfg.diagnostics = resolve_diagnostics(cfg.diagnostics, entries["data"])
    resolve_diag_options(cfg)
    _check_ranges(cfg)
    return cfg


def validate_options(section: str, entry: Any, given: dict[str, Any], kind: str | None = None) -> dict[str, Any]:
    """Check ``given`` against the factory's keyword options; return every option, defaults filled."""
    params = entry.options()
    out = {}
    for key, value in given.items():
        if key not in params:
            close = difflib.get_close_matches(key, list(params), n=1)
            hint = f" Did you mean {section}.{close[0]}?" if close else ""
            known = ", ".join(sorted(params)) or "none"
            raise GanlabError(
                f"unknown config key '{section}.{key}' for {kind or _KIND[section]} {entry.name!r}.{hint} Its options: {known}"
            )
    for key, p in params.items():
        value = given.get(key, p.default)
        if key in given and p.default is not None and value is not None:
            value = cfgmod.coerce(f"{section}.{key}", value, type(p.default))
        if value is not None:  # TOML has no null: an unset optional option stays out of config.toml
            out[key] = value
    return out


def resolve_diagnostics(names: list[str], data_entry: Any) -> list[str]:
    reg = get_manager().registry("diagnostic")
    dataset_cls = data_entry.load()
    out: list[str] = []
    for name in names:
        if name == "auto":
            for e in reg:
                factory = e.load()
                if getattr(factory, "auto", False) and _supports(factory, dataset_cls, auto=True):
                    out.append(e.name)
        else:
            entry = reg.get(name)
            if not _supports(entry.load(), dataset_cls, auto=False):
                raise GanlabError(
                    f"diagnostic {entry.name!r} does not apply to dataset {data_entry.name!r} "
                    f"({getattr(dataset_cls, 'kind', 'points')} data{_lacks(entry.load(), dataset_cls)})"
                )
            out.append(entry.name)
    return list(dict.fromkeys(out))


def _supports(factory: Any, dataset_cls: Any, auto: bool) -> bool:
    """Whether a diagnostic applies to a dataset: its ``kinds`` and the dataset attribute it
    ``needs``; for the ``auto`` set also the attribute named by ``auto_if``."""
    if getattr(dataset_cls, "kind", "points") not in getattr(factory, "kinds", ("points", "images")):
        return False
    needs = [getattr(factory, "needs", None)] + ([getattr(factory, "auto_if", None)] if auto else [])
    return all(getattr(dataset_cls, n, False) for n in needs if n)


def _lacks(factory: Any, dataset_cls: Any) -> str:
    needs = getattr(factory, "needs", None)
    return f" without {needs!r}" if needs and not getattr(dataset_cls, needs, False) else ""


def resolve_diag_options(cfg: Config) -> None:
    reg = get_manager().registry("diagnostic")
    for name in cfg.diag:
        if name not in cfg.diagnostics:
            raise GanlabError(f"config table [diag.{name}] is for a diagnostic this run does not use ({', '.join(cfg.diagnostics) or 'none'})")
    cfg.diag = {name: validate_options(f"diag.{name}", reg.get(name), cfg.diag.get(name, {}), kind="diagnostic") for name in cfg.diagnostics}
    cfg.diag = {k: v for k, v in cfg.diag.items() if v}


def _check_ranges(cfg: Config) -> None:
    t, lg = cfg.train, cfg.log
    for key, value in (("train.steps", t.steps), ("train.batch_size", t.batch_size), ("train.d_steps", t.d_steps), ("log.every", lg.every)):
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
    fastpath.check(cfg.perf)
    for key, value in (("log.eval_every", lg.eval_every), ("log.checkpoint_every", lg.checkpoint_every)):
        if value < 0:
            raise GanlabError(f"config key {key!r} must be 0 (only at the end) or more, got {value}")


@dataclass
class RunResult:
    dir: Path
    summary: dict[str, Any]
    config: Config


def _build_trainer(cfg: Config, rd: RunDir, with_diagnostics: bool = True, world: Any = None) -> Any:
    from ganlab.trainer import Trainer

    m = get_manager()
    names = cfg.diagnostics if with_diagnostics and (world is None or world.main) else []
    diags = [(n, m.registry("diagnostic").create(n, **cfg.diag.get(n, {}))) for n in names]
    return Trainer(cfg, rd, m, diagnostics=diags, world=world)


def _join(cfg: Config) -> distributed.World:
    """This process's world (torchrun's environment), joined before anything is written."""
    world = distributed.from_env()
    if world.active:
        from ganlab.trainer import resolve_device

        distributed.init(world, resolve_device(cfg.device, world))  # the Trainer checks the batch split
    return world


def train(cfg: Config, out: str | Path | None = None, *, name: str | None = None, root: str | Path = "runs") -> RunResult:
    """Train a new run into ``out`` (or a fresh directory under ``root``) and return its summary.
    Under torchrun, every process trains its shard and rank 0 alone writes (ganlab.distributed)."""
    world = _join(cfg)
    path = None
    if world.main:
        if out is None:
            stem = name or f"{cfg.arch.name}-{cfg.loss.name}-{cfg.data.name}-s{cfg.seed}"
            path = Path(root) / name if name else default_run_dir(root, stem)
        else:
            path = Path(out)
    rd = RunDir(distributed.broadcast(path, world))
    if world.main:
        rd.create()
    try:
        trainer = _build_trainer(cfg, rd, world=world)
    except BaseException:
        if world.main:
            _remove_if_empty(rd)
        raise
    if world.main:
        cfgmod.write_toml(rd.config_path, cfg.to_dict())
    try:
        summary = trainer.fit()
    except GanlabError:
        if trainer.step == 0 and world.main:  # refused before training (a diagnostic or listener's setup): leave no husk
            rd.config_path.unlink(missing_ok=True)
            (rd.path / "metrics.jsonl").unlink(missing_ok=True)
            _remove_if_empty(rd)
        raise
    distributed.shutdown(world)
    return RunResult(rd.path, summary, cfg)


def resume(path: str | Path, steps: int | None = None) -> RunResult:
    """Continue a run from its last checkpoint, to ``steps`` (default: its configured steps)."""
    rd = RunDir(path)
    if not rd.is_run():
        raise GanlabError(f"{str(path)!r} is not a run directory (no config.toml)")
    cfg = resolve(cfgmod.read_toml(rd.config_path))
    from ganlab.rundir import load_checkpoint

    state = load_checkpoint(rd.last_checkpoint)
    if steps is not None:
        if steps < 1:
            raise GanlabError(f"--steps must be at least 1, got {steps}")
        cfg.train.steps = steps
    if cfg.train.steps < int(state["step"]):
        raise GanlabError(f"--steps {cfg.train.steps} is before the checkpoint's step {state['step']}; ask for more")
    world = _join(cfg)  # a checkpoint from N processes resumes on any M that divides the batch
    trainer = _build_trainer(cfg, rd, world=world)
    trainer.load_state_dict(state)
    if world.main:
        cfgmod.write_toml(rd.config_path, cfg.to_dict())
    summary = trainer.fit(resumed=True)
    distributed.shutdown(world)
    return RunResult(rd.path, summary, cfg)


def _remove_if_empty(rd: RunDir) -> None:
    for sub in (rd.checkpoints, rd.samples, rd.path):
        try:
            sub.rmdir()
        except OSError:
            pass


@dataclass
class Run:
    """A run directory read back: config, summary, metrics, and its generator."""

    dir: Path
    config: Config
    summary: dict[str, Any] | None
    metrics: list[dict[str, Any]] = field(default_factory=list)
    _trainer_cache: Any = field(default=None, repr=False)

    def _trainer(self) -> Any:
        """A CPU trainer holding the last checkpoint's generator (built once)."""
        if self._trainer_cache is None:
            import dataclasses

            from ganlab.rundir import load_checkpoint

            rd = RunDir(self.dir)
            state = load_checkpoint(rd.last_checkpoint)
            trainer = _build_trainer(dataclasses.replace(self.config, device="cpu"), rd, with_diagnostics=False)
            trainer.G.load_state_dict(state["generator"])
            if trainer.G_ema is not None:
                trainer.G_ema.load_state_dict(state.get("generator_ema", state["generator"]))
            self._trainer_cache = trainer
        return self._trainer_cache

    def sample(self, n: int, seed: int = 0) -> Any:
        """n samples from the last checkpoint's generator, (n, *data_shape), on the CPU."""
        return self._trainer().generate(n, seed=seed)

    def real(self, n: int, seed: int = 0) -> Any:
        """n samples of the run's real data, (n, *data_shape), on the CPU."""
        return self._trainer().real_samples(n, seed)


def load_run(path: str | Path) -> Run:
    rd = RunDir(path)
    if not rd.is_run():
        raise GanlabError(f"{str(path)!r} is not a run directory (no config.toml)")
    cfg = resolve(cfgmod.read_toml(rd.config_path))
    return Run(rd.path, cfg, rd.read_summary(), rd.read_metrics())
