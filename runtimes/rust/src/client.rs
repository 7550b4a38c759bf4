//! The client side of the protocol (feature `client`), interpreted from the
//! table a generated client crate embeds: calls over HTTP (JSON and
//! multipart, 5) or the WebSocket (12), one-request context bundles (6) kept
//! in a cache that the server's invalidations (7) drop by tier, and JWT
//! bearer auth with refresh (9). Generated clients only add typed methods.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use futures_util::{SinkExt, StreamExt};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use crate::errors::ERROR_CODES;
use crate::invalidation::{self, Entry};
use crate::json::{b64url_decode, parse_json, parse_json_str, Json};
use crate::values::{key_text, Type};

// --- errors -----------------------------------------------------------------------

/// The closed table of error codes (protocol 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    BadRequest,
    InvalidArguments,
    Unauthenticated,
    Forbidden,
    CsrfFailed,
    NotFound,
    MethodNotAllowed,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
    Internal,
}

const CODES: [(ErrorCode, &str); 11] = [
    (ErrorCode::BadRequest, "bad_request"),
    (ErrorCode::InvalidArguments, "invalid_arguments"),
    (ErrorCode::Unauthenticated, "unauthenticated"),
    (ErrorCode::Forbidden, "forbidden"),
    (ErrorCode::CsrfFailed, "csrf_failed"),
    (ErrorCode::NotFound, "not_found"),
    (ErrorCode::MethodNotAllowed, "method_not_allowed"),
    (ErrorCode::PayloadTooLarge, "payload_too_large"),
    (ErrorCode::UnsupportedMediaType, "unsupported_media_type"),
    (ErrorCode::ValidationFailed, "validation_failed"),
    (ErrorCode::Internal, "internal"),
];

impl ErrorCode {
    pub fn from_code(code: &str) -> Option<ErrorCode> {
        CODES.iter().find(|(_, c)| *c == code).map(|(e, _)| *e)
    }

    pub fn as_str(self) -> &'static str {
        CODES
            .iter()
            .find(|(e, _)| *e == self)
            .map_or("internal", |(_, c)| c)
    }

    /// The HTTP status the protocol gives the code.
    pub fn status(self) -> u16 {
        let code = self.as_str();
        ERROR_CODES
            .iter()
            .find(|(c, _, _)| *c == code)
            .map_or(500, |(_, status, _)| *status)
    }
}

/// Why a client call failed.
#[derive(Clone, Debug, PartialEq)]
pub enum ClientError {
    /// The server answered with the error envelope (protocol 3).
    Api {
        status: u16,
        code: ErrorCode,
        message: String,
        details: Json,
    },
    /// No answer: the connection failed or closed.
    Network(String),
    /// An answer the protocol does not allow, or a value of the wrong type.
    Decode(String),
}

impl ClientError {
    /// The envelope's code, for an error the server answered.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ClientError::Api { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// `details.reason` (`unauthenticated`, `bad_request`, `csrf_failed`).
    pub fn reason(&self) -> Option<&str> {
        match self {
            ClientError::Api { details, .. } => details.get("reason")?.as_str(),
            _ => None,
        }
    }

    pub fn details(&self) -> Option<&Json> {
        match self {
            ClientError::Api { details, .. } => Some(details),
            _ => None,
        }
    }

    /// The error of an envelope (`{"error": {...}}`), whatever transport carried it.
    fn from_envelope(status: Option<u16>, body: &Json) -> ClientError {
        let Some(error) = body.get("error") else {
            return ClientError::Decode(format!(
                "an error answer without an envelope ({status:?})"
            ));
        };
        let Some(code) = error
            .get("code")
            .and_then(Json::as_str)
            .and_then(ErrorCode::from_code)
        else {
            return ClientError::Decode("an error envelope with an unknown code".into());
        };
        ClientError::Api {
            status: status.unwrap_or_else(|| code.status()),
            code,
            message: error
                .get("message")
                .and_then(Json::as_str)
                .unwrap_or("")
                .to_string(),
            details: error.get("details").cloned().unwrap_or(Json::Null),
        }
    }
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientError::Api {
                status,
                code,
                details,
                ..
            } => write!(f, "{status} {}: {}", code.as_str(), details.canonical()),
            ClientError::Network(what) => write!(f, "network: {what}"),
            ClientError::Decode(what) => write!(f, "decode: {what}"),
        }
    }
}

