//! JSON values, canonical JSON (protocol 1.1), the strict reader (1.2),
//! string order (1.3) and base64url.

use std::cmp::Ordering;
use std::fmt::Write as _;

use base64::Engine as _;

/// Nesting of arrays and objects a JSON text may have.
pub const MAX_DEPTH: usize = 128;

/// A JSON value as the protocol sees it. Integers keep all their digits
/// (canonical text, never `-0`); numbers with a fraction or an exponent are
/// floats; objects keep their members in the order read (canonical output
/// sorts them).
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Int(String),
    Float(f64),
    Str(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

/// The bytes are not a JSON text the protocol accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MalformedJson(pub &'static str);

impl std::fmt::Display for MalformedJson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "malformed JSON: {}", self.0)
    }
}

impl std::error::Error for MalformedJson {}

impl Json {
    /// An integer value.
    pub fn int(value: i64) -> Json {
        Json::Int(value.to_string())
    }

    /// A string value.
    pub fn str(value: impl Into<String>) -> Json {
        Json::Str(value.into())
    }

    /// An object from (name, value) pairs.
    pub fn object<K: Into<String>>(members: impl IntoIterator<Item = (K, Json)>) -> Json {
        Json::Object(members.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// The member `name` of an object.
    pub fn get(&self, name: &str) -> Option<&Json> {
        match self {
            Json::Object(members) => members.iter().find(|(k, _)| k == name).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(text) => Some(text),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(value) => Some(*value),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Json]> {
        match self {
            Json::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&[(String, Json)]> {
        match self {
            Json::Object(members) => Some(members),
            _ => None,
        }
    }

    /// An integer that fits i64 (floats do not count).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Json::Int(text) => text.parse().ok(),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }

    /// The canonical text of this value (1.1). Non-finite floats, which no
    /// JSON text can hold, are written as `null`.
    pub fn canonical(&self) -> String {
        let mut out = String::with_capacity(128);
        write_canonical(self, &mut out);
        out
    }
}

impl std::fmt::Display for Json {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.canonical())
    }
}

/// Compares strings as sequences of UTF-16 code units (1.3).
pub fn utf16_cmp(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

// --- numbers -------------------------------------------------------------------

/// The ECMAScript `Number.prototype.toString` form of a finite float.
pub fn format_float(value: f64) -> Option<String> {
    if !value.is_finite() {
        return None;
    }
    if value == 0.0 {
        return Some("0".to_string());
    }
    let sign = if value < 0.0 { "-" } else { "" };
    // `{:e}` is the shortest text that round-trips, in scientific form.
    let scientific = format!("{:e}", value.abs());
    let (mantissa, exponent) = scientific.split_once('e')?;
    let exponent: i64 = exponent.parse().ok()?;
    let all_digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let digits = all_digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let k = digits.len() as i64;
    let n = exponent + 1; // value = 0.<digits> x 10^n
    let text = if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        let (head, tail) = digits.split_at(n as usize);
        format!("{head}.{tail}")
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let e = n - 1;
        let mantissa = if k == 1 {
            digits.to_string()
        } else {
            format!("{}.{}", &digits[..1], &digits[1..])
        };
        format!("{mantissa}e{}{}", if e >= 0 { "+" } else { "-" }, e.abs())
    };
    Some(format!("{sign}{text}"))
}

// --- canonical JSON --------------------------------------------------------------

/// Appends the canonical text of a string (quotes included).
pub fn write_string(text: &str, out: &mut String) {
    out.push('"');
    write_escaped(text, out);
    out.push('"');
}

/// What each byte is written as inside a string: 0 itself, else the letter
/// after its backslash (`u`: `\u00XX`).
const ESCAPES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = b'u';
        byte += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0a] = b'n';
    table[0x0c] = b'f';
    table[0x0d] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

/// Appends a string's text as canonical JSON escapes it, without the
/// quotes: the runs that need no escape are copied whole.
pub fn write_escaped(text: &str, out: &mut String) {
    let mut run = 0;
    for (at, byte) in text.bytes().enumerate() {
        let escape = ESCAPES[usize::from(byte)];
        if escape == 0 {
            continue;
        }
        // `at` is an ASCII byte's place, so both slices end on char boundaries.
        out.push_str(text.get(run..at).unwrap_or_default());
        out.push('\\');
        if escape == b'u' {
            let _ = write!(out, "u{byte:04x}");
        } else {
            out.push(char::from(escape));
        }
        run = at + 1;
    }
    out.push_str(text.get(run..).unwrap_or_default());
}

/// Appends the canonical text of a value (1.1) to `out`.
pub fn write_canonical(value: &Json, out: &mut String) {
    match value {
        Json::Null => out.push_str("null"),
        Json::Bool(true) => out.push_str("true"),
        Json::Bool(false) => out.push_str("false"),
        Json::Int(text) => out.push_str(text),
        Json::Float(number) => match format_float(*number) {
            Some(text) => out.push_str(&text),
            None => out.push_str("null"),
        },
        Json::Str(text) => write_string(text, out),
        Json::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Json::Object(members) => {
            let in_order = members
                .windows(2)
                .all(|w| utf16_cmp(&w[0].0, &w[1].0) == Ordering::Less);
            if in_order {
                write_members(members.iter(), out);
            } else {
                let mut sorted: Vec<&(String, Json)> = members.iter().collect();
                sorted.sort_by(|a, b| utf16_cmp(&a.0, &b.0));
                write_members(sorted.into_iter(), out);
            }
        }
    }
}

fn write_members<'a>(members: impl Iterator<Item = &'a (String, Json)>, out: &mut String) {
    out.push('{');
    for (index, (name, item)) in members.enumerate() {
        if index > 0 {
            out.push(',');
        }
        write_string(name, out);
        out.push(':');
        write_canonical(item, out);
    }
    out.push('}');
}

// --- the strict reader -------------------------------------------------------------

/// Reads a JSON text by the rules of 1.2.
pub fn parse_json(data: &[u8]) -> Result<Json, MalformedJson> {
    if data.starts_with(b"\xef\xbb\xbf") {
        return Err(MalformedJson("byte order mark"));
    }
    let text = std::str::from_utf8(data).map_err(|_| MalformedJson("not UTF-8"))?;
    parse_json_str(text)
}

/// Reads a JSON text already known to be UTF-8.
pub fn parse_json_str(text: &str) -> Result<Json, MalformedJson> {
    let mut reader = Reader {
        bytes: text.as_bytes(),
        text,
        pos: 0,
    };
    reader.skip_space();
    let value = reader.value(0)?;
    reader.skip_space();
    if reader.pos != reader.bytes.len() {
        return Err(MalformedJson("trailing characters"));
    }
    Ok(value)
}

/// Objects with more members than this check names through a hash set.
const FEW_MEMBERS: usize = 16;

struct Reader<'a> {
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn literal(&mut self, literal: &str) -> Result<(), MalformedJson> {
        if self.bytes[self.pos..].starts_with(literal.as_bytes()) {
            self.pos += literal.len();
            Ok(())
        } else {
            Err(MalformedJson("unexpected character"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, MalformedJson> {
        match self.peek() {
            None => Err(MalformedJson("unexpected end")),
            Some(b'n') => self.literal("null").map(|()| Json::Null),
            Some(b't') => self.literal("true").map(|()| Json::Bool(true)),
            Some(b'f') => self.literal("false").map(|()| Json::Bool(false)),
            Some(b'"') => self.string().map(Json::Str),
            Some(b'[') => self.array(depth + 1),
            Some(b'{') => self.object(depth + 1),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(MalformedJson("unexpected character")),
        }
    }

    fn array(&mut self, depth: usize) -> Result<Json, MalformedJson> {
        if depth > MAX_DEPTH {
            return Err(MalformedJson("nested too deeply"));
        }
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_space();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Json::Array(items));
        }
        loop {
            self.skip_space();
            items.push(self.value(depth)?);
            self.skip_space();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Json::Array(items));
                }
                _ => return Err(MalformedJson("expected , or ]")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Json, MalformedJson> {
        if depth > MAX_DEPTH {
            return Err(MalformedJson("nested too deeply"));
        }
        self.pos += 1;
        self.skip_space();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Json::Object(Vec::new()));
        }
        // Room for a few members at once (growing from none costs more).
        let mut members: Vec<(String, Json)> = Vec::with_capacity(4);
        // Names seen: found by a scan of the members while there are few.
        let mut names: Option<std::collections::HashSet<String>> = None;
        loop {
            self.skip_space();
            if self.peek() != Some(b'"') {
                return Err(MalformedJson("expected a member name"));
            }
            let name = self.string()?;
            self.skip_space();
            if self.peek() != Some(b':') {
                return Err(MalformedJson("expected :"));
            }
            self.pos += 1;
            self.skip_space();
            let value = self.value(depth)?;
            let seen = match &mut names {
                Some(names) => !names.insert(name.clone()),
                None => members.iter().any(|(k, _)| *k == name),
            };
            if seen {
                return Err(MalformedJson("duplicate object key"));
            }
            if names.is_none() && members.len() >= FEW_MEMBERS {
                names = Some(members.iter().map(|(k, _)| k.clone()).collect());
                if let Some(names) = &mut names {
                    names.insert(name.clone());
                }
            }
            members.push((name, value));
            self.skip_space();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Json::Object(members));
                }
                _ => return Err(MalformedJson("expected , or }")),
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Json, MalformedJson> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(MalformedJson("bad number")),
        }
        let mut integral = true;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            integral = false;
            if self.digits() == 0 {
                return Err(MalformedJson("bad number"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            integral = false;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(MalformedJson("bad number"));
            }
        }
        let text = &self.text[start..self.pos];
        if integral {
            Ok(Json::Int(if text == "-0" {
                "0".to_string()
            } else {
                text.to_string()
            }))
        } else {
            text.parse::<f64>()
                .map(Json::Float)
                .map_err(|_| MalformedJson("bad number"))
        }
    }

