//! The conformance fixture (conformance/fixture.mizan) in Rust: the same
//! deterministic boards, threads, inboxes and accounts as conformance/impl.py,
//! served by the generated Axum crate.
//!
//! The Axum app (main.rs) and the Tauri app (conformance/tauri) both serve it:
//! the generated crates of both targets have the same `Service` trait.
#![allow(clippy::too_many_arguments)]

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use fixture_api::shapes::{book_card, book_ref, Filter, SqlitePool};
use fixture_api::{
    Attachment, BookCard, BookRef, Bytes, Caller, Date, DateTime, Decimal, Identity, Int64, Json,
    MizanError, Note, Role, ServerConfig, Service, Upload, Uuid,
};
use mizan_runtime::auth::JwtKeys;
use mizan_runtime::sqlite::sqlx;
use sha2::{Digest, Sha256};
use sqlx::sqlite::SqliteConnectOptions;

/// 2024-01-31T12:00:00Z
const EPOCH: i64 = 1_706_702_400;

fn accounts(name: &str) -> Option<(&'static str, Vec<(String, Json)>)> {
    let claims = |staff: Json, role: &str| {
        vec![
            ("is_staff".to_string(), staff),
            ("role".to_string(), Json::str(role)),
        ]
    };
    match name {
        "ada" => Some(("ada-password", claims(Json::Bool(true), "admin"))),
        "bob" => Some(("bob-password", claims(Json::Bool(false), "member"))),
        "cy" => Some(("cy-password", claims(Json::int(1), "staff"))),
        _ => None,
    }
}

#[derive(Default)]
struct State {
    notes: HashMap<i64, Vec<Note>>,
    inboxes: HashMap<String, Vec<String>>,
    profiles: HashMap<String, Json>,
    counter: i32,
}

pub struct Fixture {
    state: Mutex<State>,
    database: SqlitePool,
}

impl Fixture {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn subject(caller: &Caller) -> Result<String, MizanError> {
    caller.require_subject().map(str::to_string)
}

/// Python's `items[start:stop]`.
fn slice<T: Clone>(items: &[T], start: i64, stop: i64) -> Vec<T> {
    let len = items.len() as i64;
    let clamp = |i: i64| if i < 0 { (i + len).max(0) } else { i.min(len) };
    let (start, stop) = (clamp(start), clamp(stop));
    if start >= stop {
        return Vec::new();
    }
    items[start as usize..stop as usize].to_vec()
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Member => "member",
        Role::Staff => "staff",
        Role::Admin => "admin",
    }
}

fn opt_str(value: Option<String>) -> Json {
    value.map_or(Json::Null, Json::Str)
}

/// Python's `datetime.isoformat()` of a UTC datetime.
fn isoformat(moment: &DateTime) -> String {
    let text = moment.as_str().trim_end_matches('Z');
    let text = text.strip_suffix(".000000").unwrap_or(text);
    format!("{text}+00:00")
}

fn to_i32(value: i64) -> Result<i32, MizanError> {
    i32::try_from(value).map_err(|_| MizanError::internal())
}

impl Service for Fixture {
    async fn authenticate(&self, credentials: Json) -> Result<Option<Identity>, MizanError> {
        if credentials.as_object().is_none() {
            return Ok(None);
        }
        let username = match &credentials["username"] {
            Json::Str(name) => name.clone(),
            other => other.canonical(),
        };
        match accounts(&username) {
            Some((password, claims)) if credentials["password"].as_str() == Some(password) => {
                Ok(Some(Identity::new(username, claims)))
            }
            _ => Ok(None),
        }
    }

    async fn identity_of(&self, subject: String) -> Result<Option<Identity>, MizanError> {
        Ok(accounts(&subject).map(|(_, claims)| Identity::new(subject, claims)))
    }

    async fn board_notes(&self, _caller: Caller, board_id: Int64) -> Result<Vec<Note>, MizanError> {
        Ok(self
            .state()
            .notes
            .get(&board_id.0)
            .cloned()
            .unwrap_or_default())
    }

