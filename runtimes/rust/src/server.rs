//! Serving the protocol with Axum (feature `server`): every endpoint, in the
//! fixed order of checks of docs/protocol.md 5.5, from the server table a
//! generated crate embeds. The generated registry implements [`Dispatch`]
//! (typed arguments in, typed results out); everything the protocol decides
//! happens here and in the modules of this crate.

use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{NestedPath, Request};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use axum::routing::{any, on, MethodFilter};
use axum::Router;
use futures_util::FutureExt;
use hmac::{Hmac, Mac};
use http_body_util::BodyExt;
use sha2::Sha256;

use crate::auth::{
    check_csrf, csrf_token_valid, make_csrf_token, mint_mwt, mint_token, new_jti, unix_now,
    verify_token, Guard, JwtKeys, JwtSettings, MemoryUsedTokens, UsedTokens, CSRF_COOKIE,
    MWT_COOKIE, MWT_TTL,
};
use crate::cache::{cache_identity, cache_key, BundleCache, MemoryBundleCache};
use crate::errors::MizanError;
use crate::forms::validate_form;
use crate::invalidation::{format_header, to_body, Entry, Invalidator, Scoping, HEADER_LIMIT};
use crate::json::{parse_json, write_canonical, Json};
use crate::params::{check_upload, key_texts_json, media_type, media_type_is, Args, Params};
use crate::values::{
    normalize, pointer, typed_value_may_be_wrong, FieldSpec, Schema, Type, ValueProblem,
};
use crate::wire::Reply;

pub mod ipc;
mod ws;

pub const DEFAULT_PREFIX: &str = "/api/mizan/";
/// 10 MiB: the protocol's default request limit.
pub const MAX_BODY_SIZE: usize = 10 * 1024 * 1024;
pub const ACCESS_COOKIE: &str = "mizan_access";
pub const REFRESH_COOKIE: &str = "mizan_refresh";
const JSON_TYPE: &str = "application/json";
const HTML_TYPE: &str = "text/html; charset=utf-8";
const TEXT_TYPE: &str = "text/plain; charset=utf-8";
const MULTIPART: &str = "multipart/form-data";
const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");

/// A boxed future, as [`Dispatch`] methods return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Who is calling: the verified access-token claims (`None`: anonymous).
#[derive(Clone, Debug, Default)]
pub struct Caller {
    claims: Option<Arc<Json>>,
    via_cookie: bool,
    transport: &'static str,
}

impl Caller {
    /// An anonymous caller.
    pub fn anonymous() -> Caller {
        Caller {
            claims: None,
            via_cookie: false,
            transport: "http",
        }
    }

    /// A caller with these access-token claims (tests, in-process calls).
    pub fn with_claims(claims: Json) -> Caller {
        Caller {
            claims: Some(Arc::new(claims)),
            via_cookie: false,
            transport: "http",
        }
    }

    /// The token's claims; `None` for an anonymous caller.
    pub fn claims(&self) -> Option<&Json> {
        self.claims.as_deref()
    }

    /// The token's subject (`sub`).
    pub fn subject(&self) -> Option<&str> {
        self.claims()
            .and_then(|c| c.get("sub"))
            .and_then(Json::as_str)
    }

    /// The subject, or `unauthenticated` `missing`.
    pub fn require_subject(&self) -> Result<&str, MizanError> {
        self.subject()
            .ok_or_else(|| MizanError::unauthenticated("missing"))
    }

    /// `http` or `websocket`.
    pub fn transport(&self) -> &'static str {
        self.transport
    }
}

/// Who a credential belongs to: the token subject and the extra claims of
/// its access tokens (what guards test).
#[derive(Clone, Debug, PartialEq)]
pub struct Identity {
    pub subject: String,
    pub claims: Vec<(String, Json)>,
}

impl Identity {
    pub fn new(subject: impl Into<String>, claims: Vec<(String, Json)>) -> Identity {
        Identity {
            subject: subject.into(),
            claims,
        }
    }
}

/// An uploaded file (an `Upload` param).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Upload {
    /// As the client gave it; empty when absent.
    pub filename: String,
    /// The part's media type, without parameters, lowercase.
    pub content_type: String,
    pub data: Vec<u8>,
}

/// What a generated registry implements: a call by name with decoded wire
/// arguments, and the two auth hooks.
pub trait Dispatch: Send + Sync + 'static {
    /// Calls `function` with its arguments in canonical wire form; its typed
    /// result (the runtime checks and encodes it by the return type).
    fn call<'a>(
        &'a self,
        caller: Caller,
        function: &'a str,
        args: Args,
        uploads: Vec<(String, Upload)>,
    ) -> BoxFuture<'a, Result<Reply, MizanError>>;

    /// True when `call` answers only what serde made of the generated Rust
    /// types (the generated registry): a result whose type has no text-typed
    /// or float value then skips the runtime's check, which could not fail.
    fn typed_results(&self) -> bool {
        false
    }

    /// `auth/token/`: the identity of these credentials, or `None`.
    fn authenticate(
        &self,
        credentials: Json,
    ) -> BoxFuture<'_, Result<Option<Identity>, MizanError>>;

    /// `auth/refresh/`: the subject's current identity, or `None` (revoked).
    fn identity_of(&self, subject: String) -> BoxFuture<'_, Result<Option<Identity>, MizanError>>;
}

/// The spec as a generated crate embeds it.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    /// The server table (plan/tables.py) in JSON.
    pub tables: &'static str,
    /// `[[method, path, handler, subject], ...]` relative to the prefix.
    pub routes: &'static str,
    /// The edge manifest of the default prefix in JSON.
    pub manifest: &'static str,
    /// The canonical IR in KDL (`GET ir/`).
    pub ir_kdl: &'static str,
}

/// How a server is run: secrets, prefix, limits, stores.
#[derive(Clone)]
pub struct ServerConfig {
    pub secret: Vec<u8>,
    pub prefix: String,
    pub max_body_size: usize,
    pub jwt_keys: Option<JwtKeys>,
    pub mwt_secret: Option<Vec<u8>>,
    pub cache: Arc<dyn BundleCache>,
    pub used_tokens: Arc<dyn UsedTokens>,
    /// The SSR renderer: a command run once per page (14.4).
    pub renderer: Option<Vec<String>>,
    pub renderer_timeout: Duration,
}

impl ServerConfig {
    /// Defaults around a secret (CSRF tokens, cache keys, JWT and MWT keys
    /// unless given): prefix `/api/mizan/`, 10 MiB, in-memory stores.
    pub fn new(secret: impl AsRef<[u8]>) -> ServerConfig {
        ServerConfig {
            secret: secret.as_ref().to_vec(),
            prefix: DEFAULT_PREFIX.to_string(),
            max_body_size: MAX_BODY_SIZE,
            jwt_keys: None,
            mwt_secret: None,
            cache: Arc::new(MemoryBundleCache::default()),
            used_tokens: Arc::new(MemoryUsedTokens::default()),
            renderer: None,
            renderer_timeout: Duration::from_secs(10),
        }
    }

    /// Where [`router`] serves the endpoints (and the manifest's paths and
    /// the refresh cookie's path say so).
    pub fn prefix(mut self, prefix: &str) -> ServerConfig {
        let trimmed = prefix.trim_matches('/');
        self.prefix = if trimmed.is_empty() {
            "/".to_string()
        } else {
            format!("/{trimmed}/")
        };
        self
    }

