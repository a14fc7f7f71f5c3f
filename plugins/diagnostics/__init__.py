"""Built-in convergence diagnostics."""

import ganlab


@ganlab.hookimpl
def register_diagnostics(register):
    register("equilibrium", "ganlab.plugins.diagnostics.equilibrium:Equilibrium",
             description="Mean D(x), D(G(z)) and the JSD bound the D loss implies; flags a D that has won")
    register("gradients", "ganlab.plugins.diagnostics.gradients:Gradients",
             description="Gradient norms of G and D and their ratio; flags vanishing G gradients")
    register("mode-coverage", "ganlab.plugins.diagnostics.mode_coverage:ModeCoverage", aliases=("modes",),
             description="Modes captured, % high quality, reverse KL (PacGAN protocol, mixtures)")
