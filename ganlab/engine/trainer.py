"""The shared trainer: the training step in a loop, with logging points, evaluations and
checkpoints between steps, writing the run directory as it goes.

    parts = build(config)                        # engine.build: components from the config
    trainer = Trainer(parts, RunDir("runs/x"), get_manager().hook)
    summary = trainer.fit()

Its collaborators, one job each: ``AdversarialStep`` (engine.step) runs one step; ``TrainState``
(engine.state) is what a checkpoint holds; ``Evaluator`` (engine.evaluation) runs the
diagnostics, tracks best values and verdicts; ``Checkpointer`` (engine.checkpoints) keeps the
last and best checkpoints; ``RunDir`` (ganlab.rundir) owns the files. The trainer fires the
lifecycle hooks at logging points, evaluations and checkpoints, never per step, and never
imports Rich: the terminal display is a plugin.

Nothing inside the step loop reads a value back from the device: statistics are gathered with
one synchronisation per logging point (``log.every``).
"""

from __future__ import annotations

import math
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

import torch

from ganlab.engine import contracts, distributed
from ganlab.engine.build import Parts
from ganlab.engine.checkpoints import Checkpointer
from ganlab.engine.evaluation import Evaluator
from ganlab.engine.fastpath import FastPath
from ganlab.engine.sampler import Sampler
from ganlab.engine.state import TrainState
from ganlab.engine.step import AdversarialStep, grad_norm
from ganlab.engine.stopping import stop_on_signals
from ganlab.errors import GanlabError, PluginError
from ganlab.rundir import RunDir, checkpoint
from ganlab.rundir import summary as summary_schema
from ganlab.run import RunInfo


@dataclass
class Outcome:
    status: str = "completed"  # completed | interrupted | diverged | failed
    error: str | None = None
    diverged_at: int | None = None
    abrupt: bool = False  # stopped mid-step (a second Ctrl-C): no final checkpoint, the last one stands
    stopped_by: str | None = None  # SIGINT or SIGTERM, for an interrupted run


class Clock:
    """Wall time spent training (steps and logging points); evaluations and checkpoints are
    timed apart, so steps_per_second stays comparable between runs."""

    def __init__(self, before: float):
        self.before, self.session, self.eval = before, 0.0, 0.0
        self.mark = time.perf_counter()

    @property
    def total(self) -> float:
        """Training time over every session, up to now (for a checkpoint written mid-run)."""
        return self.before + self.session

    @contextmanager
    def paused(self) -> Iterator[None]:
        self.session += time.perf_counter() - self.mark
        try:
            yield
        finally:
            self.mark = time.perf_counter()

    def stop(self) -> None:
        self.session += time.perf_counter() - self.mark
        self.mark = time.perf_counter()


