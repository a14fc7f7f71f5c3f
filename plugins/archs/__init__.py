"""Built-in architectures. Each one's description is the first line of its factory's docstring."""

import ganlab


@ganlab.hookimpl
def register_architectures(register):
    register("mlp", "ganlab.plugins.archs.mlp:build", aliases=("goodfellow",))
    register("dcgan", "ganlab.plugins.archs.dcgan:build", aliases=("radford",))