    async fn board_title(&self, _caller: Caller, board_id: Int64) -> Result<String, MizanError> {
        let count = self.state().notes.get(&board_id.0).map_or(0, Vec::len);
        Ok(format!("Board {} ({count} notes)", board_id.0))
    }

    async fn board_staff_notes(
        &self,
        _caller: Caller,
        board_id: Int64,
    ) -> Result<Vec<String>, MizanError> {
        Ok(vec![format!("staff eyes only {}", board_id.0)])
    }

    async fn thread_posts(
        &self,
        _caller: Caller,
        board_id: Int64,
        page: i32,
        size: i32,
    ) -> Result<Vec<String>, MizanError> {
        let texts: Vec<String> = self
            .state()
            .notes
            .get(&board_id.0)
            .map_or_else(Vec::new, |notes| {
                notes.iter().map(|n| n.text.clone()).collect()
            });
        let (page, size) = (i64::from(page), i64::from(size));
        Ok(slice(&texts, page * size, (page + 1) * size))
    }

    async fn thread_moderation(
        &self,
        _caller: Caller,
        board_id: Int64,
        page: i32,
    ) -> Result<i32, MizanError> {
        to_i32(
            board_id
                .0
                .saturating_mul(100)
                .saturating_add(i64::from(page)),
        )
    }

    async fn add_note(
        &self,
        _caller: Caller,
        board_id: Int64,
        text: String,
        tags: Option<Vec<String>>,
    ) -> Result<Note, MizanError> {
        let mut state = self.state();
        let board = state.notes.entry(board_id.0).or_default();
        let count = board.len() as i64;
        let note = Note {
            id: Int64(board_id.0.saturating_mul(1000).saturating_add(count + 1)),
            board_id,
            text,
            tags: tags.unwrap_or_default(),
            price: Decimal::new("1.50"),
            created: DateTime::from_unix(EPOCH + 60 * (count + 1), 0),
            role: Role::Member,
        };
        board.push(note.clone());
        state.counter += 1;
        Ok(note)
    }

    async fn clear_boards(&self, _caller: Caller) -> Result<(), MizanError> {
        self.state().notes.clear();
        Ok(())
    }

    async fn move_note(
        &self,
        _caller: Caller,
        from_board: Int64,
        to_board: Int64,
    ) -> Result<(), MizanError> {
        let mut state = self.state();
        let mut moved = state.notes.remove(&from_board.0).unwrap_or_default();
        for note in &mut moved {
            note.board_id = to_board;
        }
        state.notes.entry(to_board.0).or_default().extend(moved);
        Ok(())
    }

    async fn attach(
        &self,
        _caller: Caller,
        _board_id: Int64,
        file: Upload,
        caption: Option<String>,
    ) -> Result<Attachment, MizanError> {
        let digest = Sha256::digest(&file.data);
        Ok(Attachment {
            name: file.filename,
            content_type: file.content_type,
            size: to_i32(file.data.len() as i64)?,
            sha256: digest.iter().map(|b| format!("{b:02x}")).collect(),
            caption,
        })
    }

    async fn stats_counter(&self, _caller: Caller) -> Result<i32, MizanError> {
        Ok(self.state().counter)
    }

    async fn topic_keys(
        &self,
        _caller: Caller,
        tag: String,
        day: Option<Date>,
    ) -> Result<Json, MizanError> {
        Ok(Json::object([
            ("tag", Json::Str(tag)),
            ("day", opt_str(day.map(|d| d.0))),
        ]))
    }

    async fn retag(
        &self,
        _caller: Caller,
        _tag: String,
        _day: Option<Date>,
    ) -> Result<(), MizanError> {
        Ok(())
    }

    async fn office_report(&self, caller: Caller, day: Date) -> Result<Json, MizanError> {
        let parts: Vec<i64> = day
            .as_str()
            .split('-')
            .filter_map(|p| p.parse().ok())
            .collect();
        let [year, month, date] = parts[..] else {
            return Err(MizanError::internal());
        };
        let days = mizan_runtime::values::days_from_civil(year, month, date);
        let weekday = (days + 3).rem_euclid(7) + 1;
        Ok(Json::object([
            ("day", Json::Str(day.0)),
            ("weekday", Json::int(weekday)),
            ("by", Json::Str(subject(&caller)?)),
        ]))
    }

