"""The shared GAN trainer: the seed's alternating updates, with hooks at logging points only.

    trainer = Trainer(config, RunDir("runs/x"), get_manager())
    summary = trainer.fit()

One training step (Goodfellow et al. 2014, Algorithm 1; Radford et al. 2016):
  1. ``d_steps`` times: D sees a real batch (label 1) and a generated batch (label 0) and takes
     an optimizer step (Adam, or RMSProp for WGAN) on the loss's discriminator objective, plus
     the loss's own penalty (WGAN-GP) and the regularizer's (R1/R2); then the loss may act on D's
     weights (WGAN's clipping);
  2. G takes a step on the loss's generator objective, through D, on the last generated batch
     (as PyTorch's DCGAN example does: one G forward per step); with ``train.ema`` a moving
     average of G's weights follows.

Nothing inside the step loop reads a value back from the device: statistics are gathered with one
synchronisation per logging point (``log.every``), where the lifecycle hooks fire. The trainer
never imports Rich; the progress bar, metrics file and summary are plugins.
"""

from __future__ import annotations

import functools
import math
import signal
import threading
import time
import traceback
from contextlib import contextmanager
from typing import Any, Iterator

import torch

from ganlab import distributed, rundir
from ganlab.components import GAN, Dataset, Diagnostic, Loss
from ganlab.config import Config
from ganlab.distributed import World
from ganlab.errors import GanlabError
from ganlab.fastpath import FastPath
from ganlab.run import RunInfo
from ganlab.rundir import RunDir

EVAL_SAMPLES = 2500  # generated samples per evaluation (PacGAN's protocol for mixtures)


def resolve_device(name: str, world: World | None = None) -> torch.device:
    """The run's device; with several processes on CUDA, each takes cuda:LOCAL_RANK."""
    if world is not None and world.active and name not in ("auto", "cpu", "cuda"):
        raise GanlabError(f"--device {name!r} with several processes: use auto, cpu or cuda (rank r takes cuda:LOCAL_RANK)")
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and world is not None and world.active and torch.cuda.is_available():
        name = f"cuda:{world.local_rank}"
    try:
        dev = torch.device(name)
    except RuntimeError:
        raise GanlabError(f"unknown device {name!r}; use auto, cpu, cuda or cuda:N") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise GanlabError(f"device {name!r} asked for, but this machine has no CUDA GPU; use --device cpu")
    if dev.type not in ("cpu", "cuda"):
        raise GanlabError(f"device {name!r} is not supported; use auto, cpu, cuda or cuda:N")
    return dev


