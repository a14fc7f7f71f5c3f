import json
import subprocess
import sys

from click.testing import CliRunner

from ganlab.cli import build


def invoke(*args):
    return CliRunner().invoke(build(), list(args))


def test_list_json_has_every_kind_with_owner():
    data = json.loads(invoke("list", "--json").output)
    assert set(data) == {"archs", "losses", "diagnostics", "datasets", "regularizers", "extractors"}
    assert [c["name"] for c in data["regularizers"]] == ["r1", "r2"]  # "none" is the core's absence of one
    assert [c["name"] for c in data["extractors"]] == ["digits", "inception"]
    losses = {c["name"]: c for c in data["losses"]}
    assert losses["nonsat"] == {
        "name": "nonsat",
        "aliases": ["non-saturating", "ns"],
        "description": "Goodfellow 2014's non-saturating variant: G maximises log D(G(z)).",
        "plugin": "losses",
    }
    # every description is the first line of the component's own docstring (one copy of the fact)
    from ganlab.manager import get_manager
    from ganlab.registry import first_line

    for word, kind in (("archs", "architecture"), ("losses", "loss"), ("datasets", "dataset"), ("diagnostics", "diagnostic")):
        for c in data[word]:
            assert c["description"] == first_line(get_manager().registry(kind).get(c["name"]).load()) != ""
    assert {"ring8", "grid25", "points"} <= {c["name"] for c in data["datasets"]}


def test_list_one_kind_as_table_and_json():
    out = invoke("list", "archs").output
    assert "mlp" in out and "goodfellow" in out and "archs" in out
    assert [c["name"] for c in json.loads(invoke("list", "arch", "--json").output)] == ["dcgan", "mlp"]


def test_list_unknown_kind():
    result = invoke("list", "optimisers")
    assert result.exit_code == 1
    assert "Error: unknown kind 'optimisers'; choose one of: archs, losses, datasets, regularizers, diagnostics, extractors" in result.output


def test_plugins_json():
    data = json.loads(invoke("plugins", "--json").output)
    by_name = {p["name"]: p for p in data["plugins"]}
    assert by_name["losses"]["distribution"] == "ganlab"
    assert by_name["losses"]["components"] == {"loss": ["minimax", "nonsat", "wgan", "wgan-gp", "hinge", "lsgan", "rsgan", "rasgan"]}
    assert by_name["terminal"]["hooks"] == ["on_log", "on_run_end", "on_run_start"]
    assert data["problems"] == []


def test_help_and_list_do_not_import_torch():
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from ganlab.cli import build\n"
        "cli = build()\n"
        "for args in (['--help'], ['list'], ['plugins']):\n"
        "    assert CliRunner().invoke(cli, args).exit_code == 0\n"
        "print('torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


def test_list_options_shows_defaults_including_stabilisers():
    archs = {c["name"]: c for c in json.loads(invoke("list", "archs", "--options", "--json").output)}
    assert archs["mlp"]["options"]["spectral_norm"] is False and archs["mlp"]["options"]["width"] == 64
    assert archs["dcgan"]["options"] == {"latent_dim": 100, "width": 64, "minibatch_std": False, "minibatch_std_group": 4,
                                         "spectral_norm": False}  # the core's, on every architecture
    regs = {c["name"]: c["options"] for c in json.loads(invoke("list", "regularizers", "--options", "--json").output)}
    assert regs["r1"] == {"gamma": 10.0, "every": 1}
    assert "spectral_norm=False" in invoke("list", "archs", "--options").output.replace("\n", "").replace("│", "").replace(" ", "")