    async fn inbox_messages(&self, caller: Caller) -> Result<Vec<String>, MizanError> {
        let me = subject(&caller)?;
        let mut messages = vec![format!("welcome {me}")];
        messages.extend(self.state().inboxes.get(&me).cloned().unwrap_or_default());
        Ok(messages)
    }

    async fn mailbox_count(&self, caller: Caller, owner: String) -> Result<i32, MizanError> {
        if owner != subject(&caller)? {
            return Err(MizanError::forbidden());
        }
        to_i32(self.state().inboxes.get(&owner).map_or(0, Vec::len) as i64)
    }

    async fn send_message(
        &self,
        caller: Caller,
        owner: String,
        text: String,
    ) -> Result<i32, MizanError> {
        let sender = subject(&caller)?;
        let mut state = self.state();
        let inbox = state.inboxes.entry(owner).or_default();
        inbox.push(format!("{sender}: {text}"));
        to_i32(inbox.len() as i64)
    }

    async fn save_profile(
        &self,
        caller: Caller,
        name: String,
        age: Option<i32>,
        email: Option<String>,
        website: Option<String>,
        role: Role,
        subscribe: bool,
    ) -> Result<Json, MizanError> {
        let me = subject(&caller)?;
        let profile = Json::object([
            ("name", Json::Str(name)),
            ("age", age.map_or(Json::Null, |a| Json::int(i64::from(a)))),
            ("email", opt_str(email)),
            ("website", opt_str(website)),
            ("role", Json::str(role_name(role))),
            ("subscribe", Json::Bool(subscribe)),
        ]);
        self.state().profiles.insert(me.clone(), profile.clone());
        Ok(Json::object([("saved", profile), ("by", Json::Str(me))]))
    }

    async fn whoami(&self, caller: Caller) -> Result<String, MizanError> {
        subject(&caller)
    }

    async fn staff_only(&self, caller: Caller) -> Result<String, MizanError> {
        Ok(format!("staff {}", subject(&caller)?))
    }

    async fn admin_only(&self, caller: Caller) -> Result<String, MizanError> {
        Ok(format!("admin {}", subject(&caller)?))
    }

    async fn echo(
        &self,
        _caller: Caller,
        value: Json,
        count: i32,
        big: Option<Int64>,
        amount: Option<Decimal>,
        when: Option<DateTime>,
        day: Option<Date>,
        id: Option<Uuid>,
        data: Option<Bytes>,
        role: Role,
        ratio: f64,
    ) -> Result<Json, MizanError> {
        Ok(Json::object([
            ("value", value),
            ("count", Json::int(i64::from(count))),
            ("big", opt_str(big.map(|b| b.0.to_string()))),
            ("amount", opt_str(amount.map(|a| a.0))),
            ("when", opt_str(when.as_ref().map(isoformat))),
            ("day", opt_str(day.map(|d| d.0))),
            ("id", opt_str(id.map(|i| i.0))),
            (
                "data",
                opt_str(data.map(|d| d.0.iter().map(|b| format!("{b:02x}")).collect())),
            ),
            ("role", Json::str(role_name(role))),
            ("ratio", Json::Float(ratio)),
        ]))
    }

    async fn crash(&self, _caller: Caller) -> Result<(), MizanError> {
        panic!("secret internals: password=hunter2 at /srv/app.rs");
    }

    async fn refuse(&self, _caller: Caller, id: Int64) -> Result<(), MizanError> {
        Err(MizanError::not_found(Json::object([(
            "note",
            Json::Str(id.0.to_string()),
        )])))
    }

    async fn books(&self, _caller: Caller, min_year: i32) -> Result<Vec<BookCard>, MizanError> {
        let filter = Filter::new("WHERE year >= ? ORDER BY year DESC, id").bind(min_year);
        book_card::load(&self.database, &filter).await
    }

