//! Shapes on SQLite, through sqlx: what the generated `shapes.rs` of a crate
//! calls. The statements are the generator's (one `SELECT` of the model's
//! table, then one per relation the shape carries, the parents' keys bound
//! as one JSON array); here are the pieces they share: the caller's filter,
//! reading a selected column as a wire type, and grouping related rows by
//! their parent's key.
//!
//! A database failure is logged and becomes `internal`: its text never
//! reaches a client.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use sqlx::sqlite::{SqlitePool, SqliteRow};
use sqlx::{Row, TypeInfo, ValueRef};

use crate::errors::MizanError;
use crate::json::{parse_json_str, Json};
use crate::values::{decimal_text, format_datetime, parse_datetime};
use crate::wire::{Bytes, Date, DateTime, Decimal, Int64, Uuid};

pub use sqlx;

/// The shapes of some rows, being loaded (the loaders call each other, so
/// their futures are boxed).
pub type Loading<'a, T> = Pin<Box<dyn Future<Output = Result<Vec<T>, MizanError>> + Send + 'a>>;

/// Builds a shape of each row from its columns starting at the given index.
pub type Loader<T> = for<'a> fn(&'a SqlitePool, &'a [SqliteRow], usize) -> Loading<'a, T>;

fn failed(error: impl std::fmt::Display) -> MizanError {
    eprintln!("mizan: database: {error}");
    MizanError::internal()
}

/// A value bound to a `?` of a [`Filter`].
#[derive(Clone, Debug, PartialEq)]
pub enum Param {
    Null,
    Int(i64),
    Float(f64),
    Text(String),
    Blob(Vec<u8>),
}

macro_rules! param_from {
    ($($ty:ty => $arm:ident($convert:expr)),* $(,)?) => {
        $(impl From<$ty> for Param {
            fn from(value: $ty) -> Param {
                Param::$arm($convert(value))
            }
        })*
    };
}

param_from!(
    i32 => Int(i64::from),
    i64 => Int(|v| v),
    bool => Int(i64::from),
    f64 => Float(|v| v),
    String => Text(|v| v),
    &str => Text(str::to_string),
    Int64 => Int(|v: Int64| v.0),
    Vec<u8> => Blob(|v| v),
);

/// What a caller adds to a shape's `SELECT ... FROM <table>`: its `WHERE`,
/// `ORDER BY` and `LIMIT`, with `?` placeholders and their values.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filter {
    tail: String,
    params: Vec<Param>,
}

impl Filter {
    /// Every row, in the table's order.
    pub fn all() -> Filter {
        Filter::default()
    }

    /// `WHERE ... ORDER BY ... LIMIT ...` (columns may be named bare).
    pub fn new(tail: impl Into<String>) -> Filter {
        Filter {
            tail: tail.into(),
            params: Vec::new(),
        }
    }

    /// The value of the next `?`.
    pub fn bind(mut self, value: impl Into<Param>) -> Filter {
        self.params.push(value.into());
        self
    }

    /// The rows of `select` (a shape's top query) narrowed by this filter.
    pub async fn fetch(&self, db: &SqlitePool, select: &str) -> Result<Vec<SqliteRow>, MizanError> {
        let sql = if self.tail.is_empty() {
            select.to_string()
        } else {
            format!("{select} {}", self.tail)
        };
        let mut query = sqlx::query(&sql);
        for param in &self.params {
            query = match param {
                Param::Null => query.bind(None::<i64>),
                Param::Int(value) => query.bind(*value),
                Param::Float(value) => query.bind(*value),
                Param::Text(value) => query.bind(value.clone()),
                Param::Blob(value) => query.bind(value.clone()),
            };
        }
        query.fetch_all(db).await.map_err(failed)
    }
}

/// A row's key (or a foreign key), as SQLite holds it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    Int(i64),
    Text(String),
}

impl Key {
    fn json(&self) -> Json {
        match self {
            Key::Int(value) => Json::Int(value.to_string()),
            Key::Text(value) => Json::Str(value.clone()),
        }
    }
}

/// The SQLite storage class of a selected value (`NULL`, `INTEGER`, ...).
fn class(row: &SqliteRow, at: usize) -> Result<String, MizanError> {
    let value = row.try_get_raw(at).map_err(failed)?;
    if value.is_null() {
        return Ok("NULL".to_string());
    }
    Ok(value.type_info().name().to_string())
}

fn key(row: &SqliteRow, at: usize) -> Result<Option<Key>, MizanError> {
    match class(row, at)?.as_str() {
        "NULL" => Ok(None),
        "TEXT" | "BLOB" => Ok(Some(Key::Text(
            row.try_get_unchecked::<String, _>(at).map_err(failed)?,
        ))),
        _ => Ok(Some(Key::Int(
            row.try_get_unchecked::<i64, _>(at).map_err(failed)?,
        ))),
    }
}

/// The rows related to some parents, grouped by the parent's key.
pub struct Related<T> {
    groups: HashMap<Key, Vec<T>>,
}