    pub fn max_body_size(mut self, limit: usize) -> ServerConfig {
        self.max_body_size = limit;
        self
    }

    pub fn jwt_keys(mut self, keys: JwtKeys) -> ServerConfig {
        self.jwt_keys = Some(keys);
        self
    }

    pub fn mwt_secret(mut self, secret: impl AsRef<[u8]>) -> ServerConfig {
        self.mwt_secret = Some(secret.as_ref().to_vec());
        self
    }

    pub fn cache(mut self, cache: Arc<dyn BundleCache>) -> ServerConfig {
        self.cache = cache;
        self
    }

    pub fn used_tokens(mut self, used: Arc<dyn UsedTokens>) -> ServerConfig {
        self.used_tokens = used;
        self
    }

    pub fn renderer(mut self, command: Vec<String>) -> ServerConfig {
        self.renderer = Some(command);
        self
    }
}

/// A key for one purpose derived from the app secret (as the Python servers do).
pub fn derived_secret(secret: &[u8], purpose: &str) -> Vec<u8> {
    match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mut mac) => {
            mac.update(b"mizan-derive-v1\x00");
            mac.update(purpose.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

// --- the server table -------------------------------------------------------------

#[derive(Clone, Debug)]
struct Rule {
    public: bool,
    guard: Option<Guard>,
}

impl Rule {
    fn from_json(node: &Json) -> Option<Rule> {
        let kind = node.get("kind")?.as_str()?;
        Some(Rule {
            public: kind == "public",
            guard: if kind == "guard" {
                Some(Guard::from_json(node)?)
            } else {
                None
            },
        })
    }

    fn allows(&self, caller: &Caller) -> bool {
        if self.public {
            return true;
        }
        match (caller.claims(), &self.guard) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(claims), Some(guard)) => guard.allows(claims),
        }
    }

    fn authorize(&self, caller: &Caller) -> Result<(), MizanError> {
        if self.public {
            return Ok(());
        }
        if caller.claims().is_none() {
            return Err(MizanError::unauthenticated("missing"));
        }
        if self.allows(caller) {
            Ok(())
        } else {
            Err(MizanError::forbidden())
        }
    }
}

struct UploadSpec {
    name: String,
    max_size: Option<u64>,
    content_types: Vec<String>,
}

struct FunctionTable {
    mutation: bool,
    params: Params,
    returns: Option<Type>,
    /// The result is checked by `returns` (see [`Dispatch::typed_results`]).
    check_result: bool,
    auth: Rule,
    websocket: bool,
    multipart: bool,
    invalidator: Invalidator,
    uploads: Vec<UploadSpec>,
}

struct ContextTable {
    keys: Params,
    members: Vec<(String, Args)>,
    auth: Rule,
    ttl: u64,
    vary: String,
}

struct Route {
    method: Method,
    path: String,
    handler: String,
    subject: String,
}

struct Server {
    dispatch: Arc<dyn Dispatch>,
    config: ServerConfig,
    schema: Schema,
    functions: HashMap<String, FunctionTable>,
    contexts: HashMap<String, ContextTable>,
    forms: HashMap<String, Json>,
    routes: Vec<Route>,
    /// Each endpoint path (relative to the prefix) with its routes' indices.
    paths: Vec<(String, Vec<usize>)>,
    auth_used: bool,
    jwt: JwtSettings,
    jwt_keys: JwtKeys,
    mwt_secret: Vec<u8>,
    manifest: Manifests,
    ir_kdl: &'static str,
}

/// The edge manifest's text at `config.prefix`, and under each nest a
/// request came through (made on its first request: one per `Router::nest`).
struct Manifests {
    json: Json,
    at_prefix: Vec<u8>,
    nested: Mutex<Vec<(NestedPath, Vec<u8>)>>,
}

impl Manifests {
    fn text(&self, nested: Option<&NestedPath>, prefix: &str) -> Vec<u8> {
        let Some(nested) = nested else {
            return self.at_prefix.clone();
        };
        let mut made = self.nested.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, text)) = made.iter().find(|(n, _)| n.as_str() == nested.as_str()) {
            return text.clone();
        }
        let text = crate::manifest::with_prefix(&self.json, &seen_prefix(Some(nested), prefix))
            .canonical()
            .into_bytes();
        made.push((nested.clone(), text.clone()));
        text
    }
}

/// The prefix a client sees: `prefix` after the path the router is nested at.
fn seen_prefix(nested: Option<&NestedPath>, prefix: &str) -> String {
    match nested {
        Some(nested) => format!("{}{prefix}", nested.as_str().trim_end_matches('/')),
        None => prefix.to_string(),
    }
}

fn bad_spec(what: &str) -> String {
    format!("the generated spec is broken: {what}")
}

