//! The probes speak HTTP, so this app listens on `PORT` and turns each
//! request into the IPC message a webview sends, the way the TypeScript
//! client's IPC transport does (runtimes/ts/src/ipc.ts): the command of the
//! path's family, the path and method in `mizan-*` headers, the bearer token,
//! the body's bytes. Tauri's mock runtime dispatches it to the generated
//! command, and the envelope's status, headers and body become the HTTP
//! response. Cookies are not sent: IPC has none. `X-Ipc-Window: second`
//! sends from the second window; `GET /__ipc/pushes/<window>` answers what
//! that window's subscription channel was pushed so far.
//!
//! Usage: `fixture-tauri PORT` with the settings of conformance/config.py in
//! the environment (see `fixture::settings`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use fixture_tauri::Window;
use fixture_tauri::{app, command, envelope_parts, fixture, invoke, subscribe, window, Pushes};
use tauri::ipc::{InvokeBody, InvokeResponseBody};
use tauri::Manager;

fn status(code: StatusCode, body: String) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = code;
    response
}

async fn bridge(
    request: Request,
    prefix: Arc<String>,
    windows: Arc<HashMap<String, Window>>,
    pushes: Pushes,
) -> Response {
    let full = request.uri().path().to_string();
    if let Some(label) = full.strip_prefix("/__ipc/pushes/") {
        let seen = pushes
            .lock()
            .map(|p| p.get(label).cloned().unwrap_or_default())
            .unwrap_or_default();
        return Response::new(Body::from(format!("[{}]", seen.join(","))));
    }
    let Some(path) = full.strip_prefix(prefix.as_str()) else {
        return status(StatusCode::NOT_FOUND, String::new());
    };
    let path = match request.uri().query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_string(),
    };
    // Read before the body is awaited: a borrowed request is not `Sync`.
    let (headers, label) = {
        // A header sent on several lines is one value joined with `, `.
        let header = |name: &str| {
            let lines: Vec<&str> = request
                .headers()
                .get_all(name)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect();
            (!lines.is_empty()).then(|| lines.join(", "))
        };
        let method = request.method().as_str().to_string();
        let mut headers = vec![("mizan-path", path.clone()), ("mizan-method", method)];
        if let Some(media) = header("content-type") {
            headers.push(("mizan-content-type", media));
        }
        if let Some(authorization) = header("authorization") {
            headers.push(("authorization", authorization));
        }
        let label = header("x-ipc-window").unwrap_or_else(|| "main".to_string());
        (headers, label)
    };
    let Some(webview) = windows.get(&label).cloned() else {
        return status(StatusCode::BAD_REQUEST, format!("no window {label}"));
    };
    let body = match axum::body::to_bytes(request.into_body(), usize::MAX).await {
        Ok(bytes) => bytes.to_vec(),
        Err(_) => Vec::new(),
    };
    let answered = tokio::task::spawn_blocking(move || {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        invoke(&webview, command(&path), &headers, InvokeBody::Raw(body))
    })
    .await;
    let envelope = match answered {
        Ok(Ok(InvokeResponseBody::Json(envelope))) => envelope,
        other => return status(StatusCode::BAD_GATEWAY, format!("{other:?}")),
    };
    let (code, headers, body) = envelope_parts(&envelope);
    let mut response = status(
        StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_GATEWAY),
        String::new(),
    );
    *response.body_mut() = Body::from(body);
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    response
}

fn main() {
    let port = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "8000".to_string());
    let (config, path) = fixture::settings();
    // The pool lives on the runtime the commands run on.
    let fixture = tauri::async_runtime::block_on(fixture::Fixture::seeded(&path));
    let prefix = Arc::new(config.prefix.clone());
    let pushes: Pushes = Arc::default();
    let app = app(fixture, config, &pushes);
    let mut windows = HashMap::new();
    for (channel, label) in ["main", "second"].into_iter().enumerate() {
        let webview = window(&app, label);
        subscribe(&webview, channel as u32 + 7);
        windows.insert(label.to_string(), webview);
    }
    let subscribed = app.state::<fixture_api::MizanIpc>().server().subscribers();
    assert_eq!(subscribed, 2, "every window subscribed");
    let windows = Arc::new(windows);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("no runtime: {e}"));
    runtime.block_on(async move {
        let service = axum::routing::any(move |request: Request| {
            bridge(
                request,
                Arc::clone(&prefix),
                Arc::clone(&windows),
                Arc::clone(&pushes),
            )
        });
        let router = axum::Router::new().fallback(service);
        let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}"))
            .await
            .unwrap_or_else(|e| panic!("cannot listen on {port}: {e}"));
        axum::serve(listener, router)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    });
}
