"""Built-in losses: the two games of Goodfellow et al. 2014."""

import ganlab


@ganlab.hookimpl
def register_losses(register):
    register(
        "minimax",
        "ganlab.plugins.losses.classic:Minimax",
        aliases=("saturating",),
        description="The saturating game of Goodfellow 2014: G minimises log(1 - D(G(z)))",
    )
    register(
        "nonsat",
        "ganlab.plugins.losses.classic:NonSaturating",
        aliases=("non-saturating", "ns"),
        description="Goodfellow 2014's non-saturating variant: G maximises log D(G(z))",
    )
