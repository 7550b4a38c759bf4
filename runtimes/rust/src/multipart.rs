//! A strict reader of `multipart/form-data` bodies (RFC 7578), so that every
//! server accepts and refuses the same bodies (`bad_request` `multipart`).

use crate::errors::MizanError;

/// One part of a body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    pub name: String,
    pub data: Vec<u8>,
    /// `None`: no filename parameter.
    pub filename: Option<String>,
    /// The part's `Content-Type` header as sent.
    pub content_type: Option<String>,
}

fn broken() -> MizanError {
    MizanError::bad_request("multipart")
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+.^_`|~-".contains(c)
}

/// `form-data; name="a"` -> ("form-data", [("name", "a")]).
pub fn header_params(value: &str) -> (String, Vec<(String, String)>) {
    let (head, rest) = value.split_once(';').unwrap_or((value, ""));
    let mut params = Vec::new();
    let mut text = rest;
    loop {
        text = text.trim_start_matches(|c: char| c.is_whitespace() || c == ';');
        let name_len = text.find(|c: char| !is_token_char(c)).unwrap_or(text.len());
        if name_len == 0 {
            break;
        }
        let name = text[..name_len].to_ascii_lowercase();
        let after = text[name_len..].trim_start();
        let Some(after) = after.strip_prefix('=') else {
            break;
        };
        let after = after.trim_start();
        if let Some(quoted) = after.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = quoted.char_indices();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, escaped)) = chars.next() {
                            value.push(escaped);
                        }
                    }
                    '"' => {
                        end = Some(i + 1);
                        break;
                    }
                    c => value.push(c),
                }
            }
            let Some(end) = end else { break };
            params.push((name, value));
            text = &quoted[end..];
        } else {
            let len = after
                .find(|c: char| c == ';' || c.is_whitespace())
                .unwrap_or(after.len());
            params.push((name, after[..len].to_string()));
            text = &after[len..];
        }
    }
    (head.trim().to_ascii_lowercase(), params)
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > haystack.len() {
        return None;
    }
    haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// The parts of a body, in order.
pub fn parse(body: &[u8], content_type: Option<&str>) -> Result<Vec<Part>, MizanError> {
    let (_, params) = header_params(content_type.unwrap_or(""));
    let boundary = params
        .iter()
        .find(|(k, _)| k == "boundary")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    if boundary.is_empty() || boundary.len() > 70 {
        return Err(broken());
    }
    let delimiter = [b"--", boundary.as_bytes()].concat();
    let separator = [b"\r\n", delimiter.as_slice()].concat();
    let start = if body.starts_with(&delimiter) {
        delimiter.len()
    } else {
        find(body, &separator, 0).ok_or_else(broken)? + separator.len()
    };
    let mut parts = Vec::new();
    let mut position = start;
    loop {
        let next = find(body, &separator, position);
        let chunk = &body[position..next.unwrap_or(body.len())];
        if chunk.starts_with(b"--") {
            if parts.is_empty() && position == start {
                return Err(broken());
            }
            return Ok(parts);
        }
        let Some(next) = next else {
            return Err(broken()); // no closing delimiter
        };
        parts.push(part(chunk)?);
        position = next + separator.len();
    }
}

fn part(chunk: &[u8]) -> Result<Part, MizanError> {
    let line_end = find(chunk, b"\r\n", 0).ok_or_else(broken)?;
    if chunk[..line_end].iter().any(|b| *b != b' ' && *b != b'\t') {
        return Err(broken());
    }
    let head_end = if chunk[line_end..].starts_with(b"\r\n\r\n") {
        line_end
    } else {
        find(chunk, b"\r\n\r\n", line_end).ok_or_else(broken)?
    };
    let text = if head_end > line_end {
        std::str::from_utf8(&chunk[line_end + 2..head_end]).map_err(|_| broken())?
    } else {
        ""
    };
    let mut disposition = String::new();
    let mut content_type = None;
    for line in text.split("\r\n").filter(|_| !text.is_empty()) {
        let (name, value) = line.split_once(':').ok_or_else(broken)?;
        if name.is_empty() || !name.chars().all(is_token_char) {
            return Err(broken());
        }
        match name.to_ascii_lowercase().as_str() {
            "content-disposition" => disposition = value.trim().to_string(),
            "content-type" => content_type = Some(value.trim().to_string()),
            _ => {}
        }
    }
    let (kind, params) = header_params(&disposition);
    let get = |key: &str| {
        params
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    let name = get("name").filter(|n| !n.is_empty());
    match (kind.as_str(), name) {
        ("form-data", Some(name)) => Ok(Part {
            name,
            data: chunk[head_end + 4..].to_vec(),
            filename: get("filename"),
            content_type,
        }),
        _ => Err(broken()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_in_order_with_their_headers() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"fn\"\r\n\r\nattach\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a \\\"b\\\".txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XyZ--\r\n";
        let parts = parse(body, Some("multipart/form-data; boundary=XyZ")).unwrap_or_default();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "fn");
        assert_eq!(parts[0].data, b"attach");
        assert_eq!(parts[1].filename.as_deref(), Some("a \"b\".txt"));
        assert_eq!(parts[1].content_type.as_deref(), Some("text/plain"));
        assert_eq!(parts[1].data, b"hello");
    }

    #[test]
    fn broken_bodies_are_refused() {
        let ct = Some("multipart/form-data; boundary=XyZ");
        for body in [
            &b""[..],
            b"--XyZ--\r\n",
            b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end",
            b"--XyZ\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n--XyZ--",
            b"--XyZ\r\nBad Header: x\r\n\r\nx\r\n--XyZ--",
        ] {
            assert!(parse(body, ct).is_err(), "{body:?}");
        }
        assert!(parse(b"--a\r\n\r\n", Some("multipart/form-data")).is_err());
    }
}