impl Server {
    fn new(
        spec: &Spec,
        dispatch: Arc<dyn Dispatch>,
        config: ServerConfig,
    ) -> Result<Server, String> {
        let tables = parse_json(spec.tables.as_bytes()).map_err(|e| bad_spec(&e.to_string()))?;
        let schema = Schema::from_json(&tables["schema"]).ok_or_else(|| bad_spec("schema"))?;
        let mut key_types = std::collections::BTreeMap::new();
        for (name, ctx) in tables["contexts"].as_object().unwrap_or(&[]) {
            let keys = FieldSpec::list_from_json(&ctx["keys"]).ok_or_else(|| bad_spec(name))?;
            key_types.insert(
                name.clone(),
                keys.into_iter().map(|k| (k.name, k.ty)).collect(),
            );
        }
        let mut functions = HashMap::new();
        for (name, node) in tables["functions"].as_object().unwrap_or(&[]) {
            let params = Params::from_json(&node["params"]).ok_or_else(|| bad_spec(name))?;
            let scopings = node["invalidates"]
                .as_array()
                .unwrap_or(&[])
                .iter()
                .map(Scoping::from_json)
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| bad_spec(name))?;
            let uploads = node["params"]
                .as_array()
                .unwrap_or(&[])
                .iter()
                .filter(|p| p.get("upload").is_some())
                .map(|p| UploadSpec {
                    name: p["name"].as_str().unwrap_or("").to_string(),
                    max_size: p["upload"]["max_size"].as_i64().map(|n| n.max(0) as u64),
                    content_types: p["upload"]["content_types"]
                        .as_array()
                        .unwrap_or(&[])
                        .iter()
                        .filter_map(|c| c.as_str().map(str::to_string))
                        .collect(),
                })
                .collect();
            let returns = node.get("returns").and_then(Type::from_json);
            functions.insert(
                name.clone(),
                FunctionTable {
                    mutation: node["kind"].as_str() == Some("mutation"),
                    params,
                    returns: returns.clone(),
                    check_result: returns.as_ref().is_some_and(|ty| {
                        !dispatch.typed_results() || typed_value_may_be_wrong(ty, &schema)
                    }),
                    auth: Rule::from_json(&node["auth"]).ok_or_else(|| bad_spec(name))?,
                    websocket: node["websocket"].as_bool().unwrap_or(false),
                    multipart: node["multipart"].as_bool().unwrap_or(false),
                    invalidator: Invalidator {
                        scopings,
                        key_types: key_types.clone(),
                    },
                    uploads,
                },
            );
        }
        let mut contexts = HashMap::new();
        for (name, node) in tables["contexts"].as_object().unwrap_or(&[]) {
            let keys = Params::from_json(&node["keys"]).ok_or_else(|| bad_spec(name))?;
            let mut members = Vec::new();
            for member in node["members"].as_array().unwrap_or(&[]) {
                let member = member.as_str().unwrap_or("");
                let function = functions.get(member).ok_or_else(|| bad_spec(member))?;
                let extras = Params::new(
                    function
                        .params
                        .specs
                        .iter()
                        .filter(|p| !keys.specs.iter().any(|k| k.name == p.name))
                        .cloned()
                        .collect(),
                );
                let extra_args = extras
                    .decode_args(Vec::new(), &schema)
                    .map_err(|e| bad_spec(&e.to_string()))?;
                members.push((member.to_string(), extra_args));
            }
            contexts.insert(
                name.clone(),
                ContextTable {
                    keys,
                    members,
                    auth: Rule::from_json(&node["auth"]).ok_or_else(|| bad_spec(name))?,
                    ttl: node["cache"]["ttl"].as_i64().unwrap_or(0).max(0) as u64,
                    vary: node["cache"]["vary"]
                        .as_str()
                        .unwrap_or("identity")
                        .to_string(),
                },
            );
        }
        let forms = tables["forms"]
            .as_object()
            .unwrap_or(&[])
            .iter()
            .cloned()
            .collect();
        let routes = parse_json(spec.routes.as_bytes())
            .map_err(|e| bad_spec(&e.to_string()))?
            .as_array()
            .unwrap_or(&[])
            .iter()
            .map(|r| {
                let method = match r[0].as_str() {
                    Some("POST") => Method::POST,
                    Some("WS") | Some("GET") => Method::GET,
                    _ => return None,
                };
                Some(Route {
                    method,
                    path: r[1].as_str()?.to_string(),
                    handler: r[2].as_str()?.to_string(),
                    subject: r[3].as_str().unwrap_or("").to_string(),
                })
            })
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| bad_spec("routes"))?;
        let mut paths: Vec<(String, Vec<usize>)> = Vec::new();
        for (index, route) in routes.iter().enumerate() {
            match paths.iter_mut().find(|(path, _)| *path == route.path) {
                Some((_, indices)) => indices.push(index),
                None => paths.push((route.path.clone(), vec![index])),
            }
        }
        let auth_used = tables["auth"]["used"].as_bool().unwrap_or(false);
        let jwt = JwtSettings::from_json(&tables["auth"]["jwt"]).unwrap_or(JwtSettings {
            algorithm: "HS256".to_string(),
            access_ttl: 900,
            refresh_ttl: 1_209_600,
            issuer: None,
            audience: None,
        });
        let manifest_json =
            parse_json(spec.manifest.as_bytes()).map_err(|e| bad_spec(&e.to_string()))?;
        let manifest = Manifests {
            at_prefix: crate::manifest::with_prefix(&manifest_json, &config.prefix)
                .canonical()
                .into_bytes(),
            json: manifest_json,
            nested: Mutex::new(Vec::new()),
        };
        let jwt_keys = config
            .jwt_keys
            .clone()
            .unwrap_or_else(|| JwtKeys::secret(&config.secret));
        let mwt_secret = config
            .mwt_secret
            .clone()
            .unwrap_or_else(|| derived_secret(&config.secret, "mwt"));
        if config.secret.is_empty() {
            return Err("a non-empty secret is needed".to_string());
        }
        Ok(Server {
            dispatch,
            config,
            schema,
            functions,
            contexts,
            forms,
            routes,
            paths,
            auth_used,
            jwt,
            jwt_keys,
            mwt_secret,
            manifest,
            ir_kdl: spec.ir_kdl,
        })
    }
}

// --- requests and answers -------------------------------------------------------------

/// The request headers the protocol reads; [`RequestParts`] keeps only these.
pub const READ_HEADERS: [&str; 5] = [
    "authorization",
    "content-length",
    "content-type",
    "cookie",
    "x-mizan-csrf",
];

/// The parts of a request the protocol reads. Header names are those of
/// [`READ_HEADERS`]; a header sent on several lines is one value joined with
/// `,` (`; ` for cookies).
#[derive(Clone, Debug, Default)]
pub struct RequestParts {
    /// In the order first sent (a request has a handful: looked up in order).
    headers: Vec<(&'static str, HeaderText)>,
    pub cookies: HashMap<String, String>,
    pub query: Vec<u8>,
    pub secure: bool,
    /// Where the router is nested (`Router::nest`), read only by the
    /// endpoints that render a path.
    pub nested: Option<NestedPath>,
}

/// A header's text: the value as sent on one line when it is visible
/// ASCII (kept without a copy), else made text (bytes as Latin-1, lines joined).
#[derive(Clone, Debug)]
enum HeaderText {
    Sent(HeaderValue),
    Made(String),
}

impl HeaderText {
    fn as_str(&self) -> &str {
        match self {
            HeaderText::Sent(value) => value.to_str().unwrap_or_default(),
            HeaderText::Made(text) => text,
        }
    }
}

/// A header value's bytes as text: as they are, or each byte as its Latin-1 char.
fn header_text(value: &HeaderValue) -> std::borrow::Cow<'_, str> {
    match value.to_str() {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => value.as_bytes().iter().map(|b| char::from(*b)).collect(),
    }
}

impl RequestParts {
    pub fn from_headers(headers: &HeaderMap, query: &[u8], secure: bool) -> RequestParts {
        let mut joined: Vec<(&'static str, HeaderText)> = Vec::new();
        for (name, value) in headers {
            // `HeaderName`s are lowercase.
            let Some(name) = READ_HEADERS.iter().find(|known| **known == name.as_str()) else {
                continue;
            };
            match joined.iter_mut().find(|(k, _)| k == name) {
                Some((_, text)) => {
                    let mut made = text.as_str().to_string();
                    made.push_str(if *name == "cookie" { "; " } else { "," });
                    made.push_str(&header_text(value));
                    *text = HeaderText::Made(made);
                }
                None if value.to_str().is_ok() => {
                    joined.push((name, HeaderText::Sent(value.clone())));
                }
                None => joined.push((name, HeaderText::Made(header_text(value).into_owned()))),
            }
        }
        let mut parts = RequestParts {
            headers: joined,
            cookies: HashMap::new(),
            query: query.to_vec(),
            secure,
            nested: None,
        };
        if let Some(cookie) = parts.header("cookie") {
            parts.cookies = cookie_map(cookie);
        }
        parts
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }
}

/// The cookies of a `Cookie` header; a name given twice keeps its first value.
pub fn cookie_map(header: &str) -> HashMap<String, String> {
    let mut found = HashMap::new();
    for part in header.split(';') {
        if let Some((name, value)) = part.split_once('=') {
            let name = name.trim();
            if !name.is_empty() && !found.contains_key(name) {
                found.insert(name.to_string(), value.trim().to_string());
            }
        }
    }
    found
}

/// `application/x-www-form-urlencoded` pairs; `None` when not UTF-8.
pub fn query_pairs(query: &[u8]) -> Option<Vec<(String, String)>> {
    fn decode(part: &[u8]) -> Option<String> {
        let mut out = Vec::with_capacity(part.len());
        let mut i = 0;
        while i < part.len() {
            match part[i] {
                b'+' => out.push(b' '),
                b'%' => {
                    let byte = part
                        .get(i + 1..i + 3)
                        .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
                        .and_then(|h| std::str::from_utf8(h).ok())
                        .and_then(|h| u8::from_str_radix(h, 16).ok());
                    match byte {
                        Some(byte) => {
                            out.push(byte);
                            i += 2;
                        }
                        None => out.push(b'%'),
                    }
                }
                byte => out.push(byte),
            }
            i += 1;
        }
        String::from_utf8(out).ok()
    }
    let mut pairs = Vec::new();
    for piece in query.split(|b| *b == b'&') {
        if piece.is_empty() {
            continue;
        }
        let (name, value) = match piece.iter().position(|b| *b == b'=') {
            Some(i) => (&piece[..i], &piece[i + 1..]),
            None => (piece, &b""[..]),
        };
        pairs.push((decode(name)?, decode(value)?));
    }
    Some(pairs)
}

#[derive(Clone, Debug)]
struct Cookie {
    name: &'static str,
    value: String,
    max_age: Option<i64>,
    path: String,
    strict: bool,
    secure: bool,
}

impl Cookie {
    fn text(&self) -> String {
        let mut text = format!("{}={}; HttpOnly", self.name, self.value);
        if let Some(age) = self.max_age {
            text.push_str(&format!("; Max-Age={age}"));
        }
        text.push_str(&format!("; Path={}", self.path));
        text.push_str(if self.strict {
            "; SameSite=strict"
        } else {
            "; SameSite=lax"
        });
        if self.secure {
            text.push_str("; Secure");
        }
        text
    }
}

/// A response: status, bytes, media type, headers and cookies.
#[derive(Debug)]
struct Answer {
    status: u16,
    body: Vec<u8>,
    media_type: &'static str,
    headers: Vec<(&'static str, String)>,
    cookies: Vec<Cookie>,
    /// A response made elsewhere (the WebSocket upgrade), sent as it is.
    made: Option<Response>,
}

impl Answer {
    fn json(body: &Json) -> Answer {
        Answer::bytes(body.canonical().into_bytes(), JSON_TYPE)
    }

