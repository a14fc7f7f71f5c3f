"""Built-in losses: the two games of Goodfellow et al. 2014, and the zoo of later losses. Each
one's description is the first line of its class's docstring."""

import ganlab

LOSSES = (  # name, class in ganlab.plugins.losses, aliases
    ("minimax", "classic:Minimax", ("saturating",)),
    ("nonsat", "classic:NonSaturating", ("non-saturating", "ns")),
    ("wgan", "zoo:WGAN", ()),
    ("wgan-gp", "zoo:WGANGP", ("wgangp",)),
    ("hinge", "zoo:Hinge", ()),
    ("lsgan", "zoo:LSGAN", ("least-squares",)),
    ("rsgan", "zoo:RSGAN", ("relativistic",)),
    ("rasgan", "zoo:RaSGAN", ("relativistic-average",)),
)


@ganlab.hookimpl
def register_losses(register):
    for name, target, aliases in LOSSES:
        register(name, f"ganlab.plugins.losses.{target}", aliases=aliases)
