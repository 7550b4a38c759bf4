//! Typed values straight to and from [`Json`] trees, with serde: what the
//! generated registry uses to hand checked arguments to typed code and to
//! take its results back, without a `serde_json::Value` tree in between.
//!
//! The mapping is serde_json's: integers are `Json::Int`, floats
//! `Json::Float` (a non-finite one `null`), unit variants their name,
//! `Option::None` and `()` `null`, structs and maps objects.

use serde::de::value::{Error, MapDeserializer, SeqDeserializer, StringDeserializer};
use serde::de::{self, IntoDeserializer, Visitor};
use serde::ser::{self, Serialize};

use crate::json::Json;

/// A typed value from a JSON tree it owns (strings are moved, not copied).
pub fn from_tree<T: de::DeserializeOwned>(value: Json) -> Result<T, Error> {
    T::deserialize(value)
}

/// A typed value as a JSON tree.
pub fn to_tree<T: Serialize + ?Sized>(value: &T) -> Result<Json, Error> {
    value.serialize(TreeSerializer)
}

// --- reading ----------------------------------------------------------------------

impl<'de> IntoDeserializer<'de, Error> for Json {
    type Deserializer = Json;

    fn into_deserializer(self) -> Json {
        self
    }
}

impl<'de> de::Deserializer<'de> for Json {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Json::Null => visitor.visit_unit(),
            Json::Bool(b) => visitor.visit_bool(b),
            Json::Int(text) => {
                if let Ok(n) = text.parse::<i64>() {
                    visitor.visit_i64(n)
                } else if let Ok(n) = text.parse::<u64>() {
                    visitor.visit_u64(n)
                } else {
                    visitor.visit_f64(text.parse::<f64>().unwrap_or(f64::NAN))
                }
            }
            Json::Float(f) => visitor.visit_f64(f),
            Json::Str(s) => visitor.visit_string(s),
            Json::Array(items) => {
                let mut seq = SeqDeserializer::new(items.into_iter());
                let value = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(value)
            }
            Json::Object(members) => {
                let mut map = MapDeserializer::new(members.into_iter());
                let value = visitor.visit_map(&mut map)?;
                map.end()?;
                Ok(value)
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Json::Null => visitor.visit_none(),
            value => visitor.visit_some(value),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self {
            Json::Str(variant) => {
                let variant: StringDeserializer<Error> = variant.into_deserializer();
                visitor.visit_enum(variant)
            }
            other => other.deserialize_any(visitor),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

// --- writing ----------------------------------------------------------------------

struct TreeSerializer;

impl TreeSerializer {
    fn int(self, value: impl ToString) -> Result<Json, Error> {
        Ok(Json::Int(value.to_string()))
    }
}

/// The `serialize_<type>` methods of the integer types, each `self.int(v)`.
macro_rules! int_methods {
    () => {
        int_methods!(
            serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
            serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
            serialize_u64: u64
        );
    };
    ($($method:ident: $ty:ty),*) => {$(
        fn $method(self, v: $ty) -> Result<Self::Ok, Error> {
            self.int(v)
        }
    )*};
}
pub(crate) use int_methods;

fn float(value: f64) -> Result<Json, Error> {
    Ok(if value.is_finite() {
        Json::Float(value)
    } else {
        Json::Null
    })
}

fn tagged(variant: &str, value: Json) -> Json {
    Json::Object(vec![(variant.to_string(), value)])
}

impl ser::Serializer for TreeSerializer {
    type Ok = Json;
    type Error = Error;
    type SerializeSeq = Items;
    type SerializeTuple = Items;
    type SerializeTupleStruct = Items;
    type SerializeTupleVariant = Items;
    type SerializeMap = Members;
    type SerializeStruct = Members;
    type SerializeStructVariant = Members;

    fn serialize_bool(self, v: bool) -> Result<Json, Error> {
        Ok(Json::Bool(v))
    }
    int_methods!();
    fn serialize_u128(self, v: u128) -> Result<Json, Error> {
        self.int(v)
    }
    fn serialize_f32(self, v: f32) -> Result<Json, Error> {
        float(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<Json, Error> {
        float(v)
    }
    fn serialize_char(self, v: char) -> Result<Json, Error> {
        Ok(Json::Str(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Json, Error> {
        Ok(Json::Str(v.to_string()))
    }
    fn collect_str<T: std::fmt::Display + ?Sized>(self, value: &T) -> Result<Json, Error> {
        Ok(Json::Str(value.to_string()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Json, Error> {
        Ok(Json::Array(
            v.iter().map(|b| Json::Int(b.to_string())).collect(),
        ))
    }
    fn serialize_none(self) -> Result<Json, Error> {
        Ok(Json::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Json, Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Json, Error> {
        Ok(Json::Null)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Json, Error> {
        Ok(Json::Null)
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Json, Error> {
        Ok(Json::Str(variant.to_string()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Json, Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Json, Error> {
        Ok(tagged(variant, value.serialize(self)?))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Items, Error> {
        Ok(Items {
            items: Vec::with_capacity(len.unwrap_or(0)),
            variant: None,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Items, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Items, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Items, Error> {
        Ok(Items {
            items: Vec::with_capacity(len),
            variant: Some(variant),
        })
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Members, Error> {
        Ok(Members {
            members: Vec::with_capacity(len.unwrap_or(0)),
            key: None,
            variant: None,
        })
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Members, Error> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Members, Error> {
        Ok(Members {
            members: Vec::with_capacity(len),
            key: None,
            variant: Some(variant),
        })
    }
}

struct Items {
    items: Vec<Json>,
    variant: Option<&'static str>,
}

impl Items {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.items.push(value.serialize(TreeSerializer)?);
        Ok(())
    }

    fn done(self) -> Result<Json, Error> {
        let array = Json::Array(self.items);
        Ok(match self.variant {
            Some(variant) => tagged(variant, array),
            None => array,
        })
    }
}

/// The four serde traits of a list being written (`$items`, answering
/// `$ok`), each pushing one item with `self.push`, ending with `self.done`.
macro_rules! items_traits {
    ($items:ty, $ok:ty) => {
        items_traits!($items, $ok; SerializeSeq::serialize_element,
            SerializeTuple::serialize_element, SerializeTupleStruct::serialize_field,
            SerializeTupleVariant::serialize_field);
    };
    ($items:ty, $ok:ty; $($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for $items {
            type Ok = $ok;
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                self.push(value)
            }
            fn end(self) -> Result<$ok, Error> {
                self.done()
            }
        }
    )*};
}
pub(crate) use items_traits;

items_traits!(Items, Json);

struct Members {
    members: Vec<(String, Json)>,
    key: Option<String>,
    variant: Option<&'static str>,
}

impl Members {
    fn put<T: Serialize + ?Sized>(&mut self, key: String, value: &T) -> Result<(), Error> {
        let value = value.serialize(TreeSerializer)?;
        // A map key given twice keeps its last value, as serde_json's map does.
        match self.members.iter_mut().find(|(k, _)| *k == key) {
            Some(member) => member.1 = value,
            None => self.members.push((key, value)),
        }
        Ok(())
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        self.members
            .push((key.to_string(), value.serialize(TreeSerializer)?));
        Ok(())
    }

    fn done(self) -> Result<Json, Error> {
        let object = Json::Object(self.members);
        Ok(match self.variant {
            Some(variant) => tagged(variant, object),
            None => object,
        })
    }
}

impl ser::SerializeMap for Members {
    type Ok = Json;
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        let key = match key.serialize(TreeSerializer)? {
            Json::Str(text) | Json::Int(text) => text,
            Json::Bool(b) => b.to_string(),
            _ => return Err(ser::Error::custom("a map key must be a string")),
        };
        self.key = Some(key);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = self
            .key
            .take()
            .ok_or_else(|| <Error as ser::Error>::custom("a map value without its key"))?;
        self.put(key, value)
    }
    fn end(self) -> Result<Json, Error> {
        self.done()
    }
}

/// The two serde traits of a struct being written (`$members`, answering
/// `$ok`), each field one member by `self.field`, ending with `self.done`.
macro_rules! fields_traits {
    ($members:ty, $ok:ty) => {
        fields_traits!($members, $ok; SerializeStruct, SerializeStructVariant);
    };
    ($members:ty, $ok:ty; $($trait:ident),*) => {$(
        impl ser::$trait for $members {
            type Ok = $ok;
            type Error = Error;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Error> {
                self.field(key, value)
            }
            fn end(self) -> Result<$ok, Error> {
                self.done()
            }
        }
    )*};
}
pub(crate) use fields_traits;

fields_traits!(Members, Json);

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    enum Status {
        #[serde(rename = "in_stock")]
        InStock,
    }

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Record {
        id: crate::wire::Int64,
        count: i32,
        ratio: f64,
        note: Option<String>,
        status: Status,
        tags: Vec<String>,
        extra: BTreeMap<String, i32>,
        data: crate::wire::Bytes,
        raw: Json,
    }

    #[test]
    fn typed_values_go_both_ways_as_serde_json_maps_them() {
        let record = Record {
            id: crate::wire::Int64(-9_007_199_254_740_993),
            count: 7,
            ratio: 0.5,
            note: None,
            status: Status::InStock,
            tags: vec!["a".into()],
            extra: BTreeMap::from([("k".to_string(), 2)]),
            data: crate::wire::Bytes(vec![0, 255]),
            raw: Json::object([("x", Json::Array(vec![Json::int(1), Json::Null]))]),
        };
        let tree = to_tree(&record).map_err(|e| e.to_string());
        let via_serde = serde_json::to_value(&record)
            .map(|v| Json::from(&v))
            .map_err(|e| e.to_string());
        let text = |t: &Result<Json, String>| t.as_ref().map(Json::canonical).ok();
        assert_eq!(text(&tree), text(&via_serde));
        assert!(tree.is_ok());
        let back = tree.and_then(|t| from_tree::<Record>(t).map_err(|e| e.to_string()));
        assert_eq!(back, Ok(record));
    }

    #[test]
    fn a_wrong_tree_is_an_error_not_a_panic() {
        assert!(from_tree::<i32>(Json::str("7")).is_err());
        assert!(from_tree::<i32>(Json::Int("99999999999".into())).is_err());
        assert!(from_tree::<Status>(Json::str("gone")).is_err());
        assert!(from_tree::<Vec<i32>>(Json::Null).is_err());
        assert_eq!(to_tree(&f64::NAN).ok(), Some(Json::Null));
    }
}
