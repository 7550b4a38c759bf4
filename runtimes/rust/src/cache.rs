//! The origin bundle cache (protocol 8): the HMAC cache key, and stores of
//! bundle bytes that never keep a bundle computed before an invalidation.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::invalidation::Entry;
use crate::json::{hex, utf16_cmp};

const TAG: &[u8] = b"mizan-cache-key-v1\x00";

/// The identity a bundle is cached for: `public`, `anon` or `user:<sub>`.
pub fn cache_identity(vary: &str, subject: Option<&str>) -> String {
    match (vary, subject) {
        ("public", _) => "public".to_string(),
        (_, None) => "anon".to_string(),
        (_, Some(sub)) => format!("user:{sub}"),
    }
}

fn push_text(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(&(text.len() as u32).to_be_bytes());
    out.extend_from_slice(text.as_bytes());
}

/// The canonical message of 8.1.
pub fn cache_message(
    context: &str,
    params: &[(String, Option<String>)],
    identity: &str,
) -> Vec<u8> {
    let mut out = TAG.to_vec();
    push_text(&mut out, context);
    out.extend_from_slice(&(params.len() as u32).to_be_bytes());
    let mut sorted: Vec<&(String, Option<String>)> = params.iter().collect();
    sorted.sort_by(|a, b| utf16_cmp(&a.0, &b.0));
    for (key, value) in sorted {
        push_text(&mut out, key);
        match value {
            None => out.push(0),
            Some(text) => {
                out.push(1);
                push_text(&mut out, text);
            }
        }
    }
    push_text(&mut out, identity);
    out
}

