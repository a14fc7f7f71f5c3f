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