impl std::error::Error for ClientError {}

// --- typed values <-> wire JSON ------------------------------------------------------

/// A typed value as wire JSON.
pub fn encode<T: Serialize>(value: &T) -> Result<Json, ClientError> {
    serde_json::to_value(value)
        .map(|v| Json::from(&v))
        .map_err(|error| ClientError::Decode(error.to_string()))
}

/// A wire value as a typed value.
pub fn decode<T: DeserializeOwned>(value: &Json) -> Result<T, ClientError> {
    serde_json::from_value(value.to_serde()).map_err(|error| ClientError::Decode(error.to_string()))
}

/// The arguments of one call (or a bundle's key params), by name.
#[derive(Clone, Debug, Default)]
pub struct Args(Vec<(String, Json)>);

impl Args {
    pub fn new() -> Args {
        Args(Vec::new())
    }

    pub fn put<T: Serialize>(&mut self, name: &str, value: &T) -> Result<(), ClientError> {
        self.0.push((name.to_string(), encode(value)?));
        Ok(())
    }

    /// An optional argument: `None` leaves it out (the server's default applies).
    pub fn put_some<T: Serialize>(
        &mut self,
        name: &str,
        value: &Option<T>,
    ) -> Result<(), ClientError> {
        match value {
            Some(value) => self.put(name, value),
            None => Ok(()),
        }
    }

    pub fn get(&self, name: &str) -> Option<&Json> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    pub fn to_json(&self) -> Json {
        Json::Object(self.0.clone())
    }
}

/// A file to upload (a multipart part, protocol 5.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadFile {
    pub filename: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

impl UploadFile {
    pub fn new(filename: &str, content_type: &str, data: impl Into<Vec<u8>>) -> UploadFile {
        UploadFile {
            filename: filename.to_string(),
            content_type: content_type.to_string(),
            data: data.into(),
        }
    }
}

/// An access and a refresh token (protocol 9.5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tokens {
    pub access: String,
    pub refresh: String,
}

/// How calls of the functions declared `websocket=#true` travel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Http,
    WebSocket,
}

// --- the client table ---------------------------------------------------------------

struct ContextSpec {
    keys: Vec<(String, Type)>,
}

/// What the runtime needs of the spec: each context's key params and types,
/// and the functions callable over the WebSocket.
struct Table {
    contexts: HashMap<String, ContextSpec>,
    websocket: BTreeSet<String>,
}

impl Table {
    fn parse(text: &str) -> Option<Table> {
        let root = parse_json_str(text).ok()?;
        let mut contexts = HashMap::new();
        for (name, node) in root.get("contexts")?.as_object()? {
            let keys = node
                .get("keys")?
                .as_array()?
                .iter()
                .map(|key| {
                    let name = key.get("name")?.as_str()?.to_string();
                    Some((name, Type::from_json(key.get("type")?)?))
                })
                .collect::<Option<Vec<_>>>()?;
            contexts.insert(name.clone(), ContextSpec { keys });
        }
        let websocket = root
            .get("websocket")?
            .as_array()?
            .iter()
            .map(|f| f.as_str().map(str::to_string))
            .collect::<Option<BTreeSet<_>>>()?;
        Some(Table {
            contexts,
            websocket,
        })
    }
}

// --- bundles and the context cache ----------------------------------------------------

/// A context bundle (protocol 6.1): its key texts and each member's wire result.
#[derive(Clone, Debug, PartialEq)]
pub struct Bundle {
    pub context: String,
    pub params: Vec<(String, Option<String>)>,
    pub data: Json,
}

impl Bundle {
    /// A member's result; `None` when the server left it out (the caller may not see it).
    pub fn member<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, ClientError> {
        self.data.get(name).map(decode).transpose()
    }
}

