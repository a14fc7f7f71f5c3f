"""Built-in convergence diagnostics."""

import ganlab


@ganlab.hookimpl
def register_diagnostics(register):
    register("equilibrium", "ganlab.plugins.diagnostics.equilibrium:Equilibrium",
             description="Mean D(x), D(G(z)) and the JSD bound the D loss implies; flags a D that has won")
    register("gradients", "ganlab.plugins.diagnostics.gradients:Gradients",
             description="Gradient norms of G and D and their ratio; flags vanishing G gradients")
    register("divergence", "ganlab.plugins.diagnostics.divergence:Divergence",
             description="NaN/Inf (the run ends as diverged), exploding losses, sustained oscillation")
    register("stacked-modes", "ganlab.plugins.diagnostics.stacked_modes:StackedModes",
             description="Modes captured out of 1,000 and KL to uniform on stacked-digits (Stacked-MNIST)")
    register("fid", "ganlab.plugins.diagnostics.quality:Fid",
             description="Frechet distance of image features (torchmetrics); digits CNN offline or Inception-v3")
    register("kid", "ganlab.plugins.diagnostics.quality:Kid",
             description="Kernel distance of image features (torchmetrics), mean and std over subsets")
    register("precision-recall", "ganlab.plugins.diagnostics.quality:PrecisionRecall", aliases=("pr",),
             description="Improved precision and recall, k = 3 (Kynkaanniemi et al. 2019)")
    register("mode-coverage", "ganlab.plugins.diagnostics.mode_coverage:ModeCoverage", aliases=("modes",),
             description="Modes captured, % high quality, reverse KL (PacGAN protocol, mixtures)")
