//! Forms (protocol 13): validation from the schema JSON of `GET form/<name>/`,
//! with the `email` and `url` formats and ASCII-class patterns.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Mutex;

use regex::Regex;

use crate::json::{format_float, utf16_cmp, Json};
use crate::values::decode_primitive;

fn invalid_message(kind: &str) -> &'static str {
    match kind {
        "bool" => "Enter true or false.",
        "int" => "Enter a whole number.",
        "float" | "decimal" => "Enter a number.",
        "date" => "Enter a valid date.",
        "datetime" => "Enter a valid date and time.",
        "uuid" => "Enter a valid UUID.",
        "email" => "Enter a valid email address.",
        "url" => "Enter a valid URL.",
        _ => "Enter text.",
    }
}

fn message(code: &str) -> &'static str {
    match code {
        "required" => "This field is required.",
        "unknown" => "This field is not expected.",
        "invalid_choice" => "Select a valid choice.",
        "min_length" => "Ensure this value has at least {limit} character{s}.",
        "max_length" => "Ensure this value has at most {limit} character{s}.",
        "pattern" => "Enter a value that matches the required pattern.",
        "min_value" => "Ensure this value is greater than or equal to {limit}.",
        _ => "Ensure this value is less than or equal to {limit}.",
    }
}

fn error(code: &str, message: String) -> Json {
    Json::object([("code", Json::str(code)), ("message", Json::Str(message))])
}

struct Failure {
    code: &'static str,
    limit: Option<Json>,
}

impl Failure {
    fn new(code: &'static str) -> Failure {
        Failure { code, limit: None }
    }

    fn with(code: &'static str, limit: &Json) -> Failure {
        Failure {
            code,
            limit: Some(limit.clone()),
        }
    }

    fn detail(&self, kind: &str) -> Json {
        if self.code == "invalid" {
            return error("invalid", invalid_message(kind).to_string());
        }
        let (shown, one) = match &self.limit {
            Some(Json::Float(f)) => (format_float(*f).unwrap_or_default(), *f == 1.0),
            Some(Json::Int(text)) => (text.clone(), text == "1"),
            Some(Json::Str(text)) => (text.clone(), false),
            Some(other) => (other.canonical(), false),
            None => (String::new(), false),
        };
        let text = message(self.code)
            .replace("{limit}", &shown)
            .replace("{s}", if one { "" } else { "s" });
        error(self.code, text)
    }
}

/// Validation result: the non-empty fields in wire form, and errors by field name.
pub struct Validated {
    pub data: Vec<(String, Json)>,
    pub errors: Vec<(String, Json)>,
}

/// Validates form input (13.2) against the form's schema JSON.
pub fn validate_form(schema: &Json, input: &[(String, Json)]) -> Validated {
    let mut data = Vec::new();
    let mut errors = Vec::new();
    let fields = schema.get("fields").and_then(Json::as_array).unwrap_or(&[]);
    let mut known = Vec::new();
    for field in fields {
        let Some(name) = field.get("name").and_then(Json::as_str) else {
            continue;
        };
        known.push(name);
        let kind = field.get("type").and_then(Json::as_str).unwrap_or("str");
        let value = input.iter().find(|(k, _)| k == name).map(|(_, v)| v);
        let empty = match value {
            None | Some(Json::Null) => true,
            Some(Json::Str(s)) => s.is_empty(),
            _ => false,
        };
        if empty {
            if field
                .get("required")
                .and_then(Json::as_bool)
                .unwrap_or(false)
            {
                errors.push((name.to_string(), Failure::new("required").detail(kind)));
            }
            continue;
        }
        let Some(value) = value else { continue };
        match clean(field, kind, value) {
            Ok(wire) => data.push((name.to_string(), wire)),
            Err(failure) => errors.push((name.to_string(), failure.detail(kind))),
        }
    }
    let mut unknown: Vec<&String> = input
        .iter()
        .map(|(k, _)| k)
        .filter(|k| !known.contains(&k.as_str()))
        .collect();
    unknown.sort_by(|a, b| utf16_cmp(a, b));
    for name in unknown {
        errors.push((
            name.clone(),
            error("unknown", message("unknown").to_string()),
        ));
    }
    Validated { data, errors }
}