/// Lowercase hex of HMAC-SHA256(secret, message): 64 characters.
pub fn cache_key(
    secret: &[u8],
    context: &str,
    params: &[(String, Option<String>)],
    identity: &str,
) -> String {
    match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mut mac) => {
            mac.update(&cache_message(context, params, identity));
            hex(&mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

/// Origin cache of bundle bodies, keyed by [`cache_key`].
///
/// A fetch reads `generation(context)` before computing a bundle and passes
/// it to `put`, which stores nothing when an invalidation of that context
/// happened in between.
pub trait BundleCache: Send + Sync {
    fn get(&self, key: &str) -> Option<Vec<u8>>;
    fn generation(&self, context: &str) -> u64;
    fn put(
        &self,
        key: &str,
        context: &str,
        params: &[(String, Option<String>)],
        body: &[u8],
        ttl: u64,
        generation: u64,
    ) -> bool;
    /// Drops every bundle an entry covers, for every identity.
    fn invalidate(&self, entries: &[Entry]);
    /// The `*` form: everything is stale.
    fn invalidate_all(&self);
}

struct Stored {
    expires: Instant,
    context: String,
    params: Vec<(String, Option<String>)>,
    body: Vec<u8>,
}

#[derive(Default)]
struct MemoryState {
    entries: HashMap<String, Stored>,
    by_context: HashMap<String, HashSet<String>>,
    generations: HashMap<String, u64>,
}

impl MemoryState {
    fn drop_key(&mut self, key: &str) {
        if let Some(stored) = self.entries.remove(key) {
            if let Some(keys) = self.by_context.get_mut(&stored.context) {
                keys.remove(key);
            }
        }
    }
}

/// [`BundleCache`] for one process, bounded by `max_entries`.
pub struct MemoryBundleCache {
    state: Mutex<MemoryState>,
    max_entries: usize,
}

impl Default for MemoryBundleCache {
    fn default() -> Self {
        MemoryBundleCache::new(10_000)
    }
}

impl MemoryBundleCache {
    pub fn new(max_entries: usize) -> MemoryBundleCache {
        MemoryBundleCache {
            state: Mutex::new(MemoryState::default()),
            max_entries: max_entries.max(1),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, MemoryState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl BundleCache for MemoryBundleCache {
    fn get(&self, key: &str) -> Option<Vec<u8>> {
        let mut state = self.state();
        let expired = state.entries.get(key)?.expires <= Instant::now();
        if expired {
            state.drop_key(key);
            return None;
        }
        state.entries.get(key).map(|s| s.body.clone())
    }

    fn generation(&self, context: &str) -> u64 {
        self.state().generations.get(context).copied().unwrap_or(0)
    }

    fn put(
        &self,
        key: &str,
        context: &str,
        params: &[(String, Option<String>)],
        body: &[u8],
        ttl: u64,
        generation: u64,
    ) -> bool {
        if ttl == 0 {
            return false;
        }
        let mut state = self.state();
        if state.generations.get(context).copied().unwrap_or(0) != generation {
            return false;
        }
        state.drop_key(key);
        while state.entries.len() >= self.max_entries {
            let Some(victim) = state.entries.keys().next().cloned() else {
                break;
            };
            state.drop_key(&victim);
        }
        state.entries.insert(
            key.to_string(),
            Stored {
                expires: Instant::now() + Duration::from_secs(ttl),
                context: context.to_string(),
                params: params.to_vec(),
                body: body.to_vec(),
            },
        );
        state
            .by_context
            .entry(context.to_string())
            .or_default()
            .insert(key.to_string());
        true
    }

    fn invalidate(&self, entries: &[Entry]) {
        let mut state = self.state();
        for entry in entries {
            *state.generations.entry(entry.context.clone()).or_insert(0) += 1;
            let keys: Vec<String> = state
                .by_context
                .get(&entry.context)
                .map(|k| k.iter().cloned().collect())
                .unwrap_or_default();
            for key in keys {
                let covered = state
                    .entries
                    .get(&key)
                    .is_some_and(|stored| entry.params.iter().all(|p| stored.params.contains(p)));
                if covered {
                    state.drop_key(&key);
                }
            }
        }
    }

    fn invalidate_all(&self) {
        let mut state = self.state();
        let contexts: Vec<String> = state
            .by_context
            .keys()
            .chain(state.generations.keys())
            .cloned()
            .collect();
        for context in contexts {
            *state.generations.entry(context).or_insert(0) += 1;
        }
        state.entries.clear();
        state.by_context.clear();
    }
}

#[cfg(feature = "redis")]
pub use self::redis_backend::{RedisBundleCache, RedisUsedTokens};

#[cfg(feature = "redis")]
mod redis_backend {
    //! The same contracts in Redis, for several processes: each store and
    //! each invalidation is one Lua script, so processes never interleave
    //! inside one (the generation check happens in the same step as the write).

    use std::sync::Mutex;

    use super::BundleCache;
    use crate::auth::{unix_now, UsedTokens};
    use crate::invalidation::Entry;
    use crate::params::key_texts_json;

    const PUT: &str = r"
local g = tonumber(redis.call('GET', KEYS[2]) or '0')
    + tonumber(redis.call('GET', KEYS[3]) or '0')
if g ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
redis.call('HSET', KEYS[4], ARGV[5], ARGV[4])
if redis.call('TTL', KEYS[4]) < tonumber(ARGV[3]) then
    redis.call('EXPIRE', KEYS[4], ARGV[3])
end
return 1
";

    const INVALIDATE: &str = r"
redis.call('INCR', KEYS[1])
local wanted = cjson.decode(ARGV[1])
local all = redis.call('HGETALL', KEYS[2])
local dropped = 0
for i = 1, #all, 2 do
    local stored = cjson.decode(all[i + 1])
    local covered = true
    for k, v in pairs(wanted) do
        if stored[k] ~= v then
            covered = false
            break
        end
    end
    if covered then
        redis.call('DEL', ARGV[2] .. all[i])
        redis.call('HDEL', KEYS[2], all[i])
        dropped = dropped + 1
    end
end
return dropped
";

    /// [`BundleCache`] in Redis, with the key layout of the Python servers'
    /// `RedisBundleCache`, so Python and Rust processes can share one.
    pub struct RedisBundleCache {
        connection: Mutex<redis::Connection>,
        namespace: String,
    }

    impl RedisBundleCache {
        pub fn new(
            client: &redis::Client,
            namespace: &str,
        ) -> redis::RedisResult<RedisBundleCache> {
            Ok(RedisBundleCache {
                connection: Mutex::new(client.get_connection()?),
                namespace: namespace.to_string(),
            })
        }

        fn connection(&self) -> std::sync::MutexGuard<'_, redis::Connection> {
            self.connection.lock().unwrap_or_else(|e| e.into_inner())
        }

        fn body_key(&self, key: &str) -> String {
            format!("{}:bundle:{key}", self.namespace)
        }

        fn generation_key(&self, context: &str) -> String {
            format!("{}:gen:{context}", self.namespace)
        }

        fn index_key(&self, context: &str) -> String {
            format!("{}:index:{context}", self.namespace)
        }
    }

    impl BundleCache for RedisBundleCache {
        fn get(&self, key: &str) -> Option<Vec<u8>> {
            redis::cmd("GET")
                .arg(self.body_key(key))
                .query::<Option<Vec<u8>>>(&mut *self.connection())
                .ok()
                .flatten()
        }

        fn generation(&self, context: &str) -> u64 {
            let values: Vec<Option<u64>> = redis::cmd("MGET")
                .arg(self.generation_key(context))
                .arg(self.generation_key("*"))
                .query(&mut *self.connection())
                .unwrap_or_default();
            values.into_iter().flatten().sum()
        }

        fn put(
            &self,
            key: &str,
            context: &str,
            params: &[(String, Option<String>)],
            body: &[u8],
            ttl: u64,
            generation: u64,
        ) -> bool {
            if ttl == 0 {
                return false;
            }
            redis::Script::new(PUT)
                .key(self.body_key(key))
                .key(self.generation_key(context))
                .key(self.generation_key("*"))
                .key(self.index_key(context))
                .arg(generation)
                .arg(body)
                .arg(ttl)
                .arg(key_texts_json(params).canonical())
                .arg(key)
                .invoke::<i64>(&mut *self.connection())
                .is_ok_and(|stored| stored == 1)
        }

        fn invalidate(&self, entries: &[Entry]) {
            let mut connection = self.connection();
            for entry in entries {
                let _ = redis::Script::new(INVALIDATE)
                    .key(self.generation_key(&entry.context))
                    .key(self.index_key(&entry.context))
                    .arg(key_texts_json(&entry.params).canonical())
                    .arg(self.body_key(""))
                    .invoke::<i64>(&mut *connection);
            }
        }

        fn invalidate_all(&self) {
            let mut connection = self.connection();
            let _ = redis::cmd("INCR")
                .arg(self.generation_key("*"))
                .query::<i64>(&mut *connection);
            let indexes: Vec<String> = redis::cmd("KEYS")
                .arg(format!("{}:index:*", self.namespace))
                .query(&mut *connection)
                .unwrap_or_default();
            for index in indexes {
                let keys: Vec<String> = redis::cmd("HKEYS")
                    .arg(&index)
                    .query(&mut *connection)
                    .unwrap_or_default();
                for key in keys {
                    let _ = redis::cmd("DEL")
                        .arg(self.body_key(&key))
                        .query::<i64>(&mut *connection);
                }
                let _ = redis::cmd("DEL").arg(&index).query::<i64>(&mut *connection);
            }
        }
    }

    /// Spent refresh token ids in Redis, kept until the token's expiry.
    pub struct RedisUsedTokens {
        connection: Mutex<redis::Connection>,
        namespace: String,
    }

    impl RedisUsedTokens {
        pub fn new(client: &redis::Client, namespace: &str) -> redis::RedisResult<RedisUsedTokens> {
            Ok(RedisUsedTokens {
                connection: Mutex::new(client.get_connection()?),
                namespace: namespace.to_string(),
            })
        }
    }

    impl UsedTokens for RedisUsedTokens {
        fn use_once(&self, jti: &str, exp: i64) -> bool {
            let ttl = (exp - unix_now()).max(1);
            let mut connection = self.connection.lock().unwrap_or_else(|e| e.into_inner());
            redis::cmd("SET")
                .arg(format!("{}:jti:{jti}", self.namespace))
                .arg("1")
                .arg("NX")
                .arg("EX")
                .arg(ttl)
                .query::<Option<String>>(&mut *connection)
                .is_ok_and(|reply| reply.is_some())
        }
    }
}
