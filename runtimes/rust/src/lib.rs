//! The Mizan wire protocol (docs/protocol.md) once, for Rust servers and
//! clients: canonical JSON and the strict reader, value codecs, key texts,
//! invalidation and its header, the origin bundle cache, JWT, MWT, CSRF,
//! uploads, forms and the error envelope.
//!
//! `cargo test` replays every file of `protocol/vectors/`.

pub mod auth;
pub mod cache;
#[cfg(feature = "client")]
pub mod client;
pub mod errors;
pub mod forms;
pub mod invalidation;
pub mod json;
pub mod manifest;
pub mod multipart;
pub mod params;
#[cfg(feature = "server")]
pub mod server;
#[cfg(feature = "sqlite")]
pub mod sqlite;
pub mod tree;
pub mod values;
pub mod wire;
pub mod writer;

pub use errors::MizanError;
pub use json::Json;
