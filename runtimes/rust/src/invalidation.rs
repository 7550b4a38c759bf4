//! Invalidation (protocol 7): entries computed from a mutation's scoping,
//! normalized lists, and the `X-Mizan-Invalidate` header.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use crate::json::{utf16_cmp, Json};
use crate::params::Args;
use crate::values::{key_text, Type};

pub const HEADER: &str = "X-Mizan-Invalidate";
/// Octets; a longer list is sent coarser.
pub const HEADER_LIMIT: usize = 4096;
pub const EVERYTHING: &str = "*";

/// A context and the key params selecting its stale instances (sorted by key).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Entry {
    pub context: String,
    pub params: Vec<(String, Option<String>)>,
}

impl Entry {
    pub fn new(context: impl Into<String>, mut params: Vec<(String, Option<String>)>) -> Entry {
        params.sort_by(|a, b| utf16_cmp(&a.0, &b.0));
        Entry {
            context: context.into(),
            params,
        }
    }

    /// `{"context", "params"}`.
    pub fn to_json(&self) -> Json {
        Json::object([
            ("context", Json::str(self.context.clone())),
            ("params", crate::params::key_texts_json(&self.params)),
        ])
    }

    /// From `{"context", "params"}` (params: key texts or null).
    pub fn from_json(node: &Json) -> Option<Entry> {
        let context = node.get("context")?.as_str()?;
        let params = node
            .get("params")?
            .as_object()?
            .iter()
            .map(|(k, v)| match v {
                Json::Null => Some((k.clone(), None)),
                Json::Str(s) => Some((k.clone(), Some(s.clone()))),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Entry::new(context, params))
    }

    /// Does this entry cover everything `other` covers?
    pub fn covers(&self, other: &Entry) -> bool {
        self.context == other.context && self.params.iter().all(|pair| other.params.contains(pair))
    }

    fn order(&self, other: &Entry) -> Ordering {
        utf16_cmp(&self.context, &other.context).then_with(|| {
            for (a, b) in self.params.iter().zip(&other.params) {
                let by_key = utf16_cmp(&a.0, &b.0);
                if by_key != Ordering::Equal {
                    return by_key;
                }
                let by_value = match (&a.1, &b.1) {
                    (None, None) => Ordering::Equal,
                    (None, Some(_)) => Ordering::Less,
                    (Some(_), None) => Ordering::Greater,
                    (Some(x), Some(y)) => utf16_cmp(x, y),
                };
                if by_value != Ordering::Equal {
                    return by_value;
                }
            }
            self.params.len().cmp(&other.params.len())
        })
    }
}

/// Duplicates dropped, covered entries dropped, the rest sorted (7.2).
pub fn normalize(entries: Vec<Entry>) -> Vec<Entry> {
    if entries.len() < 2 {
        return entries; // nothing to merge, order or cover
    }
    let mut unique: Vec<Entry> = Vec::with_capacity(entries.len());
    for entry in entries {
        if !unique.contains(&entry) {
            unique.push(entry);
        }
    }
    unique.sort_by(Entry::order);
    let kept: Vec<bool> = unique
        .iter()
        .enumerate()
        .map(|(i, e)| {
            !unique
                .iter()
                .enumerate()
                .any(|(j, o)| i != j && o.covers(e))
        })
        .collect();
    unique
        .into_iter()
        .zip(kept)
        .filter_map(|(e, keep)| keep.then_some(e))
        .collect()
}

pub fn to_body(entries: &[Entry]) -> Json {
    Json::Array(entries.iter().map(Entry::to_json).collect())
}

/// A normalized list from body items; `None` when an item is not an entry.
pub fn from_body(items: &Json) -> Option<Vec<Entry>> {
    let entries = items
        .as_array()?
        .iter()
        .map(Entry::from_json)
        .collect::<Option<Vec<_>>>()?;
    Some(normalize(entries))
}

/// One scoping of a mutation: a context, a tier and bindings (key -> param).
#[derive(Clone, Debug, PartialEq)]
pub struct Scoping {
    pub context: String,
    pub tier: String,
    pub bindings: Vec<(String, String)>,
}

impl Scoping {
    pub fn from_json(node: &Json) -> Option<Scoping> {
        Some(Scoping {
            context: node.get("context")?.as_str()?.to_string(),
            tier: node.get("tier")?.as_str()?.to_string(),
            bindings: node
                .get("bindings")?
                .as_object()?
                .iter()
                .map(|(k, v)| v.as_str().map(|p| (k.clone(), p.to_string())))
                .collect::<Option<Vec<_>>>()?,
        })
    }
}

/// The entries a mutation's calls invalidate.
#[derive(Clone, Debug, PartialEq)]
pub struct Invalidator {
    pub scopings: Vec<Scoping>,
    /// context -> key param -> type
    pub key_types: BTreeMap<String, BTreeMap<String, Type>>,
}

impl Invalidator {
    /// The normalized entries of a call with these decoded arguments.
    pub fn entries(&self, args: &Args) -> Vec<Entry> {
        let entries = self
            .scopings
            .iter()
            .map(|scoping| {
                if scoping.tier == "global" {
                    return Entry::new(scoping.context.clone(), Vec::new());
                }
                let types = self.key_types.get(&scoping.context);
                let params = scoping
                    .bindings
                    .iter()
                    .map(|(key, param)| {
                        let value = args
                            .iter()
                            .find(|(k, _)| k == param)
                            .map_or(&Json::Null, |(_, v)| v);
                        let ty = types
                            .and_then(|t| t.get(key))
                            .cloned()
                            .unwrap_or(Type::Primitive("str".to_string()));
                        (key.clone(), key_text(&ty, value))
                    })
                    .collect();
                Entry::new(scoping.context.clone(), params)
            })
            .collect();
        normalize(entries)
    }
}

// --- the header ---------------------------------------------------------------------

/// Percent-encodes the UTF-8 bytes of a name or value, keeping `A-Z a-z 0-9 - . _`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The inverse of [`escape`]; `None` for characters outside the grammar or bad UTF-8.
pub fn unescape(token: &str) -> Option<String> {
    let bytes = token.as_bytes();
    let mut raw = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        if byte == b'%' {
            let digits = token.get(index + 1..index + 3)?;
            if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            raw.push(u8::from_str_radix(digits, 16).ok()?);
            index += 3;
        } else if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_') {
            raw.push(byte);
            index += 1;
        } else {
            return None;
        }
    }
    String::from_utf8(raw).ok()
}

