"""Built-in lifecycle listeners: the terminal display, the metrics file, the summary file and
TensorBoard. Each module is its own plugin, so any of them can be disabled
(``GANLAB_DISABLE_PLUGINS=terminal``) or replaced."""
