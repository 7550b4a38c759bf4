"""Editor features, one module each; importing a module registers its handlers."""

from . import (  # noqa: F401
    actions,
    completion,
    folding,
    formatting,
    hints,
    hover,
    navigation,
    rename,
    symbols,
    tokens,
)

ALL = ("actions", "completion", "folding", "formatting", "hints", "hover", "navigation",
       "rename", "symbols", "tokens")
