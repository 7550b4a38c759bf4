"""GitHub Actions workflow commands: `::error file=...,line=...::message`.

Used by `check --format github` and `breaking --format github`, so problems
show as annotations on the pull request's changed lines.
"""

from __future__ import annotations


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(level: str, message: str, *, file: str | None = None, line: int = 0,
               col: int = 0, end_line: int = 0, end_col: int = 0, title: str = "") -> str:
    """One workflow command line; `level` is error, warning or notice."""
    props = []
    if file:
        props.append(f"file={_property(file)}")
        if line:
            props.append(f"line={line}")
            if col:
                props.append(f"col={col}")
            if end_line:
                props.append(f"endLine={end_line}")
                if end_col:
                    props.append(f"endColumn={end_col}")
    if title:
        props.append(f"title={_property(title)}")
    head = f"::{level} {','.join(props)}" if props else f"::{level}"
    return f"{head}::{_data(message)}\n"
