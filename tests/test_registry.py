import pytest

from ganlab.errors import GanlabError
from ganlab.registry import NameClash, Registry, UnknownNameError


def factory(*, width: int = 3):
    """Makes a thing.

    More text that is not the description.
    """
    return ("thing", width)


def test_create_by_name_and_alias_with_options():
    reg = Registry("architecture")
    reg.add("dcgan", factory, plugin="p", aliases=("radford",))
    assert reg.create("dcgan", width=5) == ("thing", 5)
    assert reg.create("radford") == ("thing", 3)
    assert reg.get("radford").name == "dcgan"


def test_description_defaults_to_first_docstring_line():
    reg = Registry("loss")
    assert reg.add("x", factory, plugin="p").description == "Makes a thing."
    assert reg.add("y", factory, plugin="p", description="Mine").description == "Mine"


def other(*, width: int = 4):
    """Another thing."""
    return ("other", width)


def test_a_clash_keeps_the_first_and_the_second_under_its_qualified_name():
    reg = Registry("architecture")
    reg.add("dcgan", factory, plugin="first")
    with pytest.raises(NameClash) as e:
        reg.add("dcgan", other, plugin="second")
    assert str(e.value) == (
        "architecture 'dcgan' is also registered by plugin 'first', which keeps the name (it loaded first); "
        "use 'second:dcgan' for this one, or disable a plugin with GANLAB_DISABLE_PLUGINS"
    )
    assert reg.create("dcgan") == ("thing", 3)  # the first one keeps the plain name
    assert reg.create("second:dcgan") == ("other", 4) and reg.create("first:dcgan") == ("thing", 3)
    assert reg.canonical("second:dcgan") == "second:dcgan" and reg.canonical("dcgan") == "dcgan"


def test_a_clashing_alias_drops_only_the_alias():
    reg = Registry("loss")
    reg.add("hinge", factory, plugin="a")
    with pytest.raises(NameClash, match="alias 'hinge' is taken by plugin 'a''s 'hinge'; dropped the alias, kept 'my-loss'"):
        reg.add("my-loss", other, plugin="b", aliases=("hinge", "ml"))
    assert reg.create("my-loss") == ("other", 4) and reg.create("ml") == ("other", 4)  # the rest is registered
    assert reg.get("hinge").plugin == "a" and reg.get("my-loss").aliases == ("ml",)


def test_unknown_name_suggests_closest_and_lists_known():
    reg = Registry("architecture")
    reg.add("dcgan", factory, plugin="a")
    reg.add("mlp", factory, plugin="a")
    with pytest.raises(UnknownNameError) as e:
        reg.get("dcgn")
    msg = str(e.value)
    assert "Did you mean dcgan?" in msg
    assert "Known: dcgan, mlp" in msg
    assert "ganlab list archs" in msg
    assert "\n" not in msg


def test_an_empty_registry_says_so():
    msg = str(pytest.raises(UnknownNameError, Registry("regularizer").get, "r1").value)
    assert msg == ("unknown regularizer 'r1': no regularizers are registered (is the plugin that provides them "
                   "disabled by GANLAB_DISABLE_PLUGINS?)")  # fmt: skip


def test_unknown_name_without_close_match_has_no_guess():
    reg = Registry("dataset")
    reg.add("ring8", factory, plugin="a")
    msg = str(pytest.raises(UnknownNameError, reg.get, "zzzzzz").value)
    assert "Did you mean" not in msg and "Known: ring8" in msg


@pytest.mark.parametrize("bad", ["DCGAN", "dc_gan", "", "-x", "a b"])
def test_names_must_be_lowercase_and_hyphenated(bad):
    with pytest.raises(GanlabError, match="lowercase"):
        Registry("loss").add(bad, factory, plugin="p")


def test_lazy_string_factory_is_imported_on_use_and_described_without_importing(tmp_path, monkeypatch):
    import sys

    reg = Registry("loss")
    reg.add("od", "collections:OrderedDict", plugin="p", description="d")
    assert reg.create("od", a=1) == {"a": 1}
    (tmp_path / "lazy_mod.py").write_text('raise RuntimeError("imported")\n\nclass Loss:\n    """A loss read statically."""\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    entry = reg.add("lazy", "lazy_mod:Loss", plugin="p")
    assert entry.description == "A loss read statically." and "lazy_mod" not in sys.modules
    assert entry.static_problem() is None


def test_a_lazy_string_that_names_nothing_is_one_line_naming_the_plugin(tmp_path, monkeypatch):
    (tmp_path / "my_pkg_mod.py").write_text("def build():\n    return 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    reg = Registry("loss")
    entry = reg.add("x", "my_pkg_mod:bulid", plugin="mine")
    assert entry.static_problem() == "'my_pkg_mod:bulid': module 'my_pkg_mod' defines no 'bulid'; did you mean my_pkg_mod:build?"
    with pytest.raises(GanlabError) as e:
        reg.create("x")
    assert str(e.value).startswith("plugin 'mine': loss 'x' is registered as 'my_pkg_mod:bulid', which cannot be loaded (AttributeError")
    assert "no_such_module_anywhere" in Registry("loss").add("y", "no_such_module_anywhere:x", plugin="p").static_problem()


def test_options_come_from_the_factory_signature():
    reg = Registry("architecture")
    entry = reg.add("x", factory, plugin="p")
    assert list(entry.options()) == ["width"]


def test_remove_plugin_forgets_names_and_aliases():
    reg = Registry("loss")
    reg.add("a", factory, plugin="p", aliases=("aa",))
    reg.add("b", factory, plugin="q")
    reg.remove_plugin("p")
    assert "a" not in reg and "aa" not in reg and "b" in reg