impl<T: Clone> Related<T> {
    /// Runs `sql` for the keys in column `at` of `rows`; the related shapes
    /// start at column `offset` of its rows, and each row's link (the key it
    /// belongs to) is its column 0. No keys: no query.
    pub async fn load(
        db: &SqlitePool,
        sql: &str,
        rows: &[SqliteRow],
        at: usize,
        offset: usize,
        loader: Loader<T>,
    ) -> Result<Related<T>, MizanError> {
        let mut keys: Vec<Key> = Vec::new();
        for row in rows {
            if let Some(found) = key(row, at)? {
                if !keys.contains(&found) {
                    keys.push(found);
                }
            }
        }
        let mut groups: HashMap<Key, Vec<T>> = HashMap::new();
        if keys.is_empty() {
            return Ok(Related { groups });
        }
        let bound = Json::Array(keys.iter().map(Key::json).collect()).canonical();
        let nested = sqlx::query(sql)
            .bind(bound)
            .fetch_all(db)
            .await
            .map_err(failed)?;
        let shapes = loader(db, &nested, offset).await?;
        for (row, shape) in nested.iter().zip(shapes) {
            if let Some(link) = key(row, 0)? {
                groups.entry(link).or_default().push(shape);
            }
        }
        Ok(Related { groups })
    }

    /// The related row of a to-one relation whose key is column `at`.
    pub fn one(&self, row: &SqliteRow, at: usize) -> Result<Option<T>, MizanError> {
        Ok(key(row, at)?
            .and_then(|found| self.groups.get(&found))
            .and_then(|group| group.first().cloned()))
    }

    /// The related rows of a to-many relation of the row whose key is column `at`.
    pub fn many(&self, row: &SqliteRow, at: usize) -> Result<Vec<T>, MizanError> {
        Ok(key(row, at)?
            .and_then(|found| self.groups.get(&found))
            .cloned()
            .unwrap_or_default())
    }
}

/// The loader of a relation projected without a shape: the related key.
pub fn keys<'a, T: Column + Send + 'a>(
    _db: &'a SqlitePool,
    rows: &'a [SqliteRow],
    at: usize,
) -> Loading<'a, T> {
    let read: Result<Vec<T>, MizanError> = rows.iter().map(|row| T::read(row, at)).collect();
    Box::pin(async move { read })
}

/// A selected column read as a wire type. SQLite's own conversions apply
/// (`sqlite3_column_int64` of `'12'` is 12); a value that is not of the
/// type (a `NULL` where the type is not nullable, a text that is no date)
/// is `internal`.
pub trait Column: Sized {
    fn read(row: &SqliteRow, at: usize) -> Result<Self, MizanError>;
}

/// Reads column `at` of `row` as `T`.
pub fn column<T: Column>(row: &SqliteRow, at: usize) -> Result<T, MizanError> {
    T::read(row, at)
}

fn present(row: &SqliteRow, at: usize) -> Result<String, MizanError> {
    let found = class(row, at)?;
    if found == "NULL" {
        return Err(failed(format!("column {at} is NULL")));
    }
    Ok(found)
}

impl<T: Column> Column for Option<T> {
    fn read(row: &SqliteRow, at: usize) -> Result<Option<T>, MizanError> {
        if class(row, at)? == "NULL" {
            return Ok(None);
        }
        T::read(row, at).map(Some)
    }
}

macro_rules! unchecked_column {
    ($($ty:ty),*) => {
        $(impl Column for $ty {
            fn read(row: &SqliteRow, at: usize) -> Result<$ty, MizanError> {
                present(row, at)?;
                row.try_get_unchecked::<$ty, _>(at).map_err(failed)
            }
        })*
    };
}

unchecked_column!(i64, f64, bool, String);

impl Column for i32 {
    fn read(row: &SqliteRow, at: usize) -> Result<i32, MizanError> {
        i32::try_from(i64::read(row, at)?).map_err(failed)
    }
}

impl Column for Int64 {
    fn read(row: &SqliteRow, at: usize) -> Result<Int64, MizanError> {
        i64::read(row, at).map(Int64)
    }
}

impl Column for Bytes {
    fn read(row: &SqliteRow, at: usize) -> Result<Bytes, MizanError> {
        present(row, at)?;
        row.try_get_unchecked::<Vec<u8>, _>(at)
            .map(Bytes)
            .map_err(failed)
    }
}

impl Column for Decimal {
    /// Text and integers as written (the scale kept); a `REAL` (SQLite's
    /// numeric affinity stores `9.90` so) by its shortest repr.
    fn read(row: &SqliteRow, at: usize) -> Result<Decimal, MizanError> {
        let text = if present(row, at)? == "REAL" {
            let value = f64::read(row, at)?;
            if !value.is_finite() {
                return Err(failed(format!("column {at} is not a finite number")));
            }
            format!("{value}")
        } else {
            String::read(row, at)?
        };
        decimal_text(text.trim()).map(Decimal).map_err(failed)
    }
}

