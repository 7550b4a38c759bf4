//! Tauri's build step (tauri.conf.json, the app's ACL, the window icon).
//! `tauri::generate_context!` embeds dist/ at compile time; the folder is
//! made empty when the frontend has not been built (`cargo clippy
//! --workspace` on a fresh clone), so the crate always compiles: the windows
//! are then blank until `vite build` fills it (tests/rust/test_tauri_window.py).

fn main() {
    let dist = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("dist");
    if let Err(error) = std::fs::create_dir_all(&dist) {
        println!("cargo::warning=cannot create {}: {error}", dist.display());
    }
    tauri_build::build();
}
