//! The protocol over a desktop app's IPC (the generated Tauri commands):
//! each request goes through the same endpoints, limits and checks as over
//! HTTP, so its answer is byte for byte the HTTP answer, wrapped in an
//! envelope the webview reads: `{"status":S,"headers":[[name,value],...],"body":B}`
//! (`B` the JSON body as it is, or a text body as a JSON string).
//!
//! What IPC has no use for is refused as an unknown path: cookies, the CSRF
//! session, the WebSocket upgrade, the edge manifest and MWT (the identity
//! is the bearer token the app holds). The `X-Mizan-Invalidate` header is
//! left out (the body carries the list); instead every invalidating answer
//! is pushed to the subscribers of the other windows.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::Request;
use http_body_util::BodyExt;

use super::{Dispatch, ServerConfig, Spec, JSON_TYPE};
use crate::errors::MizanError;
use crate::json::{parse_json, Json};

/// The operation families a generated command serves, by the first segment
/// of their paths; anything else is not served over IPC.
pub const FAMILIES: &[(&str, &str, &str)] = &[
    // (command family, path prefix, method)
    ("call", "call/", "POST"),
    ("bundle", "ctx/", "GET"),
    ("render", "render/", "GET"),
    ("form", "form/", "GET"),
    ("auth", "auth/", "POST"),
    ("ir", "ir/", "GET"),
];

/// Response headers an IPC answer keeps (the rest are HTTP's business).
const KEPT_HEADERS: &[&str] = &["allow", "content-type", "www-authenticate", "x-mizan-cache"];

/// One request from the webview.
#[derive(Clone, Debug, Default)]
pub struct IpcRequest {
    /// The command family (`call`, `bundle`, `render`, `form`, `auth`, `ir`).
    pub family: String,
    /// `GET` or `POST`; empty: the family's method.
    pub method: String,
    /// The path under the prefix with its query (`ctx/board/?board=1`);
    /// empty for `call` (always `call/`).
    pub path: String,
    /// The `Authorization` header's value (`Bearer <access token>`).
    pub authorization: Option<String>,
    /// The body's media type (JSON unless it is a multipart upload).
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// An answer: the HTTP status, the kept headers and the body's bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpcAnswer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl IpcAnswer {
    fn error(error: &MizanError) -> IpcAnswer {
        let mut headers = vec![("content-type".to_string(), JSON_TYPE.to_string())];
        if error.code() == "unauthenticated" {
            headers.push(("www-authenticate".to_string(), "Bearer".to_string()));
        }
        IpcAnswer {
            status: error.status(),
            headers,
            body: error.body().canonical().into_bytes(),
        }
    }

    /// The body's media type, without parameters.
    pub fn media_type(&self) -> &str {
        self.headers
            .iter()
            .find(|(name, _)| name == "content-type")
            .map_or("", |(_, value)| {
                value.split(';').next().unwrap_or("").trim()
            })
    }

    /// The envelope the command answers with (the body last, verbatim when JSON).
    pub fn envelope(&self) -> String {
        let headers = Json::Array(
            self.headers
                .iter()
                .map(|(n, v)| Json::Array(vec![Json::str(n.clone()), Json::str(v.clone())]))
                .collect(),
        );
        let body = match std::str::from_utf8(&self.body) {
            Ok(text) if self.media_type() == JSON_TYPE && !text.is_empty() => text.to_string(),
            Ok(text) => Json::str(text).canonical(),
            Err(_) => Json::str(String::from_utf8_lossy(&self.body)).canonical(),
        };
        format!(
            "{{\"status\":{},\"headers\":{},\"body\":{}}}",
            self.status,
            headers.canonical(),
            body
        )
    }

    /// The body's `invalidate` list when it is a non-empty one of a 200.
    fn invalidations(&self) -> Option<Json> {
        if self.status != 200 || self.media_type() != JSON_TYPE {
            return None;
        }
        let body = parse_json(&self.body).ok()?;
        let entries = body.get("invalidate")?;
        (!entries.as_array()?.is_empty()).then(|| entries.clone())
    }
}

