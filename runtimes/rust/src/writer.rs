//! Typed values straight to canonical JSON text (1.1) with serde: the bytes
//! `write_canonical(&to_tree(value))` gives, without building the tree.
//!
//! Members are written as they come, each name compared with the one before.
//! An object whose names did not come in order (a struct declared out of
//! order, a hash map) is put in order afterwards from its own text; a map key
//! given twice keeps its last value, as [`crate::tree`] does.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt::Write as _;

use serde::de::value::Error;
use serde::ser::{self, Serialize};

use crate::json::{format_float, utf16_cmp, write_escaped, write_string, Json};
use crate::tree::{fields_traits, int_methods, items_traits, to_tree};

/// Appends the canonical JSON text of `value` to `out`. On an error, `out`
/// holds part of the text: discard it.
pub fn write_value<T: Serialize + ?Sized>(value: &T, out: &mut String) -> Result<(), Error> {
    let mut writer = Writer {
        out: std::mem::take(out),
    };
    let done = value.serialize(&mut writer);
    *out = writer.out;
    done
}

struct Writer {
    out: String,
}

impl Writer {
    fn int(&mut self, value: impl Into<i128>) -> Result<(), Error> {
        let value: i128 = value.into();
        match i64::try_from(value) {
            Ok(small) => self.out.push_str(decimal(small, &mut [0; 20])),
            Err(_) => {
                let _ = write!(self.out, "{value}");
            }
        }
        Ok(())
    }

    /// `{"variant":` before a variant's content (a one-member object).
    fn open_variant(&mut self, variant: Option<&str>) {
        if let Some(variant) = variant {
            self.out.push('{');
            write_string(variant, &mut self.out);
            self.out.push(':');
        }
    }

    fn close_variant(&mut self, variant: Option<&str>) {
        if variant.is_some() {
            self.out.push('}');
        }
    }
}

/// The decimal text of `value`, made in `digits` without the formatting
/// machinery (what integers cost most of when written).
pub fn decimal(value: i64, digits: &mut [u8; 20]) -> &str {
    let mut rest = value.unsigned_abs();
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if value < 0 {
        at -= 1;
        digits[at] = b'-';
    }
    std::str::from_utf8(&digits[at..]).unwrap_or_default()
}

/// Orders names as canonical JSON does (UTF-16 code units; bytes for ASCII).
fn name_cmp(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        a.cmp(b)
    } else {
        utf16_cmp(a, b)
    }
}

/// Appends a `Display` value as the inside of a JSON string.
struct Escaped<'a>(&'a mut String);

impl std::fmt::Write for Escaped<'_> {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        write_escaped(text, self.0);
        Ok(())
    }
}

impl<'w> ser::Serializer for &'w mut Writer {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Items<'w>;
    type SerializeTuple = Items<'w>;
    type SerializeTupleStruct = Items<'w>;
    type SerializeTupleVariant = Items<'w>;
    type SerializeMap = Members<'w>;
    type SerializeStruct = Members<'w>;
    type SerializeStructVariant = Members<'w>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.out.push_str(if v { "true" } else { "false" });
        Ok(())
    }
    int_methods!();
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        let _ = write!(self.out, "{v}");
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        // A non-finite float is `null`, as in the tree.
        match format_float(v) {
            Some(text) => self.out.push_str(&text),
            None => self.out.push_str("null"),
        }
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        write_string(v.encode_utf8(&mut [0; 4]), &mut self.out);
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        write_string(v, &mut self.out);
        Ok(())
    }
    fn collect_str<T: std::fmt::Display + ?Sized>(self, value: &T) -> Result<(), Error> {
        self.out.push('"');
        let _ = write!(Escaped(&mut self.out), "{value}");
        self.out.push('"');
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        self.out.push('[');
        for (index, byte) in v.iter().enumerate() {
            if index > 0 {
                self.out.push(',');
            }
            self.int(*byte)?;
        }
        self.out.push(']');
        Ok(())
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.out.push_str("null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.open_variant(Some(variant));
        value.serialize(&mut *self)?;
        self.close_variant(Some(variant));
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Items<'w>, Error> {
        Ok(Items::open(self, None))
    }
    fn serialize_tuple(self, len: usize) -> Result<Items<'w>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Items<'w>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Items<'w>, Error> {
        Ok(Items::open(self, Some(variant)))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Members<'w>, Error> {
        Ok(Members::open(self, None, true))
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Members<'w>, Error> {
        Ok(Members::open(self, None, false))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Members<'w>, Error> {
        Ok(Members::open(self, Some(variant), false))
    }
}

/// A list being written.
pub struct Items<'w> {
    writer: &'w mut Writer,
    first: bool,
    variant: Option<&'static str>,
}

