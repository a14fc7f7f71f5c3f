"""Plugin discovery through the real entry-point machinery, and every way a plugin can break."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from ganlab.manager import get_manager, reset_manager


def make_dist(root, dist, module, code, ep_name=None):
    """An installed distribution on ``root`` (a dist-info with entry_points.txt, and its module),
    found by importlib.metadata exactly as a pip-installed plugin package is."""
    (root / f"{module}.py").write_text(textwrap.dedent(code))
    info = root / f"{dist.replace('-', '_')}-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.2.3\n")
    (info / "entry_points.txt").write_text(f"[ganlab]\n{ep_name or dist} = {module}\n")


GOOD = """
    import ganlab
    from ganlab.plugins.losses.classic import NonSaturating

    class Mine(NonSaturating):
        '''A loss from a third-party package.'''

    @ganlab.hookimpl
    def register_losses(register):
        register("mine", Mine, aliases=("my-loss",))
"""


@pytest.fixture
def site(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    reset_manager()
    return tmp_path


def test_builtins_come_from_the_ganlab_entry_point_group():
    m = get_manager()
    for name in ("archs", "losses", "datasets", "diagnostics", "regularizers", "terminal", "pictures", "tensorboard"):
        info = m.plugins[name]
        assert info.builtin and info.distribution == "ganlab" and info.version
    assert m.registry("architecture").get("mlp").plugin == "archs"
    assert not m.problems


def test_third_party_plugin_is_discovered(site):
    make_dist(site, "ganlab-mine", "ganlab_mine", GOOD)
    m = get_manager()
    info = m.plugins["ganlab-mine"]
    assert (info.distribution, info.version, info.builtin) == ("ganlab-mine", "1.2.3", False)
    assert info.components == {"loss": ["mine"]}
    entry = m.registry("loss").get("my-loss")
    assert (entry.name, entry.plugin, entry.description) == ("mine", "ganlab-mine", "A loss from a third-party package.")


def test_plugin_that_fails_to_import_is_reported_and_others_work(site):
    make_dist(site, "ganlab-broken", "ganlab_broken", "import not_a_module_anywhere\n")
    make_dist(site, "ganlab-mine", "ganlab_mine", GOOD)
    m = get_manager()
    assert [str(p) for p in m.problems] == [
        "plugin 'ganlab-broken': failed to import: ModuleNotFoundError: No module named 'not_a_module_anywhere'"
    ]
    assert "mine" in m.registry("loss") and "mlp" in m.registry("architecture")


def test_misspelt_hook_is_reported_by_name(site):
    make_dist(site, "ganlab-typo", "ganlab_typo", """
        import ganlab

        @ganlab.hookimpl
        def register_loses(register):
            pass
    """)
    problems = [str(p) for p in get_manager().problems]
    assert problems == [
        "plugin 'ganlab-typo': implements unknown hook 'register_loses' (did you mean register_losses?); plugin skipped"
    ]


def test_duplicate_name_names_both_plugins_and_keeps_the_builtin(site):
    make_dist(site, "ganlab-clash", "ganlab_clash", """
        import ganlab

        @ganlab.hookimpl
        def register_architectures(register):
            register("mlp", lambda **kw: None, description="an impostor")
    """)
    m = get_manager()
    assert [str(p) for p in m.problems] == [
        "plugin 'ganlab-clash': architecture 'mlp' is also registered by plugin 'archs', which keeps the name "
        "(it loaded first); use 'ganlab-clash:mlp' for this one, or disable a plugin with GANLAB_DISABLE_PLUGINS"
    ]
    assert m.registry("architecture").get("mlp").plugin == "archs"
    assert m.registry("architecture").get("ganlab-clash:mlp").description == "an impostor"


def test_registration_hook_that_raises_is_reported(site):
    make_dist(site, "ganlab-raises", "ganlab_raises", """
        import ganlab

        @ganlab.hookimpl
        def register_datasets(register):
            raise RuntimeError("boom")
    """)
    assert [str(p) for p in get_manager().problems] == ["plugin 'ganlab-raises': register_datasets raised RuntimeError: boom"]


def test_disable_plugins_by_name(site, monkeypatch):
    make_dist(site, "ganlab-mine", "ganlab_mine", GOOD)
    monkeypatch.setenv("GANLAB_DISABLE_PLUGINS", "ganlab-mine, tensorboard")
    m = get_manager()
    assert "ganlab-mine" not in m.plugins and "tensorboard" not in m.plugins
    assert "mine" not in m.registry("loss")


def _cli(args, env_extra, cwd):
    env = {**os.environ, **env_extra}
    return subprocess.run([sys.executable, "-m", "ganlab", *args], capture_output=True, text=True, env=env, cwd=cwd)


def test_cli_keeps_working_beside_a_broken_plugin(site):
    make_dist(site, "ganlab-broken", "ganlab_broken", "raise ImportError('needs libfoo')\n")
    make_dist(site, "ganlab-mine", "ganlab_mine", GOOD)
    out = _cli(["list", "losses", "--json"], {"PYTHONPATH": str(site)}, site)
    assert out.returncode == 0, out.stderr
    assert "mine" in [c["name"] for c in json.loads(out.stdout)]
    assert out.stderr.strip() == "ganlab: warning: plugin 'ganlab-broken': failed to import: ImportError: needs libfoo"
    plugins = json.loads(_cli(["plugins", "--json"], {"PYTHONPATH": str(site)}, site).stdout)
    assert plugins["problems"] == [{"plugin": "ganlab-broken", "problem": "failed to import: ImportError: needs libfoo"}]


def test_trace_plugins_prints_hook_calls(site):
    make_dist(site, "ganlab-mine", "ganlab_mine", GOOD)
    out = _cli(["list", "losses"], {"PYTHONPATH": str(site), "GANLAB_TRACE_PLUGINS": "1"}, site)
    assert "ganlab-trace: register_losses(register) -> [ganlab-mine]" in out.stderr  # through pluggy, per plugin


def test_plugin_command_is_added(ganlab_plugin):
    from click.testing import CliRunner

    from tests.plugins import components

    ganlab_plugin(components, "test-components")
    from ganlab.cli import build

    cli = build()
    result = CliRunner().invoke(cli, ["hello"])
    assert result.output == "hello from a plugin\n"
