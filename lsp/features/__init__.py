"""Editor features, one module each; importing a module registers its handlers."""

from . import navigation  # noqa: F401

ALL = ("navigation",)
