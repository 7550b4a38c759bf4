"""The Jinja2 environment every target renders with.

`StrictUndefined`: a name missing from the view model is an error, never an
empty string in the output. Templates only place what the view model
computed: loops over its lists and `if` on its flags, no other logic.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2

from .files import GeneratedFile, Owner
from .format import format_text
from .header import with_header


@cache
def environment(package: str) -> jinja2.Environment:
    """The environment of the templates in `<package>/templates/`."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader(package, "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_file(package: str, template: str, view: Any, *, path: str, target: str,
                syntax: str, owner: Owner = "generated") -> GeneratedFile:
    """Render one template with its view model into a formatted file; a
    generated file gets the do-not-edit header, a user file does not."""
    text = environment(package).get_template(template).render(view=view)
    text = format_text(text, syntax)
    if owner == "generated":
        text = with_header(text, target=target, syntax=syntax)
    return GeneratedFile(path=path, text=text, owner=owner)
