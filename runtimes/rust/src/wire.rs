//! Typed wire values for generated code: the types whose JSON form is a
//! string (`int64`, `decimal`, `date`, `datetime`, `uuid`, `bytes`), and the
//! conversions between typed values and canonical wire JSON.
//!
//! The runtime checks every value a client sends before typed code sees it,
//! and every value a server sends after typed code made it, so these types
//! only carry the text: a `Decimal` keeps its scale, a `DateTime` is the
//! written UTC form.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::errors::MizanError;
use crate::json::{b64_decode, b64_encode, Json};

/// A 64-bit integer; a decimal string on the wire.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Int64(pub i64);

impl From<i64> for Int64 {
    fn from(value: i64) -> Int64 {
        Int64(value)
    }
}

impl Serialize for Int64 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(crate::writer::decimal(self.0, &mut [0; 20]))
    }
}

impl<'de> Deserialize<'de> for Int64 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Int64, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map(Int64).map_err(serde::de::Error::custom)
    }
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            pub fn new(text: impl Into<String>) -> $name {
                $name(text.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_type!(
    /// A decimal in plain notation, its scale kept (`"9.90"`).
    Decimal
);
text_type!(
    /// A date, `YYYY-MM-DD`.
    Date
);
text_type!(
    /// A UTC date and time, `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
    DateTime
);
text_type!(
    /// A UUID, lowercase and hyphenated.
    Uuid
);

impl DateTime {
    /// The written form of an instant given in seconds since the epoch.
    pub fn from_unix(seconds: i64, micros: u32) -> DateTime {
        DateTime(crate::values::format_datetime(
            seconds,
            i64::from(micros.min(999_999)),
        ))
    }
}

/// Bytes; standard base64 on the wire.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Bytes(pub Vec<u8>);

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&b64_encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Bytes, D::Error> {
        let text = String::deserialize(deserializer)?;
        b64_decode(&text)
            .map(Bytes)
            .ok_or_else(|| serde::de::Error::custom("not canonical base64"))
    }
}

/// A checked wire value as a typed value. The runtime decoded it already, so
/// a failure here is a bug of the generated code: `internal`.
pub fn from_wire<T: DeserializeOwned>(value: &Json) -> Result<T, MizanError> {
    typed(value.clone())
}

/// [`from_wire`] of a value the caller owns (moved into the typed value).
fn typed<T: DeserializeOwned>(value: Json) -> Result<T, MizanError> {
    crate::tree::from_tree(value).map_err(|error| {
        eprintln!("mizan: a checked value did not convert: {error}");
        MizanError::internal()
    })
}

/// A typed value as wire JSON (the runtime then checks it by its type).
pub fn to_wire<T: Serialize>(value: &T) -> Result<Json, MizanError> {
    crate::tree::to_tree(value).map_err(unserializable)
}

/// A service's result as the generated registry hands it over: the runtime
/// writes it straight to canonical JSON text, or makes it a tree when it
/// checks the value by its type first (or puts it in a bundle).
pub trait Output: Send {
    fn tree(&self) -> Result<Json, MizanError>;
    fn write(&self, out: &mut String) -> Result<(), MizanError>;
}

impl<T: Serialize + Send> Output for T {
    fn tree(&self) -> Result<Json, MizanError> {
        to_wire(self)
    }

    fn write(&self, out: &mut String) -> Result<(), MizanError> {
        crate::writer::write_value(self, out).map_err(unserializable)
    }
}

/// What [`crate::server::Dispatch::call`] answers.
pub type Reply = Box<dyn Output>;

/// A typed result as a [`Reply`].
pub fn reply<T: Serialize + Send + 'static>(value: T) -> Result<Reply, MizanError> {
    Ok(Box::new(value))
}

fn unserializable(error: impl std::fmt::Display) -> MizanError {
    eprintln!("mizan: a result did not serialize: {error}");
    MizanError::internal()
}

/// The decoded arguments of one call, taken by name by the generated registry.
pub struct Arguments {
    args: Vec<(String, Json)>,
    #[cfg(feature = "server")]
    uploads: Vec<(String, crate::server::Upload)>,
}

impl Arguments {
    #[cfg(feature = "server")]
    pub fn new(
        args: Vec<(String, Json)>,
        uploads: Vec<(String, crate::server::Upload)>,
    ) -> Arguments {
        Arguments { args, uploads }
    }

    /// The argument `name` as its typed value (`null` when absent).
    pub fn take<T: DeserializeOwned>(&mut self, name: &str) -> Result<T, MizanError> {
        let value = match self.args.iter().position(|(k, _)| k == name) {
            Some(index) => self.args.swap_remove(index).1,
            None => Json::Null,
        };
        typed(value)
    }

    /// The upload `name`.
    #[cfg(feature = "server")]
    pub fn upload(&mut self, name: &str) -> Result<crate::server::Upload, MizanError> {
        match self.uploads.iter().position(|(k, _)| k == name) {
            Some(index) => Ok(self.uploads.swap_remove(index).1),
            None => Err(MizanError::internal()),
        }
    }
}
