"""Diagnostics at logging points and evaluations, the best value of each metric, and verdicts.

    ev = Evaluator(parts.diagnostics, parts.components)
    ev.setup(run, dataset)
    metrics = ev.log_point(step, stats)          # cheap diagnostics on the step's statistics
    metrics = ev.evaluate(step, sampler, dataset)  # the rest on generated samples

What diagnostics return is checked here, at run time, not only by ``ganlab.testing``: a value
that is not a number or a string, or a verdict level that is not one of ok/warning/failure, ends
the run as failed with one line naming the diagnostic and its plugin. A key of ``better`` that a
diagnostic never returned is listed under ``problems`` in summary.json.
"""

from __future__ import annotations

import math
import traceback
from typing import Any

import torch

from ganlab.components import EVAL_SAMPLES, LEVELS, Diagnostic
from ganlab.errors import GanlabError, PluginError


class Evaluator:
    def __init__(self, diagnostics: list[tuple[str, Diagnostic]], components: dict[str, Any] | None = None):
        self.diagnostics = diagnostics
        self.plugins = {n: p.get("plugin") for n, p in ((components or {}).get("diagnostics") or {}).items()}
        self.verdicts: dict[str, tuple[str, str]] = {}
        self.best: dict[str, dict[str, Any]] = {}  # best value and its step, per evaluation metric
        self.last: dict[str, Any] = {}  # the latest value of every metric
        self.returned: set[str] = set()

    @property
    def at_evaluations(self) -> list[tuple[str, Diagnostic]]:
        return [(n, d) for n, d in self.diagnostics if d.when == "eval"]

    def setup(self, run: Any, dataset: Any) -> None:
        """Each diagnostic's setup, in a forked random state: building a feature network (which
        initialises weights from torch's global generator) must not change what the run trains."""
        with torch.random.fork_rng(devices=[]):
            for name, diag in self.diagnostics:
                self._call(name, "setup", diag.setup, run, dataset)

    def headline(self) -> tuple[str, str] | None:
        """The metric that stands for the run (``log.best = "auto"``): the first evaluation
        diagnostic's headline value, in its better direction."""
        for name, diag in self.at_evaluations:
            better = dict(getattr(diag, "better", {}) or {})
            key = getattr(diag, "headline", None) or next(iter(better), None)
            if key in better:
                return f"{name}/{key}", better[key]
        return None

    def log_point(self, step: int, stats: dict[str, float]) -> dict[str, Any]:
        """The logging point's statistics plus the cheap diagnostics' values and verdicts."""
        metrics = dict(stats)
        for name, diag in self.diagnostics:
            if diag.when == "log":
                values = self._call(name, "observe", diag.observe, step, dict(stats))
                metrics.update(self._values(name, values))
                metrics.update(self._verdict(name, diag))
        self.last.update(metrics)
        return metrics

    def evaluate(self, step: int, sampler: Any, dataset: Any, device: torch.device) -> dict[str, Any]:
        """The periodic diagnostics on one set of generated samples (as many as the most demanding
        asks for). Training's random state is left untouched."""
        evals = self.at_evaluations
        if not evals:
            return {}
        out: dict[str, Any] = {}
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            samples = sampler.generate(max(getattr(d, "samples", EVAL_SAMPLES) for _, d in evals))
            for name, diag in evals:
                n = getattr(diag, "samples", EVAL_SAMPLES)
                part = samples if n >= len(samples) else samples[:n]
                values = self._values(name, self._call(name, "evaluate", diag.evaluate, step, part, dataset))
                out.update(values)
                for key, value in values.items():
                    self._track_best(name, diag, key.split("/", 1)[1], value, step)
                out.update(self._verdict(name, diag))
        self.last.update(out)
        return out

    def unreported(self) -> list[str]:
        """Problems to record in summary.json: ``better`` keys a diagnostic never returned."""
        out = []
        for name, diag in self.at_evaluations:
            for key in getattr(diag, "better", {}) or {}:
                if f"{name}/{key}" not in self.returned:
                    out.append(f"diagnostic {name!r} (plugin {self.plugins.get(name)!r}) declares better[{key!r}] but never returned {key!r}")
        return out

    # -- helpers ---------------------------------------------------------------------------

    def _who(self, name: str) -> str:
        return f"diagnostic {name!r} (plugin {self.plugins.get(name)!r})"

    def _call(self, name: str, what: str, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except GanlabError:
            raise
        except Exception as exc:
            first = (str(exc).strip().splitlines() or [""])[0]
            raise PluginError(f"{self._who(name)} {what} raised {type(exc).__name__}: {first}", traceback.format_exc()) from exc

    def _values(self, name: str, values: Any) -> dict[str, Any]:
        if not isinstance(values, dict):
            raise PluginError(f"{self._who(name)} returned a {type(values).__name__}, not a dict of values")
        out = {}
        for key, value in values.items():
            if not isinstance(key, str) or "/" in key:
                raise PluginError(f"{self._who(name)} returned value name {key!r}: names are plain strings without '/'")
            if isinstance(value, bool) or not isinstance(value, (int, float, str)):
                raise PluginError(f"{self._who(name)} returned {key!r} = {value!r} ({type(value).__name__}): values are numbers or strings")
            out[f"{name}/{key}"] = value
            self.returned.add(f"{name}/{key}")
        return out

    def _verdict(self, name: str, diag: Diagnostic) -> dict[str, str]:
        verdict = self._call(name, "verdict", diag.verdict)
        if not (isinstance(verdict, (tuple, list)) and len(verdict) == 2 and isinstance(verdict[1], str)):
            raise PluginError(f"{self._who(name)} verdict() returned {verdict!r}, not (level, reason)")
        level, reason = verdict
        if level not in LEVELS:
            raise PluginError(f"{self._who(name)} gave verdict level {level!r}; levels are {', '.join(LEVELS)}")
        if "\n" in reason:
            raise PluginError(f"{self._who(name)} gave a verdict reason of several lines; a reason is one line")
        self.verdicts[name] = (level, reason)
        return {f"{name}/verdict": level, f"{name}/reason": reason}

    def _track_best(self, name: str, diag: Diagnostic, key: str, value: Any, step: int) -> None:
        direction = (getattr(diag, "better", {}) or {}).get(key)
        if direction is None or isinstance(value, str) or not math.isfinite(value):
            return
        best = self.best.get(f"{name}/{key}")
        if best is None or (value < best["value"] if direction == "lower" else value > best["value"]):
            self.best[f"{name}/{key}"] = {"value": value, "step": step, "better": direction}