fn clean(field: &Json, kind: &str, value: &Json) -> Result<Json, Failure> {
    if let Some(choices) = field.get("choices").and_then(Json::as_array) {
        return match value {
            Json::Str(text) if choices.iter().any(|c| c.as_str() == Some(text)) => {
                Ok(value.clone())
            }
            _ => Err(Failure::new("invalid_choice")),
        };
    }
    let wire = decode_primitive(kind, value).map_err(|_| Failure::new("invalid"))?;
    match kind {
        "str" | "email" | "url" => {
            let text = wire.as_str().unwrap_or("");
            let length = text.chars().count();
            if let Some(limit) = field.get("min_length").filter(|l| !l.is_null()) {
                if limit.as_i64().is_some_and(|l| (length as i64) < l) {
                    return Err(Failure::with("min_length", limit));
                }
            }
            if let Some(limit) = field.get("max_length").filter(|l| !l.is_null()) {
                if limit.as_i64().is_some_and(|l| (length as i64) > l) {
                    return Err(Failure::with("max_length", limit));
                }
            }
            if (kind == "email" && !is_email(text)) || (kind == "url" && !is_url(text)) {
                return Err(Failure::new("invalid"));
            }
            if let Some(pattern) = field.get("pattern").and_then(Json::as_str) {
                if !full_match(pattern, text) {
                    return Err(Failure::new("pattern"));
                }
            }
        }
        "int" | "float" | "decimal" | "date" | "datetime" => {
            for (key, code, fails) in [
                ("min", "min_value", Ordering::Less),
                ("max", "max_value", Ordering::Greater),
            ] {
                let Some(bound) = field.get(key).filter(|b| !b.is_null()) else {
                    continue;
                };
                let Ok(limit) = decode_primitive(kind, bound) else {
                    continue;
                };
                if compare(kind, &wire, &limit) == Some(fails) {
                    return Err(Failure::with(code, bound));
                }
            }
        }
        _ => {}
    }
    Ok(wire)
}

fn compare(kind: &str, left: &Json, right: &Json) -> Option<Ordering> {
    match kind {
        "int" => Some(left.as_i64()?.cmp(&right.as_i64()?)),
        "float" => match (left, right) {
            (Json::Float(a), Json::Float(b)) => a.partial_cmp(b),
            _ => None,
        },
        "decimal" => Some(decimal_cmp(left.as_str()?, right.as_str()?)),
        _ => Some(left.as_str()?.cmp(right.as_str()?)),
    }
}

/// Compares two decimals in plain notation by value.
pub fn decimal_cmp(left: &str, right: &str) -> Ordering {
    fn parts(text: &str) -> (bool, String, String) {
        let negative = text.starts_with('-');
        let unsigned = text.trim_start_matches('-');
        let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
        let whole = whole.trim_start_matches('0').to_string();
        let fraction = fraction.trim_end_matches('0').to_string();
        let zero = whole.is_empty() && fraction.is_empty();
        (negative && !zero, whole, fraction)
    }
    let (ln, lw, lf) = parts(left);
    let (rn, rw, rf) = parts(right);
    let magnitude = lw
        .len()
        .cmp(&rw.len())
        .then_with(|| lw.cmp(&rw))
        .then_with(|| lf.cmp(&rf));
    match (ln, rn) {
        (false, true) => Ordering::Greater,
        (true, false) => Ordering::Less,
        (false, false) => magnitude,
        (true, true) => magnitude.reverse(),
    }
}

// --- formats (13.5) -------------------------------------------------------------------