    fn hex4(&mut self) -> Result<u32, MalformedJson> {
        let digits = self
            .text
            .get(self.pos..self.pos + 4)
            .ok_or(MalformedJson("bad escape"))?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(MalformedJson("bad escape"));
        }
        self.pos += 4;
        u32::from_str_radix(digits, 16).map_err(|_| MalformedJson("bad escape"))
    }

    fn string(&mut self) -> Result<String, MalformedJson> {
        self.pos += 1;
        let start = self.pos;
        while let Some(b) = self.peek() {
            if b == b'"' || b == b'\\' || b < 0x20 {
                break;
            }
            self.pos += 1;
        }
        if self.peek() == Some(b'"') {
            // No escapes: the text as it is.
            self.pos += 1;
            return Ok(self.text[start..self.pos - 1].to_string());
        }
        self.pos = start;
        let mut out = String::new();
        loop {
            let start = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(&self.text[start..self.pos]);
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let escape = self.peek().ok_or(MalformedJson("bad escape"))?;
                    self.pos += 1;
                    match escape {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let unit = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&unit) {
                                if !self.bytes[self.pos..].starts_with(b"\\u") {
                                    return Err(MalformedJson("lone surrogate"));
                                }
                                self.pos += 2;
                                let low = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&low) {
                                    return Err(MalformedJson("lone surrogate"));
                                }
                                0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                            } else if (0xDC00..0xE000).contains(&unit) {
                                return Err(MalformedJson("lone surrogate"));
                            } else {
                                unit
                            };
                            out.push(char::from_u32(code).ok_or(MalformedJson("bad escape"))?);
                        }
                        _ => return Err(MalformedJson("bad escape")),
                    }
                }
                _ => return Err(MalformedJson("unterminated string")),
            }
        }
    }
}

