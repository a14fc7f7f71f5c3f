import pytest

from ganlab.errors import GanlabError
from ganlab.registry import DuplicateNameError, Registry, UnknownNameError


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


def test_duplicate_name_names_both_plugins():
    reg = Registry("architecture")
    reg.add("dcgan", factory, plugin="first")
    with pytest.raises(DuplicateNameError) as e:
        reg.add("dcgan", factory, plugin="second")
    assert "'second'" in str(e.value) and "'first'" in str(e.value) and "'dcgan'" in str(e.value)


def test_alias_clashing_with_a_name_is_a_duplicate():
    reg = Registry("loss")
    reg.add("nonsat", factory, plugin="a")
    with pytest.raises(DuplicateNameError, match="'nonsat'.*plugin 'a'"):
        reg.add("other", factory, plugin="b", aliases=("nonsat",))
    assert "other" not in reg  # nothing half-registered


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


def test_unknown_name_without_close_match_has_no_guess():
    reg = Registry("dataset")
    reg.add("ring8", factory, plugin="a")
    msg = str(pytest.raises(UnknownNameError, reg.get, "zzzzzz").value)
    assert "Did you mean" not in msg and "Known: ring8" in msg


@pytest.mark.parametrize("bad", ["DCGAN", "dc_gan", "", "-x", "a b"])
def test_names_must_be_lowercase_and_hyphenated(bad):
    with pytest.raises(GanlabError, match="lowercase"):
        Registry("loss").add(bad, factory, plugin="p")


def test_lazy_string_factory_is_imported_on_use():
    reg = Registry("loss")
    reg.add("od", "collections:OrderedDict", plugin="p", description="d")
    assert reg.create("od", a=1) == {"a": 1}


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
