//! The bundle cache contract (protocol 8.2) on memory and on a real
//! redis-server, and refresh-token rotation (9.5): what vectors cannot show.

use std::sync::Arc;

use mizan_runtime::auth::{MemoryUsedTokens, UsedTokens};
use mizan_runtime::cache::{BundleCache, MemoryBundleCache};
use mizan_runtime::invalidation::Entry;

fn params(pairs: &[(&str, Option<&str>)]) -> Vec<(String, Option<String>)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.map(String::from)))
        .collect()
}

fn contract(cache: &dyn BundleCache) {
    let order_1_9 = params(&[("customer_id", Some("1")), ("order_id", Some("9"))]);
    let order_2_9 = params(&[("customer_id", Some("2")), ("order_id", Some("9"))]);
    let g = cache.generation("order");
    assert!(cache.put("k1", "order", &order_1_9, b"one", 60, g));
    assert!(cache.put("k2", "order", &order_2_9, b"two", 60, g));
    assert!(cache.put("k3", "stats", &[], b"three", 60, cache.generation("stats")));
    assert_eq!(cache.get("k1").as_deref(), Some(&b"one"[..]));
    assert_eq!(cache.get("nope"), None);
    // ttl 0 is never stored
    assert!(!cache.put(
        "k4",
        "order",
        &order_1_9,
        b"x",
        0,
        cache.generation("order")
    ));
    // a partial entry drops only the instances it covers
    cache.invalidate(&[Entry::new("order", params(&[("customer_id", Some("1"))]))]);
    assert_eq!(cache.get("k1"), None);
    assert_eq!(cache.get("k2").as_deref(), Some(&b"two"[..]));
    assert_eq!(cache.get("k3").as_deref(), Some(&b"three"[..]));
    // a bundle computed before an invalidation is not stored after it
    let before = cache.generation("order");
    cache.invalidate(&[Entry::new("order", params(&[("customer_id", Some("7"))]))]);
    assert!(!cache.put("k5", "order", &order_1_9, b"stale", 60, before));
    assert_eq!(cache.get("k5"), None);
    // a global entry drops every instance of its context, and only those
    cache.invalidate(&[Entry::new("order", vec![])]);
    assert_eq!(cache.get("k2"), None);
    assert_eq!(cache.get("k3").as_deref(), Some(&b"three"[..]));
    // `*` drops everything and moves every generation
    let stats = cache.generation("stats");
    cache.invalidate_all();
    assert_eq!(cache.get("k3"), None);
    assert!(!cache.put("k6", "stats", &[], b"old", 60, stats));
    assert!(cache.put("k6", "stats", &[], b"new", 60, cache.generation("stats")));
    assert_eq!(cache.get("k6").as_deref(), Some(&b"new"[..]));
}

#[test]
fn memory_cache_keeps_the_contract() {
    contract(&MemoryBundleCache::default());
}

#[test]
fn memory_cache_expires_and_is_bounded() {
    let cache = MemoryBundleCache::new(2);
    for key in ["a", "b", "c"] {
        assert!(cache.put(key, "stats", &[], key.as_bytes(), 60, 0));
    }
    let kept = ["a", "b", "c"]
        .iter()
        .filter(|k| cache.get(k).is_some())
        .count();
    assert_eq!(kept, 2);
    assert!(cache.put("short", "stats", &[], b"x", 1, 0));
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(cache.get("short"), None);
}

#[test]
fn memory_cache_is_shared_between_threads() {
    let cache = Arc::new(MemoryBundleCache::default());
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let cache = Arc::clone(&cache);
            std::thread::spawn(move || {
                for j in 0..200 {
                    let key = format!("{i}-{j}");
                    cache.put(
                        &key,
                        "stats",
                        &[],
                        key.as_bytes(),
                        60,
                        cache.generation("stats"),
                    );
                    if j % 50 == 0 {
                        cache.invalidate(&[Entry::new("stats", vec![])]);
                    }
                }
            })
        })
        .collect();
    for handle in handles {
        assert!(handle.join().is_ok());
    }
}

#[test]
fn refresh_tokens_are_spent_once() {
    let used = MemoryUsedTokens::default();
    let exp = mizan_runtime::auth::unix_now() + 60;
    assert!(used.use_once("abc", exp));
    assert!(!used.use_once("abc", exp));
    assert!(used.use_once("def", exp));
    let jti = mizan_runtime::auth::new_jti().unwrap_or_default();
    assert_eq!(jti.len(), 32);
    assert_ne!(Some(jti), mizan_runtime::auth::new_jti());
}

#[cfg(feature = "redis")]
mod on_redis {
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    use mizan_runtime::auth::UsedTokens;
    use mizan_runtime::cache::{BundleCache, RedisBundleCache, RedisUsedTokens};

    struct Server(Child);

    impl Drop for Server {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    /// A redis-server of its own on a free port (apt-get install redis-server).
    fn start() -> (Server, redis::Client) {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or_else(|e| panic!("no free port: {e}"));
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("redis-server is needed (apt-get install redis-server): {e}")
            });
        let server = Server(child);
        let client = redis::Client::open(format!("redis://127.0.0.1:{port}/0"))
            .unwrap_or_else(|e| panic!("{e}"));
        let started = Instant::now();
        while client.get_connection().is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "redis-server did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        (server, client)
    }

    #[test]
    fn redis_cache_keeps_the_contract_across_connections() {
        let (_server, client) = start();
        let cache = RedisBundleCache::new(&client, "t").unwrap_or_else(|e| panic!("{e}"));
        super::contract(&cache);
        // a second process (connection) sees the same store
        let other = RedisBundleCache::new(&client, "t").unwrap_or_else(|e| panic!("{e}"));
        assert!(cache.put("shared", "stats", &[], b"s", 60, cache.generation("stats")));
        assert_eq!(other.get("shared").as_deref(), Some(&b"s"[..]));
        other.invalidate(&[mizan_runtime::invalidation::Entry::new("stats", vec![])]);
        assert_eq!(cache.get("shared"), None);
        let used = RedisUsedTokens::new(&client, "t").unwrap_or_else(|e| panic!("{e}"));
        let again = RedisUsedTokens::new(&client, "t").unwrap_or_else(|e| panic!("{e}"));
        let exp = mizan_runtime::auth::unix_now() + 60;
        assert!(used.use_once("jti-1", exp));
        assert!(!again.use_once("jti-1", exp));
    }
}
