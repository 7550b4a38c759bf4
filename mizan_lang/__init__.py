"""mizan-lang: the authoring toolchain for Mizan API specs."""

from pathlib import Path as _Path

__version__ = "0.1.0"

# In a source checkout the language server and the generators live in the
# top-level folders lsp/ and generators/ (the layout reviewers navigate); an
# installed wheel packages them as mizan_lang.lsp and mizan_lang.generators.
# Let the checkout import them under the same names.
_checkout = _Path(__file__).resolve().parent.parent
if (_checkout / "pyproject.toml").is_file() and (_checkout / "lsp" / "__init__.py").is_file():
    __path__.append(str(_checkout))  # type: ignore[name-defined]
