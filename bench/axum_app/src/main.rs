//! `axum-bench PORT`: the generated dispatch and a hand-written handler,
//! side by side in one process (bench/axum.py drives them with wrk).

use axum::body::Bytes;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use mizan_bench_api::{mizan_router, Caller, Int64, Item, MizanError, ServerConfig, Service};
use serde::{Deserialize, Serialize};

const SECRET: &str = "bench-secret-not-for-production-32-bytes";

fn make_item(id: Int64) -> Item {
    Item {
        id,
        name: format!("item {}", id.0),
        tags: vec!["a".to_string(), "b".to_string()],
    }
}

struct Bench;

impl Service for Bench {
    async fn echo(&self, _caller: Caller, id: Int64) -> Result<Item, MizanError> {
        Ok(make_item(id))
    }

    async fn item_main(&self, _caller: Caller, id: Int64) -> Result<Item, MizanError> {
        Ok(make_item(id))
    }

    async fn item_tags(&self, _caller: Caller, id: Int64) -> Result<Vec<String>, MizanError> {
        Ok(vec!["new".into(), "sale".into(), format!("t{}", id.0 % 7)])
    }

    async fn item_score(&self, _caller: Caller, id: Int64) -> Result<i32, MizanError> {
        i32::try_from(id.0.saturating_mul(3)).map_err(|_| MizanError::internal())
    }

    async fn item_related(&self, _caller: Caller, id: Int64) -> Result<Vec<Item>, MizanError> {
        Ok((1..=3).map(|k| make_item(Int64(id.0 + k))).collect())
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EchoArgs {
    id: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EchoCall {
    #[serde(rename = "fn")]
    function: String,
    args: EchoArgs,
}

#[derive(Serialize)]
struct HandItem {
    id: String,
    name: String,
    tags: Vec<String>,
}

#[derive(Serialize)]
struct Reply {
    invalidate: Vec<()>,
    result: HandItem,
}

/// The same work written by hand: read the call, build the record, answer
/// the same canonical bytes (members in sorted order, int64 as a string).
async fn hand(body: Bytes) -> Response {
    let Ok(call) = serde_json::from_slice::<EchoCall>(&body) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let Ok(id) = call.args.id.parse::<i64>() else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    if call.function != "echo" {
        return StatusCode::NOT_FOUND.into_response();
    }
    let reply = Reply {
        invalidate: Vec::new(),
        result: HandItem {
            id: id.to_string(),
            name: format!("item {id}"),
            tags: vec!["a".to_string(), "b".to_string()],
        },
    };
    match serde_json::to_vec(&reply) {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

fn main() {
    let port = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "8000".to_string());
    let config = ServerConfig::new(SECRET).prefix("/api/mizan/");
    let app = axum::Router::new()
        .merge(mizan_router(Bench, config))
        .route("/hand/call/", post(hand));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("no runtime: {e}"));
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}"))
            .await
            .unwrap_or_else(|e| panic!("cannot listen on {port}: {e}"));
        axum::serve(listener, app)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    });
}