// --- base64 ------------------------------------------------------------------------

/// base64url without padding (RFC 4648 section 5).
pub fn b64url_encode(data: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data)
}

/// The strict inverse of [`b64url_encode`]: unpadded and canonical.
pub fn b64url_decode(text: &str) -> Option<Vec<u8>> {
    let data = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .ok()?;
    (b64url_encode(&data) == text).then_some(data)
}

/// Standard base64 with padding.
pub fn b64_encode(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// The strict inverse of [`b64_encode`]: padded, no whitespace, canonical.
pub fn b64_decode(text: &str) -> Option<Vec<u8>> {
    let data = base64::engine::general_purpose::STANDARD
        .decode(text)
        .ok()?;
    (b64_encode(&data) == text).then_some(data)
}

/// Lowercase hex of bytes.
pub fn hex(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len() * 2);
    for byte in data {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// Bytes from hex digits.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

// --- serde ---------------------------------------------------------------------------

impl From<&serde_json::Value> for Json {
    fn from(value: &serde_json::Value) -> Json {
        match value {
            serde_json::Value::Null => Json::Null,
            serde_json::Value::Bool(b) => Json::Bool(*b),
            serde_json::Value::Number(n) => {
                if n.is_f64() {
                    Json::Float(n.as_f64().unwrap_or(f64::NAN))
                } else {
                    Json::Int(n.to_string())
                }
            }
            serde_json::Value::String(s) => Json::Str(s.clone()),
            serde_json::Value::Array(items) => Json::Array(items.iter().map(Json::from).collect()),
            serde_json::Value::Object(members) => Json::Object(
                members
                    .iter()
                    .map(|(k, v)| (k.clone(), Json::from(v)))
                    .collect(),
            ),
        }
    }
}

impl Json {
    /// This value as a serde_json value (integers beyond 64 bits become floats).
    pub fn to_serde(&self) -> serde_json::Value {
        match self {
            Json::Null => serde_json::Value::Null,
            Json::Bool(b) => serde_json::Value::Bool(*b),
            Json::Int(text) => {
                if let Ok(n) = text.parse::<i64>() {
                    serde_json::Value::from(n)
                } else if let Ok(n) = text.parse::<u64>() {
                    serde_json::Value::from(n)
                } else {
                    serde_json::Value::from(text.parse::<f64>().unwrap_or(f64::NAN))
                }
            }
            Json::Float(f) => serde_json::Value::from(*f),
            Json::Str(s) => serde_json::Value::String(s.clone()),
            Json::Array(items) => {
                serde_json::Value::Array(items.iter().map(Json::to_serde).collect())
            }
            Json::Object(members) => serde_json::Value::Object(
                members
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_serde()))
                    .collect(),
            ),
        }
    }
}

