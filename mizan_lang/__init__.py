"""mizan-lang: the authoring toolchain for Mizan API specs."""

import os as _os

__version__ = "0.1.0"

# In a source checkout the language server and the generators live in the
# top-level folders lsp/ and generators/ (the layout reviewers navigate); an
# installed wheel packages them as mizan_lang.lsp and mizan_lang.generators.
# Let the checkout import them under the same names.
# (os.path, not pathlib: every command imports this first; pathlib costs ~6 ms.)
# Those folders and grammar/ are the ones a wheel packages inside mizan_lang
# (pyproject's package-dir): the result cache's tool fingerprint covers them.
CHECKOUT_PACKAGES = ("lsp", "generators", "grammar")
_checkout = _os.path.dirname(_os.path.dirname(_os.path.realpath(__file__)))
if (_os.path.isfile(_os.path.join(_checkout, "pyproject.toml"))
        and _os.path.isfile(_os.path.join(_checkout, "lsp", "__init__.py"))):
    __path__.append(_checkout)  # type: ignore[name-defined]
