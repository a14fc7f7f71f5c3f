"""Built-in regularizers of the discriminator."""

import ganlab


@ganlab.hookimpl
def register_regularizers(register):
    register("none", "ganlab.plugins.regularizers.penalties:NoRegularizer", description="No regularizer")
    register("r1", "ganlab.plugins.regularizers.penalties:R1",
             description="R1: gamma/2 E|grad D(x)|^2 on real data (Mescheder et al. 2018)")
    register("r2", "ganlab.plugins.regularizers.penalties:R2",
             description="R2: gamma/2 E|grad D(x)|^2 on generated data (Mescheder et al. 2018)")
