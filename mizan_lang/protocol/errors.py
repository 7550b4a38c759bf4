"""The error envelope: one fixed table of codes, statuses and messages.

Every error response is `{"error": {"code", "message", "details"}}`. The
message is fixed per code so that every server sends the same bytes; what
varies goes in `details`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ErrorCode:
    code: str
    status: int
    message: str


ERROR_CODES: dict[str, ErrorCode] = {
    e.code: e
    for e in (
        ErrorCode("bad_request", 400, "The request is malformed."),
        ErrorCode("invalid_arguments", 400, "Some arguments are invalid."),
        ErrorCode("unauthenticated", 401, "Authentication is required."),
        ErrorCode("forbidden", 403, "You are not allowed to do this."),
        ErrorCode("csrf_failed", 403, "The CSRF check failed."),
        ErrorCode("not_found", 404, "Not found."),
        ErrorCode("method_not_allowed", 405, "Method not allowed."),
        ErrorCode("payload_too_large", 413, "The payload is too large."),
        ErrorCode("unsupported_media_type", 415, "Unsupported media type."),
        ErrorCode("validation_failed", 422, "The form has errors."),
        ErrorCode("internal", 500, "Internal server error."),
    )
}

# `details.reason` of a 401: why the credential was not accepted.
AUTH_REASONS = (
    "missing",  # the function needs a caller and none was presented
    "malformed",  # not a well-formed token of the expected kind
    "algorithm",  # header `alg` is not the configured algorithm (`none` included)
    "signature",  # the signature does not verify with the server's key
    "wrong_type",  # an access token where a refresh token belongs, or back
    "issuer",  # `iss` differs from the configured issuer (or is present when none is)
    "audience",  # `aud` likewise
    "expired",  # now >= exp
    "reused",  # a refresh token presented a second time
    "revoked",  # the application no longer knows the subject
    "credentials",  # auth/token/: the application rejected the credentials
)

# `details.reason` of a 400 bad_request.
BAD_REQUEST_REASONS = ("json", "shape", "multipart", "query")


class MizanError(Exception):
    """An error that becomes an error response."""

    def __init__(self, code: str, details: Any = None) -> None:
        if code not in ERROR_CODES:
            raise ValueError(f"unknown error code {code!r}")
        super().__init__(code)
        self.code = code
        self.details = details

    @property
    def status(self) -> int:
        return ERROR_CODES[self.code].status

    def body(self) -> dict[str, Any]:
        return error_body(self.code, self.details)


def error_body(code: str, details: Any = None) -> dict[str, Any]:
    entry = ERROR_CODES[code]
    return {"error": {"code": entry.code, "message": entry.message, "details": details}}
