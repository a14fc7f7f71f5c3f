import pytest

import ganlab
from ganlab import config as cfgmod
from ganlab.errors import GanlabError


def test_defaults_are_the_embedded_run():
    cfg = ganlab.load_config()
    assert (cfg.arch.name, cfg.loss.name, cfg.data.name) == ("mlp", "nonsat", "ring8")
    # every option is resolved explicitly, so config.toml records the whole protocol
    assert set(cfg.arch.options) >= {"width", "depth", "latent_dim"}
    assert cfg.data.options == {"modes": 8, "radius": 1.0, "std": 0.01}
    assert cfg.diagnostics == ["divergence", "equilibrium", "gradients", "mode-coverage"]


def test_precedence_defaults_file_flags(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text('seed = 3\n[train]\nsteps = 111\nlr_g = 0.01\n[arch]\nname = "mlp"\nwidth = 7\n')
    cfg = ganlab.load_config(f, overrides={"train.steps": 222}, sets=["arch.width=9"])
    assert cfg.seed == 3  # file over default
    assert cfg.train.lr_g == 0.01  # file over default
    assert cfg.train.steps == 222  # flag over file
    assert cfg.arch.options["width"] == 9  # --set over file
    both = ganlab.load_config(overrides={"train.steps": 5, "seed": None}, sets=["train.steps=7", "seed=2"])
    assert (both.train.steps, both.seed) == (5, 2)  # a named flag over --set; an unset flag changes nothing
    assert cfg.train.batch_size == 512  # ring8's recommendation over the default 256
    assert cfg.train.d_steps == 1  # default
    f.write_text("[train]\nbatch_size = 100\n")
    assert ganlab.load_config(f).train.batch_size == 100  # file over recommendation


def test_alias_resolves_to_canonical_name():
    assert ganlab.load_config(overrides={"loss.name": "non-saturating"}).loss.name == "nonsat"


@pytest.mark.parametrize(
    "sets, message",
    [
        (["train.stpes=5"], "unknown config key 'train.stpes'. Did you mean train.steps?"),
        (["trian.steps=5"], "unknown config key 'trian'"),
        (["train.steps=abc"], "config key 'train.steps' must be an integer, got 'abc'"),
        (["train.steps=1.5"], "config key 'train.steps' must be an integer, got 1.5"),
        (["train.lr_g=fast"], "config key 'train.lr_g' must be a number"),
        (["log.progress=1"], "config key 'log.progress' must be true or false"),
        (["arch.widht=4"], "unknown config key 'arch.widht' for architecture 'mlp'. Did you mean arch.width?"),
        (["arch.width=wide"], "config key 'arch.width' must be an integer"),
        (["train.steps=0"], "'train.steps' must be at least 1"),
        (["train.beta1=1.5"], "'train.beta1' must be in [0, 1)"),
        (["train"], "--set expects KEY=VALUE"),
        (["arch.name=dcgn"], "unknown architecture 'dcgn'"),
        (["diagnostics=[1]"], "must be a list of strings"),
    ],
)
def test_bad_keys_and_types_name_the_key(sets, message):
    with pytest.raises(GanlabError) as e:
        ganlab.load_config(sets=sets)
    assert message in str(e.value)
    assert "\n" not in str(e.value)


def test_set_values_parse_as_toml_literals():
    assert cfgmod.parse_set(["a.b=10", "a.c=0.5", "d=true", "e=hello", 'f="x y"', "g=[1,2]"]) == {
        "a": {"b": 10, "c": 0.5},
        "d": True,
        "e": "hello",
        "f": "x y",
        "g": [1, 2],
    }


def test_changing_component_drops_options_written_for_the_old_one():
    merged = cfgmod.merge({"arch": {"name": "mlp", "width": 5}}, {"arch": {"name": "other"}})
    assert merged == {"arch": {"name": "other"}}
    # but an option given beside a new name without a previous name is kept
    assert cfgmod.merge({"arch": {"width": 5}}, {"arch": {"name": "x"}}) == {"arch": {"width": 5, "name": "x"}}


def test_roundtrip_through_toml(tmp_path):
    cfg = ganlab.load_config(overrides={"train.steps": 42, "arch.width": 16})
    from ganlab.rundir.files import write_toml

    write_toml(tmp_path / "c.toml", cfg.to_dict())
    again = ganlab.load_config(tmp_path / "c.toml")
    assert again == cfg


def test_missing_and_broken_config_files(tmp_path):
    with pytest.raises(GanlabError, match="does not exist"):
        ganlab.load_config(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[train\nsteps=")
    with pytest.raises(GanlabError, match="is not valid TOML"):
        ganlab.load_config(bad)


def test_every_preset_in_configs_resolves():
    from pathlib import Path

    from ganlab.api import resolve

    presets = sorted((Path(__file__).parent.parent / "configs").rglob("*.toml"))  # configs/remedies/ too
    assert len(presets) > 20
    for p in presets:
        raw = cfgmod.read_toml(p)
        if "sweep" in raw:  # a sweep preset: its base must resolve, and its grid names real components
            sweep = raw.pop("sweep")
            for loss in sweep.get("loss", ["nonsat"]):
                for data in sweep.get("dataset", ["ring8"]):
                    resolve(cfgmod.merge(raw, {"loss": {"name": loss}, "data": {"name": data}}))
            for key, values in sweep.get("set", {}).items():  # and every value its `set` grid sweeps
                section, name = key.split(".", 1)
                for value in values:
                    resolve(cfgmod.merge(raw, {section: {name: value}}))
        else:
            ganlab.load_config(p)


def test_every_config_key_is_documented():
    from pathlib import Path

    doc = (Path(__file__).resolve().parent.parent / "docs" / "config.md").read_text()
    missing = [key for key in cfgmod._known_keys() if key != "diag" and f"`{key}`" not in doc]
    assert not missing, f"docs/config.md does not list {missing}"
