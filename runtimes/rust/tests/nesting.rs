//! The router served at `config.prefix` alone, and mounted with
//! `Router::nest`: calls and 404s answer either way, and what prints an
//! absolute path (the edge manifest, the refresh cookie's `Path`) follows
//! the path a client sees.
#![cfg(feature = "server")]

#[path = "../../../stubs/shop_axum/src/spec.rs"]
mod spec;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use mizan_runtime::errors::MizanError;
use mizan_runtime::json::{parse_json, Json};
use mizan_runtime::params::Args;
use mizan_runtime::server::{
    router, BoxFuture, Caller, Dispatch, Identity, ServerConfig, Upload, REFRESH_COOKIE,
};
use mizan_runtime::wire::{reply, Reply};
use tower_service::Service;

/// `health` answers "ok"; any credentials are user `u1`'s.
struct Shop;

impl Dispatch for Shop {
    fn call<'a>(
        &'a self,
        _caller: Caller,
        function: &'a str,
        _args: Args,
        _uploads: Vec<(String, Upload)>,
    ) -> BoxFuture<'a, Result<Reply, MizanError>> {
        Box::pin(async move {
            match function {
                "health" => reply("ok"),
                _ => Err(MizanError::internal()),
            }
        })
    }

    fn authenticate(&self, _: Json) -> BoxFuture<'_, Result<Option<Identity>, MizanError>> {
        Box::pin(async { Ok(Some(Identity::new("u1", Vec::new()))) })
    }

    fn identity_of(&self, subject: String) -> BoxFuture<'_, Result<Option<Identity>, MizanError>> {
        Box::pin(async move { Ok(Some(Identity::new(subject, Vec::new()))) })
    }
}

fn app(outer: Option<&str>, prefix: &str) -> Router {
    let config = ServerConfig::new("test-secret").prefix(prefix);
    let Ok(mizan) = router(&spec::SPEC, Arc::new(Shop), config) else {
        panic!("the shop spec makes a router");
    };
    match outer {
        Some(outer) => Router::new().nest(outer, mizan),
        None => mizan,
    }
}

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    match tokio::runtime::Builder::new_current_thread().build() {
        Ok(runtime) => runtime.block_on(future),
        Err(error) => panic!("a runtime: {error}"),
    }
}

struct Answer {
    status: StatusCode,
    cookies: Vec<String>,
    body: Json,
}

async fn send(app: &Router, method: &str, path: &str, body: &str) -> Answer {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()));
    let Ok(request) = request else {
        panic!("a request of {path}");
    };
    let Ok(response) = app.clone().call(request).await;
    let status = response.status();
    let cookies = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap_or_default().to_string())
        .collect();
    let bytes = match response.into_body().collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) => panic!("the body of {path}: {error}"),
    };
    let body = parse_json(&bytes).unwrap_or(Json::Null);
    Answer {
        status,
        cookies,
        body,
    }
}

/// Checks the router mounted at `outer` (or alone) with `prefix`: `seen` is
/// the prefix a client sees.
async fn check(outer: Option<&str>, prefix: &str, seen: &str) {
    let app = app(outer, prefix);
    let call = send(
        &app,
        "POST",
        &format!("{seen}call/"),
        r#"{"fn":"health","args":{}}"#,
    )
    .await;
    assert_eq!(call.status, StatusCode::OK, "{seen}");
    assert_eq!(call.body.canonical(), r#"{"invalidate":[],"result":"ok"}"#);

    let unknown = send(&app, "GET", &format!("{seen}ctx/nowhere/"), "").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.body["error"]["code"].as_str(), Some("not_found"));
    assert_eq!(
        unknown.body["error"]["details"].canonical(),
        r#"{"context":"nowhere"}"#
    );
    let bare = send(&app, "GET", seen.trim_end_matches('/'), "").await;
    assert_eq!(bare.status, StatusCode::NOT_FOUND);
    assert_eq!(bare.body["error"]["code"].as_str(), Some("not_found"));

    let manifest = send(&app, "GET", &format!("{seen}manifest/"), "").await;
    assert_eq!(manifest.status, StatusCode::OK);
    assert_eq!(manifest.body["prefix"].as_str(), Some(seen));
    let product = format!("{seen}ctx/product/");
    let path = manifest.body["contexts"]["product"]["path"].as_str();
    assert_eq!(path, Some(product.as_str()));

    let token = send(
        &app,
        "POST",
        &format!("{seen}auth/token/"),
        r#"{"credentials":{}}"#,
    )
    .await;
    assert_eq!(token.status, StatusCode::OK);
    let refresh: Vec<&String> = token
        .cookies
        .iter()
        .filter(|c| c.starts_with(&format!("{REFRESH_COOKIE}=")))
        .collect();
    assert_eq!(refresh.len(), 1, "{:?}", token.cookies);
    let path = refresh[0].split("; ").find(|a| a.starts_with("Path="));
    assert_eq!(path, Some(format!("Path={seen}auth/").as_str()));
}

#[test]
fn alone_the_router_serves_config_prefix() {
    block_on(async {
        check(None, "/api/mizan/", "/api/mizan/").await;
        check(None, "/rpc/", "/rpc/").await;
    });
}

#[test]
fn nested_paths_follow_the_nest_and_the_prefix() {
    block_on(async {
        check(Some("/outer"), "/api/mizan/", "/outer/api/mizan/").await;
        check(Some("/a/b"), "/rpc/", "/a/b/rpc/").await;
    });
}

#[test]
fn nested_twice_paths_follow_both_nests() {
    let config = ServerConfig::new("test-secret");
    let Ok(mizan) = router(&spec::SPEC, Arc::new(Shop), config) else {
        panic!("the shop spec makes a router");
    };
    let app = Router::new().nest("/x", Router::new().nest("/y", mizan));
    let manifest = block_on(send(&app, "GET", "/x/y/api/mizan/manifest/", ""));
    assert_eq!(manifest.body["prefix"].as_str(), Some("/x/y/api/mizan/"));
}
