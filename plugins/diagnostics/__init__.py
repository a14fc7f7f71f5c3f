"""Built-in convergence diagnostics and sample-quality metrics."""

import ganlab

# name, "module:class" under ganlab.plugins.diagnostics, aliases, description
DIAGNOSTICS = (
    ("equilibrium", "equilibrium:Equilibrium", (),
     "Mean D(x), D(G(z)) and the JSD bound the D loss implies; flags a D that has won"),
    ("gradients", "gradients:Gradients", (), "Gradient norms of G and D and their ratio; flags vanishing G gradients"),
    ("divergence", "divergence:Divergence", (), "NaN/Inf (the run ends as diverged), exploding losses, sustained oscillation"),
    ("stacked-modes", "stacked_modes:StackedModes", (),
     "Modes captured out of 1,000 and KL to uniform on stacked-digits (Stacked-MNIST)"),
    ("fid", "quality:Fid", (), "Frechet distance of image features (torchmetrics); digits CNN offline or Inception-v3"),
    ("kid", "quality:Kid", (), "Kernel distance of image features (torchmetrics), mean and std over subsets"),
    ("precision-recall", "quality:PrecisionRecall", ("pr",), "Improved precision and recall, k = 3 (Kynkaanniemi et al. 2019)"),
    ("mode-coverage", "mode_coverage:ModeCoverage", ("modes",),
     "Modes captured, % high quality, reverse KL (PacGAN protocol, mixtures)"),
)  # fmt: skip


@ganlab.hookimpl
def register_diagnostics(register):
    for name, target, aliases, description in DIAGNOSTICS:
        register(name, f"ganlab.plugins.diagnostics.{target}", aliases=aliases, description=description)
