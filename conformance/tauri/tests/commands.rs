//! The generated commands driven through Tauri's mock runtime with what a
//! webview may send: every answer is an envelope with a coded error, never a
//! panic or a rejected invoke; the subscription reaches the other windows.

use std::sync::Arc;

use fixture_api::ServerConfig;
use fixture_tauri::{app, envelope_parts, fixture, invoke, subscribe, window, Pushes, Window};
use tauri::ipc::{InvokeBody, InvokeResponseBody};

const LIMIT: usize = 2048;

fn setup(name: &str) -> (tauri::App<tauri::test::MockRuntime>, Window, Pushes) {
    let database =
        std::env::temp_dir().join(format!("mizan-tauri-{name}-{}.sqlite3", std::process::id()));
    let path = database.to_string_lossy().to_string();
    let fixture = tauri::async_runtime::block_on(fixture::Fixture::seeded(&path));
    let config = ServerConfig::new("a secret").max_body_size(LIMIT);
    let pushes: Pushes = Arc::default();
    let app = app(fixture, config, &pushes);
    let main = window(&app, "main");
    (app, main, pushes)
}

/// (status, error code or "", body) of one command.
fn ask(
    webview: &Window,
    cmd: &str,
    headers: &[(&str, &str)],
    body: InvokeBody,
) -> (u16, String, String) {
    let answer = invoke(webview, cmd, headers, body);
    let Ok(InvokeResponseBody::Json(envelope)) = answer else {
        panic!("{cmd} did not answer an envelope: {answer:?}");
    };
    let (status, _, body) = envelope_parts(&envelope);
    let text = String::from_utf8(body).unwrap_or_default();
    let parsed: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let code = parsed["error"]["code"].as_str().unwrap_or("").to_string();
    (status, code, text)
}

fn raw(text: &[u8]) -> InvokeBody {
    InvokeBody::Raw(text.to_vec())
}

