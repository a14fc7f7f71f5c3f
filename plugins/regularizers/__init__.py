"""Built-in regularizers of the discriminator. (``--reg none``, no regularizer, is the core's.)"""

import ganlab


@ganlab.hookimpl
def register_regularizers(register):
    register("r1", "ganlab.plugins.regularizers.penalties:R1")
    register("r2", "ganlab.plugins.regularizers.penalties:R2")