    fn bytes(body: Vec<u8>, media_type: &'static str) -> Answer {
        Answer {
            status: 200,
            body,
            media_type,
            headers: Vec::new(),
            cookies: Vec::new(),
            made: None,
        }
    }

    fn error(error: &MizanError) -> Answer {
        let mut answer = Answer::json(&error.body());
        answer.status = error.status();
        if error.code() == "unauthenticated" {
            answer
                .headers
                .push(("WWW-Authenticate", "Bearer".to_string()));
        }
        answer
    }

    fn into_response(self) -> Response {
        if let Some(made) = self.made {
            return made;
        }
        let mut response = Response::new(Body::from(self.body));
        *response.status_mut() =
            StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(self.media_type));
        headers.insert(CACHE_CONTROL, NO_STORE);
        for (name, value) in self.headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.append(name, value);
            }
        }
        for cookie in self.cookies {
            if let Ok(value) = HeaderValue::from_str(&cookie.text()) {
                headers.append("set-cookie", value);
            }
        }
        response
    }
}

type Outcome = Result<Answer, MizanError>;

/// How [`Server::call`] makes its result of the service's reply.
type Finish<R> = fn(&Server, &str, &FunctionTable, Reply, &[Entry]) -> Result<R, MizanError>;

// --- serving ------------------------------------------------------------------------------

/// The Axum router of a spec, serving its endpoints at `config.prefix`: use
/// it as the app, or `merge` it into one (the fast way), or `nest` it (the
/// manifest's paths and the refresh cookie's follow the nest; Axum strips
/// the nest's prefix per request). Each endpoint path is a route of its own
/// (no wildcard capture); a catch-all under the prefix answers the
/// protocol's 404s.
pub fn router(
    spec: &Spec,
    dispatch: Arc<dyn Dispatch>,
    config: ServerConfig,
) -> Result<Router, String> {
    let server = Arc::new(Server::new(spec, dispatch, config)?);
    let prefix = server.config.prefix.clone();
    let mut router = Router::new();
    for (group, (path, routes)) in server.paths.iter().enumerate() {
        // A POST endpoint's POSTs go straight to it (`any` alone is a
        // fallback, a step longer); other methods reach the handler's 405.
        let posted = routes.iter().any(|&index| {
            server
                .routes
                .get(index)
                .is_some_and(|r| r.method == Method::POST)
        });
        let server = Arc::clone(&server);
        let handler = move |request: Request| {
            let server = Arc::clone(&server);
            async move { server.handle_at(request, Some(group)).await }
        };
        let methods = if posted {
            on(MethodFilter::POST, handler.clone()).fallback(handler)
        } else {
            any(handler)
        };
        router = router.route(&format!("{prefix}{path}"), methods);
    }
    let unknown = any(move |request: Request| {
        let server = Arc::clone(&server);
        async move { server.handle_at(request, None).await }
    });
    // `{prefix}{*path}` matches neither the prefix itself nor it without its slash.
    let mut router = router
        .route(&format!("{prefix}{{*path}}"), unknown.clone())
        .route(&prefix, unknown.clone());
    if prefix.len() > 1 {
        router = router.route(prefix.trim_end_matches('/'), unknown);
    }
    Ok(router)
}

impl Server {
    /// A request whose path is relative to the prefix (the IPC bridge).
    async fn handle(self: Arc<Self>, request: Request) -> Response {
        let path = request.uri().path().trim_start_matches('/');
        let group = self.paths.iter().position(|(p, _)| p == path);
        self.handle_at(request, group).await
    }

    /// A request for the endpoint path `group` of [`Server::paths`]; `None`:
    /// a path no route has.
    async fn handle_at(self: Arc<Self>, request: Request, group: Option<usize>) -> Response {
        let answer = match AssertUnwindSafe(self.serve(request, group))
            .catch_unwind()
            .await
        {
            Ok(Ok(answer)) => answer,
            Ok(Err(error)) => Answer::error(&error),
            Err(_) => {
                eprintln!("mizan: a request panicked");
                Answer::error(&MizanError::internal())
            }
        };
        answer.into_response()
    }

