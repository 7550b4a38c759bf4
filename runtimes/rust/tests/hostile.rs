//! What a request controls never panics the runtime: random and mutated
//! inputs to every reader of request data (JSON, multipart, invalidation
//! headers, query strings, tokens, CSRF, MWT, values of every type).

use mizan_runtime::auth::{check_csrf, verify_mwt, verify_token, JwtKeys, JwtSettings};
use mizan_runtime::invalidation::parse_header;
use mizan_runtime::json::{parse_json, Json};
use mizan_runtime::multipart;
use mizan_runtime::values::{decode, parse_key, Schema, Type};

/// xorshift64*: the same inputs on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// `seed` with a few random edits (insert, delete, replace bytes).
    fn mutate(&mut self, seed: &[u8], alphabet: &[u8]) -> Vec<u8> {
        let mut out = seed.to_vec();
        for _ in 0..=self.below(4) {
            let at = self.below(out.len() + 1);
            let byte = if self.below(4) == 0 {
                self.next() as u8
            } else {
                alphabet[self.below(alphabet.len())]
            };
            match self.below(3) {
                0 => out.insert(at, byte),
                1 if at < out.len() => {
                    out.remove(at);
                }
                _ if at < out.len() => out[at] = byte,
                _ => out.push(byte),
            }
        }
        out
    }
}

const JSON_SEEDS: [&str; 6] = [
    r#"{"fn": "echo", "args": {"value": [1, 2.5, "x"], "big": "9007199254740993"}}"#,
    r#"{"a": {"b": [true, false, null, -0.0, 1e400, "\ud83d\ude00"]}}"#,
    r#"[[[[[[[[[[[[]]]]]]]]]]]]"#,
    r#""\u0000\n\t\\\"""#,
    r#"{"id": 1, "auth": "x.y.z"}"#,
    "12345678901234567890123456789",
];

#[test]
fn random_json_never_panics_and_accepted_text_round_trips() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let alphabet = br#"{}[]":,.-+eE0123456789truefalsn\u \"d83"#;
    for i in 0..20_000 {
        let seed = JSON_SEEDS[i % JSON_SEEDS.len()].as_bytes();
        let input = rng.mutate(seed, alphabet);
        if let Ok(value) = parse_json(&input) {
            let text = value.canonical();
            let again = parse_json(text.as_bytes());
            // Only a non-finite float (1e400) cannot be written back as itself.
            if !text.contains("null") {
                assert_eq!(again.map(|v| v.canonical()).ok(), Some(text));
            }
        }
    }
    let deep = "[".repeat(100_000);
    assert!(parse_json(deep.as_bytes()).is_err());
}

#[test]
fn values_of_every_type_never_panic() {
    let schema = Schema::default();
    let types: Vec<Type> = [
        "bool", "int", "int64", "float", "decimal", "str", "date", "datetime", "uuid", "bytes",
        "json",
    ]
    .iter()
    .map(|name| Type::Primitive((*name).to_string()))
    .collect();
    let mut rng = Rng(42);
    let seeds = [
        "\"2024-02-29T23:59:59.999999999+23:59\"",
        "\"9999-12-31T23:30:00-01:00\"",
        "\"-0.000\"",
        "\"9223372036854775807\"",
        "\"aGVsbG8=\"",
        "\"6F9619FF-8B86-D011-B42D-00CF4FC964FF\"",
        "1e308",
        "-2147483648.0",
    ];
    for i in 0..20_000 {
        let input = rng.mutate(seeds[i % seeds.len()].as_bytes(), b"0123456789-:.TZ+e\"=aG");
        let Ok(value) = parse_json(&input) else {
            continue;
        };
        for ty in &types {
            let _ = decode(ty, &value, &schema, "");
            let list = Type::List(Box::new(Type::Nullable(Box::new(ty.clone()))));
            let _ = decode(&list, &Json::Array(vec![value.clone()]), &schema, "");
            if let Json::Str(text) = &value {
                let _ = parse_key(ty, text, &schema, "k");
            }
        }
    }
}

#[test]
fn multipart_headers_and_tokens_never_panic() {
    let mut rng = Rng(7);
    let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"fn\"\r\n\r\nattach\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\\\"b\"\r\nContent-Type: text/plain\r\n\r\nhi\r\n--XyZ--\r\n";
    let settings = JwtSettings {
        algorithm: "HS256".to_string(),
        access_ttl: 900,
        refresh_ttl: 3600,
        issuer: None,
        audience: None,
    };
    let keys = JwtKeys::secret(b"secret");
    let token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl";
    for _ in 0..20_000 {
        let mutated = rng.mutate(body, b"-\r\n\";=XyZ:");
        let _ = multipart::parse(&mutated, Some("multipart/form-data; boundary=XyZ"));
        let header = rng.mutate(b"order;customer_id=4%C3%A9;b,stats , *", b"%;=,* \tA");
        if let Ok(text) = std::str::from_utf8(&header) {
            let _ = parse_header(text);
        }
        let forged = rng.mutate(token.as_bytes(), b".-_=A");
        if let Ok(text) = std::str::from_utf8(&forged) {
            let _ = verify_token(&settings, &keys, text, "access", 0);
            let _ = verify_mwt(b"secret", text, 0);
            let _ = check_csrf(b"secret", Some(text), Some(text));
        }
    }
}

#[cfg(feature = "server")]
#[test]
fn query_strings_and_cookies_never_panic() {
    use mizan_runtime::server::{cookie_map, query_pairs};
    let mut rng = Rng(99);
    for _ in 0..20_000 {
        let query = rng.mutate(b"tag=caf%C3%A9&day=2024-01-31&x&&=y+z%", b"%&=+C3A9");
        if let Some(pairs) = query_pairs(&query) {
            assert!(pairs
                .iter()
                .all(|(k, _)| !k.is_empty() || query.contains(&b'=')));
        }
        let cookies = rng.mutate(b"mizan_csrf=a.b; mizan_access=x; a=1", b";= a");
        if let Ok(text) = std::str::from_utf8(&cookies) {
            let _ = cookie_map(text);
        }
    }
}