impl<'w> Items<'w> {
    fn open(writer: &'w mut Writer, variant: Option<&'static str>) -> Items<'w> {
        writer.open_variant(variant);
        writer.out.push('[');
        Items {
            writer,
            first: true,
            variant,
        }
    }

    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        if !self.first {
            self.writer.out.push(',');
        }
        self.first = false;
        value.serialize(&mut *self.writer)
    }

    fn done(self) -> Result<(), Error> {
        self.writer.out.push(']');
        self.writer.close_variant(self.variant);
        Ok(())
    }
}

items_traits!(Items<'_>, ());

/// An object being written.
pub struct Members<'w> {
    writer: &'w mut Writer,
    /// Where `{` is in the text.
    start: usize,
    /// The name of the last member written.
    last: Option<Cow<'static, str>>,
    in_order: bool,
    /// A map (a name given twice keeps its last value), not a struct.
    map: bool,
    key: Option<String>,
    variant: Option<&'static str>,
}

impl<'w> Members<'w> {
    fn open(writer: &'w mut Writer, variant: Option<&'static str>, map: bool) -> Members<'w> {
        writer.open_variant(variant);
        let start = writer.out.len();
        writer.out.push('{');
        Members {
            writer,
            start,
            last: None,
            in_order: true,
            map,
            key: None,
            variant,
        }
    }

    fn put<T: Serialize + ?Sized>(
        &mut self,
        name: Cow<'static, str>,
        value: &T,
    ) -> Result<(), Error> {
        if let Some(last) = &self.last {
            self.writer.out.push(',');
            if name_cmp(last, &name) != Ordering::Less {
                self.in_order = false;
            }
        }
        write_string(&name, &mut self.writer.out);
        self.writer.out.push(':');
        value.serialize(&mut *self.writer)?;
        self.last = Some(name);
        Ok(())
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        self.put(Cow::Borrowed(key), value)
    }

    fn done(self) -> Result<(), Error> {
        let writer = self.writer;
        if !self.in_order {
            let text = writer.out.split_off(self.start + 1);
            sort_members(&text, self.map, &mut writer.out)?;
        }
        writer.out.push('}');
        writer.close_variant(self.variant);
        Ok(())
    }
}

/// Appends the members of an object's text (written here: canonical, no
/// braces) in name order; of a map's members named alike, the last stays.
fn sort_members(text: &str, map: bool, out: &mut String) -> Result<(), Error> {
    let mut members: Vec<(String, &str)> = Vec::new();
    for (name, member) in member_texts(text) {
        let name = match crate::json::parse_json_str(name) {
            Ok(Json::Str(name)) => name,
            _ => return Err(ser::Error::custom("a member name did not read back")),
        };
        members.push((name, member));
    }
    // Stable: members named alike stay first to last.
    members.sort_by(|a, b| name_cmp(&a.0, &b.0));
    if map {
        let mut kept: Vec<(String, &str)> = Vec::with_capacity(members.len());
        for member in members {
            match kept.last_mut() {
                Some(last) if last.0 == member.0 => *last = member,
                _ => kept.push(member),
            }
        }
        members = kept;
    }
    for (index, (_, member)) in members.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        out.push_str(member);
    }
    Ok(())
}

/// The members of an object's canonical text without its braces, split at
/// each `,` outside strings, arrays and objects: (name's text, member's text).
fn member_texts(text: &str) -> Vec<(&str, &str)> {
    let mut members = Vec::new();
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    let (mut start, mut colon) = (0, 0);
    let mut push = |start: usize, colon: usize, end: usize| {
        let name = text.get(start..colon).unwrap_or_default();
        members.push((name, text.get(start..end).unwrap_or_default()));
    };
    for (at, byte) in text.bytes().enumerate() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => depth += 1,
            b']' | b'}' => depth = depth.saturating_sub(1),
            // The first `:` of a member ends its name.
            b':' if depth == 0 && colon <= start => colon = at,
            b',' if depth == 0 => {
                push(start, colon, at);
                start = at + 1;
            }
            _ => {}
        }
    }
    if !text.is_empty() {
        push(start, colon, text.len());
    }
    members
}

impl ser::SerializeMap for Members<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        // A key is named as the tree names it: its text, or refused.
        self.key = Some(match to_tree(key)? {
            Json::Str(text) | Json::Int(text) => text,
            Json::Bool(b) => b.to_string(),
            _ => return Err(ser::Error::custom("a map key must be a string")),
        });
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = self
            .key
            .take()
            .ok_or_else(|| <Error as ser::Error>::custom("a map value without its key"))?;
        self.put(Cow::Owned(key), value)
    }
    fn end(self) -> Result<(), Error> {
        self.done()
    }
}

