//! Values on the wire (protocol 4): types, the schema, decoding a value a
//! client sent into its canonical wire form, and key texts (4.7).
//!
//! Decoding checks strictly and normalizes (`5.0` -> `5`, uuids lowercase,
//! datetimes to UTC); the result is the value's canonical wire form, which
//! typed code then reads with serde.

use std::collections::BTreeMap;

use crate::json::{b64_decode, utf16_cmp, Json};

pub const INT_MIN: i64 = -(1 << 31);
pub const INT_MAX: i64 = (1 << 31) - 1;
pub const MAX_DECIMAL_DIGITS: usize = 50;

/// A type of the IR, read from its JSON form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Type {
    Primitive(String),
    List(Box<Type>),
    Map(Box<Type>),
    Nullable(Box<Type>),
    Named(String),
    Upload,
}

impl Type {
    /// From the IR JSON form (`{"kind": "primitive", "name": "int64"}`, ...).
    pub fn from_json(node: &Json) -> Option<Type> {
        let kind = node.get("kind")?.as_str()?;
        Some(match kind {
            "primitive" => Type::Primitive(node.get("name")?.as_str()?.to_string()),
            "list" => Type::List(Box::new(Type::from_json(node.get("item")?)?)),
            "map" => Type::Map(Box::new(Type::from_json(node.get("value")?)?)),
            "nullable" => Type::Nullable(Box::new(Type::from_json(node.get("inner")?)?)),
            "named" => Type::Named(node.get("name")?.as_str()?.to_string()),
            "upload" => Type::Upload,
            _ => return None,
        })
    }

    /// The canonical spelling (`map<str,list<Profile>>?`).
    pub fn text(&self) -> String {
        match self {
            Type::Primitive(name) | Type::Named(name) => name.clone(),
            Type::List(item) => format!("list<{}>", item.text()),
            Type::Map(value) => format!("map<str,{}>", value.text()),
            Type::Nullable(inner) => format!("{}?", inner.text()),
            Type::Upload => "Upload".to_string(),
        }
    }

    pub fn is_nullable(&self) -> bool {
        matches!(self, Type::Nullable(_))
    }

    /// The type without its `?`s.
    pub fn base(&self) -> &Type {
        let mut node = self;
        while let Type::Nullable(inner) = node {
            node = inner;
        }
        node
    }
}

/// A field of a record or shape: name, type, default in wire form.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldSpec {
    pub name: String,
    pub ty: Type,
    pub default: Option<Json>,
}

impl FieldSpec {
    /// From `{"name", "type", "default"?}`; a `default` member that is
    /// `null` is a default of null, an absent one no default.
    pub fn from_json(node: &Json) -> Option<FieldSpec> {
        Some(FieldSpec {
            name: node.get("name")?.as_str()?.to_string(),
            ty: Type::from_json(node.get("type")?)?,
            default: node.get("default").cloned(),
        })
    }

    pub fn list_from_json(node: &Json) -> Option<Vec<FieldSpec>> {
        node.as_array()?.iter().map(FieldSpec::from_json).collect()
    }
}

/// The type table a codec needs: enums and records (shapes are records too).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Schema {
    pub enums: BTreeMap<String, Vec<String>>,
    pub records: BTreeMap<String, Vec<FieldSpec>>,
}

impl Schema {
    /// From `{"enums": {name: [members]}, "records": {name: [fields]}}`.
    pub fn from_json(node: &Json) -> Option<Schema> {
        let mut schema = Schema::default();
        if let Some(enums) = node.get("enums") {
            for (name, members) in enums.as_object()? {
                let members = members
                    .as_array()?
                    .iter()
                    .map(|m| m.as_str().map(str::to_string))
                    .collect::<Option<Vec<_>>>()?;
                schema.enums.insert(name.clone(), members);
            }
        }
        if let Some(records) = node.get("records") {
            for (name, fields) in records.as_object()? {
                schema
                    .records
                    .insert(name.clone(), FieldSpec::list_from_json(fields)?);
            }
        }
        Some(schema)
    }
}

/// Why a value a client sent was rejected (4.6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueProblem {
    pub code: &'static str,
    pub message: String,
    pub path: String,
}

fn template(code: &str) -> &'static str {
    match code {
        "required" => "This value is required.",
        "unknown" => "This name is not expected.",
        "type" => "Expected {type}.",
        "format" => "Not a valid {type}.",
        "range" => "Out of range for {type}.",
        "choice" => "Not a member of {type}.",
        _ => "Given more than once.",
    }
}

