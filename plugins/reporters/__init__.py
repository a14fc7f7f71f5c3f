"""Built-in reporters: the terminal display, pictures of samples and TensorBoard. Each module is
its own plugin, so any of them can be disabled (``GANLAB_DISABLE_PLUGINS=terminal,pictures``) or
replaced; the run directory's own files (config, metrics, summary, checkpoints) are the core's."""