/// A subscriber: the window it belongs to and where its pushes go (false:
/// it is gone and is dropped).
type Push = Box<dyn Fn(&str) -> bool + Send + Sync>;

/// The protocol's endpoints for IPC, and the windows subscribed to invalidations.
pub struct IpcServer {
    server: Arc<super::Server>,
    subscribers: Mutex<Vec<(String, Push)>>,
}

impl IpcServer {
    pub fn new(
        spec: &Spec,
        dispatch: Arc<dyn Dispatch>,
        config: ServerConfig,
    ) -> Result<IpcServer, String> {
        let config = config.prefix("/");
        Ok(IpcServer {
            server: Arc::new(super::Server::new(spec, dispatch, config)?),
            subscribers: Mutex::new(Vec::new()),
        })
    }

    /// Answers one request from the window `window`; an answer with
    /// invalidations is pushed to every other subscribed window as
    /// `{"invalidate":[...]}`.
    pub async fn request(&self, window: &str, request: IpcRequest) -> IpcAnswer {
        let answer = match self.http_request(request) {
            Ok(http) => self.answer(http).await,
            Err(error) => IpcAnswer::error(&error),
        };
        if let Some(entries) = answer.invalidations() {
            let push = Json::object([("invalidate", entries)]).canonical();
            self.push(window, &push);
        }
        answer
    }

    /// Adds a subscriber of `window`: `push` gets each invalidation message
    /// (canonical JSON) caused by another window, until it returns false.
    pub fn subscribe(&self, window: &str, push: Push) {
        self.lock().push((window.to_string(), push));
    }

    /// How many subscribers are registered.
    pub fn subscribers(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(String, Push)>> {
        self.subscribers.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn push(&self, from: &str, message: &str) {
        self.lock()
            .retain(|(window, push)| window == from || push(message));
    }

    fn http_request(&self, request: IpcRequest) -> Result<Request, MizanError> {
        let not_found = || MizanError::not_found(Json::Null);
        let (_, prefix, method) = FAMILIES
            .iter()
            .find(|(family, _, _)| *family == request.family)
            .ok_or_else(not_found)?;
        let path = if request.family == "call" && request.path.is_empty() {
            "call/".to_string()
        } else {
            request.path.trim_start_matches('/').to_string()
        };
        // MWT is the edge's identity; over IPC the app holds its bearer token.
        if !path.starts_with(prefix) || path.starts_with("auth/mwt/") || path.contains('#') {
            return Err(not_found());
        }
        let route = path.split('?').next().unwrap_or("");
        let method = match request.method.as_str() {
            "" if route.ends_with("/validate/") || route.ends_with("/submit/") => {
                "POST".to_string()
            }
            "" => method.to_string(),
            given => given.to_ascii_uppercase(),
        };
        let mut builder = Request::builder()
            .method(method.as_str())
            .uri(format!("/{path}"))
            .header("content-length", request.body.len().to_string());
        if let Some(authorization) = &request.authorization {
            builder = builder.header("authorization", authorization.as_str());
        }
        let content_type = request.content_type.as_deref().unwrap_or(JSON_TYPE);
        builder = builder.header("content-type", content_type);
        builder
            .body(Body::from(request.body))
            .map_err(|_| MizanError::bad_request("shape"))
    }

    async fn answer(&self, request: Request) -> IpcAnswer {
        let response = Arc::clone(&self.server).handle(request).await;
        let (head, body) = response.into_parts();
        let body = match body.collect().await {
            Ok(collected) => collected.to_bytes().to_vec(),
            Err(_) => return IpcAnswer::error(&MizanError::internal()),
        };
        let mut headers = Vec::new();
        for (name, value) in &head.headers {
            if KEPT_HEADERS.contains(&name.as_str()) {
                if let Ok(value) = value.to_str() {
                    headers.push((name.as_str().to_string(), value.to_string()));
                }
            }
        }
        IpcAnswer {
            status: head.status.as_u16(),
            headers,
            body,
        }
    }
}
