"""CultivAR SQLAlchemy 2 models (async engine).

Submodules are intentionally not imported here: schema tooling imports every
submodule of this package itself, and ``base`` holds the shared ``Base``.
"""