class Trainer:
    def __init__(self, parts: Parts, run_dir: RunDir, hooks: Any):
        self.parts, self.config, self.world = parts, parts.config, parts.world
        self.run_dir = run_dir
        self.hook = hooks if self.world.main else _Silent()  # only rank 0 reports and writes
        self.fast = FastPath.resolve(self.config.perf, parts.device, image_data=len(parts.dataset.shape) == 3)
        self.state = TrainState(parts, self.fast)
        self.step_fn = AdversarialStep(parts, self.state, self.fast)
        self.evaluator = Evaluator(parts.diagnostics, parts.components)
        self.sampler = Sampler(self.state.sampling_generator, parts.gan, parts.device, self.config.seed)
        self.checkpoints = Checkpointer(run_dir, main=self.world.main, best=self._best_metric(), keep=self.config.log.keep)
        self.log: Any = None  # metrics.jsonl while fitting (rank 0)

    @property
    def step(self) -> int:
        return self.state.step

    def load_state_dict(self, state: dict[str, Any], path: Any) -> None:
        """Continue from a checkpoint (its models, optimizers, random state and best values)."""
        self.state.load_state_dict(state, path)
        self.evaluator.best = dict(state.get("best") or {})

    def state_dict(self, train_seconds: float | None = None) -> dict[str, Any]:
        """What checkpoints/*.pt hold (docs/run-directory.md)."""
        c, p = self.config, self.parts
        return {
            **self.state.state_dict(),
            "train_seconds": self.state.train_seconds if train_seconds is None else train_seconds,
            "best": self.evaluator.best,
            "config": c.to_dict(),
            "format": checkpoint.FORMAT,
            "data_shape": list(p.dataset.shape),
            "latent_dim": p.gan.latent_dim,
            "components": p.components,
        }

    # -- the run ---------------------------------------------------------------------------

    def fit(self, total_steps: int | None = None, resumed: bool = False) -> dict[str, Any]:
        """Train to ``total_steps`` (default ``train.steps``) and return the summary. Mistakes found
        before the first step (a diagnostic's or listener's setup, a shape that does not fit) raise
        ``GanlabError``; anything that goes wrong later becomes the run's status."""
        c = self.config
        total = c.train.steps if total_steps is None else total_steps
        run = self._run_info(total, resumed)
        problem = None
        try:
            self.evaluator.setup(run, self.parts.dataset)
            contracts.preflight(self.parts, self.state, self.step_fn)
        except GanlabError as exc:
            problem = exc
        agreed = distributed.agree(str(problem) if problem else None, self.world)  # no rank trains alone
        if problem is not None:
            raise problem
        if agreed is not None:
            raise GanlabError(agreed)
        if self.world.main:
            self.run_dir.clean_temp()
            self.log = self.run_dir.metrics_log(keep_through=self.state.step if resumed else None)
        self.hook.on_run_start(run=run)
        clock = Clock(self.state.train_seconds)
        first_step, outcome = self.state.step, Outcome()
        with stop_on_signals(patient=self.world.active) as stop:
            try:
                self._train(run, total, stop, clock, outcome)
            except KeyboardInterrupt:  # a second Ctrl-C: stop at once, keep the last checkpoint
                outcome.status, outcome.abrupt = "interrupted", True
            except Exception as exc:  # a crash becomes a status, with the traceback kept in the run
                self._fail(outcome, exc)
            clock.stop()
            if outcome.status == "interrupted":
                outcome.stopped_by = stop.signal or ("SIGINT" if outcome.abrupt else None)
            self._finish(run, outcome, clock)
        summary = self._summary(outcome, total, first_step, clock)
        if self.world.main:
            self.run_dir.write_summary(summary)
            self.log.close()
        self.hook.on_run_end(run=run, summary=summary)
        return summary

    def _train(self, run: RunInfo, total: int, stop: Any, clock: Clock, outcome: Outcome) -> None:
        log = self.config.log
        every, eval_every, ck_every = max(1, log.every), log.eval_every, log.checkpoint_every
        last_log = (time.perf_counter(), self.state.step)
        while self.state.step < total:
            if stop.requested and not self.world.active:  # several processes agree at logging points
                outcome.status = "interrupted"
                return
            step = self.state.step + 1
            logging = step % every == 0 or step == total
            stats = self.step_fn(self.state.step, want_stats=logging)
            self.state.step = step
            if logging:
                metrics, stop_all = self.read_stats(stats, stop.requested)  # the one host sync
                now = time.perf_counter()
                metrics["steps_per_second"] = (step - last_log[1]) / max(now - last_log[0], 1e-9)
                last_log = (now, step)
                if not self._log_point(run, step, metrics):
                    outcome.status, outcome.diverged_at = "diverged", step
                    return
                if stop_all and step != total:
                    outcome.status = "interrupted"
                    return
            evaluate = eval_every and step % eval_every == 0 and step != total
            save = ck_every and step % ck_every == 0
            if evaluate or save:
                with clock.paused():
                    if evaluate:
                        self._evaluate(run, clock)
                    if save and not self._checkpoint(run, clock, outcome):
                        return
                last_log = (time.perf_counter(), step)

    def _finish(self, run: RunInfo, outcome: Outcome, clock: Clock) -> None:
        """The final evaluation of a completed run, and the checkpoint it stops at."""
        if outcome.status not in ("completed", "interrupted") or outcome.abrupt:
            return
        try:
            if outcome.status == "completed":
                self._evaluate(run, clock)
            self._checkpoint(run, clock, outcome)
        except KeyboardInterrupt:
            outcome.status, outcome.abrupt = "interrupted", True
        except Exception as exc:
            self._fail(outcome, exc)

    # -- between steps ---------------------------------------------------------------------

    def read_stats(self, stats: list[torch.Tensor], stop: bool = False) -> tuple[dict[str, float], bool]:
        """The logging point's statistics, read with one host sync. With several processes the
        batch statistics (and a stop request, which any rank may raise) are averaged over ranks in
        one collective; gradients are already the same everywhere."""
        device = self.parts.device
        local = stats + [torch.tensor(float(stop), device=device)]
        shared = distributed.reduce_mean(torch.stack([t.float() for t in local]), self.world)
        grads = torch.stack([grad_norm(self.state.G, device), grad_norm(self.state.D, device)]).float()
        values = torch.cat([shared, grads]).tolist()  # the one host sync per logging point
        names = ["loss_d", "loss_g"] + (["d_real", "d_fake"] if self.step_fn.probabilities else [])
        stop_any = values.pop(len(names)) > 0
        names += ["grad_norm_g", "grad_norm_d"]
        return dict(zip(names, values)), stop_any

    def _log_point(self, run: RunInfo, step: int, stats: dict[str, float]) -> bool:
        """Cheap diagnostics, metrics.jsonl and on_log at a logging point; False if a value is not finite."""
        finite = all(math.isfinite(v) for v in stats.values())
        metrics = self.evaluator.log_point(step, stats) if self.world.main else stats
        if finite:
            self._record("train", step, metrics)
            self.hook.on_log(run=run, step=step, metrics=metrics)
        return finite

    def _evaluate(self, run: RunInfo, clock: Clock) -> None:
        start = time.perf_counter()
        step = self.state.step
        metrics = self.evaluator.evaluate(step, self.sampler, self.parts.dataset, self.parts.device)
        if metrics:
            self._record("eval", step, metrics)
        self.hook.on_evaluate(run=run, step=step, metrics=metrics)
        self.checkpoints.consider_best(step, metrics, lambda: self.state_dict(clock.total))
        clock.eval += time.perf_counter() - start

    def _checkpoint(self, run: RunInfo, clock: Clock, outcome: Outcome) -> bool:
        """Write the checkpoint; False (the run diverged) if its weights are not finite. Every rank
        checks (they hold the same weights), so every rank stops at the same step."""
        self.state.train_seconds = clock.total
        state = self.state_dict()
        bad = checkpoint.non_finite_part(state)
        if bad is not None:
            outcome.status, outcome.diverged_at = "diverged", self.state.step
            outcome.error = f"not writing checkpoint {str(self.run_dir.last_checkpoint)!r}: its {bad} holds NaN or infinite values"
            return False
        path = self.checkpoints.save_last(self.state.step, state)
        self.hook.on_checkpoint(run=run, step=self.state.step, path=str(path))
        return True

    def _record(self, kind: str, step: int, metrics: dict[str, Any]) -> None:
        if self.log is not None:
            self.log.write({"step": step, "kind": kind, **metrics})

    # -- helpers ---------------------------------------------------------------------------

    def _best_metric(self) -> tuple[str, str] | None:
        choice = self.config.log.best
        if choice == "none":
            return None
        if choice == "auto":
            return Evaluator(self.parts.diagnostics).headline()
        name, _, key = choice.partition("/")
        diag = dict(self.parts.diagnostics).get(name)
        better = (getattr(diag, "better", {}) or {}).get(key) if diag is not None else None
        if better is None and self.world.main:
            known = [f"{n}/{k}" for n, d in self.parts.diagnostics for k in (getattr(d, "better", {}) or {})]
            raise GanlabError(f"log.best = {choice!r} is not an evaluation metric with a direction in this run; use one of: {', '.join(known) or 'none'}")
        return (choice, better) if better else None

    def _fail(self, outcome: Outcome, exc: BaseException) -> None:
        outcome.status = "failed"
        owner = None if isinstance(exc, GanlabError) else contracts.blame(self.parts, self.state, exc)
        if isinstance(exc, GanlabError):  # a PluginError names its component; a GanlabError speaks to the user
            outcome.error = str(exc)
        elif owner is not None:  # a component's own code raised: name it, as the checks before step 0 do
            outcome.error = f"{owner} raised {contracts.first_line(exc)}"
        else:
            outcome.error = f"{type(exc).__name__}: {exc}"
        trace = exc.trace if isinstance(exc, PluginError) and exc.trace else traceback.format_exc()
        if self.world.main:
            try:
                self.run_dir.write_error(trace)
            except OSError:
                pass
        else:
            print(trace)

    def _run_info(self, total: int, resumed: bool) -> RunInfo:
        p = self.parts
        return RunInfo(
            config=self.config,
            dir=self.run_dir.path,
            start_step=self.state.step,
            total_steps=total,
            device=str(p.device),
            data_kind=p.dataset.kind,
            loss_output=p.loss.output,
            data_shape=tuple(p.dataset.shape),
            resumed=resumed,
            generate=lambda n, seed: self.sampler.generate(n, seed=seed),
            real=self.real_samples,
            notes=list(getattr(p.dataset, "notes", None) or []),
        )

    @torch.no_grad()
    def real_samples(self, n: int, seed: int) -> torch.Tensor:
        """n real samples on the CPU, drawn with their own seed (training's random state untouched)."""
        g = torch.Generator(device=self.parts.device)
        g.manual_seed(seed)
        return self.parts.dataset.batch(n, g).float().cpu()

    def _summary(self, outcome: Outcome, total: int, first_step: int, clock: Clock) -> dict[str, Any]:
        trained = self.state.step - first_step
        every = max(1, self.config.log.every)
        error = outcome.error
        if outcome.diverged_at is not None and error is None:
            last_ok = outcome.diverged_at - every if outcome.diverged_at > every else 0
            error = f"non-finite loss or gradient at step {outcome.diverged_at} (checked every {every} steps; last finite check at step {last_ok})"
        return summary_schema.build(
            status=outcome.status,
            step=self.state.step,
            total_steps=total,
            checkpoint_step=self.checkpoints.last_step,
            steps_per_second=trained / clock.session if clock.session > 0 and trained else None,
            train_seconds=clock.total,
            eval_seconds=clock.eval,
            device=str(self.parts.device),
            processes=self.world.size,
            fast_path=self.fast.describe(),
            config=self.config,
            metrics=self.evaluator.last,
            verdicts=self.evaluator.verdicts,
            best=self.evaluator.best,
            components=self.parts.components,
            checkpoints=self.checkpoints.index,
            data_shape=tuple(self.parts.dataset.shape),
            diverged_at_step=outcome.diverged_at,
            stopped_by=outcome.stopped_by,
            error=error,
            problems=self.evaluator.unreported() if outcome.status == "completed" else None,
        )


class _Silent:
    """The hook relay of ranks other than 0: every hook call does nothing."""

    def __getattr__(self, name: str) -> Any:
        return lambda **kwargs: []
