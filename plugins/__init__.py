"""ganlab's built-in plugins, installed as ``ganlab.plugins``.

Each subpackage is an ordinary plugin, registered through the ``ganlab`` entry-point group in
pyproject.toml exactly as a third-party package would be. The light ``__init__`` modules hold the
``@hookimpl`` functions; the torch code they name is imported only when a component is built.
"""
