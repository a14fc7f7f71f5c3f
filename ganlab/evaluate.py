"""Post-hoc evaluation: a run's generator from a checkpoint, scored as papers report it.

    records = evaluate_run("runs/dcgan-s0", checkpoint="best", diagnostics=["fid"], samples=10000)
    records[0]["values"]["fid"], records[0]["protocol"]["reference"]

Each result is stored in the run directory as ``evals/NAME@CHECKPOINT-stepSTEP-nN.json`` with its
whole protocol: the checkpoint and its step, how many samples were generated and with which
noise seed, the diagnostic's options, and the diagnostic's own protocol record (extractor, number
of real images, how the reference set was drawn, whether it came from the cache). ``ganlab
compare`` shows these beside the values recorded during training, labelled ``eval[best]`` and so
on, never mixed with them. The generator is loaded alone (no trainer, no discriminator) and the
global random state is untouched.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ganlab.components import EVAL_SAMPLES
from ganlab.errors import GanlabError
from ganlab.rundir import RunDir

EVAL_SEED = 20141210  # the noise of post-hoc evaluations (NIPS 2014's first day): the same for every run


def evaluate_run(
    path: str | Path,
    checkpoint: str | int = "last",
    diagnostics: list[str] | None = None,
    samples: int | None = None,
    options: dict[str, dict[str, Any]] | None = None,
    seed: int = EVAL_SEED,
) -> list[dict[str, Any]]:
    """Evaluate one run; returns one record per diagnostic (also written into RUN/evals/)."""
    import torch

    from ganlab.engine.build import create, provenance
    from ganlab.engine.evaluation import Evaluator
    from ganlab.manager import get_manager
    from ganlab.resolve import applies, validate_options
    from ganlab.run import Run, RunInfo

    rd = RunDir(path)
    if not rd.is_run():
        raise GanlabError(f"{str(path)!r} is not a run directory (no config.toml)")
    if samples is not None and samples < 1:
        raise GanlabError(f"--samples must be at least 1, got {samples}")
    run = Run.read(rd.path)
    cfg = run.config
    m = get_manager()
    names = diagnostics or [n for n in cfg.diagnostics if getattr(m.registry("diagnostic").get(n).load(), "when", "log") == "eval"]
    if not names:
        raise GanlabError(f"{str(rd.path)!r}: its run has no evaluation diagnostics; name some with --diag (`ganlab list diagnostics`)")
    dataset_entry = m.registry("dataset").get(cfg.data.name)
    diags = []
    for name in names:
        entry = m.registry("diagnostic").get(name)
        factory = entry.load()
        if getattr(factory, "when", "log") != "eval":
            raise GanlabError(f"diagnostic {entry.name!r} reads training statistics, not samples; ganlab eval runs evaluation "
                              f"diagnostics (those with when = \"eval\")")  # fmt: skip
        if not applies(factory, dataset_entry.load(), auto=False):
            raise GanlabError(f"diagnostic {entry.name!r} does not apply to dataset {cfg.data.name!r} ({getattr(dataset_entry.load(), 'kind', 'points')} data)")
        given = {**cfg.diag.get(entry.name, {}), **(options or {}).get(entry.name, {})}
        diags.append((entry.name, given, validate_options(f"diag.{entry.name}", entry, given, kind="diagnostic")))
    sampler = run.generator(checkpoint)  # one-line errors: no such checkpoint, no best, ...
    lock = rd.lock("ganlab eval")
    try:
        with torch.random.fork_rng(devices=[]):
            dataset = create(m, "dataset", cfg.data.name, **cfg.data.options)
            built = [(name, create(m, "diagnostic", name, **opts), opts) for name, _, opts in diags]
        components = {"diagnostics": {n: provenance(m, "diagnostic", n) for n, _, _ in built}}
        evaluator = Evaluator([(n, d) for n, d, _ in built], components)
        info = RunInfo(config=cfg, dir=rd.path, start_step=sampler.step or 0, total_steps=sampler.step or 0, device="cpu",
                       data_kind=dataset.kind, loss_output="probability", data_shape=tuple(dataset.shape),
                       generate=lambda n, s: sampler.generate(n, seed=s),
                       real=lambda n, s: dataset.batch(n, torch.Generator().manual_seed(s)).float().cpu())  # fmt: skip
        evaluator.setup(info, dataset)
        n = samples or max(getattr(d, "samples", EVAL_SAMPLES) for _, d, _ in built)
        start = time.perf_counter()
        with torch.random.fork_rng(devices=[]):
            x = sampler.generate(n, seed=seed)
        generate_seconds = time.perf_counter() - start
        records = []
        for name, diag, opts in built:
            start = time.perf_counter()
            values = evaluator._values(name, evaluator._call(name, "evaluate", diag.evaluate, sampler.step, x, dataset))
            verdict = evaluator._verdict(name, diag)
            level, reason = verdict[f"{name}/verdict"], verdict[f"{name}/reason"]
            plain = {k.split("/", 1)[1]: v for k, v in values.items()}
            records.append({
                "run": str(rd.path),
                "diagnostic": name,
                "checkpoint": checkpoint,
                "step": sampler.step,
                "samples": n,
                "noise_seed": seed,
                "values": {k: v for k, v in plain.items() if k != "protocol"},
                "verdict": {"level": level, "reason": reason},
                "protocol": {"diagnostic": plain.get("protocol", ""), "options": opts, "samples": n, "noise_seed": seed,
                             "checkpoint": str(checkpoint), "step": sampler.step,
                             "reference": getattr(diag, "reference", None)},
                "better": dict(getattr(diag, "better", {}) or {}),
                "component": components["diagnostics"][name],
                "seconds": round(time.perf_counter() - start + generate_seconds * (name == built[0][0]), 3),
                "date": time.strftime("%Y-%m-%d %H:%M:%S"),
            })  # fmt: skip
        for record in records:  # written once every diagnostic has its numbers: nothing half-done
            _write(rd, record)
        return records
    finally:
        lock.release()


def _write(rd: RunDir, record: dict[str, Any]) -> Path:
    from ganlab.rundir.files import write_json

    path = rd.evals / f"{record['diagnostic']}@{record['checkpoint']}-step{record['step']:06d}-n{record['samples']}.json"
    write_json(path, record)
    return path


def read_evals(rd: RunDir) -> list[dict[str, Any]]:
    """Every well-formed post-hoc record of a run, newest last."""
    import json

    out = []
    if not rd.evals.is_dir():
        return out
    for p in sorted(rd.evals.glob("*.json")):
        try:
            rec = json.loads(p.read_text())
        except (OSError, json.JSONDecodeError, UnicodeDecodeError):
            continue
        if isinstance(rec, dict) and isinstance(rec.get("values"), dict) and isinstance(rec.get("diagnostic"), str):
            out.append(rec)
    return sorted(out, key=lambda r: str(r.get("date", "")))


def posthoc_metrics(rd: RunDir) -> tuple[dict[str, Any], dict[str, str]]:
    """A run's post-hoc values as compare's metrics, ``eval[CHECKPOINT] NAME/KEY``, with their
    protocols and better directions (the newest record of each wins)."""
    values: dict[str, Any] = {}
    better: dict[str, str] = {}
    for rec in read_evals(rd):
        label = f"eval[{rec.get('checkpoint')}] {rec['diagnostic']}"
        for key, value in rec["values"].items():
            values[f"{label}/{key}"] = value
            direction = (rec.get("better") or {}).get(key)
            if direction in ("lower", "higher"):
                better[f"{label}/{key}"] = direction
        protocol = rec.get("protocol") or {}
        values[f"{label}/protocol"] = f"{protocol.get('diagnostic', '')}; {protocol.get('samples')} generated, noise seed {protocol.get('noise_seed')}"
    return values, better