    async fn serve(self: &Arc<Self>, request: Request, group: Option<usize>) -> Outcome {
        let Some((_, routes)) = group.and_then(|g| self.paths.get(g)) else {
            let path = request.uri().path();
            let path = path
                .strip_prefix(self.config.prefix.as_str())
                .unwrap_or(path);
            return Err(self.unknown_path(path.trim_start_matches('/'), request.method()));
        };
        let found = routes
            .iter()
            .filter_map(|&index| self.routes.get(index))
            .find(|r| r.method == request.method());
        let Some(route) = found else {
            let mut allow: Vec<&str> = routes
                .iter()
                .filter_map(|&index| self.routes.get(index))
                .map(|r| r.method.as_str())
                .collect();
            allow.dedup();
            let mut answer = Answer::error(&MizanError::new("method_not_allowed", Json::Null));
            answer.headers.push(("Allow", allow.join(", ")));
            return Ok(answer);
        };
        let query = request.uri().query().unwrap_or("").as_bytes();
        let mut parts = RequestParts::from_headers(request.headers(), query, false);
        if route.handler == "ws" {
            return self.websocket(request, &parts).await;
        }
        let (head, body) = request.into_parts();
        let body = if route.method == Method::POST {
            let limit = self.config.max_body_size;
            let declared = parts
                .header("content-length")
                .and_then(|l| l.trim().parse::<usize>().ok());
            if declared.is_some_and(|l| l > limit) {
                drain(body).await;
                return Err(MizanError::payload_too_large(limit));
            }
            read_body(body, limit).await?
        } else {
            Bytes::new()
        };
        let subject = route.subject.as_str();
        match route.handler.as_str() {
            "session" => self.session(&parts),
            "call" => self.call_request(&parts, &body).await,
            "bundle" => self.bundle(subject, &parts).await.map(|(a, _)| a),
            "manifest" => {
                let nested = head.extensions.get::<NestedPath>();
                let text = self.manifest.text(nested, &self.config.prefix);
                Ok(Answer::bytes(text, JSON_TYPE))
            }
            "ir" => Ok(Answer::bytes(self.ir_kdl.as_bytes().to_vec(), TEXT_TYPE)),
            "form_schema" => Ok(Answer::json(self.form(subject)?)),
            "form_validate" => self.form_validate(subject, &parts, &body),
            "form_submit" => self.form_submit(subject, &parts, &body).await,
            "render" => self.render(subject, &parts).await,
            "auth_token" | "auth_refresh" | "auth_logout" | "auth_mwt" if self.auth_used => {
                parts.nested = head.extensions.get::<NestedPath>().cloned();
                self.auth_endpoint(&route.handler, &parts, &body).await
            }
            _ => Err(MizanError::not_found(Json::Null)),
        }
    }

    /// 404 for a path no route has: named for an unknown context or form.
    fn unknown_path(&self, path: &str, method: &Method) -> MizanError {
        let segments: Vec<&str> = path.split('/').collect();
        let named =
            |kind: &str, name: &str| MizanError::not_found(Json::object([(kind, Json::str(name))]));
        match (segments.as_slice(), method.as_str()) {
            (["ctx", name, ""], "GET") if !name.is_empty() => named("context", name),
            (["form", name, ""], "GET") if !name.is_empty() => named("form", name),
            (["form", name, "validate" | "submit", ""], "POST") if !name.is_empty() => {
                named("form", name)
            }
            _ => MizanError::not_found(Json::Null),
        }
    }

    fn json_body(parts: &RequestParts, body: &[u8]) -> Result<Json, MizanError> {
        Server::json_of(parts.header("content-type"), body)
    }

    /// A body of this `Content-Type` as JSON: 415 unless JSON, 400 unless strict JSON.
    fn json_of(content_type: Option<&str>, body: &[u8]) -> Result<Json, MizanError> {
        if !media_type_is(content_type, JSON_TYPE) {
            return Err(MizanError::unsupported_media_type(&media_type(
                content_type,
            )));
        }
        parse_json(body).map_err(|_| MizanError::bad_request("json"))
    }

    // --- identity ----------------------------------------------------------------
    fn verify(&self, token: &str, typ: &str) -> Result<Json, MizanError> {
        verify_token(&self.jwt, &self.jwt_keys, token, typ, unix_now())
            .map_err(|e| MizanError::unauthenticated(e.0))
    }

