"""What the docs promise runs: every ``ganlab`` command line in README.md and docs/, and every
``>>>`` example in a module docstring.

Command lines run in document order, in one scratch directory (so ``ganlab compare runs/x``
finds the ``runs/x`` an earlier line made), on a reduced budget: a few steps, one seed,
a small batch. A line the docs give as a synopsis (``[--arch NAME]``, ``RUN_DIR``) is not a
command; the few commands that need something a test cannot have (the example plugin package
installed, a second machine) are listed in SKIP with the reason.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

import ganlab
from ganlab.cli import build

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SKIP = {
    "ganlab spiral --n 1000 --out spiral.npy": "needs the example plugin package installed (tests/test_third_party.py runs it)",
    "ganlab run --arch residual-mlp --loss smooth-nonsat --dataset spiral --diag spread": "the same",
    "ganlab sweep --loss minimax,nonsat --seeds 0-3 --steps 2000 --backend ray --out runs/ray-sweep":
        "tests/test_ray.py runs the Ray backend on a real cluster it starts",
    "ganlab sweep --loss minimax,nonsat --seeds 0-3 --backend ray --out runs/ray": "the same",
    "ganlab sweep --config configs/sweep-minimax-vs-nonsat.toml --backend ray --address auto --out runs/mvn":
        "needs the `ray start --head` before it (tests/test_ray.py)",
    "ganlab run --arch dcgan --nproc 4 --nnodes 2 --rdzv-endpoint 10.0.0.5:29400 --out /shared/runs/dcgan-8gpu":
        "needs two machines (tests/test_distributed.py meets two 'machines' at a rendezvous on this one)",
}
PLACEHOLDER = re.compile(r"\[--|\b[A-Z][A-Z_]{2,}\b|\.\.\.|\|")  # synopsis: [--opt], NAME, RUN_DIR, a|b


def command_lines(page: Path) -> list[tuple[str, list[str]]]:
    """The ``ganlab ...`` lines of a page's fenced code blocks, continuations joined, comments cut,
    each with the ``## `` section it is in (a section's lines read only what that section made)."""
    lines, skipped_outs = [], set()
    page_text = page.read_text()
    for match in re.finditer(r"```[a-z]*\n(.*?)```", page_text, re.S):
        block = match.group(1)
        headings = re.findall(r"^## (.*)$", page_text[: match.start()], re.M)
        section = f"{page.name}: {headings[-1] if headings else 'top'}"
        for line in block.replace("\\\n", " ").splitlines():
            line = line.strip().removeprefix("$ ")
            if not line.startswith("ganlab "):
                continue
            words = shlex.split(line, comments=True)
            text = shlex.join(words)
            if text in SKIP and "--out" in words:
                skipped_outs.add(words[words.index("--out") + 1])
            if text in SKIP or "|" in line.split("#")[0] or PLACEHOLDER.search(" ".join(words)) or skipped_outs & set(words):
                continue  # a synopsis, or a command that needs what a test cannot have (or reads what one made)
            lines.append((section, words))
    return lines


def reduced(words: list[str]) -> list[str]:
    """The same command on a budget a test affords: few steps, one seed, a small batch."""
    out, i = [], 0
    command = words[1]
    while i < len(words):
        w = words[i]
        if w == "--steps":
            out += ["--steps", "20" if command == "resume" else "10"]
            i += 2
            continue
        if w == "--samples":
            out += ["--samples", "500"]
            i += 2
            continue
        if w == "--nproc":  # two cores: more processes only crawl
            out += ["--nproc", "2"]
            i += 2
            continue
        if w == "--seeds":
            i += 2
            continue
        out.append(w)
        i += 1
    if command == "sweep":
        out += ["--seeds", "0"]  # also for a preset's [sweep] seeds
        if "--workers" not in out and "--backend" not in out:
            out += ["--workers", "2"]
    if command in ("run", "sweep"):
        if "--steps" not in out:
            out += ["--steps", "10"]
        out += ["--set", "train.batch_size=16", "--set", "log.eval_every=10", "--set", "log.progress=false"]  # one evaluation, at the last step (resume: two)
        if "stacked" in " ".join(words):  # the 1,000-mode count classifies 10,000 images an evaluation: 500 show it runs
            out += ["--set", "diag.stacked-modes.samples=500"]
    if command == "resume" and "--steps" not in out:
        out += ["--steps", "20"]
    return out[1:]


CASES = [(section, words) for page in PAGES for section, words in command_lines(page)]
SECTIONS = list(dict.fromkeys(section for section, _ in CASES))


def test_the_docs_hold_commands_to_run():
    assert len(CASES) >= 25
    assert {section.split(":")[0] for section, _ in CASES} >= {"README.md", "cli.md", "compare.md", "evaluation.md", "reproductions.md"}


@pytest.mark.parametrize("section", SECTIONS)
def test_every_command_line_runs_as_written(section, tmp_path, monkeypatch):
    """In the order a reader meets them, in one scratch directory per section of a page; a line
    that reduces to one an earlier section ran (the same sweep on two pages) is not run again."""
    (tmp_path / "configs").symlink_to(ROOT / "configs")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GANLAB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("COLUMNS", "160")
    first = {}
    for s, words in CASES:
        first.setdefault(tuple(reduced(words)), s)
    for s, words in CASES:
        args = reduced(words)
        if s != section or first[tuple(args)] != section and not _reads_earlier(words):
            continue
        result = CliRunner().invoke(build(), args, catch_exceptions=False)
        assert result.exit_code == 0, f"{section}: {shlex.join(words)}\n(ran: ganlab {shlex.join(args)})\n{result.output}"


def _reads_earlier(words: list[str]) -> bool:
    """Commands that read what an earlier line of their page made run on every page that has them."""
    return words[1] in ("compare", "sample", "eval", "resume")


import ganlab.plugins  # noqa: E402  (mapped from plugins/: walked on its own)

MODULES = sorted(
    m.name for path, prefix in ((ganlab.__path__, "ganlab."), (ganlab.plugins.__path__, "ganlab.plugins."))
    for m in pkgutil.walk_packages(path, prefix)
    if "__main__" not in m.name and ">>>" in Path(importlib.util.find_spec(m.name).origin).read_text()
)  # fmt: skip


@pytest.mark.parametrize("name", MODULES)
def test_module_examples_are_true(name, monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)  # examples read tests/data and configs/ as a reader at the repository root would
    monkeypatch.setenv("GANLAB_CACHE", str(tmp_path / "cache"))
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted and not result.failed


def test_the_python_api_page_runs_as_written(tmp_path, monkeypatch):
    (tmp_path / "configs").symlink_to(ROOT / "configs")
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "python-api.md").read_text(), re.S)
    assert len(blocks) == 1
    scope: dict = {}
    exec(compile(blocks[0], "docs/python-api.md", "exec"), scope)
    assert scope["run"].summary["status"] == "completed" and scope["run"].summary["step"] == 600
    assert tuple(scope["x"].shape) == (1000, 2) and tuple(scope["best"].shape) == (1000, 2) and tuple(scope["real"].shape) == (1000, 2)
