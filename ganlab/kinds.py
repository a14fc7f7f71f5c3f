"""The kinds of component a plugin can register: the one table every layer reads.

>>> from ganlab.kinds import KINDS, by_section, by_word
>>> [k.name for k in KINDS]
['architecture', 'loss', 'dataset', 'regularizer', 'diagnostic', 'extractor']
>>> by_section("data").hook
'register_datasets'
>>> by_word("regs").name
'regularizer'

The registry (messages), the plugin manager (which hook fills which registry), config resolution
(which ``[section]`` names which kind), ``ganlab list`` (its words), sweep run names and compare
columns (the short flag words) all come from here, so a new kind is one new row.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    name: str  # "architecture": how messages and `ganlab plugins` name it
    word: str  # "archs": what `ganlab list` calls it
    hook: str  # "register_architectures": the registration hook that fills it
    section: str | None = None  # "arch": its config table ([arch] name = ...); None if it has none
    flag: str | None = None  # "arch": the run/sweep flag (--arch), also the short name in sweeps and compare
    aliases: tuple[str, ...] = ()  # other words `ganlab list` accepts


KINDS: tuple[Kind, ...] = (
    Kind("architecture", "archs", "register_architectures", "arch", "arch", ("arch", "architecture", "architectures")),
    Kind("loss", "losses", "register_losses", "loss", "loss", ("loss",)),
    Kind("dataset", "datasets", "register_datasets", "data", "dataset", ("dataset", "data")),
    Kind("regularizer", "regularizers", "register_regularizers", "reg", "reg", ("reg", "regs", "regularizer")),
    Kind("diagnostic", "diagnostics", "register_diagnostics", None, "diag", ("diagnostic", "diags", "diag")),
    Kind("extractor", "extractors", "register_extractors", None, None, ("extractor", "features")),
)

# The config tables that name one component each, in the order their recommended values apply.
SECTIONS: tuple[str, ...] = tuple(k.section for k in KINDS if k.section)


def by_name(name: str) -> Kind:
    return next(k for k in KINDS if k.name == name)


def by_section(section: str) -> Kind:
    return next(k for k in KINDS if k.section == section)


def by_word(word: str) -> Kind | None:
    """The kind `ganlab list WORD` means, or None."""
    return next((k for k in KINDS if word == k.word or word in k.aliases), None)


def short_key(key: str) -> str:
    """``"data.name"`` -> ``"dataset"``: the flag word for a component's name key, else the key."""
    section, _, rest = key.partition(".")
    if rest == "name":
        kind = next((k for k in KINDS if k.section == section), None)
        if kind is not None and kind.flag:
            return kind.flag
    return key