fn entry_text(entry: &Entry) -> String {
    let mut parts = vec![escape(&entry.context)];
    for (key, value) in &entry.params {
        parts.push(match value {
            None => escape(key),
            Some(value) => format!("{}={}", escape(key), escape(value)),
        });
    }
    parts.join(";")
}

/// The header value of a normalized list; `None` when the list is empty.
pub fn format_header(entries: &[Entry], limit: usize) -> Option<String> {
    if entries.is_empty() {
        return None;
    }
    let text = entries.iter().map(entry_text).collect::<Vec<_>>().join(",");
    if text.len() <= limit {
        return Some(text);
    }
    let coarse = normalize(
        entries
            .iter()
            .map(|e| Entry::new(e.context.clone(), Vec::new()))
            .collect(),
    );
    let text = coarse.iter().map(entry_text).collect::<Vec<_>>().join(",");
    Some(if text.len() <= limit {
        text
    } else {
        EVERYTHING.to_string()
    })
}

/// What a header value says: `Ok(None)` is everything (`*`); `Err(())` a
/// malformed value (a client then acts as if it said `*`).
#[allow(clippy::result_unit_err)]
pub fn parse_header(text: &str) -> Result<Option<Vec<Entry>>, ()> {
    let text = text.trim_matches([' ', '\t']);
    if text == EVERYTHING {
        return Ok(None);
    }
    let mut entries = Vec::new();
    for item in text.split(',') {
        let mut parts = item.trim_matches([' ', '\t']).split(';');
        let context = unescape(parts.next().unwrap_or("")).ok_or(())?;
        let mut params: Vec<(String, Option<String>)> = Vec::new();
        for part in parts {
            let (key, value) = match part.split_once('=') {
                Some((key, value)) => (key, Some(unescape(value).ok_or(())?)),
                None => (part, None),
            };
            let name = unescape(key).ok_or(())?;
            if name.is_empty() || params.iter().any(|(k, _)| k == &name) {
                return Err(());
            }
            params.push((name, value));
        }
        if context.is_empty() {
            return Err(());
        }
        entries.push(Entry::new(context, params));
    }
    Ok(Some(normalize(entries)))
}
