"""Built-in architectures."""

import ganlab


@ganlab.hookimpl
def register_architectures(register):
    register(
        "mlp",
        "ganlab.plugins.archs.mlp:build",
        aliases=("goodfellow",),
        description="Feed-forward G and D of Goodfellow et al. 2014; points or flattened images",
    )
    register(
        "dcgan",
        "ganlab.plugins.archs.dcgan:build",
        aliases=("radford",),
        description="DCGAN of Radford et al. 2016 (the seed's network at 64x64x3); 16/32/64 px, 1 or 3 channels",
    )
