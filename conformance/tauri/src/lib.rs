//! The conformance fixture (conformance/axum/src/fixture.rs, the very
//! implementation the Axum app serves) behind the generated Tauri commands,
//! in Tauri's mock runtime (`tauri::test`): the app, its windows and the IPC
//! messages a webview sends, for the bridge (main.rs) and the tests.

#[path = "../../axum/src/fixture.rs"]
pub mod fixture;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use fixture_api::ServerConfig;
use tauri::ipc::{CallbackFn, InvokeBody, InvokeResponseBody};
use tauri::test::INVOKE_KEY;
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

pub type Window = WebviewWindow<MockRuntime>;

/// What each window's subscription channel was sent, by window label.
pub type Pushes = Arc<Mutex<HashMap<String, Vec<String>>>>;

/// The mock app serving `fixture` with the generated commands; channel
/// messages are kept in `pushes` instead of being evaluated in a webview.
pub fn app(fixture: fixture::Fixture, config: ServerConfig, pushes: &Pushes) -> App<MockRuntime> {
    let recorded = Arc::clone(pushes);
    mock_builder()
        .channel_interceptor(move |webview, _callback, _index, body| {
            if let InvokeResponseBody::Json(message) = body {
                if let Ok(mut pushes) = recorded.lock() {
                    let label = webview.label().to_string();
                    pushes.entry(label).or_default().push(message.clone());
                }
            }
            true
        })
        .manage(fixture_api::mizan_ipc(fixture, config))
        .invoke_handler(fixture_api::mizan_handler())
        .build(mock_context(noop_assets()))
        .unwrap_or_else(|e| panic!("the mock app: {e}"))
}

/// A window of `app`.
pub fn window(app: &App<MockRuntime>, label: &str) -> Window {
    WebviewWindowBuilder::new(app, label, Default::default())
        .build()
        .unwrap_or_else(|e| panic!("the window {label}: {e}"))
}

/// The IPC message a webview sends: `cmd` with these headers and body.
pub fn invoke(
    webview: &Window,
    cmd: &str,
    headers: &[(&str, &str)],
    body: InvokeBody,
) -> Result<InvokeResponseBody, serde_json::Value> {
    let mut map = tauri::http::HeaderMap::new();
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            tauri::http::HeaderName::from_bytes(name.as_bytes()),
            tauri::http::HeaderValue::from_str(value),
        ) {
            map.insert(name, value);
        }
    }
    let request = InvokeRequest {
        cmd: cmd.to_string(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost"
            .parse()
            .unwrap_or_else(|e| panic!("{e}")),
        body,
        headers: map,
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(webview, request)
}

/// Subscribes `webview` to invalidations, as the client does when created.
pub fn subscribe(webview: &Window, channel: u32) {
    let body = InvokeBody::Json(serde_json::json!({ "channel": format!("__CHANNEL__:{channel}") }));
    if let Err(error) = invoke(webview, "mizan_subscribe", &[], body) {
        panic!("mizan_subscribe: {error}");
    }
}

/// The command of a path's family (what runtimes/ts/src/ipc.ts does).
pub fn command(path: &str) -> &'static str {
    match path.split('/').next().unwrap_or("") {
        "ctx" => "mizan_bundle",
        "render" => "mizan_render",
        "form" => "mizan_form",
        "auth" => "mizan_auth",
        "ir" => "mizan_ir",
        _ => "mizan_call",
    }
}

/// An envelope's parts: status, headers and the body's bytes (JSON
/// verbatim, the key comes last; a text body decoded from its JSON string).
pub fn envelope_parts(envelope: &str) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let parsed: serde_json::Value = serde_json::from_str(envelope).unwrap_or_default();
    let status = parsed["status"].as_u64().unwrap_or(0) as u16;
    let mut headers = Vec::new();
    for pair in parsed["headers"].as_array().into_iter().flatten() {
        if let (Some(name), Some(value)) = (pair[0].as_str(), pair[1].as_str()) {
            headers.push((name.to_string(), value.to_string()));
        }
    }
    let json = headers
        .iter()
        .any(|(n, v)| n == "content-type" && v.starts_with("application/json"));
    let body = if json {
        envelope
            .find(",\"body\":")
            .map(|at| envelope[at + 8..envelope.len() - 1].as_bytes().to_vec())
            .unwrap_or_default()
    } else {
        parsed["body"].as_str().unwrap_or("").as_bytes().to_vec()
    };
    (status, headers, body)
}
