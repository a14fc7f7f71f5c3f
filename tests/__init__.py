"""ganlab's test suite (a package, so it is never confused with another distribution's top-level tests)."""