    async fn book_refs(&self, _caller: Caller) -> Result<Vec<BookRef>, MizanError> {
        book_ref::load(&self.database, &Filter::new("ORDER BY id")).await
    }
}

const AUTHORS: [(i64, &str, &str); 2] = [
    (1, "Ursula", "ursula@example.org"),
    (2, "Stanisław", "stan@example.org"),
];
/// id, title, year, price, secret note, author
type BookRow = (
    i64,
    &'static str,
    i32,
    &'static str,
    &'static str,
    Option<i64>,
);

const BOOKS: [BookRow; 4] = [
    (
        1,
        "The Dispossessed",
        1974,
        "9.90",
        "first edition",
        Some(1),
    ),
    (2, "Solaris", 1961, "12.50", "signed", Some(2)),
    (
        3,
        "The Lathe of Heaven",
        1971,
        "8.00",
        "water damage",
        Some(1),
    ),
    (4, "Anonymous Pamphlet", 1999, "0.50", "no author", None),
];

/// The library of the shapes, as conformance/impl.py seeds it.
async fn seed_database(db: &SqlitePool) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS conf_author (id INTEGER PRIMARY KEY, \
         name TEXT NOT NULL, email TEXT NOT NULL);\
         CREATE TABLE IF NOT EXISTS conf_book (id INTEGER PRIMARY KEY, \
         title TEXT NOT NULL, year INTEGER NOT NULL, price TEXT NOT NULL, \
         secret_note TEXT NOT NULL, author_id INTEGER REFERENCES conf_author(id));",
    )
    .execute(db)
    .await?;
    for (id, name, email) in AUTHORS {
        sqlx::query("INSERT OR REPLACE INTO conf_author VALUES (?1, ?2, ?3)")
            .bind(id)
            .bind(name)
            .bind(email)
            .execute(db)
            .await?;
    }
    for (id, title, year, price, note, author) in BOOKS {
        sqlx::query("INSERT OR REPLACE INTO conf_book VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
            .bind(id)
            .bind(title)
            .bind(year)
            .bind(price)
            .bind(note)
            .bind(author)
            .execute(db)
            .await?;
    }
    Ok(())
}

fn setting(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"))
}

impl Fixture {
    /// A fixture on the library in the SQLite file `path` (created and seeded here).
    pub async fn seeded(path: &str) -> Fixture {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true);
        let database = SqlitePool::connect_with(options)
            .await
            .unwrap_or_else(|e| panic!("cannot open {path}: {e}"));
        seed_database(&database)
            .await
            .unwrap_or_else(|e| panic!("cannot seed {path}: {e}"));
        Fixture {
            state: Mutex::default(),
            database,
        }
    }
}

/// The server settings of conformance/config.py from the environment
/// (MIZAN_SECRET, MIZAN_JWT_SECRET, MIZAN_MWT_SECRET, MIZAN_PREFIX,
/// MIZAN_MAX_BODY_SIZE, MIZAN_RENDERER as a JSON list), and MIZAN_DATABASE:
/// the SQLite file of the shapes' library.
pub fn settings() -> (ServerConfig, String) {
    let mut config = ServerConfig::new(setting("MIZAN_SECRET"))
        .prefix(&setting("MIZAN_PREFIX"))
        .max_body_size(
            setting("MIZAN_MAX_BODY_SIZE")
                .parse()
                .unwrap_or(10 * 1024 * 1024),
        )
        .jwt_keys(JwtKeys::secret(setting("MIZAN_JWT_SECRET").as_bytes()))
        .mwt_secret(setting("MIZAN_MWT_SECRET"));
    if let Ok(renderer) = std::env::var("MIZAN_RENDERER") {
        let command = mizan_runtime::json::parse_json(renderer.as_bytes())
            .ok()
            .and_then(|c| {
                c.as_array().map(|items| {
                    items
                        .iter()
                        .filter_map(|i| i.as_str().map(String::from))
                        .collect()
                })
            })
            .unwrap_or_default();
        config = config.renderer(command);
    }
    (config, setting("MIZAN_DATABASE"))
}