impl Column for Date {
    fn read(row: &SqliteRow, at: usize) -> Result<Date, MizanError> {
        let text = String::read(row, at)?;
        let day = text.get(..10).unwrap_or_default();
        let wire = Json::Str(day.to_string());
        crate::values::decode_primitive("date", &wire).map_err(failed)?;
        Ok(Date(day.to_string()))
    }
}

impl Column for DateTime {
    /// `YYYY-MM-DD HH:MM:SS[.ffffff][+00:00|Z]` (how Django and SQLAlchemy
    /// store UTC times) or the wire's `T` form; a time without an offset is UTC.
    fn read(row: &SqliteRow, at: usize) -> Result<DateTime, MizanError> {
        let text = String::read(row, at)?;
        let mut wire = text.trim().replacen(' ', "T", 1);
        if let Some(utc) = wire.strip_suffix("+00:00") {
            wire = utc.to_string();
        }
        if !wire.ends_with('Z') {
            wire.push('Z');
        }
        let (seconds, micros) = parse_datetime(&wire).map_err(failed)?;
        Ok(DateTime(format_datetime(seconds, micros)))
    }
}

impl Column for Uuid {
    /// Hyphenated text, 32 hex digits (SQLAlchemy's `CHAR(32)`) or 16 bytes.
    fn read(row: &SqliteRow, at: usize) -> Result<Uuid, MizanError> {
        let hex: String = if present(row, at)? == "BLOB" {
            let bytes = row.try_get_unchecked::<Vec<u8>, _>(at).map_err(failed)?;
            bytes.iter().map(|b| format!("{b:02x}")).collect()
        } else {
            String::read(row, at)?.replace('-', "").to_ascii_lowercase()
        };
        if hex.len() != 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(failed(format!("column {at} is not a uuid")));
        }
        let part = |from: usize, to: usize| hex.get(from..to).unwrap_or_default();
        Ok(Uuid(format!(
            "{}-{}-{}-{}-{}",
            part(0, 8),
            part(8, 12),
            part(12, 16),
            part(16, 20),
            part(20, 32)
        )))
    }
}

impl Column for Json {
    fn read(row: &SqliteRow, at: usize) -> Result<Json, MizanError> {
        parse_json_str(&String::read(row, at)?).map_err(|error| failed(error.0))
    }
}

/// A decimal column declared with a scale, answered with exactly that many
/// digits after the point (rounded half to even, as the Python targets).
pub trait Scaled: Sized {
    fn scaled(self, scale: usize) -> Self;
}

/// `value` with `scale` digits after the point.
pub fn scaled<T: Scaled>(value: T, scale: usize) -> T {
    value.scaled(scale)
}

impl Scaled for Decimal {
    fn scaled(self, scale: usize) -> Decimal {
        Decimal(round_decimal(&self.0, scale))
    }
}

impl Scaled for Option<Decimal> {
    fn scaled(self, scale: usize) -> Option<Decimal> {
        self.map(|value| value.scaled(scale))
    }
}

/// A plain decimal text rounded (half to even) or padded to `scale` digits.
fn round_decimal(text: &str, scale: usize) -> String {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let mut kept: Vec<u8> = whole.bytes().chain(fraction.bytes().take(scale)).collect();
    kept.extend(std::iter::repeat_n(
        b'0',
        scale.saturating_sub(fraction.len()),
    ));
    let rest = fraction.get(scale..).unwrap_or_default();
    let last_odd = kept.last().is_some_and(|d| (d - b'0') % 2 == 1);
    let first = rest.bytes().next().unwrap_or(b'0');
    let beyond = rest.bytes().skip(1).any(|d| d != b'0');
    if first > b'5' || (first == b'5' && (beyond || last_odd)) {
        let mut at = kept.len();
        loop {
            if at == 0 {
                kept.insert(0, b'1');
                break;
            }
            at -= 1;
            if kept[at] == b'9' {
                kept[at] = b'0';
            } else {
                kept[at] += 1;
                break;
            }
        }
    }
    let split = kept.len() - scale;
    let mut out = String::from_utf8_lossy(&kept[..split]).into_owned();
    if scale > 0 {
        out.push('.');
        out.push_str(&String::from_utf8_lossy(&kept[split..]));
    }
    let zero = out.bytes().all(|d| d == b'0' || d == b'.');
    if negative && !zero {
        out.insert(0, '-');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::round_decimal;

    #[test]
    fn decimals_round_half_to_even_or_pad_to_their_scale() {
        for (text, scale, rounded) in [
            ("9.9", 2, "9.90"),
            ("12", 2, "12.00"),
            ("0.30000000000000004", 2, "0.30"),
            ("2.675", 2, "2.68"),
            ("2.665", 2, "2.66"),
            ("2.6651", 2, "2.67"),
            ("9.995", 2, "10.00"),
            ("-0.001", 2, "0.00"),
            ("-1.5", 0, "-2"),
            ("0.5", 0, "0"),
        ] {
            assert_eq!(round_decimal(text, scale), rounded, "{text} to {scale}");
        }
    }
}
