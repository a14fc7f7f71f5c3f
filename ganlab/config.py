"""Run configuration: typed dataclasses, TOML files and ``--set KEY=VALUE`` overrides.

>>> from ganlab.config import Config, merge, parse_set
>>> raw = merge({"train": {"steps": 100}}, parse_set(["train.steps=500", "arch.width=256"]))
>>> raw
{'train': {'steps': 500}, 'arch': {'width': 256}}
>>> cfg = Config.from_dict(raw)
>>> cfg.train.steps, cfg.arch.name, cfg.arch.options
(500, 'mlp', {'width': 256})

Precedence, lowest first: these defaults < the components' recommended defaults < a config file <
``--set`` < command-line flags. An unknown key or a value of the wrong type is a ``GanlabError``
naming the key. The ``[arch]``, ``[loss]``, ``[data]`` and ``[reg]`` tables hold the component's
``name`` and its options, which are checked against the component's own signature when the run
is resolved (``ganlab.resolve``).
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ganlab.errors import GanlabError
from ganlab.kinds import SECTIONS as COMPONENT_SECTIONS


@dataclass
class TrainConfig:
    steps: int = 2000  # generator updates; each follows `d_steps` discriminator updates
    batch_size: int = 256  # samples per batch, real and generated alike
    d_steps: int = 1  # discriminator updates per generator update (Goodfellow 2014's k)
    lr_g: float = 1e-3  # Adam learning rate of the generator
    lr_d: float = 1e-3  # Adam learning rate of the discriminator
    beta1: float = 0.5  # Adam beta1 (0.5 as in DCGAN; 0.9 is Adam's own default)
    beta2: float = 0.999  # Adam beta2
    lr_schedule: str = "constant"  # constant | linear | cosine: decay both lrs to 0 at train.steps
    optimizer: str = "adam"  # adam | rmsprop (WGAN's choice); lr_g/lr_d apply, betas only to adam
    ema: float = 0.0  # decay of an exponential moving average of G's weights, used for samples (0: off)
    pack: int = 1  # PacGAN (Lin et al. 2018): D judges this many samples at once, all real or all generated
    unroll: int = 0  # Unrolled GAN (Metz et al. 2017): G's loss through this many look-ahead D updates


@dataclass
class LogConfig:
    every: int = 50  # steps between logging points (metrics.jsonl, progress, divergence check)
    eval_every: int = 500  # steps between evaluations with generated samples (0: only at the end)
    checkpoint_every: int = 1000  # steps between checkpoints (0: only at the end)
    best: str = "auto"  # keep checkpoints/best.pt by this metric (NAME/KEY); auto: the first evaluation's headline; none
    keep: int = 0  # also keep the last N periodic checkpoints as checkpoints/step-XXXXXX.pt (0: only last.pt)
    progress: bool = True  # live Rich progress display
    quiet: bool = False  # print nothing to the terminal (no banner, no summary table)
    tensorboard: bool = False  # write TensorBoard events (needs `pip install tensorboard`)


@dataclass
class PerfConfig:
    amp: str = "auto"  # auto | bf16 | off: bfloat16 autocast (auto: on a CUDA GPU that supports it)
    channels_last: str = "auto"  # auto | on | off: NHWC layout for image models (auto: on with CUDA)
    optimizer_impl: str = "auto"  # auto | fused | foreach | for-loop (auto: fused Adam with CUDA)
    compile: str = "off"  # off | default | reduce-overhead | max-autotune: torch.compile G and D


@dataclass
class ComponentConfig:
    name: str  # registered name or alias
    options: dict[str, Any] = field(default_factory=dict)  # keyword options for the factory


@dataclass
class Config:
    seed: int = 0  # seeds every random number generator of the run
    device: str = "auto"  # auto | cpu | cuda | cuda:N  (auto: CUDA when present)
    diagnostics: list[str] = field(default_factory=lambda: ["auto"])  # names; "auto": the data's defaults
    diag: dict[str, dict[str, Any]] = field(default_factory=dict)  # options per diagnostic: [diag.fid]
    train: TrainConfig = field(default_factory=TrainConfig)
    log: LogConfig = field(default_factory=LogConfig)
    perf: PerfConfig = field(default_factory=PerfConfig)
    arch: ComponentConfig = field(default_factory=lambda: ComponentConfig("mlp"))
    loss: ComponentConfig = field(default_factory=lambda: ComponentConfig("nonsat"))
    data: ComponentConfig = field(default_factory=lambda: ComponentConfig("ring8"))
    reg: ComponentConfig = field(default_factory=lambda: ComponentConfig("none"))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"seed": self.seed, "device": self.device, "diagnostics": list(self.diagnostics)}
        out["train"] = dataclasses.asdict(self.train)
        out["log"] = dataclasses.asdict(self.log)
        out["perf"] = dataclasses.asdict(self.perf)
        for sec in COMPONENT_SECTIONS:
            comp: ComponentConfig = getattr(self, sec)
            out[sec] = {"name": comp.name, **comp.options}
        if self.diag:
            out["diag"] = {name: dict(opts) for name, opts in self.diag.items()}
        return out

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Config:
        """Build a config from nested plain data, checking every key and type."""
        if not isinstance(raw, dict):
            raise GanlabError("a config must be a table of keys")
        cfg = cls()
        for key, value in raw.items():
            if key in ("train", "log", "perf"):
                if not isinstance(value, dict):
                    raise GanlabError(f"config key {key!r} must be a table, like [{key}]")
                section = getattr(cfg, key)
                for sub, v in value.items():
                    setattr(section, sub, _check_field(section, sub, v, prefix=f"{key}."))
            elif key == "diag":
                if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
                    raise GanlabError("config key 'diag' must hold one table per diagnostic, like [diag.fid] features = \"digits\"")
                for name, opts in value.items():
                    cfg.diag.setdefault(name, {}).update(opts)
            elif key in COMPONENT_SECTIONS:
                if not isinstance(value, dict):
                    raise GanlabError(f"config key {key!r} must be a table with a name, like [{key}] name = ...")
                comp: ComponentConfig = getattr(cfg, key)
                opts = dict(value)
                if "name" in opts:
                    name = opts.pop("name")
                    if not isinstance(name, str) or not name:
                        raise GanlabError(f"config key '{key}.name' must be a string, got {name!r}")
                    if name != comp.name:
                        comp.options = {}  # options belong to the component they were written for
                    comp.name = name
                comp.options.update(opts)
            else:
                setattr(cfg, key, _check_field(cfg, key, value, prefix=""))
        return cfg


def _known_keys() -> list[str]:
    keys = ["seed", "device", "diagnostics", "diag"]
    for sec, klass in (("train", TrainConfig), ("log", LogConfig), ("perf", PerfConfig)):
        keys += [f"{sec}.{f.name}" for f in dataclasses.fields(klass)]
    keys += [f"{sec}.name" for sec in COMPONENT_SECTIONS]
    return keys


def _check_field(obj: Any, name: str, value: Any, prefix: str) -> Any:
    hints = typing.get_type_hints(type(obj))
    full = prefix + name
    if full == "sweep":
        raise GanlabError("this config has a [sweep] table: it is a sweep preset, for `ganlab sweep --config FILE --out DIR`")
    if name not in hints or name in COMPONENT_SECTIONS or name in ("train", "log", "perf", "diag"):
        close = difflib.get_close_matches(full, _known_keys(), n=1)
        hint = f" Did you mean {close[0]}?" if close else ""
        raise GanlabError(f"unknown config key {full!r}.{hint} (`ganlab run --help` and docs/config.md list the keys)")
    return coerce(full, value, hints[name])


def coerce(key: str, value: Any, typ: Any) -> Any:
    """Check ``value`` against ``typ`` (int, float, bool or str); ints are accepted as floats."""
    ok = {
        bool: isinstance(value, bool),
        int: isinstance(value, int) and not isinstance(value, bool),
        float: isinstance(value, (int, float)) and not isinstance(value, bool),
        str: isinstance(value, str),
    }
    if typing.get_origin(typ) is list:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise GanlabError(f"config key {key!r} must be a list of strings, like [\"a\", \"b\"], got {value!r}")
        return list(value)
    if typ in ok:
        if not ok[typ]:
            word = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}[typ]
            raise GanlabError(f"config key {key!r} must be {word}, got {value!r}")
        if typ is float and not math.isfinite(value):
            raise GanlabError(f"config key {key!r} must be a finite number, got {value!r}")
        return float(value) if typ is float else value
    return value


def check_finite(key: str, value: Any) -> None:
    """Any float in a config (also in a component's options) must be finite: nan and inf are
    TOML values, never meaningful settings."""
    if isinstance(value, float) and not math.isfinite(value):
        raise GanlabError(f"config key {key!r} must be a finite number, got {value!r}")
    if isinstance(value, list):
        for v in value:
            check_finite(key, v)


def parse_value(text: str) -> Any:
    """A ``--set`` value: a TOML literal (10, 0.5, true, "x", [1, 2]) or else the plain string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def set_dotted(raw: dict[str, Any], key: str, value: Any) -> None:
    """``set_dotted(d, "train.steps", 5)`` -> ``d["train"]["steps"] = 5``."""
    parts = key.split(".")
    if not all(parts):
        raise GanlabError(f"bad config key {key!r}: expected KEY or SECTION.KEY, like train.steps")
    node = raw
    for p in parts[:-1]:
        node = node.setdefault(p, {})
        if not isinstance(node, dict):
            raise GanlabError(f"config key {key!r}: {p!r} is not a table")
    node[parts[-1]] = value


def parse_set(items: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """``["train.steps=500", "arch.width=64"]`` -> nested dict."""
    raw: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise GanlabError(f"--set expects KEY=VALUE (like train.steps=500), got {item!r}")
        set_dotted(raw, key.strip(), parse_value(value.strip()))
    return raw


def merge(base: dict[str, Any], top: dict[str, Any], where: str = "") -> dict[str, Any]:
    """Deep-merge two nested dicts; ``top`` wins. A new component name drops the old options. A
    table on one side and a plain value on the other is an error naming the key (a flag must not
    hide a malformed config file)."""
    out = dict(base)
    for key, value in top.items():
        if key in out and isinstance(value, dict) != isinstance(out[key], dict):
            full = f"{where}{key}"
            raise GanlabError(f"config key {full!r} must be a table, like [{full}], got {(value if not isinstance(value, dict) else out[key])!r}")
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            old = out[key]
            if key in COMPONENT_SECTIONS and "name" in value and old.get("name", value["name"]) != value["name"]:
                old = {}
            out[key] = merge(old, value, f"{where}{key}.")
        else:
            out[key] = value
    return out


def read_toml(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    if not p.exists():
        raise GanlabError(f"config file {str(p)!r} does not exist")
    if p.is_dir():
        raise GanlabError(f"config file {str(p)!r} is a directory, not a TOML file")
    try:
        with p.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise GanlabError(f"config file {str(p)!r} is not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise GanlabError(f"config file {str(p)!r} is not valid TOML: it is not UTF-8 text") from None
    except OSError as exc:
        raise GanlabError(f"config file {str(p)!r} cannot be read: {exc.strerror}") from None
