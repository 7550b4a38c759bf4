//! The conformance fixture (fixture.rs) served by the generated Axum crate.
//!
//! Usage: `fixture-app PORT` with the settings of conformance/config.py in
//! the environment (see `fixture::settings`).

mod fixture;

use fixture_api::mizan_router;

fn main() {
    let port = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "8000".to_string());
    let (config, path) = fixture::settings();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("no runtime: {e}"));
    runtime.block_on(async move {
        let fixture = fixture::Fixture::seeded(&path).await;
        let app = mizan_router(fixture, config);
        let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}"))
            .await
            .unwrap_or_else(|e| panic!("cannot listen on {port}: {e}"));
        axum::serve(listener, app)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    });
}
