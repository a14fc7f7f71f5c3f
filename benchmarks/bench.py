"""Time the ganlab trainer against a plain hand-written PyTorch loop of the same GAN.

    python benchmarks/bench.py                       # all configurations, CPU (and CUDA if present)
    python benchmarks/bench.py --configs mlp-ring8 --steps 300 --rounds 3 --out bench.json

Each configuration builds the same models (same factory, same seed), the same optimizer, batch
size and in-memory data for both contenders, then alternates them in one process: ganlab for
``--steps`` steps, the plain loop for ``--steps`` steps, ``--rounds`` times; the median speed of
each is reported. ganlab runs its full loop (``Trainer.fit``: logging every 50 steps, diagnostics
at their cadence, no evaluations, no checkpoints within the timed steps); the plain loop is what a
user would write: D step on real and detached fake, G step through D, no logging at all.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F

import ganlab
from ganlab.engine.build import build, build_gan
from ganlab.engine.trainer import Trainer
from ganlab.manager import get_manager
from ganlab.rundir import RunDir

CONFIGS = {
    "dcgan-32x32x1": {"arch.name": "dcgan", "arch.width": 32, "data.name": "digits", "train.batch_size": 64},
    "dcgan-64x64x3": {"arch.name": "dcgan", "arch.width": 64, "data.name": "digits", "data.image_size": 64,
                      "data.channels": 3, "train.batch_size": 128},  # fmt: skip
    "mlp-ring8": {"arch.name": "mlp", "data.name": "ring8", "train.batch_size": 256},
}


def ganlab_speed(cfg, steps: int, warmup: int) -> tuple[float, dict]:
    """Steps/s of ``Trainer.fit`` over ``steps`` steps after ``warmup`` untimed ones (in which
    torch.compile, cuDNN autotuning and allocators settle), and the fast path it used."""
    with tempfile.TemporaryDirectory() as d:
        rd = RunDir(Path(d) / "r")
        rd.create()
        trainer = Trainer(build(cfg), rd, get_manager().hook)
        with contextlib.redirect_stdout(io.StringIO()):
            if warmup:
                trainer.fit(total_steps=warmup)
            summary = trainer.fit(total_steps=warmup + steps)
    return summary["steps_per_second"], summary["fast_path"]


def plain_speed(cfg, steps: int, warmup: int) -> float:
    """The loop a user writes by hand (PyTorch's DCGAN example, with BCE-with-logits)."""
    from ganlab.manager import get_manager

    m = get_manager()
    device = torch.device(cfg.device if cfg.device != "auto" else ("cuda" if torch.cuda.is_available() else "cpu"))
    torch.manual_seed(cfg.seed)
    data = m.registry("dataset").create(cfg.data.name, **cfg.data.options).to(device)
    gan = build_gan(m, cfg, tuple(data.shape))
    G, D = gan.generator.to(device), gan.discriminator.to(device)
    t = cfg.train
    opt_g = torch.optim.Adam(G.parameters(), lr=t.lr_g, betas=(t.beta1, t.beta2))
    opt_d = torch.optim.Adam(D.parameters(), lr=t.lr_d, betas=(t.beta1, t.beta2))
    g = torch.Generator(device=device).manual_seed(cfg.seed)
    n = t.batch_size

    def step():
        real = data.batch(n, g)
        fake = G(torch.randn(n, gan.latent_dim, generator=g, device=device))
        loss_d = F.softplus(-D(real)).mean() + F.softplus(D(fake.detach())).mean()
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        loss_g = F.softplus(-D(fake)).mean()
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()

    for _ in range(warmup):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return steps / (time.perf_counter() - start)


def run(names, devices, steps, rounds, warmup=5, sets=()):
    results = []
    for device in devices:
        for name in names:
            over = {**CONFIGS[name], "device": device, "log.progress": False, "log.eval_every": 0,
                    "log.checkpoint_every": 0, "train.steps": steps}  # fmt: skip
            cfg = ganlab.load_config(overrides=over, sets=sets)
            if device == "cuda":
                torch.cuda.reset_peak_memory_stats()
            ours, plain = [], []
            for _ in range(rounds):  # alternate, so drifts in machine speed hit both alike
                speed, fast_path = ganlab_speed(cfg, steps, warmup)
                ours.append(speed)
                plain.append(plain_speed(cfg, steps, warmup))
            o, p = statistics.median(ours), statistics.median(plain)
            row = {
                "config": name, "device": device, "batch_size": cfg.train.batch_size, "steps": steps, "rounds": rounds,
                "ganlab_steps_per_second": round(o, 2), "plain_steps_per_second": round(p, 2),
                "ganlab_samples_per_second": round(o * cfg.train.batch_size, 1),
                "plain_samples_per_second": round(p * cfg.train.batch_size, 1),
                "ratio": round(o / p, 3),
                "fast_path": fast_path,  # what ganlab used; the plain loop is always fp32, eager
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            }  # fmt: skip
            if device == "cuda":
                row["cuda_peak_mb"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
            print(json.dumps(row), flush=True)
            results.append(row)
    return results


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--configs", default=",".join(CONFIGS), help="comma-separated: " + ", ".join(CONFIGS))
    p.add_argument("--devices", default="cpu,cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--warmup", type=int, default=5, help="untimed steps before each timing (both contenders)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                   help="a ganlab config key for the ganlab side, e.g. perf.compile=reduce-overhead")
    p.add_argument("--out", type=Path, help="write the results as JSON here")
    args = p.parse_args(argv)
    names = [c.strip() for c in args.configs.split(",")]
    unknown = [c for c in names if c not in CONFIGS]
    if unknown:
        sys.exit(f"unknown configuration(s) {', '.join(unknown)}; choose from {', '.join(CONFIGS)}")
    results = run(names, args.devices.split(","), args.steps, args.rounds, args.warmup, args.sets)
    meta = {"machine": platform.platform(), "processor": platform.processor(), "cpu_threads": torch.get_num_threads(),
            "torch": torch.__version__, "ganlab": ganlab.__version__}  # fmt: skip
    if args.out:
        args.out.write_text(json.dumps({"meta": meta, "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