/// Bundles by context instance (the context and all its key texts), dropped
/// by the invalidation entries covering them (tiers of protocol 7.1).
#[derive(Default)]
struct ContextCache {
    bundles: Vec<(Entry, Arc<Bundle>)>,
    /// Advances at every invalidation: a bundle fetched across one is not stored.
    generation: u64,
}

impl ContextCache {
    fn get(&self, instance: &Entry) -> Option<Arc<Bundle>> {
        self.bundles
            .iter()
            .find(|(e, _)| e == instance)
            .map(|(_, b)| b.clone())
    }

    fn set(&mut self, instance: Entry, bundle: Arc<Bundle>) {
        self.bundles.retain(|(e, _)| *e != instance);
        self.bundles.push((instance, bundle));
    }

    /// Drop what `entries` cover (`None`: everything).
    fn invalidate(&mut self, entries: Option<&[Entry]>) {
        self.generation += 1;
        match entries {
            None => self.bundles.clear(),
            Some(entries) => self
                .bundles
                .retain(|(instance, _)| !entries.iter().any(|e| e.covers(instance))),
        }
    }
}

// --- the client ------------------------------------------------------------------------

type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<Json>>>>;
type WsSink = futures_util::stream::SplitSink<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    Message,
>;

struct Socket {
    sink: WsSink,
    pending: Pending,
    /// The access token the socket was opened with.
    token: Option<String>,
    /// Set by the reader when the server closed the socket.
    closed: Arc<std::sync::atomic::AtomicBool>,
}

struct Inner {
    http: reqwest::Client,
    base: String,
    table: Table,
    tokens: Mutex<Option<Tokens>>,
    cache: Mutex<ContextCache>,
    transport: Mutex<Transport>,
    refresh_gate: tokio::sync::Mutex<()>,
    /// One gate per context instance being fetched: concurrent reads of one
    /// instance share its one request.
    fetching: Mutex<HashMap<Entry, Arc<tokio::sync::Mutex<()>>>>,
    socket: tokio::sync::Mutex<Option<Socket>>,
    next_id: AtomicU64,
    bundle_requests: AtomicU64,
    socket_calls: AtomicU64,
    refresh_skew: i64,
}

/// What an HTTP exchange answered.
struct Reply {
    status: u16,
    body: Json,
    header: Option<String>,
}

/// The protocol's client for one server: cheap to clone, shared by clones.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn network(error: impl std::fmt::Display) -> ClientError {
    ClientError::Network(error.to_string())
}

