"""The Python API the CLI is a thin layer over; a notebook uses it the same way.

    import ganlab
    cfg = ganlab.load_config("configs/grid25.toml", overrides={"train.steps": 500, "seed": 1})
    run = ganlab.train(cfg, out="runs/grid-s1")
    run.summary["status"], run.summary["metrics"]["mode-coverage/modes"]

    run = ganlab.load_run("runs/grid-s1")
    run.config, run.summary, run.metrics        # config.toml, summary.json, metrics.jsonl
    run.sample(1000)                            # (1000, 2) tensor from the last checkpoint
    run.sample(1000, checkpoint="best")         # ... from the best one
    ganlab.resume("runs/grid-s1", steps=1000)   # continue to step 1000

docs/python-api.md runs these lines in its tests. ``train`` and ``resume`` leave torch's global
random state as they found it (training seeds its own), and own the run directory while they
run: a second process gets one line naming the owner.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, Iterator

from ganlab import config as cfgmod
from ganlab.config import Config
from ganlab.engine import distributed
from ganlab.engine.stopping import Terminated
from ganlab.errors import GanlabError, PluginError
from ganlab.resolve import resolve
from ganlab.rundir import RunDir, checkpoint, default_run_dir
from ganlab.run import Run, flatten

# Config keys a checkpoint may differ from its config.toml in: how long and how it is watched,
# not what it learns.
_MAY_DIFFER = ("train.steps", "device", "diagnostics", "diag.", "log.", "perf.")


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
    Config.from_dict(raw)  # a malformed file is named before flags are merged over it
    raw = cfgmod.merge(raw, cfgmod.parse_set(sets))
    for key, value in (overrides or {}).items():
        if value is not None:
            layer: dict[str, Any] = {}
            cfgmod.set_dotted(layer, key, value)
            raw = cfgmod.merge(raw, layer)
    return resolve(raw)


def train(cfg: Config, out: str | Path | None = None, *, name: str | None = None, root: str | Path = "runs") -> Run:
    """Train a new run into ``out`` (or a fresh directory under ``root``) and return it. Under
    torchrun, every process trains its shard and rank 0 alone writes (ganlab.engine.distributed)."""
    world = _join(cfg)
    path = None
    if world.main:
        if out is None:
            stem = name or f"{cfg.arch.name}-{cfg.loss.name}-{cfg.data.name}-s{cfg.seed}"
            path = Path(root) / name if name else default_run_dir(root, stem)
        else:
            path = Path(out)
    rd = RunDir(_agreed(lambda: path, world))
    lock = _agreed(lambda: _claim_new(rd), world)
    try:
        return _fit(cfg, rd, world, resumed=None)
    finally:
        if lock is not None:
            lock.release()


def resume(path: str | Path, steps: int | None = None) -> Run:
    """Continue a run from its last checkpoint, to ``steps`` (default: its configured steps). A run
    that never saved a checkpoint starts again from step 0 with its own config."""
    rd = RunDir(path)
    if not rd.is_run():
        raise GanlabError(f"{str(path)!r} is not a run directory (no config.toml)")
    if steps is not None and steps < 1:
        raise GanlabError(f"--steps must be at least 1, got {steps}")
    cfg = resolve(rd.read_config())
    world = _join(cfg)  # a checkpoint from N processes resumes on any M that divides the batch
    lock = _agreed(lambda: _claim(rd, "ganlab resume"), world)
    try:
        if not rd.last_checkpoint.is_file():
            if steps is not None:
                cfg.train.steps = steps
            if world.main:
                rd.reset()  # ganlab's own files of the attempt that never reached a checkpoint
                rd.write_config(cfg.to_dict())
            return _fit(cfg, rd, world, resumed=None)
        state = checkpoint.load(rd.last_checkpoint)
        _check_matches(cfg, state, rd)
        done = int(state["step"])
        target = cfg.train.steps if steps is None else steps
        if target < done:
            raise GanlabError(f"--steps {target} is before the checkpoint's step {done}; ask for more")
        summary = rd.read_summary()
        if summary and summary["status"] == "completed" and summary["step"] == done == target:
            distributed.shutdown(world)
            return Run(rd.path, rd.read_config(), summary, _config=cfg, notes=[f"already complete at step {done}/{target}; nothing to do"])
        if target != cfg.train.steps:
            cfg.train.steps = target
            if world.main:
                rd.write_config(cfg.to_dict())  # atomically
        return _fit(cfg, rd, world, resumed=state)
    finally:
        if lock is not None:
            lock.release()


def load_run(path: str | Path) -> Run:
    """A run directory read back (its config resolved and checked now)."""
    rd = RunDir(path)
    if not rd.is_run():
        raise GanlabError(f"{str(path)!r} is not a run directory (no config.toml)")
    run = Run.read(rd.path)
    run.config  # noqa: B018 - resolve now, so a problem is reported here, not at first sample
    return run


# -- helpers -----------------------------------------------------------------------------------


def _fit(cfg: Config, rd: RunDir, world: Any, resumed: dict[str, Any] | None) -> Run:
    from ganlab.engine.build import build
    from ganlab.engine.trainer import Trainer
    from ganlab.manager import get_manager

    with _own_random_state():
        try:
            trainer = Trainer(build(cfg, world=world), rd, get_manager().hook)
            if resumed is not None:
                trainer.load_state_dict(resumed, rd.last_checkpoint)
        except PluginError as exc:
            if world.main:
                _forget(rd, keep_error=exc.trace)
            raise PluginError(f"{exc} (traceback in {rd.error_path})", exc.trace) from None
        except BaseException:
            if world.main and resumed is None:
                _forget(rd)
            raise
        if world.main and resumed is None:
            rd.write_config(cfg.to_dict())
        try:
            summary = trainer.fit(resumed=resumed is not None)
        except GanlabError as exc:  # refused before the first step (a setup, a shape): leave no husk
            if world.main and resumed is None and trainer.step == 0:
                trace = getattr(exc, "trace", "") or None
                _forget(rd, keep_error=trace)
                if trace:
                    raise PluginError(f"{exc} (traceback in {rd.error_path})", trace) from None
            raise
    distributed.shutdown(world, clean=summary["status"] != "failed")
    run = Run(rd.path, cfg.to_dict(), summary, _config=cfg)
    if summary.get("stopped_by") == "SIGTERM":
        raise Terminated(run)  # saved; now end as asked (SystemExit 143 unless the caller catches it)
    return run


@contextlib.contextmanager
def _own_random_state() -> Iterator[None]:
    """Training seeds torch's global generator for model initialisation; the caller's stream is
    restored afterwards (CUDA's too)."""
    import torch

    devices = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
    with torch.random.fork_rng(devices=devices):
        yield


def _claim_new(rd: RunDir) -> Any:
    """Own a directory for a new run and make it; refuse one that already holds a run (after
    taking the lock, so a run another process is training is reported as in use, by whom)."""
    if rd.path.exists() and not rd.path.is_dir():
        raise GanlabError(f"--out {str(rd.path)!r} is a file, not a directory")
    lock = rd.lock("ganlab run")
    try:
        rd.create()
    except BaseException:
        lock.release()
        raise
    return lock


def _claim(rd: RunDir, what: str) -> Any:
    lock = rd.lock(what)
    try:
        rd.check_links()
    except BaseException:
        lock.release()
        raise
    return lock


def _forget(rd: RunDir, keep_error: str | None = None) -> None:
    """Remove what this attempt wrote (by name); with ``keep_error``, leave only error.log."""
    rd.reset()
    for sub in (rd.checkpoints, rd.samples):
        with contextlib.suppress(OSError):
            sub.rmdir()
    (rd.path / ".lock").unlink(missing_ok=True)
    if keep_error:
        rd.write_error(keep_error)
        return
    with contextlib.suppress(OSError):
        rd.path.rmdir()


def _check_matches(cfg: Config, state: dict[str, Any], rd: RunDir) -> None:
    """config.toml and the checkpoint must describe the same run (apart from its length)."""
    saved = state.get("config")
    if not isinstance(saved, dict):
        return
    try:
        old = flatten(resolve(saved).to_dict())
    except GanlabError:
        old = flatten(saved)
    new = flatten(cfg.to_dict())
    diff = sorted(k for k in set(old) | set(new) if not k.startswith(_MAY_DIFFER) and k not in _MAY_DIFFER and old.get(k) != new.get(k))
    if diff:
        k = diff[0]
        raise GanlabError(
            f"{str(rd.config_path)!r} does not match the run's checkpoint ({k}: {new.get(k)!r} in config.toml, "
            f"{old.get(k)!r} in the checkpoint{f'; and {len(diff) - 1} more' if len(diff) > 1 else ''}); restore config.toml, "
            "or start a new run"
        )


def _join(cfg: Config) -> distributed.World:
    """This process's world (torchrun's environment), joined before anything is written."""
    world = distributed.from_env()
    if world.active:
        from ganlab.engine.devices import resolve_device

        distributed.init(world, resolve_device(cfg.device, world))
    return world


def _agreed(fn: Any, world: distributed.World) -> Any:
    """``fn()`` on rank 0, its result (or its one-line error) on every rank: no rank is left
    waiting in a collective for a rank that has already given up."""
    value, error = None, None
    if world.main:
        try:
            value = fn()
        except GanlabError as exc:
            error = str(exc)
    if world.active:
        value_, error = distributed.broadcast((None if not isinstance(value, (str, Path)) else value, error), world)
        if not world.main:
            value = value_
    if error is not None:
        raise GanlabError(error)
    return value