impl ValueProblem {
    pub fn new(code: &'static str, path: &str, type_text: &str) -> ValueProblem {
        ValueProblem {
            code,
            message: template(code).replace("{type}", type_text),
            path: path.to_string(),
        }
    }

    /// `{"code", "message", "path"}`.
    pub fn detail(&self) -> Json {
        Json::object([
            ("code", Json::str(self.code)),
            ("message", Json::str(self.message.clone())),
            ("path", Json::str(self.path.clone())),
        ])
    }
}

/// Appends one reference token to a JSON Pointer (RFC 6901).
pub fn pointer(path: &str, token: &str) -> String {
    format!("{path}/{}", token.replace('~', "~0").replace('/', "~1"))
}

// --- decoding ------------------------------------------------------------------

/// Where a value sits in what a client sent: a JSON Pointer spelled out only
/// when a problem names it (a value that decodes builds no text).
#[derive(Clone, Copy, Debug)]
pub enum Path<'a> {
    /// A pointer given as text (`""` for the whole value).
    Text(&'a str),
    /// A member of the value at the parent path.
    Member(&'a Path<'a>, &'a str),
    /// An item of the list at the parent path.
    Item(&'a Path<'a>, usize),
}

impl Path<'_> {
    /// The JSON Pointer (RFC 6901).
    pub fn text(&self) -> String {
        match self {
            Path::Text(text) => text.to_string(),
            Path::Member(parent, name) => pointer(&parent.text(), name),
            Path::Item(parent, index) => pointer(&parent.text(), &index.to_string()),
        }
    }
}

/// Checks a value a client sent against its type; returns its canonical wire form.
pub fn decode(ty: &Type, value: &Json, schema: &Schema, path: &str) -> Result<Json, ValueProblem> {
    decode_at(ty, value, schema, &Path::Text(path))
}

/// [`decode`] of a value at `path`.
pub fn decode_at(
    ty: &Type,
    value: &Json,
    schema: &Schema,
    path: &Path<'_>,
) -> Result<Json, ValueProblem> {
    let mut value = value.clone();
    normalize_at(ty, &mut value, schema, path)?;
    Ok(value)
}

/// [`decode`] in place: checks `value` and turns it into its canonical wire
/// form, changing only what differs. On a problem the value is left half done.
pub fn normalize(
    ty: &Type,
    value: &mut Json,
    schema: &Schema,
    path: &str,
) -> Result<(), ValueProblem> {
    normalize_at(ty, value, schema, &Path::Text(path))
}

/// [`normalize`] of a value at `path`.
pub fn normalize_at(
    ty: &Type,
    value: &mut Json,
    schema: &Schema,
    path: &Path<'_>,
) -> Result<(), ValueProblem> {
    match ty {
        Type::Nullable(inner) => {
            if value.is_null() {
                return Ok(());
            }
            normalize_at(inner, value, schema, path).map_err(|mut problem| {
                if problem.code == "type" && problem.path == path.text() {
                    problem.message = format!("Expected {} or null.", inner.text());
                }
                problem
            })
        }
        Type::Primitive(name) => normalize_primitive(name, value)
            .map_err(|code| ValueProblem::new(code, &path.text(), name)),
        Type::List(item) => {
            let Json::Array(items) = value else {
                return Err(ValueProblem::new("type", &path.text(), &ty.text()));
            };
            for (i, v) in items.iter_mut().enumerate() {
                normalize_at(item, v, schema, &Path::Item(path, i))?;
            }
            Ok(())
        }
        Type::Map(item) => {
            let Json::Object(members) = value else {
                return Err(ValueProblem::new("type", &path.text(), &ty.text()));
            };
            members.sort_by(|a, b| utf16_cmp(&a.0, &b.0));
            for (k, v) in members.iter_mut() {
                normalize_at(item, v, schema, &Path::Member(path, k))?;
            }
            Ok(())
        }
        Type::Named(name) => normalize_named(name, value, schema, path),
        Type::Upload => Err(ValueProblem::new("type", &path.text(), "Upload")),
    }
}