    fn identify(
        &self,
        parts: &RequestParts,
        transport: &'static str,
    ) -> Result<Caller, MizanError> {
        if let Some(header) = parts.header("authorization") {
            let trimmed = header.trim();
            let (scheme, token) = trimmed.split_once(' ').unwrap_or((trimmed, ""));
            if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
                return Err(MizanError::unauthenticated("malformed"));
            }
            let claims = self.verify(token.trim(), "access")?;
            return Ok(Caller {
                claims: Some(Arc::new(claims)),
                via_cookie: false,
                transport,
            });
        }
        if let Some(cookie) = parts.cookie(ACCESS_COOKIE) {
            let claims = self.verify(cookie, "access")?;
            return Ok(Caller {
                claims: Some(Arc::new(claims)),
                via_cookie: true,
                transport,
            });
        }
        Ok(Caller {
            claims: None,
            via_cookie: false,
            transport,
        })
    }

    fn check_csrf(&self, parts: &RequestParts) -> Result<(), MizanError> {
        match check_csrf(
            &self.config.secret,
            parts.cookie(CSRF_COOKIE),
            parts.header("x-mizan-csrf"),
        ) {
            None => Ok(()),
            Some(reason) => Err(MizanError::csrf_failed(reason)),
        }
    }

    fn session(&self, parts: &RequestParts) -> Outcome {
        let token = match parts.cookie(CSRF_COOKIE) {
            Some(token) if !token.is_empty() && csrf_token_valid(&self.config.secret, token) => {
                token.to_string()
            }
            _ => make_csrf_token(&self.config.secret, None).ok_or_else(MizanError::internal)?,
        };
        let mut answer = Answer::json(&Json::object([
            ("csrf", Json::str(token.clone())),
            ("protocol", Json::int(1)),
        ]));
        answer
            .cookies
            .push(self.cookie(CSRF_COOKIE, token, None, parts));
        Ok(answer)
    }

    fn cookie(
        &self,
        name: &'static str,
        value: String,
        max_age: Option<i64>,
        parts: &RequestParts,
    ) -> Cookie {
        let refresh = name == REFRESH_COOKIE;
        Cookie {
            name,
            value,
            max_age,
            path: if refresh {
                format!(
                    "{}auth/",
                    seen_prefix(parts.nested.as_ref(), &self.config.prefix)
                )
            } else {
                "/".to_string()
            },
            strict: refresh,
            secure: parts.secure,
        }
    }

    // --- calls ---------------------------------------------------------------------
    async fn call_request(&self, parts: &RequestParts, body: &[u8]) -> Outcome {
        let content_type = parts.header("content-type");
        let (name, args, files) = if media_type_is(content_type, MULTIPART) {
            let (name, args, files) = multipart_call(body, content_type)?;
            (name, args, Some(files))
        } else {
            let call = Server::json_of(content_type, body)?;
            let (name, args) = call_shape(call)?;
            (name, args, None)
        };
        let media = || media_type(content_type);
        let function = self.functions.get(&name).ok_or_else(|| {
            MizanError::not_found(Json::object([("fn", Json::str(name.clone()))]))
        })?;
        if function.multipart != files.is_some() {
            return Err(MizanError::unsupported_media_type(&media()));
        }
        let caller = self.identify(parts, "http")?;
        if function.mutation && caller.via_cookie {
            self.check_csrf(parts)?;
        }
        let (result, entries) = self
            .call(&name, function, args, caller, files, Server::call_body)
            .await?;
        Ok(call_answer(result, &entries))
    }

    /// A call whose function exists and whose caller is known: auth level,
    /// arguments, uploads, the service, its result (`finish`), invalidation.
    async fn call<R>(
        &self,
        name: &str,
        function: &FunctionTable,
        args: Args,
        caller: Caller,
        files: Option<Vec<crate::multipart::Part>>,
        finish: Finish<R>,
    ) -> Result<(R, Vec<Entry>), MizanError> {
        function.auth.authorize(&caller)?;
        let (decoded, uploads) = self.decode_args(function, args, files)?;
        // What a success invalidates, from the arguments before the service owns them.
        let entries = function.invalidator.entries(&decoded);
        let reply = self.invoke(name, caller, decoded, uploads).await?;
        let result = finish(self, name, function, reply, &entries)?;
        if !entries.is_empty() {
            self.config.cache.invalidate(&entries);
        }
        Ok((result, entries))
    }

    fn decode_args(
        &self,
        function: &FunctionTable,
        args: Args,
        files: Option<Vec<crate::multipart::Part>>,
    ) -> Result<(Args, Vec<(String, Upload)>), MizanError> {
        let (decoded, mut problems) = match function.params.decode_args(args, &self.schema) {
            Ok(decoded) => (decoded, Vec::new()),
            Err(error) => (
                Vec::new(),
                error.details().as_object().unwrap_or(&[]).to_vec(),
            ),
        };
        let Some(files) = files else {
            if problems.is_empty() {
                return Ok((decoded, Vec::new()));
            }
            return Err(MizanError::new("invalid_arguments", Json::Object(problems)));
        };
        for upload in &function.uploads {
            let given = files.iter().any(|f| f.name == upload.name);
            if !given && !problems.iter().any(|(k, _)| k == &upload.name) {
                let problem = ValueProblem::new("required", &pointer("", &upload.name), "");
                problems.push((upload.name.clone(), problem.detail()));
            }
        }
        for file in &files {
            if !function.uploads.iter().any(|u| u.name == file.name) {
                let problem = ValueProblem::new("unknown", &pointer("", &file.name), "");
                problems.push((file.name.clone(), problem.detail()));
            }
        }
        if !problems.is_empty() {
            return Err(MizanError::new("invalid_arguments", Json::Object(problems)));
        }
        let mut uploads = Vec::new();
        for upload in &function.uploads {
            let Some(part) = files.iter().find(|f| f.name == upload.name) else {
                continue;
            };
            check_upload(
                &upload.name,
                upload.max_size,
                &upload.content_types,
                part.data.len() as u64,
                part.content_type.as_deref(),
            )?;
            uploads.push((
                upload.name.clone(),
                Upload {
                    filename: part.filename.clone().unwrap_or_default(),
                    content_type: media_type(part.content_type.as_deref()),
                    data: part.data.clone(),
                },
            ));
        }
        Ok((decoded, uploads))
    }

    /// The service method through the registry. A panic is `internal`.
    async fn invoke(
        &self,
        name: &str,
        caller: Caller,
        args: Args,
        uploads: Vec<(String, Upload)>,
    ) -> Result<Reply, MizanError> {
        let call = self.dispatch.call(caller, name, args, uploads);
        match AssertUnwindSafe(call).catch_unwind().await {
            Ok(result) => result,
            Err(_) => {
                eprintln!("mizan: function {name:?} panicked");
                Err(MizanError::internal())
            }
        }
    }

    /// A result in canonical wire form, checked by the return type unless
    /// it cannot be wrong; one that does not fit is `internal`.
    fn result_tree(
        &self,
        name: &str,
        function: &FunctionTable,
        reply: Reply,
        _entries: &[Entry],
    ) -> Result<Json, MizanError> {
        let Some(returns) = &function.returns else {
            return Ok(Json::Null);
        };
        let mut value = reply.tree()?;
        if !function.check_result {
            return Ok(value);
        }
        match normalize(returns, &mut value, &self.schema, "") {
            Ok(()) => Ok(value),
            Err(problem) => {
                eprintln!(
                    "mizan: function {name:?} returned a value that is not a {}: {problem:?}",
                    returns.text()
                );
                Err(MizanError::internal())
            }
        }
    }

    /// A call's answer, `{"invalidate":…,"result":…}` as canonical JSON in
    /// one buffer: the result is written straight from the typed value when
    /// it needs no check, else as [`Server::result_tree`] makes it.
    fn call_body(
        &self,
        name: &str,
        function: &FunctionTable,
        reply: Reply,
        entries: &[Entry],
    ) -> Result<String, MizanError> {
        let mut text = String::with_capacity(128);
        text.push_str("{\"invalidate\":");
        write_canonical(&to_body(entries), &mut text);
        text.push_str(",\"result\":");
        if function.returns.is_some() && !function.check_result {
            reply.write(&mut text)?;
        } else {
            write_canonical(
                &self.result_tree(name, function, reply, entries)?,
                &mut text,
            );
        }
        text.push('}');
        Ok(text)
    }

    // --- bundles -----------------------------------------------------------------
    /// `GET ctx/<name>/`: the answer and the bundle bytes.
    async fn bundle(
        &self,
        name: &str,
        parts: &RequestParts,
    ) -> Result<(Answer, Vec<u8>), MizanError> {
        let context = self
            .contexts
            .get(name)
            .ok_or_else(|| MizanError::not_found(Json::object([("context", Json::str(name))])))?;
        let pairs = query_pairs(&parts.query).ok_or_else(|| MizanError::bad_request("query"))?;
        let mut caller = self.identify(parts, "http")?;
        context.auth.authorize(&caller)?;
        if context.vary == "public" {
            caller = Caller::anonymous(); // one copy for everybody
        }
        let keys = context.keys.decode_query(&pairs, &self.schema)?;
        let params = context.keys.key_texts(&keys);
        if context.ttl == 0 {
            let data = self
                .bundle_bytes(name, context, &keys, &params, &caller)
                .await?;
            return Ok((Answer::bytes(data.clone(), JSON_TYPE), data));
        }
        let identity = cache_identity(&context.vary, caller.subject());
        let key = cache_key(&self.config.secret, name, &params, &identity);
        if let Some(stored) = self.config.cache.get(&key) {
            let mut answer = Answer::bytes(stored.clone(), JSON_TYPE);
            answer.headers.push(("X-Mizan-Cache", "hit".to_string()));
            return Ok((answer, stored));
        }
        let generation = self.config.cache.generation(name);
        let data = self
            .bundle_bytes(name, context, &keys, &params, &caller)
            .await?;
        self.config
            .cache
            .put(&key, name, &params, &data, context.ttl, generation);
        let mut answer = Answer::bytes(data.clone(), JSON_TYPE);
        answer.headers.push(("X-Mizan-Cache", "miss".to_string()));
        Ok((answer, data))
    }

    async fn bundle_bytes(
        &self,
        name: &str,
        context: &ContextTable,
        keys: &Args,
        params: &[(String, Option<String>)],
        caller: &Caller,
    ) -> Result<Vec<u8>, MizanError> {
        let mut data = Vec::new();
        for (member, extras) in &context.members {
            let function = self
                .functions
                .get(member)
                .ok_or_else(MizanError::internal)?;
            if !function.auth.allows(caller) {
                continue; // a member the caller may not call is left out
            }
            let mut args = extras.clone();
            args.extend(keys.iter().cloned());
            let reply = self
                .invoke(member, caller.clone(), args, Vec::new())
                .await?;
            let value = self.result_tree(member, function, reply, &[])?;
            data.push((member.clone(), value));
        }
        let body = Json::object([
            ("context", Json::str(name)),
            ("data", Json::Object(data)),
            ("params", key_texts_json(params)),
        ]);
        Ok(body.canonical().into_bytes())
    }

    async fn render(&self, name: &str, parts: &RequestParts) -> Outcome {
        let Some(command) = self.config.renderer.clone().filter(|c| !c.is_empty()) else {
            return Err(MizanError::not_found(Json::Null));
        };
        let (bundle, bytes) = self.bundle(name, parts).await?;
        let html = run_renderer(&command, &bytes, self.config.renderer_timeout).await?;
        let mut answer = Answer::bytes(html, HTML_TYPE);
        answer.headers = bundle.headers;
        Ok(answer)
    }

    // --- forms ---------------------------------------------------------------------
    fn form(&self, name: &str) -> Result<&Json, MizanError> {
        self.forms
            .get(name)
            .ok_or_else(|| MizanError::not_found(Json::object([("form", Json::str(name))])))
    }

    fn validated(&self, name: &str, data: &Json) -> Result<Vec<(String, Json)>, MizanError> {
        let input = data
            .as_object()
            .ok_or_else(|| MizanError::bad_request("shape"))?;
        let validated = validate_form(self.form(name)?, input);
        if validated.errors.is_empty() {
            Ok(validated.data)
        } else {
            Err(MizanError::new(
                "validation_failed",
                Json::Object(validated.errors),
            ))
        }
    }

    fn form_validate(&self, name: &str, parts: &RequestParts, body: &[u8]) -> Outcome {
        let data = Server::json_body(parts, body)?;
        self.form(name)?;
        let wire = self.validated(name, &data)?;
        Ok(Answer::json(&Json::object([
            ("data", Json::Object(wire)),
            ("valid", Json::Bool(true)),
        ])))
    }

    async fn form_submit(&self, name: &str, parts: &RequestParts, body: &[u8]) -> Outcome {
        let schema = self.form(name)?;
        let data = Server::json_body(parts, body)?;
        if data.as_object().is_none() {
            return Err(MizanError::bad_request("shape"));
        }
        let submit = schema["submit"].as_str().unwrap_or("").to_string();
        let function = self
            .functions
            .get(&submit)
            .ok_or_else(MizanError::internal)?;
        let caller = self.identify(parts, "http")?;
        if caller.via_cookie {
            self.check_csrf(parts)?;
        }
        function.auth.authorize(&caller)?;
        let wire = self.validated(name, &data)?;
        // Fields as the mutation's args, each in its param's wire form (an
        // `int` field into an `int64` param gives its digits).
        let mut args = Vec::new();
        for spec in &function.params.specs {
            let Some((_, value)) = wire.iter().find(|(k, _)| k == &spec.name) else {
                continue;
            };
            let value = match (spec.ty.base(), value) {
                (Type::Primitive(kind), Json::Int(digits)) if kind == "int64" => {
                    Json::Str(digits.clone())
                }
                _ => value.clone(),
            };
            args.push((spec.name.clone(), value));
        }
        let (result, entries) = self
            .call(&submit, function, args, caller, None, Server::call_body)
            .await?;
        Ok(call_answer(result, &entries))
    }

    // --- the auth endpoints (9.5, 11) ------------------------------------------------------
    async fn auth_endpoint(&self, handler: &str, parts: &RequestParts, body: &[u8]) -> Outcome {
        if handler == "auth_mwt" {
            let caller = self.identify(parts, "http")?;
            let subject = caller.require_subject()?.to_string();
            let token = self.mint_mwt(&subject);
            let mut answer = Answer::json(&Json::object([
                ("expires_in", Json::int(MWT_TTL)),
                ("mwt", Json::str(token.clone())),
            ]));
            answer
                .cookies
                .push(self.cookie(MWT_COOKIE, token, Some(MWT_TTL), parts));
            return Ok(answer);
        }
        let data = Server::json_body(parts, body)?;
        match handler {
            "auth_token" => {
                let members = data
                    .as_object()
                    .ok_or_else(|| MizanError::bad_request("shape"))?;
                let credentials = match members {
                    [(name, value)] if name == "credentials" => value.clone(),
                    _ => return Err(MizanError::bad_request("shape")),
                };
                let identity = self
                    .hook(self.dispatch.authenticate(credentials))
                    .await?
                    .ok_or_else(|| MizanError::unauthenticated("credentials"))?;
                self.issue(&identity, parts)
            }
            "auth_refresh" => {
                let token = self
                    .refresh_token(parts, &data, false)?
                    .ok_or_else(|| MizanError::unauthenticated("missing"))?;
                let claims = self.verify(&token, "refresh")?;
                let jti = claims["jti"].as_str().unwrap_or("");
                let exp = claims["exp"].as_i64().unwrap_or(i64::MAX);
                if !self.config.used_tokens.use_once(jti, exp) {
                    return Err(MizanError::unauthenticated("reused"));
                }
                let subject = claims["sub"].as_str().unwrap_or("").to_string();
                let identity = self
                    .hook(self.dispatch.identity_of(subject))
                    .await?
                    .ok_or_else(|| MizanError::unauthenticated("revoked"))?;
                self.issue(&identity, parts)
            }
            _ => {
                if let Some(token) = self.refresh_token(parts, &data, true)? {
                    if let Ok(claims) = self.verify(&token, "refresh") {
                        let jti = claims["jti"].as_str().unwrap_or("");
                        let exp = claims["exp"].as_i64().unwrap_or(i64::MAX);
                        self.config.used_tokens.use_once(jti, exp);
                    }
                }
                let mut answer = Answer::json(&Json::Object(Vec::new()));
                for name in [ACCESS_COOKIE, REFRESH_COOKIE, MWT_COOKIE] {
                    answer
                        .cookies
                        .push(self.cookie(name, String::new(), Some(0), parts));
                }
                Ok(answer)
            }
        }
    }

    async fn hook(
        &self,
        future: BoxFuture<'_, Result<Option<Identity>, MizanError>>,
    ) -> Result<Option<Identity>, MizanError> {
        match AssertUnwindSafe(future).catch_unwind().await {
            Ok(result) => result,
            Err(_) => {
                eprintln!("mizan: an auth hook panicked");
                Err(MizanError::internal())
            }
        }
    }

    /// The refresh token of the body, else of the cookie (then the request
    /// is cookie-authenticated and must pass the CSRF check).
    fn refresh_token(
        &self,
        parts: &RequestParts,
        body: &Json,
        any_cookie: bool,
    ) -> Result<Option<String>, MizanError> {
        let members = body
            .as_object()
            .ok_or_else(|| MizanError::bad_request("shape"))?;
        if members.iter().any(|(k, _)| k != "refresh") {
            return Err(MizanError::bad_request("shape"));
        }
        if let Some((_, value)) = members.first() {
            return value
                .as_str()
                .map(|s| Some(s.to_string()))
                .ok_or_else(|| MizanError::bad_request("shape"));
        }
        let cookie = parts.cookie(REFRESH_COOKIE).map(str::to_string);
        if cookie.is_some() || (any_cookie && parts.cookie(ACCESS_COOKIE).is_some()) {
            self.check_csrf(parts)?;
        }
        Ok(cookie)
    }

    fn mint_mwt(&self, subject: &str) -> String {
        let identity = cache_identity("identity", Some(subject));
        mint_mwt(&self.mwt_secret, &identity, unix_now() + MWT_TTL)
    }

    fn issue(&self, identity: &Identity, parts: &RequestParts) -> Outcome {
        if identity.subject.is_empty() {
            eprintln!("mizan: authenticate/identity_of returned an empty subject");
            return Err(MizanError::internal());
        }
        let now = unix_now();
        let failed = |_| MizanError::internal();
        let access = mint_token(
            &self.jwt,
            &self.jwt_keys,
            "access",
            &identity.subject,
            now,
            &identity.claims,
            None,
        )
        .map_err(failed)?;
        let jti = new_jti().ok_or_else(MizanError::internal)?;
        let refresh = mint_token(
            &self.jwt,
            &self.jwt_keys,
            "refresh",
            &identity.subject,
            now,
            &[],
            Some(&jti),
        )
        .map_err(failed)?;
        let mut answer = Answer::json(&Json::object([
            ("access", Json::str(access.clone())),
            ("expires_in", Json::int(self.jwt.access_ttl)),
            ("refresh", Json::str(refresh.clone())),
            ("token_type", Json::str("Bearer")),
        ]));
        answer.cookies = vec![
            self.cookie(ACCESS_COOKIE, access, Some(self.jwt.access_ttl), parts),
            self.cookie(REFRESH_COOKIE, refresh, Some(self.jwt.refresh_ttl), parts),
            self.cookie(
                MWT_COOKIE,
                self.mint_mwt(&identity.subject),
                Some(MWT_TTL),
                parts,
            ),
        ];
        Ok(answer)
    }
}

