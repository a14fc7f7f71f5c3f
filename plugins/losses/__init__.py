"""Built-in losses: the two games of Goodfellow et al. 2014, and the zoo of later losses."""

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
    for name, attr, aliases, description in (
        ("wgan", "WGAN", (), "Wasserstein GAN with weight clipping (Arjovsky et al. 2017)"),
        ("wgan-gp", "WGANGP", ("wgangp",), "WGAN with gradient penalty on interpolates, lambda 10 (Gulrajani et al. 2017)"),
        ("hinge", "Hinge", (), "Hinge loss (Lim & Ye 2017; Miyato et al. 2018)"),
        ("lsgan", "LSGAN", ("least-squares",), "Least squares GAN (Mao et al. 2017)"),
        ("rsgan", "RSGAN", ("relativistic",), "Relativistic standard GAN (Jolicoeur-Martineau 2018)"),
        ("rasgan", "RaSGAN", ("relativistic-average",), "Relativistic average standard GAN (Jolicoeur-Martineau 2018)"),
    ):
        register(name, f"ganlab.plugins.losses.zoo:{attr}", aliases=aliases, description=description)