class Trainer:
    def __init__(
        self,
        config: Config,
        run_dir: RunDir,
        manager: Any,
        *,
        diagnostics: list[tuple[str, Diagnostic]] | None = None,
        world: World | None = None,
    ):
        self.config = c = config
        self.run_dir = run_dir
        self.world = world = world or World()
        self.hook = manager.hook if world.main else _Silent()  # only rank 0 reports and writes
        self.device = resolve_device(c.device, world)
        if self.device.type == "cuda":
            torch.cuda.set_device(self.device)
        distributed.check_batch(c.train.batch_size, world)
        torch.manual_seed(c.seed)  # model initialisation: the same on every rank
        reg = manager.registry
        self.dataset: Dataset = reg("dataset").create(c.data.name, **c.data.options).to(self.device)
        self.gan: GAN = reg("architecture").create(c.arch.name, data_shape=tuple(self.dataset.shape), **c.arch.options)
        self.loss: Loss = reg("loss").create(c.loss.name, **c.loss.options)
        self.regularizer = reg("regularizer").create(c.reg.name, **c.reg.options)
        self.fast = FastPath.resolve(c.perf, self.device, image_data=len(self.dataset.shape) == 3)
        self.G = self.fast.prepare_module(self.gan.generator.to(self.device))
        self.D = self.fast.prepare_module(self.gan.discriminator.to(self.device))
        t = c.train
        self.opt_g, self.opt_d = (self._optimizer(m.parameters(), lr) for m, lr in ((self.G, t.lr_g), (self.D, t.lr_d)))
        # What the step calls: G and D, in DistributedDataParallel with several processes, then
        # torch.compile'd with perf.compile. The generator step goes through D's own module (D
        # frozen: nothing of D's to synchronise); penalties use it too (compile has no double backward).
        distributed.init(world, self.device)
        self._G_step = self.fast.compiled(distributed.wrap(self.G, world, self.device))
        self._D_step = self.fast.compiled(distributed.wrap(self.D, world, self.device))
        self._D_frozen = self._D_step if not world.active else self.fast.compiled(self.D)
        self._shard = world.shard(t.batch_size) if world.active else None
        # A dataset plugin may lack batch_shard (duck-typed): then the base class's draws the whole batch.
        draw = getattr(self.dataset, "batch_shard", None)
        self._draw_shard = draw or functools.partial(Dataset.batch_shard, self.dataset)
        # Optional parts of a loss, looked up once so the step pays nothing for absent ones.
        self._loss_penalty = getattr(self.loss, "penalty", None)
        self._after_d_step = getattr(self.loss, "after_discriminator_step", None)
        self._reg_penalty = None if c.reg.name == "none" else self.regularizer.penalty
        # An exponential moving average of G's weights (train.ema), used for samples and evaluation.
        self.G_ema = None
        if t.ema > 0:
            import copy

            self.G_ema = copy.deepcopy(self.G).eval().requires_grad_(False)
        # One generator for data and noise, so a checkpoint captures all the randomness of training.
        self.rng = torch.Generator(device=self.device)
        self.rng.manual_seed(c.seed)
        self.step = 0
        self.train_seconds = 0.0  # wall time spent in training steps, over every session
        self.eval_seconds = 0.0  # wall time spent in evaluations (diagnostics, pictures), this session
        self.diagnostics = diagnostics or []
        self.verdicts: dict[str, tuple[str, str]] = {}
        self.best: dict[str, dict[str, Any]] = {}  # best value and its step, per evaluation metric
        self.last_metrics: dict[str, Any] = {}
        self._probabilities = self.loss.output == "probability"

    def _optimizer(self, params: Any, lr: float) -> torch.optim.Optimizer:
        t = self.config.train
        if t.optimizer == "rmsprop":
            return torch.optim.RMSprop(params, lr=lr, **self.fast.optimizer_options("rmsprop"))
        return torch.optim.Adam(params, lr=lr, betas=(t.beta1, t.beta2), **self.fast.optimizer_options("adam"))

    @torch.no_grad()
    def _update_ema(self) -> None:
        decay = self.config.train.ema
        ema, live = list(self.G_ema.parameters()), list(self.G.parameters())
        torch._foreach_lerp_(ema, live, 1 - decay)  # ema <- decay * ema + (1 - decay) * live
        for b_ema, b in zip(self.G_ema.buffers(), self.G.buffers()):
            b_ema.copy_(b)  # BatchNorm statistics follow the live generator

    # -- state ---------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        rng = {"torch": torch.get_rng_state(), "data": self.rng.get_state()}
        if self.device.type == "cuda":
            rng["cuda"] = torch.cuda.get_rng_state(self.device)
        return {
            "step": self.step,
            "train_seconds": self.train_seconds,
            "generator": self.G.state_dict(),
            **({"generator_ema": self.G_ema.state_dict()} if self.G_ema is not None else {}),
            "discriminator": self.D.state_dict(),
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "rng": rng,
            "best": self.best,
            "config": self.config.to_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.G.load_state_dict(state["generator"])
        self.D.load_state_dict(state["discriminator"])
        if self.G_ema is not None:
            self.G_ema.load_state_dict(state.get("generator_ema", state["generator"]))
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        torch.set_rng_state(state["rng"]["torch"])
        self.rng.set_state(state["rng"]["data"])
        if "cuda" in state["rng"] and self.device.type == "cuda":
            torch.cuda.set_rng_state(state["rng"]["cuda"], self.device)
        self.step = int(state["step"])
        self.train_seconds = float(state.get("train_seconds", 0.0))
        self.best = dict(state.get("best", {}))

    def save_checkpoint(self) -> str:
        path = self.run_dir.last_checkpoint
        if self.world.main:  # every rank holds the same state
            rundir.save_checkpoint(path, self.state_dict())
        return str(path)

    # -- one step --------------------------------------------------------------------------

    def _batches(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        """A real batch and noise: the global batch's, or this rank's rows of it (drawn from the
        shared stream, so every rank's random state stays the same)."""
        part = self._shard
        real = self.dataset.batch(n, self.rng) if part is None else self._draw_shard(n, self.rng, part)  # (B, *shape)
        z = self.gan.latent(n, self.rng, self.device)  # (B, latent)
        return self.fast.prepare_batch(real), (z if part is None else z[part])

    def train_step(self, want_stats: bool = False) -> list[torch.Tensor] | None:
        """One generator update after ``d_steps`` discriminator updates. Returns device tensors
        [loss_d, loss_g, (D(x), D(G(z)))] when ``want_stats``; never synchronises."""
        G, D, loss, n = self._G_step, self._D_step, self.loss, self.config.train.batch_size
        d_steps, amp = self.config.train.d_steps, self.fast.autocast
        for i in range(d_steps):
            real, z = self._batches(n)
            with amp():
                if i == d_steps - 1:
                    fake = G(z)  # kept with its graph for the generator step
                else:
                    with torch.no_grad():
                        fake = G(z)
                real_out, fake_out = D(real).float(), D(fake.detach()).float()  # (B,), (B,)
                loss_d = loss.discriminator_loss(real_out, fake_out)
                objective = loss_d
                if self._loss_penalty is not None:  # WGAN-GP's gradient penalty
                    objective = objective + self._loss_penalty(self.D, real, fake, generator=self.rng)
                if self._reg_penalty is not None:  # R1/R2, lazily every reg.every steps
                    term = self._reg_penalty(self.D, real, fake, self.step)
                    if term is not None:
                        objective = objective + term
            self.opt_d.zero_grad(set_to_none=True)
            objective.backward()
            self.opt_d.step()
            if self._after_d_step is not None:  # WGAN's weight clipping
                self._after_d_step(self.D)
        # D's weights need no gradient in the generator step; skipping them saves a third of D's backward.
        self.D.requires_grad_(False)
        with amp():
            g_out = self._D_frozen(fake).float()
            real_for_g = self._D_frozen(real).float() if loss.needs_real_for_generator else None
            loss_g = loss.generator_loss(g_out, real_for_g)
        self.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        self.opt_g.step()
        self.D.requires_grad_(True)
        if self.G_ema is not None:
            self._update_ema()
        if not want_stats:
            return None
        stats = [loss_d.detach(), loss_g.detach()]
        if self._probabilities:
            stats += [torch.sigmoid(real_out.detach()).mean(), torch.sigmoid(fake_out.detach()).mean()]
        return stats

    def _set_lr(self, step: int) -> None:
        """Learning rates for the step about to run, from ``train.lr_schedule`` (a pure function of
        the step, so nothing extra needs checkpointing)."""
        t = self.config.train
        frac = step / t.steps
        scale = {"linear": 1 - frac, "cosine": 0.5 * (1 + math.cos(math.pi * frac))}[t.lr_schedule]
        for opt, lr in ((self.opt_g, t.lr_g), (self.opt_d, t.lr_d)):
            for group in opt.param_groups:
                group["lr"] = lr * scale

    def _grad_norm(self, module: torch.nn.Module) -> torch.Tensor:
        grads = [p.grad for p in module.parameters() if p.grad is not None]
        if not grads:
            return torch.zeros((), device=self.device)
        return torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))

    def _read_stats(self, stats: list[torch.Tensor], stop: bool = False) -> tuple[dict[str, float], bool]:
        """The logging point's statistics, read with one host sync. With several processes the
        batch statistics (and a stop request, which any rank may raise) are averaged over ranks in
        one collective; gradients are already the same everywhere."""
        local = stats + [torch.tensor(float(stop), device=self.device)]
        shared = distributed.reduce_mean(torch.stack([t.float() for t in local]), self.world)
        grads = torch.stack([self._grad_norm(self.G), self._grad_norm(self.D)]).float()
        values = torch.cat([shared, grads]).tolist()  # the one host sync per logging point
        names = ["loss_d", "loss_g"] + (["d_real", "d_fake"] if self._probabilities else [])
        stop_any = values.pop(len(names)) > 0
        names += ["grad_norm_g", "grad_norm_d"]
        return dict(zip(names, values)), stop_any

    # -- evaluation ----------------------------------------------------------------------

    @torch.no_grad()
    def generate(self, n: int, seed: int | None = None, batch: int = 1000) -> torch.Tensor:
        """n generated samples (n, *shape) on the CPU from G (its moving average with train.ema) in
        eval mode; seeded apart from training."""
        g = torch.Generator(device=self.device)
        g.manual_seed(self.config.seed + 1_000_003 if seed is None else seed)
        G = self.G_ema if self.G_ema is not None else self.G  # the average, when there is one
        was_training = G.training
        G.eval()
        try:
            out = [G(self.gan.latent(min(batch, n - i), g, self.device)).float().cpu() for i in range(0, n, batch)]
        finally:
            G.train(was_training)
        return torch.cat(out)

    @torch.no_grad()
    def real_samples(self, n: int, seed: int) -> torch.Tensor:
        """n real samples on the CPU, drawn with their own seed (training's RNG untouched)."""
        g = torch.Generator(device=self.device)
        g.manual_seed(seed)
        return self.dataset.batch(n, g).float().cpu()

    def evaluate(self) -> dict[str, Any]:
        """Run the periodic diagnostics on one set of generated samples (as many as the most
        demanding asks for). Training's random state is left untouched."""
        evals = [(name, d) for name, d in self.diagnostics if d.when == "eval"]
        if not evals:
            return {}
        out: dict[str, Any] = {}
        with torch.random.fork_rng(devices=[self.device] if self.device.type == "cuda" else []):
            samples = self.generate(max(getattr(d, "samples", EVAL_SAMPLES) for _, d in evals))
            for name, diag in evals:
                n = getattr(diag, "samples", EVAL_SAMPLES)
                part = samples if n >= len(samples) else samples[:n]
                for key, value in diag.evaluate(self.step, part, self.dataset).items():
                    out[f"{name}/{key}"] = value
                    self._track_best(name, diag, key, value)
                out.update(self._verdict(name, diag))
        return out

    def _track_best(self, name: str, diag: Diagnostic, key: str, value: Any) -> None:
        direction = getattr(diag, "better", {}).get(key)
        if direction is None or not isinstance(value, (int, float)) or not math.isfinite(value):
            return
        best = self.best.get(f"{name}/{key}")
        if best is None or (value < best["value"] if direction == "lower" else value > best["value"]):
            self.best[f"{name}/{key}"] = {"value": value, "step": self.step, "better": direction}

    def _verdict(self, name: str, diag: Diagnostic) -> dict[str, str]:
        level, reason = diag.verdict()
        self.verdicts[name] = (level, reason)
        return {f"{name}/verdict": level, f"{name}/reason": reason}

    # -- the loop ------------------------------------------------------------------------

    def fit(self, total_steps: int | None = None, resumed: bool = False) -> dict[str, Any]:
        c = self.config
        total = c.train.steps if total_steps is None else total_steps
        run = RunInfo(
            config=c,
            dir=self.run_dir.path,
            start_step=self.step,
            total_steps=total,
            device=str(self.device),
            data_kind=self.dataset.kind,
            loss_output=self.loss.output,
            data_shape=tuple(self.dataset.shape),
            resumed=resumed,
            generate=lambda n, seed: self.generate(n, seed=seed),
            real=self.real_samples,
            notes=list(getattr(self.dataset, "notes", [])),
        )
        for _, diag in self.diagnostics:
            diag.setup(run, self.dataset)
        self.hook.on_run_start(run=run)
        every, ev, ck = max(1, c.log.every), c.log.eval_every, c.log.checkpoint_every
        log_diags = [(n, d) for n, d in self.diagnostics if d.when == "log"]
        scheduled = c.train.lr_schedule != "constant"
        status, error, diverged_at = "completed", None, None
        first_step, session_seconds = self.step, 0.0
        with _stop_on_sigint(patient=self.world.active) as stop:
            try:
                # Training time counts the steps and their logging points; evaluations and
                # checkpoints are timed apart (eval_seconds) so steps_per_second stays comparable.
                mark, last_log = time.perf_counter(), (time.perf_counter(), self.step)
                while self.step < total:
                    if stop.requested and not self.world.active:  # several processes agree at logging points
                        status = "interrupted"
                        break
                    step = self.step + 1
                    logging = step % every == 0 or step == total
                    if scheduled:
                        self._set_lr(self.step)
                    stats = self.train_step(want_stats=logging)
                    self.step = step
                    if logging:
                        metrics, stop_all = self._read_stats(stats, stop.requested)  # the one host sync
                        now = time.perf_counter()
                        metrics["steps_per_second"] = (step - last_log[1]) / max(now - last_log[0], 1e-9)
                        last_log = (now, step)
                        if not self._log_point(run, step, metrics, log_diags):
                            status, diverged_at = "diverged", step
                            break
                        if stop_all and step != total:
                            status = "interrupted"
                            break
                    evaluate = ev and step % ev == 0 and step != total
                    if evaluate or (ck and step % ck == 0):
                        session_seconds += time.perf_counter() - mark
                        if evaluate:
                            self._fire_evaluate(run)
                        if ck and step % ck == 0:
                            self.hook.on_checkpoint(run=run, step=step, path=self.save_checkpoint())
                        mark = time.perf_counter()
                        last_log = (mark, step)
                session_seconds += time.perf_counter() - mark
            except Exception as exc:  # a crash becomes a status, with the traceback kept in the run
                status, error = "failed", f"{type(exc).__name__}: {exc}"
                self._keep_traceback()
        self.train_seconds += session_seconds
        if status in ("completed", "interrupted"):
            try:
                if status == "completed":
                    self._fire_evaluate(run)
                self.hook.on_checkpoint(run=run, step=self.step, path=self.save_checkpoint())
            except Exception as exc:
                status, error = "failed", f"{type(exc).__name__}: {exc}"
                self._keep_traceback()
        trained = self.step - first_step
        summary: dict[str, Any] = {
            "status": status,
            "step": self.step,
            "total_steps": total,
            "steps_per_second": trained / session_seconds if session_seconds > 0 else None,
            "train_seconds": round(self.train_seconds, 3),
            "eval_seconds": round(self.eval_seconds, 3),
            "device": str(self.device),
            "processes": self.world.size,
            "fast_path": self.fast.describe(),
            "arch": c.arch.name,
            "loss": c.loss.name,
            "dataset": c.data.name,
            "seed": c.seed,
            "metrics": {k: v for k, v in self.last_metrics.items()},
            "verdicts": {n: {"level": lv, "reason": r} for n, (lv, r) in self.verdicts.items()},
            "best": self.best,
        }
        if diverged_at is not None:
            summary["diverged_at_step"] = diverged_at
            summary["error"] = (
                f"non-finite loss or gradient at step {diverged_at} "
                f"(checked every {every} steps; last finite check at step {diverged_at - every if diverged_at > every else 0})"
            )
        if error is not None:
            summary["error"] = error
        self.hook.on_run_end(run=run, summary=summary)
        return summary

    def _keep_traceback(self) -> None:
        """The traceback of a failure: in RUN/error.log (rank 0), on stderr (other ranks)."""
        if self.world.main:
            (self.run_dir.path / "error.log").write_text(traceback.format_exc())
        else:
            traceback.print_exc()

    def _log_point(self, run: RunInfo, step: int, metrics: dict[str, Any], log_diags: list) -> bool:
        """Cheap diagnostics and on_log at a logging point; False if a value is not finite."""
        finite = all(math.isfinite(v) for v in metrics.values())
        stats = dict(metrics)
        for name, diag in log_diags:
            metrics.update({f"{name}/{k}": v for k, v in diag.observe(step, stats).items()})
            metrics.update(self._verdict(name, diag))
        self.last_metrics.update(metrics)
        if finite:
            self.hook.on_log(run=run, step=step, metrics=metrics)
        return finite

    def _fire_evaluate(self, run: RunInfo) -> None:
        start = time.perf_counter()
        metrics = self.evaluate()
        self.last_metrics.update(metrics)
        self.hook.on_evaluate(run=run, step=self.step, metrics=metrics)
        self.eval_seconds += time.perf_counter() - start


class _Stop:
    requested = False


class _Silent:
    """The hook relay of ranks other than 0: every hook call does nothing."""

    def __getattr__(self, name: str) -> Any:
        return lambda **kwargs: []


@contextmanager
def _stop_on_sigint(patient: bool = False) -> Iterator[_Stop]:
    """First Ctrl-C asks the loop to stop at the next step boundary (so the checkpoint is
    consistent); a second one interrupts at once, unless ``patient``: under torchrun, which
    forwards the terminal's SIGINT once more, the ranks wait for their agreed stop (and torchrun
    kills them 30 s later if they hang)."""
    stop = _Stop()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handler(signum: int, frame: Any) -> None:
        if stop.requested and not patient:
            raise KeyboardInterrupt
        stop.requested = True

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)
