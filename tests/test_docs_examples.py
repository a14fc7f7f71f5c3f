"""The plugin examples in docs/plugins.md run as written: each is registered as a plugin and its
component passes ganlab.testing's contract."""

import re
import types
from pathlib import Path

import pytest

import ganlab.testing as gt

DOC = (Path(__file__).resolve().parent.parent / "docs" / "plugins.md").read_text()
BLOCKS = [b for b in re.findall(r"```python\n(.*?)```", DOC, re.S) if "@ganlab.hookimpl" in b]


def load(code, name):
    module = types.ModuleType(name)
    exec(compile(code, f"docs/plugins.md:{name}", "exec"), module.__dict__)
    return module


def test_every_hook_example_is_collected():
    assert len(BLOCKS) == 7  # hinge loss, architecture, dataset, diagnostic, extractor, command, listener


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_doc_example_registers_and_passes_the_contract(index, ganlab_plugin, tmp_path):
    module = load(BLOCKS[index], f"doc_example_{index}")
    m = ganlab_plugin(module, f"doc-example-{index}")
    assert not [p for p in m.problems if p.plugin == f"doc-example-{index}"]
    comps = m.plugins[f"doc-example-{index}"].components
    for name in comps.get("architecture", []):
        gt.check_architecture(m.registry("architecture").get(name).load(), data_shape=(2,))
        gt.check_training_step(arch=name)
    for name in comps.get("loss", []):
        gt.check_loss(m.registry("loss").create(name))
        gt.check_training_step(loss=name)
    for name in comps.get("dataset", []):
        gt.check_dataset(m.registry("dataset").create(name))
        gt.check_training_step(data=name)
    for name in comps.get("diagnostic", []):
        from ganlab.plugins.datasets.mixtures import Ring

        gt.check_diagnostic(m.registry("diagnostic").create(name), Ring())
    for name in comps.get("extractor", []):
        import torch

        feats = m.registry("extractor").create(name)(torch.rand(5, 3, 8, 8) * 2 - 1)
        assert feats.shape[0] == 5 and feats.ndim == 2 and torch.isfinite(feats).all()
        ds = m.registry("dataset").create("digits")
        ds.features = name  # a dataset naming it: fid runs on it
        from ganlab.plugins.diagnostics.quality import Fid

        fid = Fid()
        gt.check_diagnostic(fid, ds)
        assert fid.extractor.protocol == m.registry("extractor").create(name).protocol
    if "on_log" in m.plugins[f"doc-example-{index}"].hooks:
        assert gt.quick_run(tmp_path)["status"] == "completed"