/// The `exp` claim of a JWT (read, not verified: the server verifies).
fn token_expiry(token: &str) -> Option<i64> {
    let claims = b64url_decode(token.split('.').nth(1)?)?;
    parse_json(&claims).ok()?.get("exp")?.as_i64()
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

impl Client {
    /// A client of the server whose protocol prefix is at `base_url`
    /// (`http://host:port/api/mizan/`), for the spec described by `table`
    /// (a generated client's `spec::CLIENT_TABLE`).
    pub fn new(table: &str, base_url: &str) -> Result<Client, ClientError> {
        let table = Table::parse(table)
            .ok_or_else(|| ClientError::Decode("the client table is not valid".into()))?;
        let http = reqwest::Client::builder().build().map_err(network)?;
        let base = format!("{}/", base_url.trim_end_matches('/'));
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                table,
                tokens: Mutex::new(None),
                cache: Mutex::new(ContextCache::default()),
                transport: Mutex::new(Transport::Http),
                refresh_gate: tokio::sync::Mutex::new(()),
                fetching: Mutex::default(),
                socket: tokio::sync::Mutex::new(None),
                next_id: AtomicU64::new(1),
                bundle_requests: AtomicU64::new(0),
                socket_calls: AtomicU64::new(0),
                refresh_skew: 30,
            }),
        })
    }

    /// Call the functions declared `websocket=#true` over the WebSocket (or HTTP).
    pub fn set_transport(&self, transport: Transport) {
        *lock(&self.inner.transport) = transport;
    }

    pub fn tokens(&self) -> Option<Tokens> {
        lock(&self.inner.tokens).clone()
    }

    /// Use these tokens (or none); cached bundles may hold what the previous
    /// identity saw, so they are dropped.
    pub fn set_tokens(&self, tokens: Option<Tokens>) {
        *lock(&self.inner.tokens) = tokens;
        self.invalidate_all();
    }

    /// Bundle requests sent so far (the others came from the cache).
    pub fn bundle_requests(&self) -> u64 {
        self.inner.bundle_requests.load(Ordering::Relaxed)
    }

    /// Calls answered over the WebSocket so far.
    pub fn socket_calls(&self) -> u64 {
        self.inner.socket_calls.load(Ordering::Relaxed)
    }

    /// Is the bundle of this context instance cached?
    pub fn is_cached(&self, context: &str, keys: &Args) -> bool {
        match self.instance(context, keys) {
            Ok(instance) => lock(&self.inner.cache).get(&instance).is_some(),
            Err(_) => false,
        }
    }

    /// Drop every cached bundle.
    pub fn invalidate_all(&self) {
        lock(&self.inner.cache).invalidate(None);
    }

    /// Drop the cached bundles these entries cover.
    pub fn invalidate(&self, entries: &[Entry]) {
        lock(&self.inner.cache).invalidate(Some(entries));
    }

    // -- calls --

    /// Call `function` with JSON arguments; its wire result.
    pub async fn call(&self, function: &str, args: Args) -> Result<Json, ClientError> {
        let socket = *lock(&self.inner.transport) == Transport::WebSocket
            && self.inner.table.websocket.contains(function);
        if socket {
            return self.socket_call(function, args).await;
        }
        let body =
            Json::object([("fn", Json::str(function)), ("args", args.to_json())]).canonical();
        let reply = self
            .exchange(true, || {
                self.inner
                    .http
                    .post(self.url("call/"))
                    .header("Content-Type", "application/json")
                    .body(body.clone())
            })
            .await?;
        self.result_of(reply)
    }

    /// Call a function with `Upload` params: a multipart body (protocol 5.3).
    pub async fn call_multipart(
        &self,
        function: &str,
        args: Args,
        files: Vec<(&str, UploadFile)>,
    ) -> Result<Json, ClientError> {
        let args = args.to_json().canonical();
        let reply = self
            .exchange(true, || {
                let mut form = reqwest::multipart::Form::new()
                    .text("fn", function.to_string())
                    .text("args", args.clone());
                for (name, file) in &files {
                    let part = reqwest::multipart::Part::bytes(file.data.clone())
                        .file_name(file.filename.clone());
                    let part = part.mime_str(&file.content_type).unwrap_or_else(|_| {
                        reqwest::multipart::Part::bytes(file.data.clone())
                            .file_name(file.filename.clone())
                    });
                    form = form.part(name.to_string(), part);
                }
                self.inner.http.post(self.url("call/")).multipart(form)
            })
            .await?;
        self.result_of(reply)
    }

    fn result_of(&self, reply: Reply) -> Result<Json, ClientError> {
        let body = settle(reply.status, reply.body)?;
        self.apply_invalidation(body.get("invalidate"), reply.header.as_deref());
        body.get("result")
            .cloned()
            .ok_or_else(|| ClientError::Decode("a call answer without a result".into()))
    }

    /// The body's list and the header together; a list or header that cannot
    /// be read counts as `*` (protocol 7.3).
    fn apply_invalidation(&self, body: Option<&Json>, header: Option<&str>) {
        let from_body = match body {
            None => Some(Vec::new()),
            Some(items) => invalidation::from_body(items),
        };
        let from_header = match header {
            None => Ok(Some(Vec::new())),
            Some(text) => invalidation::parse_header(text),
        };
        match (from_body, from_header) {
            (Some(mut entries), Ok(Some(more))) => {
                if entries.is_empty() && more.is_empty() {
                    return;
                }
                entries.extend(more);
                self.invalidate(&invalidation::normalize(entries));
            }
            _ => self.invalidate_all(),
        }
    }

    // -- forms (protocol 13) --

    /// `POST form/<form>/submit/`: validate the values, then call the
    /// form's mutation; its wire result (a `validation_failed` error names
    /// the rejected fields).
    pub async fn submit_form(&self, form: &str, values: Json) -> Result<Json, ClientError> {
        let body = values.canonical();
        let path = format!("form/{form}/submit/");
        let reply = self.exchange(true, || self.post_json(&path, &body)).await?;
        self.result_of(reply)
    }

    /// `POST form/<form>/validate/`: the values in canonical wire form, or
    /// `validation_failed`.
    pub async fn validate_form(&self, form: &str, values: Json) -> Result<Json, ClientError> {
        let body = values.canonical();
        let reply = self
            .send(
                self.post_json(&format!("form/{form}/validate/"), &body),
                None,
            )
            .await?;
        let body = settle(reply.status, reply.body)?;
        body.get("data")
            .cloned()
            .ok_or_else(|| ClientError::Decode("a validate answer without data".into()))
    }

    // -- bundles --

    fn instance(&self, context: &str, keys: &Args) -> Result<Entry, ClientError> {
        let spec =
            self.inner.table.contexts.get(context).ok_or_else(|| {
                ClientError::Decode(format!("the spec has no context '{context}'"))
            })?;
        let params = spec
            .keys
            .iter()
            .map(|(name, ty)| (name.clone(), keys.get(name).and_then(|v| key_text(ty, v))))
            .collect();
        Ok(Entry::new(context, params))
    }

    /// The bundle of a context instance: from the cache, else one `GET ctx/`.
    pub async fn bundle(&self, context: &str, keys: Args) -> Result<Arc<Bundle>, ClientError> {
        let instance = self.instance(context, &keys)?;
        if let Some(bundle) = lock(&self.inner.cache).get(&instance) {
            return Ok(bundle);
        }
        let gate = lock(&self.inner.fetching)
            .entry(instance.clone())
            .or_default()
            .clone();
        let fetched = {
            let _turn = gate.lock().await;
            // A concurrent read of this instance may have fetched it meanwhile.
            let cached = lock(&self.inner.cache).get(&instance);
            match cached {
                Some(bundle) => Ok(bundle),
                None => self.fetch_bundle(instance.clone()).await,
            }
        };
        let mut fetching = lock(&self.inner.fetching);
        let ours = fetching
            .get(&instance)
            .is_some_and(|g| Arc::ptr_eq(g, &gate));
        if ours && Arc::strong_count(&gate) <= 2 {
            fetching.remove(&instance); // nobody else waits at this gate
        }
        fetched
    }

    /// The bundle of a context instance, always fetched (and cached).
    pub async fn reload_bundle(
        &self,
        context: &str,
        keys: Args,
    ) -> Result<Arc<Bundle>, ClientError> {
        let instance = self.instance(context, &keys)?;
        self.fetch_bundle(instance).await
    }

    async fn fetch_bundle(&self, instance: Entry) -> Result<Arc<Bundle>, ClientError> {
        let query: Vec<(String, String)> = instance
            .params
            .iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| (k.clone(), v.clone())))
            .collect();
        let path = format!("ctx/{}/", instance.context);
        let generation = lock(&self.inner.cache).generation;
        self.inner.bundle_requests.fetch_add(1, Ordering::Relaxed);
        let reply = self
            .exchange(true, || self.inner.http.get(self.url(&path)).query(&query))
            .await?;
        let body = settle(reply.status, reply.body)?;
        let (Some(params), Some(data)) = (
            body.get("params").and_then(Json::as_object),
            body.get("data"),
        ) else {
            return Err(ClientError::Decode(
                "a bundle without params or data".into(),
            ));
        };
        let params = params
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().map(str::to_string)))
            .collect::<Vec<_>>();
        let bundle = Arc::new(Bundle {
            context: instance.context.clone(),
            params: params.clone(),
            data: data.clone(),
        });
        let mut cache = lock(&self.inner.cache);
        if cache.generation == generation {
            cache.set(Entry::new(instance.context, params), bundle.clone());
        }
        Ok(bundle)
    }

    // -- auth (protocol 9.5) --

    /// `POST auth/token/`: sign in with credentials; the tokens are kept.
    pub async fn login(&self, credentials: Json) -> Result<Tokens, ClientError> {
        let body = Json::object([("credentials", credentials)]).canonical();
        let tokens = self.token_request("auth/token/", body).await?;
        self.set_tokens(Some(tokens.clone()));
        Ok(tokens)
    }

    /// `POST auth/refresh/`: rotate the tokens. Concurrent callers share one
    /// refresh; a refused one forgets the tokens.
    pub async fn refresh(&self) -> Result<Tokens, ClientError> {
        let before = self.tokens();
        let _gate = self.inner.refresh_gate.lock().await;
        let current = self.tokens();
        if current != before {
            if let Some(tokens) = current {
                return Ok(tokens); // another caller refreshed meanwhile
            }
        }
        let Some(tokens) = current else {
            return Err(ClientError::Api {
                status: 401,
                code: ErrorCode::Unauthenticated,
                message: String::new(),
                details: Json::object([("reason", Json::str("missing"))]),
            });
        };
        let body = Json::object([("refresh", Json::str(tokens.refresh))]).canonical();
        match self.token_request("auth/refresh/", body).await {
            Ok(fresh) => {
                *lock(&self.inner.tokens) = Some(fresh.clone());
                Ok(fresh)
            }
            Err(error) => {
                if matches!(error, ClientError::Api { .. }) {
                    self.set_tokens(None);
                }
                Err(error)
            }
        }
    }

    /// `POST auth/logout/`: spend the refresh token and forget the tokens.
    pub async fn logout(&self) -> Result<(), ClientError> {
        let body = match self.tokens() {
            Some(tokens) => Json::object([("refresh", Json::str(tokens.refresh))]),
            None => Json::object(Vec::<(String, Json)>::new()),
        };
        let body = body.canonical();
        self.set_tokens(None);
        let reply = self
            .send(self.post_json("auth/logout/", &body), None)
            .await?;
        settle(reply.status, reply.body).map(|_| ())
    }

    async fn token_request(&self, path: &str, body: String) -> Result<Tokens, ClientError> {
        let reply = self.send(self.post_json(path, &body), None).await?;
        let body = settle(reply.status, reply.body)?;
        match (
            body.get("access").and_then(Json::as_str),
            body.get("refresh").and_then(Json::as_str),
        ) {
            (Some(access), Some(refresh)) => Ok(Tokens {
                access: access.to_string(),
                refresh: refresh.to_string(),
            }),
            _ => Err(ClientError::Decode("a token answer without tokens".into())),
        }
    }

    /// The stored tokens, refreshed first when the access token is about to expire.
    async fn fresh_tokens(&self) -> Option<Tokens> {
        let tokens = self.tokens()?;
        match token_expiry(&tokens.access) {
            Some(exp) if exp - self.inner.refresh_skew <= now() => self.refresh().await.ok(),
            _ => Some(tokens),
        }
    }

    // -- HTTP --

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.inner.base)
    }

    fn post_json(&self, path: &str, body: &str) -> reqwest::RequestBuilder {
        self.inner
            .http
            .post(self.url(path))
            .header("Content-Type", "application/json")
            .body(body.to_string())
    }

    /// Send a request (built again for a retry) with the bearer token when
    /// `auth`; an `expired` 401 refreshes and sends once more.
    async fn exchange(
        &self,
        auth: bool,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<Reply, ClientError> {
        let token = if auth {
            self.fresh_tokens().await
        } else {
            None
        };
        let reply = self.send(build(), token.as_ref()).await?;
        let expired = reply.status == 401
            && reply
                .body
                .get("error")
                .and_then(|e| e.get("details")?.get("reason")?.as_str())
                == Some("expired");
        if auth && expired && token.is_some() {
            let fresh = self.refresh().await?;
            return self.send(build(), Some(&fresh)).await;
        }
        Ok(reply)
    }

    async fn send(
        &self,
        request: reqwest::RequestBuilder,
        tokens: Option<&Tokens>,
    ) -> Result<Reply, ClientError> {
        let request = match tokens {
            Some(tokens) => request.bearer_auth(&tokens.access),
            None => request,
        };
        let response = request.send().await.map_err(network)?;
        let status = response.status().as_u16();
        let header = response
            .headers()
            .get(invalidation::HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = response.bytes().await.map_err(network)?;
        let body = if bytes.is_empty() {
            Json::Null
        } else {
            parse_json(&bytes).map_err(|e| ClientError::Decode(format!("{e} ({status})")))?
        };
        Ok(Reply {
            status,
            body,
            header,
        })
    }

    // -- WebSocket (protocol 12) --

    async fn socket_call(&self, function: &str, args: Args) -> Result<Json, ClientError> {
        let tokens = self.fresh_tokens().await;
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let (sender, receiver) = oneshot::channel();
        {
            let mut socket = self.inner.socket.lock().await;
            let token = tokens.map(|t| t.access);
            let stale = socket
                .as_ref()
                .is_some_and(|s| s.token != token || s.closed.load(Ordering::Relaxed));
            if stale {
                if let Some(mut old) = socket.take() {
                    let _ = old.sink.close().await;
                }
            }
            if socket.is_none() {
                *socket = Some(self.connect(token).await?);
            }
            let Some(open) = socket.as_mut() else {
                return Err(network("the socket is not open"));
            };
            lock(&open.pending).insert(id, sender);
            let frame = Json::object([
                ("id", Json::Int(id.to_string())),
                ("fn", Json::str(function)),
                ("args", args.to_json()),
            ]);
            if let Err(error) = open.sink.send(Message::text(frame.canonical())).await {
                *socket = None;
                return Err(network(error));
            }
        }
        let answer = receiver
            .await
            .map_err(|_| network("the socket closed before the answer"))?;
        self.inner.socket_calls.fetch_add(1, Ordering::Relaxed);
        if answer.get("error").is_some() {
            return Err(ClientError::from_envelope(None, &answer));
        }
        self.apply_invalidation(Some(answer.get("invalidate").unwrap_or(&Json::Null)), None);
        answer
            .get("result")
            .cloned()
            .ok_or_else(|| ClientError::Decode("a socket answer without a result".into()))
    }

    /// Open the socket (the bearer token in the upgrade request) and start
    /// the reader that hands each answer to its caller by `id`.
    async fn connect(&self, token: Option<String>) -> Result<Socket, ClientError> {
        let url = self.url("ws/");
        let url = match url.strip_prefix("https://") {
            Some(rest) => format!("wss://{rest}"),
            None => format!("ws://{}", url.trim_start_matches("http://")),
        };
        let mut request = url.into_client_request().map_err(network)?;
        if let Some(token) = &token {
            let value = format!("Bearer {token}").parse().map_err(network)?;
            request.headers_mut().insert("Authorization", value);
        }
        let (stream, _) = tokio_tungstenite::connect_async(request)
            .await
            .map_err(network)?;
        let (sink, mut source) = stream.split();
        let pending: Pending = Arc::default();
        let answers = pending.clone();
        let closed = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let ended = closed.clone();
        tokio::spawn(async move {
            while let Some(Ok(message)) = source.next().await {
                let Message::Text(text) = message else {
                    continue;
                };
                let Ok(frame) = parse_json_str(text.as_str()) else {
                    continue;
                };
                let id = frame.get("id").and_then(Json::as_i64);
                let waiting = id
                    .and_then(|id| u64::try_from(id).ok())
                    .and_then(|id| lock(&answers).remove(&id));
                if let Some(waiting) = waiting {
                    let _ = waiting.send(frame);
                }
            }
            ended.store(true, Ordering::Relaxed); // the next call opens a new socket
            lock(&answers).clear(); // the callers still waiting learn it closed
        });
        Ok(Socket {
            sink,
            pending,
            token,
            closed,
        })
    }
}

/// The body of a successful answer; the error of an error answer.
fn settle(status: u16, body: Json) -> Result<Json, ClientError> {
    if status >= 400 || body.get("error").is_some() {
        return Err(ClientError::from_envelope(Some(status), &body));
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = r#"{"contexts": {"order": {"keys": [
        {"name": "customer_id", "type": {"kind": "primitive", "name": "int64"}},
        {"name": "order_id", "type": {"kind": "primitive", "name": "int64"}}]},
        "price": {"keys": [{"name": "amount", "type": {"kind": "primitive", "name": "decimal"}}]}},
        "websocket": []}"#;

    fn client() -> Client {
        Client::new(TABLE, "http://127.0.0.1:1/api/mizan").unwrap_or_else(|e| panic!("{e}"))
    }

    fn order(customer: &str, order: &str) -> Args {
        let mut args = Args::new();
        args.put("customer_id", &customer).ok();
        args.put("order_id", &order).ok();
        args
    }

    fn store(client: &Client, context: &str, keys: &Args) {
        let instance = client
            .instance(context, keys)
            .unwrap_or_else(|e| panic!("{e}"));
        let bundle = Bundle {
            context: context.to_string(),
            params: instance.params.clone(),
            data: Json::object(Vec::<(String, Json)>::new()),
        };
        lock(&client.inner.cache).set(instance, Arc::new(bundle));
    }

    fn entry(context: &str, params: &[(&str, &str)]) -> Entry {
        let params = params
            .iter()
            .map(|(k, v)| (k.to_string(), Some(v.to_string())))
            .collect();
        Entry::new(context, params)
    }

    #[test]
    fn tiers_drop_what_their_entries_cover() {
        let client = client();
        for (customer, id) in [("1", "7"), ("1", "8"), ("2", "9")] {
            store(&client, "order", &order(customer, id));
        }
        client.invalidate(&[entry("order", &[("customer_id", "1"), ("order_id", "7")])]);
        let cached = |c, o| client.is_cached("order", &order(c, o));
        assert!(
            !cached("1", "7") && cached("1", "8") && cached("2", "9"),
            "exact"
        );
        client.invalidate(&[entry("order", &[("customer_id", "1")])]);
        assert!(!cached("1", "8") && cached("2", "9"), "partial");
        client.invalidate(&[entry("order", &[])]);
        assert!(!cached("2", "9"), "global");
    }

    #[test]
    fn an_unreadable_header_or_star_drops_everything() {
        let client = client();
        store(&client, "order", &order("1", "7"));
        client.apply_invalidation(None, Some("order;customer_id=2"));
        assert!(client.is_cached("order", &order("1", "7")));
        client.apply_invalidation(None, Some("order;%zz"));
        assert!(!client.is_cached("order", &order("1", "7")));
        store(&client, "order", &order("1", "7"));
        client.apply_invalidation(Some(&Json::Array(Vec::new())), Some("*"));
        assert!(!client.is_cached("order", &order("1", "7")));
    }

    #[test]
    fn key_texts_follow_the_key_types() {
        let mut keys = Args::new();
        keys.put("amount", &crate::wire::Decimal::new("9.90")).ok();
        let instance = client()
            .instance("price", &keys)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            instance.params,
            vec![("amount".to_string(), Some("9.9".to_string()))]
        );
    }

    #[test]
    fn an_error_envelope_is_a_typed_error() {
        let body = crate::json::parse_json_str(
            r#"{"error": {"code": "forbidden", "message": "You are not allowed to do this.", "details": null}}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let error = settle(403, body)
            .err()
            .unwrap_or_else(|| panic!("no error"));
        assert_eq!(error.code(), Some(ErrorCode::Forbidden));
        assert_eq!(ErrorCode::Forbidden.status(), 403);
        assert!(matches!(error, ClientError::Api { status: 403, .. }));
    }

    #[test]
    fn the_token_expiry_is_read_from_its_claims() {
        let claims = crate::json::b64url_encode(br#"{"exp":1700000000,"sub":"1"}"#);
        assert_eq!(
            token_expiry(&format!("e30.{claims}.sig")),
            Some(1_700_000_000)
        );
        assert_eq!(token_expiry("not a token"), None);
    }
}