fn normalize_named(
    name: &str,
    value: &mut Json,
    schema: &Schema,
    path: &Path<'_>,
) -> Result<(), ValueProblem> {
    if let Some(members) = schema.enums.get(name) {
        let text = value
            .as_str()
            .ok_or_else(|| ValueProblem::new("type", &path.text(), name))?;
        if !members.iter().any(|m| m == text) {
            return Err(ValueProblem::new("choice", &path.text(), name));
        }
        return Ok(());
    }
    let Json::Object(given) = value else {
        return Err(ValueProblem::new("type", &path.text(), name));
    };
    let Some(fields) = schema.records.get(name) else {
        return Err(ValueProblem::new("type", &path.text(), name));
    };
    let known = given.len();
    for field in fields {
        let at = Path::Member(path, &field.name);
        match given[..known].iter_mut().find(|(k, _)| k == &field.name) {
            Some((_, item)) => normalize_at(&field.ty, item, schema, &at)?,
            None => match &field.default {
                Some(default) => {
                    let mut item = default.clone();
                    normalize_at(&field.ty, &mut item, schema, &at)?;
                    given.push((field.name.clone(), item));
                }
                None => return Err(ValueProblem::new("required", &at.text(), "")),
            },
        }
    }
    let mut unknown: Vec<&String> = given
        .iter()
        .map(|(k, _)| k)
        .filter(|k| !fields.iter().any(|f| &f.name == *k))
        .collect();
    if !unknown.is_empty() {
        unknown.sort_by(|a, b| utf16_cmp(a, b));
        return Err(ValueProblem::new(
            "unknown",
            &Path::Member(path, unknown[0]).text(),
            "",
        ));
    }
    // The members in the order of the record's fields, as a decoded record has them.
    let position = |name: &str| fields.iter().position(|f| f.name == name);
    if !given
        .windows(2)
        .all(|w| position(&w[0].0) < position(&w[1].0))
    {
        given.sort_by_key(|(k, _)| position(k));
    }
    Ok(())
}

/// Can a value serde made of this type's generated Rust type be wrong on the
/// wire? Only through a text type's text (`decimal`, `date`, `datetime`,
/// `uuid`) or a float that is not finite; integers, strings, bytes, enums,
/// options, lists and maps of the rest are right by their Rust types.
pub fn typed_value_may_be_wrong(ty: &Type, schema: &Schema) -> bool {
    fn walk<'a>(ty: &'a Type, schema: &'a Schema, seen: &mut Vec<&'a str>) -> bool {
        match ty {
            Type::Primitive(name) => {
                matches!(
                    name.as_str(),
                    "decimal" | "date" | "datetime" | "uuid" | "float"
                )
            }
            Type::List(inner) | Type::Map(inner) | Type::Nullable(inner) => {
                walk(inner, schema, seen)
            }
            Type::Named(name) if schema.enums.contains_key(name) => false,
            Type::Named(name) => match schema.records.get(name) {
                None => true,
                Some(_) if seen.contains(&name.as_str()) => false,
                Some(fields) => {
                    seen.push(name);
                    fields.iter().any(|f| walk(&f.ty, schema, seen))
                }
            },
            Type::Upload => true,
        }
    }
    walk(ty, schema, &mut Vec::new())
}

/// One primitive's wire value -> its canonical wire form, or the problem code.
pub fn decode_primitive(name: &str, value: &Json) -> Result<Json, &'static str> {
    let mut value = value.clone();
    normalize_primitive(name, &mut value)?;
    Ok(value)
}

/// [`decode_primitive`] in place.
pub fn normalize_primitive(name: &str, value: &mut Json) -> Result<(), &'static str> {
    match name {
        "json" => Ok(()),
        "bool" => match value {
            Json::Bool(_) => Ok(()),
            _ => Err("type"),
        },
        "int" => {
            let number = integral(value)?;
            if !(INT_MIN..=INT_MAX).contains(&number) {
                return Err("range");
            }
            // Integer texts kept as they are when already canonical.
            if !matches!(value, Json::Int(text) if int64_text(text) == Ok(number)) {
                *value = Json::int(number);
            }
            Ok(())
        }
        "float" => {
            let number = match value {
                Json::Int(text) => text.parse::<f64>().map_err(|_| "range")?,
                Json::Float(number) => *number,
                _ => return Err("type"),
            };
            if !number.is_finite() {
                return Err("range");
            }
            *value = Json::Float(number);
            Ok(())
        }
        _ => {
            let Json::Str(text) = value else {
                return Err("type");
            };
            let canonical = match name {
                "str" | "email" | "url" => return Ok(()),
                // Only the canonical text of a number is accepted: nothing to change.
                "int64" => return int64_text(text).map(|_| ()),
                "decimal" => decimal_text(text)?,
                "date" => date_text(text)?,
                "datetime" => datetime_text(text)?,
                "uuid" => uuid_text(text)?,
                "bytes" => {
                    return match b64_decode(text) {
                        Some(_) => Ok(()),
                        None => Err("format"),
                    }
                }
                _ => return Err("type"),
            };
            if *text != canonical {
                *text = canonical;
            }
            Ok(())
        }
    }
}