fields_traits!(Members<'_>, ());

#[cfg(test)]
mod tests {
    use super::write_value;
    use crate::json::{write_canonical, Json};
    use crate::tree::to_tree;
    use serde::Serialize;
    use std::collections::{BTreeMap, HashMap};

    /// The text written straight, and the text of the tree: equal, or both errors.
    fn both<T: Serialize>(value: &T) -> (Option<String>, Option<String>) {
        let mut straight = String::new();
        let straight = write_value(value, &mut straight).ok().map(|()| straight);
        let via_tree = to_tree(value).ok().map(|tree| {
            let mut text = String::new();
            write_canonical(&tree, &mut text);
            text
        });
        (straight, via_tree)
    }

    fn same<T: Serialize>(value: &T) -> String {
        let (straight, via_tree) = both(value);
        assert_eq!(straight, via_tree);
        straight.unwrap_or_default()
    }

    #[derive(Serialize)]
    enum Shape {
        #[serde(rename = "dot")]
        Dot,
        Circle(f64),
        Pair(i8, String),
        Box {
            z: u8,
            a: Option<u8>,
        },
    }

    #[derive(Serialize)]
    struct OutOfOrder {
        zeta: Vec<Shape>,
        alpha: crate::wire::Int64,
        #[serde(rename = "\u{e000}")]
        private_use: bool,
        #[serde(rename = "\u{1f600}")]
        astral: bool,
        mid: crate::wire::Bytes,
        raw: Json,
        bytes: serde_bytes_like::Raw,
        inner: Inner,
    }

    #[derive(Serialize)]
    struct Inner {
        b: char,
        a: &'static str,
    }

    mod serde_bytes_like {
        /// Serialized with `serialize_bytes` (an array of byte values).
        pub struct Raw(pub Vec<u8>);

        impl serde::Serialize for Raw {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(&self.0)
            }
        }
    }

    #[test]
    fn the_text_is_the_canonical_text_of_the_tree() {
        let value = OutOfOrder {
            zeta: vec![
                Shape::Dot,
                Shape::Circle(0.1 + 0.2),
                Shape::Circle(f64::NAN),
                Shape::Pair(-8, "quote \" slash \\ tab \t nul \u{0} é".into()),
                Shape::Box { z: 1, a: None },
            ],
            alpha: crate::wire::Int64(i64::MIN),
            private_use: true,
            astral: false,
            mid: crate::wire::Bytes(vec![0, 1, 254, 255]),
            raw: Json::object([
                ("y", Json::Array(vec![Json::int(1), Json::Float(1e21)])),
                ("x", Json::str("\u{7f}")),
            ]),
            bytes: serde_bytes_like::Raw(vec![7, 0]),
            inner: Inner { b: '\n', a: "" },
        };
        let text = same(&value);
        assert!(text.starts_with(r#"{"alpha":"-9223372036854775808","bytes":[7,0],"#));
        // UTF-16 order: a surrogate pair (U+1F600) sorts before U+E000.
        let tail = concat!(
            r#""zeta":["dot",{"Circle":0.30000000000000004},{"Circle":null},"#,
            r#"{"Pair":[-8,"quote \" slash \\ tab \t nul \u0000 é"]},{"Box":{"a":null,"z":1}}],"#,
            "\"\u{1f600}\":false,\"\u{e000}\":true}"
        );
        assert!(text.ends_with(tail), "{text}");
    }

    #[test]
    fn maps_are_sorted_and_a_key_given_twice_keeps_its_last_value() {
        let hashed: HashMap<String, Vec<u32>> = (0..40)
            .map(|n| (format!("k{n}"), vec![n, u32::MAX]))
            .collect();
        same(&hashed);
        // Names and values with what splits members in the text.
        let tricky: HashMap<String, Vec<String>> = ["z\":{,", "a,\\\"]:", "m", "\u{1}\n", "é"]
            .iter()
            .map(|name| (name.to_string(), vec![format!("{name}\":[,"), "}".into()]))
            .collect();
        same(&tricky);
        let sorted: BTreeMap<i64, Option<bool>> =
            BTreeMap::from([(-1, Some(true)), (10, None), (2, Some(false))]);
        assert_eq!(same(&sorted), r#"{"-1":true,"10":null,"2":false}"#);
        // Keys of different types with one text: the last value stays.
        let twice = Twice;
        assert_eq!(same(&twice), r#"{"1":"last","a":[]}"#);
        let empty: Vec<()> = Vec::new();
        assert_eq!(
            same(&(empty, (), 'x', 1u128 << 100)),
            r#"[[],null,"x",1267650600228229401496703205376]"#
        );
    }

    struct Twice;

    impl Serialize for Twice {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeMap;
            let mut map = s.serialize_map(None)?;
            map.serialize_entry("a", &[0u8; 0])?;
            map.serialize_entry(&1, "first")?;
            map.serialize_entry("1", "last")?;
            map.end()
        }
    }

    #[test]
    fn a_key_that_is_not_a_string_is_an_error_both_ways() {
        let floats: BTreeMap<Vec<u8>, u8> = BTreeMap::from([(vec![1], 1)]);
        assert_eq!(both(&floats), (None, None));
        let none: HashMap<Option<u8>, u8> = HashMap::from([(None, 1)]);
        assert_eq!(both(&none), (None, None));
    }
}
