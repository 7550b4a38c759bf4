"""Upload params: size limits and accepted media types of file parts.

Checked after the other arguments decode, param by param in declared order,
size before type: the first failure answers 413 or 415.
"""

from __future__ import annotations

from .errors import MizanError

DEFAULT_CONTENT_TYPE = "application/octet-stream"  # a file part without Content-Type


def media_type(content_type: str | None) -> str:
    """`Image/PNG; q=1` -> `image/png`: parameters dropped, lowercase."""
    if not content_type:
        return DEFAULT_CONTENT_TYPE
    return content_type.split(";", 1)[0].strip().lower()


def accepts(accepted: list[str], content_type: str | None) -> bool:
    """Does a declared `content-types` list (empty: anything) accept this type?"""
    if not accepted:
        return True
    kind = media_type(content_type)
    major = kind.split("/", 1)[0]
    return any(a.lower() == kind or a.lower() == f"{major}/*" for a in accepted)


def check_upload(name: str, max_size: int | None, accepted: list[str], size: int,
                 content_type: str | None) -> None:
    if max_size is not None and size > max_size:
        raise MizanError("payload_too_large", {"limit": max_size, "param": name})
    if not accepts(accepted, content_type):
        raise MizanError("unsupported_media_type",
                         {"content_type": media_type(content_type), "param": name})