/// The body, up to `limit` bytes (past it 413, the rest drained): a body
/// of one frame is its bytes as they came, several are joined.
async fn read_body(mut body: Body, limit: usize) -> Result<Bytes, MizanError> {
    let mut first: Option<Bytes> = None;
    let mut joined: Vec<u8> = Vec::new();
    let mut size = 0;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return Err(MizanError::bad_request("json"));
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        size += data.len();
        if size > limit {
            drain(body).await;
            return Err(MizanError::payload_too_large(limit));
        }
        match first.take() {
            None if joined.is_empty() => first = Some(data),
            earlier => {
                joined.extend_from_slice(&earlier.unwrap_or_default());
                joined.extend_from_slice(&data);
            }
        }
    }
    Ok(first.unwrap_or_else(|| Bytes::from(joined)))
}

/// Reads what is left of a refused body, so that the client, still
/// sending, gets the answer rather than a reset connection.
async fn drain(mut body: Body) {
    while let Some(Ok(_)) = body.frame().await {}
}

/// The answer of a call whose body [`Server::call_body`] wrote.
fn call_answer(text: String, entries: &[Entry]) -> Answer {
    let mut answer = Answer::bytes(text.into_bytes(), JSON_TYPE);
    if let Some(header) = format_header(entries, HEADER_LIMIT) {
        answer.headers.push(("X-Mizan-Invalidate", header));
    }
    answer
}

