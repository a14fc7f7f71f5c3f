"""Built-in convergence diagnostics, sample-quality metrics and the feature extractors they use.
Each one's description is the first line of its class's docstring."""

import ganlab

DIAGNOSTICS = (  # name, "module:class" under ganlab.plugins.diagnostics, aliases
    ("equilibrium", "equilibrium:Equilibrium", ()),
    ("gradients", "gradients:Gradients", ()),
    ("divergence", "divergence:Divergence", ()),
    ("stacked-modes", "stacked_modes:StackedModes", ()),
    ("fid", "quality:Fid", ()),
    ("kid", "quality:Kid", ()),
    ("precision-recall", "quality:PrecisionRecall", ("pr",)),
    ("mode-coverage", "mode_coverage:ModeCoverage", ("modes",)),
)

EXTRACTORS = (
    ("digits", "features:DigitsFeatures", ("digits-cnn",)),
    ("inception", "features:InceptionFeatures", ("inception-v3",)),
)


@ganlab.hookimpl
def register_diagnostics(register):
    for name, target, aliases in DIAGNOSTICS:
        register(name, f"ganlab.plugins.diagnostics.{target}", aliases=aliases)


@ganlab.hookimpl
def register_extractors(register):
    for name, target, aliases in EXTRACTORS:
        register(name, f"ganlab.plugins.diagnostics.{target}", aliases=aliases)
