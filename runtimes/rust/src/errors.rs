//! The error envelope (protocol 3): one closed table of codes.

use crate::json::Json;

/// (code, status, message), in the order of the protocol's table.
pub const ERROR_CODES: [(&str, u16, &str); 11] = [
    ("bad_request", 400, "The request is malformed."),
    ("invalid_arguments", 400, "Some arguments are invalid."),
    ("unauthenticated", 401, "Authentication is required."),
    ("forbidden", 403, "You are not allowed to do this."),
    ("csrf_failed", 403, "The CSRF check failed."),
    ("not_found", 404, "Not found."),
    ("method_not_allowed", 405, "Method not allowed."),
    ("payload_too_large", 413, "The payload is too large."),
    ("unsupported_media_type", 415, "Unsupported media type."),
    ("validation_failed", 422, "The form has errors."),
    ("internal", 500, "Internal server error."),
];

/// An error that becomes an error response. Implementations return it from
/// service methods (`not_found`, `forbidden`, ...); anything else they fail
/// with becomes `internal`.
#[derive(Clone, Debug, PartialEq)]
pub struct MizanError {
    code: &'static str,
    status: u16,
    message: &'static str,
    details: Json,
}

impl MizanError {
    /// An error of a code of the table; an unknown code is `internal`
    /// (a server never invents codes).
    pub fn new(code: &str, details: Json) -> MizanError {
        let (code, status, message) = ERROR_CODES
            .iter()
            .find(|(c, _, _)| *c == code)
            .copied()
            .unwrap_or(ERROR_CODES[10]);
        MizanError {
            code,
            status,
            message,
            details,
        }
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    pub fn status(&self) -> u16 {
        self.status
    }

    pub fn details(&self) -> &Json {
        &self.details
    }

    /// `{"error": {"code", "message", "details"}}`.
    pub fn body(&self) -> Json {
        Json::object([(
            "error",
            Json::object([
                ("code", Json::str(self.code)),
                ("message", Json::str(self.message)),
                ("details", self.details.clone()),
            ]),
        )])
    }

    pub fn internal() -> MizanError {
        MizanError::new("internal", Json::Null)
    }

    pub fn not_found(details: Json) -> MizanError {
        MizanError::new("not_found", details)
    }

    pub fn forbidden() -> MizanError {
        MizanError::new("forbidden", Json::Null)
    }

    /// `bad_request` with `{"reason": r}` (`json`, `shape`, `multipart`, `query`).
    pub fn bad_request(reason: &str) -> MizanError {
        MizanError::new("bad_request", Json::object([("reason", Json::str(reason))]))
    }

    /// `unauthenticated` with `{"reason": r}` (9.3, 9.4).
    pub fn unauthenticated(reason: &str) -> MizanError {
        MizanError::new(
            "unauthenticated",
            Json::object([("reason", Json::str(reason))]),
        )
    }

    /// `csrf_failed` with `{"reason": r}`.
    pub fn csrf_failed(reason: &str) -> MizanError {
        MizanError::new("csrf_failed", Json::object([("reason", Json::str(reason))]))
    }

    /// `payload_too_large` for the request limit.
    pub fn payload_too_large(limit: usize) -> MizanError {
        MizanError::new(
            "payload_too_large",
            Json::object([("limit", Json::Int(limit.to_string()))]),
        )
    }

    /// `unsupported_media_type` for a request body.
    pub fn unsupported_media_type(content_type: &str) -> MizanError {
        MizanError::new(
            "unsupported_media_type",
            Json::object([("content_type", Json::str(content_type))]),
        )
    }
}

impl std::fmt::Display for MizanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.details)
    }
}

impl std::error::Error for MizanError {}