impl serde::Serialize for Json {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_serde().serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for Json {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Json, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        Ok(Json::from(&value))
    }
}

static NULL: Json = Json::Null;

impl std::ops::Index<&str> for Json {
    type Output = Json;

    /// The member `name`, or `null` when there is none.
    fn index(&self, name: &str) -> &Json {
        self.get(name).unwrap_or(&NULL)
    }
}

impl std::ops::Index<usize> for Json {
    type Output = Json;

    /// The item at `index`, or `null` when there is none.
    fn index(&self, index: usize) -> &Json {
        self.as_array()
            .and_then(|items| items.get(index))
            .unwrap_or(&NULL)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(names: &[String]) -> String {
        let members: Vec<String> = names.iter().map(|n| format!("\"{n}\":1")).collect();
        format!("{{{}}}", members.join(","))
    }

    #[test]
    fn a_name_given_twice_is_refused_in_small_and_large_objects() {
        let mut names: Vec<String> = (0..40).map(|i| format!("k{i}")).collect();
        assert!(parse_json_str(&object(&names)).is_ok());
        for (at, again) in [(3, 1), (FEW_MEMBERS, 0), (FEW_MEMBERS + 1, 5), (39, 38)] {
            let mut given = names.clone();
            given.insert(at, names[again].clone());
            assert_eq!(
                parse_json_str(&object(&given)),
                Err(MalformedJson("duplicate object key")),
                "{at}"
            );
        }
        names.truncate(2);
        assert!(parse_json_str(&object(&names)).is_ok());
    }

    #[test]
    fn strings_with_and_without_escapes_read_the_same() {
        assert_eq!(parse_json_str(r#""plain""#), Ok(Json::str("plain")));
        assert_eq!(parse_json_str(r#""a\"b\u00e9""#), Ok(Json::str("a\"bé")));
        assert!(parse_json_str("\"tab\there\"").is_err());
        assert!(parse_json_str("\"open").is_err());
    }
}