#[test]
fn a_call_answers_the_envelope() {
    let (_app, main, _) = setup("call");
    let (status, code, body) = ask(
        &main,
        "mizan_call",
        &[],
        raw(br#"{"fn":"echo","args":{"value":[1]}}"#),
    );
    assert_eq!((status, code.as_str()), (200, ""), "{body}");
    assert!(body.starts_with(r#"{"invalidate":[],"result":"#), "{body}");
    // A JSON payload (parsed by Tauri first) is the same call.
    let json = InvokeBody::Json(serde_json::json!({"fn": "echo", "args": {"value": [1]}}));
    assert_eq!(ask(&main, "mizan_call", &[], json).2, body);
}

#[test]
fn malformed_payloads_get_the_http_codes() {
    let (_app, main, _) = setup("malformed");
    let cases: &[(&str, &[(&str, &str)], &[u8], u16, &str)] = &[
        ("mizan_call", &[], b"{not json", 400, "bad_request"),
        ("mizan_call", &[], b"\xff\xfe", 400, "bad_request"),
        ("mizan_call", &[], b"[1,2]", 400, "bad_request"),
        (
            "mizan_call",
            &[],
            br#"{"fn":"echo","args":{"value":1},"fn":"echo"}"#,
            400,
            "bad_request",
        ),
        (
            "mizan_call",
            &[],
            br#"{"fn":"nope","args":{}}"#,
            404,
            "not_found",
        ),
        (
            "mizan_call",
            &[],
            br#"{"fn":"echo","args":{"value":1,"extra":2}}"#,
            400,
            "invalid_arguments",
        ),
        (
            "mizan_call",
            &[("mizan-content-type", "text/plain")],
            b"{}",
            415,
            "unsupported_media_type",
        ),
        (
            "mizan_call",
            &[("mizan-method", "GET")],
            b"",
            405,
            "method_not_allowed",
        ),
        (
            "mizan_call",
            &[("mizan-path", "session/")],
            b"",
            404,
            "not_found",
        ),
        (
            "mizan_call",
            &[("mizan-path", "manifest/")],
            b"",
            404,
            "not_found",
        ),
        (
            "mizan_bundle",
            &[("mizan-path", "ws/")],
            b"",
            404,
            "not_found",
        ),
        ("mizan_bundle", &[], b"", 404, "not_found"),
        (
            "mizan_bundle",
            &[("mizan-path", "ctx/nowhere/")],
            b"",
            404,
            "not_found",
        ),
        (
            "mizan_auth",
            &[("mizan-path", "auth/mwt/")],
            b"{}",
            404,
            "not_found",
        ),
        (
            "mizan_form",
            &[("mizan-path", "form/Nope/submit/")],
            b"{}",
            404,
            "not_found",
        ),
        (
            "mizan_call",
            &[("authorization", "Bearer forged.token.here")],
            br#"{"fn":"echo","args":{"value":1}}"#,
            401,
            "unauthenticated",
        ),
        (
            "mizan_call",
            &[("authorization", "Basic abc")],
            br#"{"fn":"echo","args":{"value":1}}"#,
            401,
            "unauthenticated",
        ),
    ];
    for (cmd, headers, body, status, code) in cases {
        let got = ask(&main, cmd, headers, raw(body));
        assert_eq!(
            (got.0, got.1.as_str()),
            (*status, *code),
            "{cmd} {headers:?} {:?}: {}",
            String::from_utf8_lossy(body),
            got.2
        );
    }
}

#[test]
fn an_oversized_body_is_payload_too_large() {
    let (_app, main, _) = setup("large");
    let mut body = br#"{"fn":"echo","args":{"value":""#.to_vec();
    body.extend(std::iter::repeat_n(b'x', LIMIT));
    body.extend(br#""}}"#);
    let (status, code, _) = ask(&main, "mizan_call", &[], raw(&body));
    assert_eq!((status, code.as_str()), (413, "payload_too_large"));
}

#[test]
fn random_payloads_and_headers_never_panic() {
    let (_app, main, _) = setup("random");
    let commands = [
        "mizan_call",
        "mizan_bundle",
        "mizan_form",
        "mizan_auth",
        "mizan_render",
        "mizan_ir",
    ];
    let pieces: [&[u8]; 12] = [
        b"{",
        b"}",
        b"\"fn\":",
        b"\"echo\"",
        b"\"args\":",
        b"[",
        b"]",
        b",",
        b"\xc3",
        b"1e999",
        b"null",
        b"\"\\ud800\"",
    ];
    let paths = [
        "",
        "call/",
        "ctx/board/?board_id=%ff",
        "form/NoteForm/validate/",
        "auth/token/",
        "ir/",
        "../",
        "ctx/board/?board_id=1&board_id=2",
        "\u{7f}",
    ];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    for _ in 0..300 {
        let mut body = Vec::new();
        for _ in 0..next(12) {
            body.extend_from_slice(pieces[next(pieces.len())]);
        }
        let cmd = commands[next(commands.len())];
        let path = paths[next(paths.len())];
        let method = ["", "GET", "POST", "PUT", "\u{0}"][next(5)];
        let headers = [("mizan-path", path), ("mizan-method", method)];
        let (status, code, text) = ask(&main, cmd, &headers, raw(&body));
        assert!(
            status == 200 || !code.is_empty(),
            "{cmd} {path} {method}: {status} {text}"
        );
        assert_ne!(status, 500, "{cmd} {path} {method}: {text}");
    }
}

#[test]
fn a_bad_channel_is_refused_without_a_panic() {
    let (_app, main, _) = setup("channel");
    let body = InvokeBody::Json(serde_json::json!({"channel": "not a channel"}));
    assert!(invoke(&main, "mizan_subscribe", &[], body).is_err());
    assert!(invoke(&main, "mizan_subscribe", &[], raw(b"\x00")).is_err());
}

#[test]
fn invalidations_are_pushed_to_the_other_windows() {
    let (app, main, pushes) = setup("pushes");
    let second = window(&app, "second");
    subscribe(&main, 1);
    subscribe(&second, 2);
    let (status, _, body) = ask(
        &main,
        "mizan_call",
        &[],
        raw(br#"{"fn":"add_note","args":{"board_id":"5","text":"x"}}"#),
    );
    assert_eq!(status, 200, "{body}");
    let pushed = pushes.lock().map(|p| p.clone()).unwrap_or_default();
    let entries = body
        .split_once(r#""invalidate":"#)
        .map(|(_, rest)| rest)
        .unwrap_or("");
    let message = &pushed["second"][0];
    assert!(
        message.starts_with(r#"{"invalidate":[{"context":"board""#),
        "{message}"
    );
    assert!(
        entries.starts_with(&message[14..message.len() - 1]),
        "{message} vs {body}"
    );
    assert!(
        !pushed.contains_key("main"),
        "the caller is answered, not pushed"
    );
}