fn call_shape(body: Json) -> Result<(String, Args), MizanError> {
    let shape = || MizanError::bad_request("shape");
    let Json::Object(members) = body else {
        return Err(shape());
    };
    if members.iter().any(|(k, _)| k != "fn" && k != "args") {
        return Err(shape());
    }
    let mut name = None;
    let mut args = Vec::new();
    for (key, value) in members {
        match (key.as_str(), value) {
            ("fn", Json::Str(text)) if name.is_none() => name = Some(text),
            ("args", Json::Object(given)) => args = given,
            _ => return Err(shape()),
        }
    }
    Ok((name.ok_or_else(shape)?, args))
}

#[allow(clippy::type_complexity)]
fn multipart_call(
    body: &[u8],
    content_type: Option<&str>,
) -> Result<(String, Args, Vec<crate::multipart::Part>), MizanError> {
    let broken = || MizanError::bad_request("multipart");
    let parts = crate::multipart::parse(body, content_type)?;
    let mut names: Vec<&str> = parts.iter().map(|p| p.name.as_str()).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    if names.len() != before || !names.contains(&"fn") {
        return Err(broken());
    }
    let mut name = String::new();
    let mut args = Vec::new();
    let mut files = Vec::new();
    for part in parts {
        match part.name.as_str() {
            "fn" => name = String::from_utf8(part.data).map_err(|_| broken())?,
            "args" => match parse_json(&part.data) {
                Ok(Json::Object(members)) => args = members,
                _ => return Err(broken()),
            },
            _ => files.push(part),
        }
    }
    Ok((name, args, files))
}

/// Runs the renderer with the bundle on its standard input; its standard
/// output is the page. A failure or a timeout is `internal` (logged, never sent).
async fn run_renderer(
    command: &[String],
    bundle: &[u8],
    timeout: Duration,
) -> Result<Vec<u8>, MizanError> {
    use tokio::io::AsyncWriteExt;
    let (program, args) = command.split_first().ok_or_else(MizanError::internal)?;
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            eprintln!("mizan: the renderer did not start: {e}");
            MizanError::internal()
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        let input = bundle.to_vec();
        tokio::spawn(async move {
            let _ = stdin.write_all(&input).await;
        });
    }
    match tokio::time::timeout(timeout, child.wait_with_output()).await {
        Ok(Ok(output)) if output.status.success() => Ok(output.stdout),
        Ok(Ok(output)) => {
            let err = String::from_utf8_lossy(&output.stderr);
            eprintln!("mizan: the renderer failed ({}): {}", output.status, err);
            Err(MizanError::internal())
        }
        Ok(Err(e)) => {
            eprintln!("mizan: the renderer failed: {e}");
            Err(MizanError::internal())
        }
        Err(_) => {
            eprintln!("mizan: the renderer timed out");
            Err(MizanError::internal())
        }
    }
}

#[cfg(test)]
mod tests {
    //! The SSR bridge: a subprocess renderer gets the bundle on its standard
    //! input and answers the page on its standard output; anything else is
    //! `internal`, and nothing of the renderer's own text reaches the client.
    use super::run_renderer;
    use std::time::{Duration, Instant};

    fn render(command: &[&str], bundle: &[u8], timeout: Duration) -> Result<Vec<u8>, String> {
        let command: Vec<String> = command.iter().map(|part| part.to_string()).collect();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        runtime
            .block_on(run_renderer(&command, bundle, timeout))
            .map_err(|error| error.body().canonical())
    }

    const INTERNAL: &str =
        r#"{"error":{"code":"internal","details":null,"message":"Internal server error."}}"#;

    #[test]
    fn the_page_is_the_renderers_output_of_the_bundle() {
        let page = render(
            &["sh", "-c", "printf '<main>'; cat; printf '</main>'"],
            br#"{"note":"hi"}"#,
            Duration::from_secs(10),
        );
        assert_eq!(page, Ok(br#"<main>{"note":"hi"}</main>"#.to_vec()));
    }

    #[test]
    fn a_bundle_larger_than_a_pipe_buffer_is_passed_whole() {
        let bundle = vec![b'x'; 1 << 20];
        let page = render(&["sh", "-c", "wc -c"], &bundle, Duration::from_secs(10));
        let text = String::from_utf8(page.unwrap_or_default()).unwrap_or_default();
        assert_eq!(text.trim(), "1048576");
    }

    #[test]
    fn a_failing_missing_or_silent_renderer_is_internal() {
        let failing = ["sh", "-c", "echo 'secret: hunter2' >&2; exit 3"];
        assert_eq!(
            render(&failing, b"{}", Duration::from_secs(10)),
            Err(INTERNAL.to_string())
        );
        let missing = ["/nonexistent/renderer"];
        assert_eq!(
            render(&missing, b"{}", Duration::from_secs(10)),
            Err(INTERNAL.to_string())
        );
        assert_eq!(
            render(&[], b"{}", Duration::from_secs(10)),
            Err(INTERNAL.to_string())
        );
    }

    #[test]
    fn a_renderer_past_its_timeout_is_internal_and_not_waited_for() {
        let started = Instant::now();
        let page = render(&["sleep", "30"], b"{}", Duration::from_millis(200));
        assert_eq!(page, Err(INTERNAL.to_string()));
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}
