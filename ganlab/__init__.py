"""ganlab: run, diagnose and compare Generative Adversarial Networks, with plugins.

    import ganlab
    cfg = ganlab.load_config(overrides={"train.steps": 500})
    result = ganlab.train(cfg, out="runs/quick")
    print(result.summary["status"], result.summary["metrics"])

    run = ganlab.load_run("runs/quick")       # read a finished run back
    points = run.sample(1000)                 # samples from its last checkpoint's generator

Heavy modules (torch) are imported only when a run starts, so ``ganlab --help`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ganlab.engine.stopping import Terminated
from ganlab.errors import GanlabError
from ganlab.hookspecs import hookimpl

__version__ = "0.2.0"

if TYPE_CHECKING:
    from ganlab.api import load_config, load_run, resume, train
    from ganlab.config import Config

__all__ = ["Config", "GanlabError", "Terminated", "hookimpl", "load_config", "load_run", "resume", "train", "__version__"]


def __getattr__(name: str) -> Any:
    # Lazy re-exports: `import ganlab` must not import torch.
    if name in {"load_config", "load_run", "resume", "train"}:
        from ganlab import api

        return getattr(api, name)
    if name == "Config":
        from ganlab.config import Config

        return Config
    raise AttributeError(f"module 'ganlab' has no attribute {name!r}")
