//! `shop-desktop`: the shop as a Tauri 2 desktop app. Its two windows (`a`
//! and `b`, tauri.conf.json) run the generated React client (ui/) over IPC;
//! the generated commands of stubs/shop_tauri serve the shop's Rust
//! implementation, the very one the Axum server serves (../axum/src/shop.rs).
//!
//! With SHOP_DESKTOP_E2E=1 the pages drive a scenario on their own
//! (ui/src/main.tsx): each step is reported through `e2e_report` and printed
//! on stdout as one line `e2e {"window":...,"step":...,"detail":...}`, and
//! the app exits when its stdin closes. tests/rust/test_tauri_window.py reads
//! those lines. MIZAN_SECRET and MIZAN_JWT_SECRET set the secrets.

#[path = "../../axum/src/shop.rs"]
mod shop;

use std::collections::BTreeSet;
use std::io::{BufRead, Write};
use std::sync::Mutex;

use mizan_runtime::auth::JwtKeys;
use serde_json::{json, Value};
use shop_axum::{mizan_handler, mizan_ipc, ServerConfig};
use tauri::{Runtime, State, Webview};

/// The variable that makes the pages drive the test scenario.
const DRIVEN: &str = "SHOP_DESKTOP_E2E";

/// The scenario's steps the windows reported, as `window:step`.
struct Steps {
    driven: bool,
    seen: Mutex<BTreeSet<String>>,
}

/// Do the pages drive the test scenario?
#[tauri::command]
fn e2e_driven(steps: State<'_, Steps>) -> bool {
    steps.driven
}

/// A page's step: one line on stdout, remembered for `e2e_seen`.
#[tauri::command]
fn e2e_report<R: Runtime>(
    webview: Webview<R>,
    steps: State<'_, Steps>,
    step: String,
    detail: Value,
) {
    if !steps.driven {
        return;
    }
    let label = webview.label();
    let line = json!({"window": label, "step": step, "detail": detail});
    let mut out = std::io::stdout().lock();
    // stdout closed: nobody reads the steps, the scenario still runs.
    let _ = writeln!(out, "e2e {line}").and_then(|()| out.flush());
    if let Ok(mut seen) = steps.seen.lock() {
        seen.insert(format!("{label}:{step}"));
    }
}

/// Has `window` reported `step`?
#[tauri::command]
fn e2e_seen(steps: State<'_, Steps>, window: String, step: String) -> bool {
    steps
        .seen
        .lock()
        .is_ok_and(|seen| seen.contains(&format!("{window}:{step}")))
}

/// The app's own commands (the scenario's).
fn e2e_handler<R: Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![e2e_driven, e2e_report, e2e_seen]
}

fn setting(name: &str, fallback: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| fallback.to_string())
}

fn main() {
    let secret = setting("MIZAN_SECRET", "a development secret of at least 32 bytes");
    let jwt = setting("MIZAN_JWT_SECRET", &secret);
    let config = ServerConfig::new(secret).jwt_keys(JwtKeys::secret(jwt.as_bytes()));
    let driven = std::env::var(DRIVEN).is_ok_and(|value| value == "1");
    // The generated commands and the app's own: one invoke handler.
    let mizan = mizan_handler::<tauri::Wry>();
    let own = e2e_handler::<tauri::Wry>();
    let built = tauri::Builder::default()
        .manage(mizan_ipc(shop::Shop::default(), config))
        .manage(Steps {
            driven,
            seen: Mutex::new(BTreeSet::new()),
        })
        .invoke_handler(move |invoke| {
            if invoke.message.command().starts_with("e2e_") {
                own(invoke)
            } else {
                mizan(invoke)
            }
        })
        .build(tauri::generate_context!());
    let app = match built {
        Ok(app) => app,
        Err(error) => {
            eprintln!("shop-desktop: {error}");
            std::process::exit(1);
        }
    };
    if driven {
        // The test ends the app by closing its stdin (or sending `quit`).
        let handle = app.handle().clone();
        std::thread::spawn(move || {
            for line in std::io::stdin().lock().lines() {
                match line {
                    Ok(line) if line.trim() == "quit" => break,
                    Ok(_) => continue,
                    Err(_) => break,
                }
            }
            handle.exit(0);
        });
    }
    app.run(|_, _| {});
}