pub fn is_hostname(text: &str, min_labels: usize) -> bool {
    let labels: Vec<&str> = text.split('.').collect();
    if text.len() > 253 || labels.len() < min_labels {
        return false;
    }
    for label in &labels {
        let ok = (1..=63).contains(&label.len())
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !ok {
            return false;
        }
    }
    !labels
        .last()
        .is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit()))
}

pub fn is_ipv4(text: &str) -> bool {
    let parts: Vec<&str> = text.split('.').collect();
    parts.len() == 4
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.len() <= 3
                && p.bytes().all(|b| b.is_ascii_digit())
                && (*p == "0" || !p.starts_with('0'))
                && p.parse::<u16>().is_ok_and(|n| n <= 255)
        })
}

pub fn is_email(text: &str) -> bool {
    if !text.is_ascii() || text.len() > 254 || text.matches('@').count() != 1 {
        return false;
    }
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    const ATEXT: &str = "!#$%&'*+/=?^_`{|}~-.";
    let local_ok = (1..=64).contains(&local.len())
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ATEXT.contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    local_ok && is_hostname(domain, 2)
}

pub fn is_url(text: &str) -> bool {
    if !text.is_ascii() || text.len() > 2048 || text.bytes().any(|b| b <= 32 || b == 127) {
        return false;
    }
    let Some((scheme, rest)) = text.split_once("://") else {
        return false;
    };
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return false;
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    if let Some(port) = port {
        let ok = !port.is_empty()
            && port.len() <= 5
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u32>().is_ok_and(|p| (1..=65535).contains(&p));
        if !ok {
            return false;
        }
    }
    is_ipv4(host) || is_hostname(host, 1)
}

// --- patterns -------------------------------------------------------------------------

/// Rewrites the class escapes of a pattern to their ASCII meaning (Python's
/// `re.ASCII`, ECMAScript without the `u` classes): `\d`, `\w`, `\s` and
/// their negations, `\b`, `\B`.
fn ascii_pattern(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut in_class = false;
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(next) = chars.next() else {
                    out.push('\\');
                    break;
                };
                let (inside, outside) = match next {
                    'd' => ("0-9", "[0-9]"),
                    'w' => ("0-9A-Za-z_", "[0-9A-Za-z_]"),
                    's' => ("\\t\\n\\x0B\\f\\r ", "[\\t\\n\\x0B\\f\\r ]"),
                    'D' => ("", "[^0-9]"),
                    'W' => ("", "[^0-9A-Za-z_]"),
                    'S' => ("", "[^\\t\\n\\x0B\\f\\r ]"),
                    'b' if !in_class => ("", "(?-u:\\b)"),
                    'B' if !in_class => ("", "(?-u:\\B)"),
                    _ => ("", ""),
                };
                if in_class && !inside.is_empty() {
                    out.push_str(inside);
                } else if !in_class && !outside.is_empty() {
                    out.push_str(outside);
                } else {
                    out.push('\\');
                    out.push(next);
                }
            }
            '[' if !in_class => {
                in_class = true;
                out.push(c);
                // a `]` right after `[` or `[^` is a literal
                let rest = chars.as_str();
                if let Some(stripped) = rest.strip_prefix('^') {
                    out.push('^');
                    chars = stripped.chars();
                }
                if chars.as_str().starts_with(']') {
                    out.push_str("\\]");
                    chars.next();
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

fn compiled(pattern: &str) -> Option<Regex> {
    static CACHE: Mutex<Option<HashMap<String, Option<Regex>>>> = Mutex::new(None);
    let mut guard = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    let cache = guard.get_or_insert_with(HashMap::new);
    if let Some(found) = cache.get(pattern) {
        return found.clone();
    }
    let regex = Regex::new(&format!("^(?:{})$", ascii_pattern(pattern))).ok();
    if cache.len() < 256 {
        cache.insert(pattern.to_string(), regex.clone());
    }
    regex
}

/// Does the whole text match the pattern? (An invalid pattern matches nothing.)
pub fn full_match(pattern: &str, text: &str) -> bool {
    compiled(pattern).is_some_and(|regex| regex.is_match(text))
}
