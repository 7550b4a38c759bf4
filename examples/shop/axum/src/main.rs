//! `shop-axum PORT`: the shop served by Axum under /api/mizan/ (the
//! secrets from MIZAN_SECRET and MIZAN_JWT_SECRET, fresh ones otherwise).

mod shop;

use mizan_runtime::auth::JwtKeys;
use shop_axum::{mizan_router, ServerConfig};

fn setting(name: &str, fallback: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| fallback.to_string())
}

#[tokio::main]
async fn main() {
    let port = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "8000".to_string());
    let secret = setting("MIZAN_SECRET", "a development secret of at least 32 bytes");
    let jwt = setting("MIZAN_JWT_SECRET", &secret);
    let config = ServerConfig::new(secret).jwt_keys(JwtKeys::secret(jwt.as_bytes()));
    // Served at the config's prefix, /api/mizan/ by default.
    let app = mizan_router(shop::Shop::default(), config);
    match tokio::net::TcpListener::bind(("127.0.0.1", port.parse().unwrap_or(8000))).await {
        Ok(listener) => {
            if let Err(error) = axum::serve(listener, app).await {
                eprintln!("shop-axum: {error}");
            }
        }
        Err(error) => eprintln!("shop-axum: cannot listen on {port}: {error}"),
    }
}
