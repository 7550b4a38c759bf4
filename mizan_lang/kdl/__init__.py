"""KDL v2: `parse(text)` -> ParseResult(document, diagnostics); `dumps(document)`."""

from .model import Comment, Document, Node, ParseResult, Prop, Value
from .parser import parse
from .printer import dumps

__all__ = ["Comment", "Document", "Node", "ParseResult", "Prop", "Value", "dumps", "parse"]