fn integral(value: &Json) -> Result<i64, &'static str> {
    match value {
        Json::Int(text) => text.parse::<i64>().map_err(|_| "range"),
        Json::Float(number) => {
            if number.is_finite() && number.fract() == 0.0 {
                if number.abs() < 9.3e18 {
                    Ok(*number as i64)
                } else {
                    Err("range")
                }
            } else {
                Err("type")
            }
        }
        _ => Err("type"),
    }
}

fn all_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// `0` or `-?[1-9][0-9]*` in the int64 range.
pub fn int64_text(text: &str) -> Result<i64, &'static str> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let canonical =
        all_digits(digits) && (digits == "0" && text == "0" || !digits.starts_with('0'));
    if !canonical {
        return Err("format");
    }
    if digits.len() > 19 {
        return Err("range");
    }
    text.parse::<i64>().map_err(|_| "range")
}

/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?`, at most 50 digits; the scale kept, `-0` written `0`.
pub fn decimal_text(text: &str) -> Result<String, &'static str> {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    let whole_ok = all_digits(whole) && (whole == "0" || !whole.starts_with('0'));
    if !whole_ok || fraction.is_some_and(|f| !all_digits(f)) {
        return Err("format");
    }
    if whole.len() + fraction.map_or(0, str::len) > MAX_DECIMAL_DIGITS {
        return Err("range");
    }
    let zero = whole == "0" && fraction.is_none_or(|f| f.bytes().all(|b| b == b'0'));
    Ok(if zero { unsigned } else { text }.to_string())
}

/// Plain notation without trailing fraction zeros: `9.90` -> `9.9`, `0` for zero.
pub fn normalized_decimal(text: &str) -> String {
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    };
    if text.trim_start_matches('-') == "0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

fn number(text: &str) -> i64 {
    text.parse().unwrap_or(-1)
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// (year, month, day) of `YYYY-MM-DD`, a real date of years 0001..9999.
fn date_parts(text: &str) -> Option<(i64, i64, i64)> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let (y, m, d) = (&text[0..4], &text[5..7], &text[8..10]);
    if !(all_digits(y) && all_digits(m) && all_digits(d)) {
        return None;
    }
    let (year, month, day) = (number(y), number(m), number(d));
    let valid =
        year >= 1 && (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month);
    valid.then_some((year, month, day))
}

fn date_text(text: &str) -> Result<String, &'static str> {
    date_parts(text).map(|_| text.to_string()).ok_or("format")
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// The civil date of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The written form of a UTC instant given as seconds since the epoch and microseconds.
pub fn format_datetime(seconds: i64, micros: i64) -> String {
    let (year, month, day) = civil_from_days(seconds.div_euclid(86400));
    let second_of_day = seconds.rem_euclid(86400);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{micros:06}Z",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    )
}

/// Seconds since the epoch and microseconds of an RFC 3339 date-time (4.3).
pub fn parse_datetime(text: &str) -> Result<(i64, i64), &'static str> {
    if !text.is_ascii() || text.len() < 20 {
        return Err("format");
    }
    let (year, month, day) = date_parts(&text[..10]).ok_or("format")?;
    let bytes = text.as_bytes();
    if !matches!(bytes[10], b'T' | b't') || bytes[13] != b':' || bytes[16] != b':' {
        return Err("format");
    }
    let (h, mi, s) = (&text[11..13], &text[14..16], &text[17..19]);
    if !(all_digits(h) && all_digits(mi) && all_digits(s)) {
        return Err("format");
    }
    let (hour, minute, second) = (number(h), number(mi), number(s));
    if hour > 23 || minute > 59 || second > 59 {
        return Err("format");
    }
    let mut rest = &text[19..];
    let mut micros = 0;
    if let Some(after) = rest.strip_prefix('.') {
        let count = after.bytes().take_while(u8::is_ascii_digit).count();
        if !(1..=9).contains(&count) {
            return Err("format");
        }
        let mut fraction = after[..count.min(6)].to_string();
        while fraction.len() < 6 {
            fraction.push('0');
        }
        micros = number(&fraction);
        rest = &after[count..];
    }
    let offset_minutes = match rest {
        "Z" | "z" => 0,
        _ => {
            let b = rest.as_bytes();
            if b.len() != 6 || !matches!(b[0], b'+' | b'-') || b[3] != b':' {
                return Err("format");
            }
            let (oh, om) = (&rest[1..3], &rest[4..6]);
            if !(all_digits(oh) && all_digits(om)) || number(oh) > 23 || number(om) > 59 {
                return Err("format");
            }
            let minutes = number(oh) * 60 + number(om);
            if b[0] == b'+' {
                minutes
            } else {
                -minutes
            }
        }
    };
    let local = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
    let utc = local - offset_minutes * 60;
    let (utc_year, _, _) = civil_from_days(utc.div_euclid(86400));
    if !(1..=9999).contains(&utc_year) {
        return Err("range");
    }
    Ok((utc, micros))
}

fn datetime_text(text: &str) -> Result<String, &'static str> {
    parse_datetime(text).map(|(seconds, micros)| format_datetime(seconds, micros))
}

fn uuid_text(text: &str) -> Result<String, &'static str> {
    let groups: Vec<&str> = text.split('-').collect();
    let sizes = [8, 4, 4, 4, 12];
    let ok = groups.len() == 5
        && groups
            .iter()
            .zip(sizes)
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()));
    if ok {
        Ok(text.to_ascii_lowercase())
    } else {
        Err("format")
    }
}

// --- key texts (4.7) ------------------------------------------------------------

/// The key text of a key param's wire value (`None` for null).
pub fn key_text(ty: &Type, value: &Json) -> Option<String> {
    match value {
        Json::Null => None,
        Json::Bool(b) => Some(if *b { "true" } else { "false" }.to_string()),
        Json::Int(text) => Some(text.clone()),
        Json::Float(f) => crate::json::format_float(*f),
        Json::Str(text) => match ty.base() {
            Type::Primitive(name) if name == "decimal" => Some(normalized_decimal(text)),
            _ => Some(text.clone()),
        },
        other => Some(other.canonical()),
    }
}

/// A key param's wire value from its text in a query string.
pub fn parse_key(ty: &Type, text: &str, schema: &Schema, name: &str) -> Result<Json, ValueProblem> {
    let path = pointer("", name);
    match ty.base() {
        Type::Named(enum_name) => {
            let known = schema
                .enums
                .get(enum_name)
                .is_some_and(|members| members.iter().any(|m| m == text));
            if known {
                Ok(Json::str(text))
            } else {
                Err(ValueProblem::new("choice", &path, enum_name))
            }
        }
        Type::Primitive(kind) => {
            let result = match kind.as_str() {
                "bool" => match text {
                    "true" => Ok(Json::Bool(true)),
                    "false" => Ok(Json::Bool(false)),
                    _ => Err("format"),
                },
                "int" => int64_text(text).and_then(|n| {
                    if (INT_MIN..=INT_MAX).contains(&n) {
                        Ok(Json::int(n))
                    } else {
                        Err("range")
                    }
                }),
                "int64" => int64_text(text).map(|n| Json::Str(n.to_string())),
                "decimal" => decimal_text(text).map(|d| Json::Str(normalized_decimal(&d))),
                _ => decode_primitive(kind, &Json::str(text)),
            };
            result.map_err(|code| ValueProblem::new(code, &path, kind))
        }
        other => Err(ValueProblem::new("type", &path, &other.text())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str, ty: Type) -> FieldSpec {
        FieldSpec {
            name: name.to_string(),
            ty,
            default: None,
        }
    }

    fn primitive(name: &str) -> Type {
        Type::Primitive(name.to_string())
    }

    #[test]
    fn only_text_types_and_floats_make_a_typed_value_worth_checking() {
        let mut schema = Schema::default();
        schema
            .enums
            .insert("Role".into(), vec!["admin".into(), "member".into()]);
        // A record that holds itself, and one that holds a decimal two levels down.
        schema.records.insert(
            "Node".into(),
            vec![
                field("id", primitive("int64")),
                field("role", Type::Named("Role".into())),
                field("next", Type::Nullable(Box::new(Type::Named("Node".into())))),
                field("tags", Type::Map(Box::new(primitive("str")))),
            ],
        );
        schema.records.insert(
            "Priced".into(),
            vec![field(
                "nodes",
                Type::List(Box::new(Type::Named("Price".into()))),
            )],
        );
        schema
            .records
            .insert("Price".into(), vec![field("amount", primitive("decimal"))]);
        let may = |ty: Type| typed_value_may_be_wrong(&ty, &schema);
        for name in [
            "bool", "int", "int64", "str", "email", "url", "bytes", "json",
        ] {
            assert!(!may(primitive(name)), "{name}");
        }
        for name in ["decimal", "date", "datetime", "uuid", "float"] {
            assert!(may(primitive(name)), "{name}");
        }
        assert!(!may(Type::Named("Node".into())));
        assert!(may(Type::Named("Priced".into())));
        assert!(may(Type::Named("Missing".into())));
    }
}
