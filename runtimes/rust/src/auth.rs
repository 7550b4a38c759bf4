//! Identity (protocol 9-11): JWT access and refresh tokens minted byte for
//! byte and verified in the fixed order, guards, spent refresh tokens
//! (rotation with reuse detection), MWT and CSRF tokens.

use std::collections::HashMap;
use std::sync::Mutex;

use hmac::{Hmac, Mac};
use jsonwebtoken::{crypto, Algorithm, DecodingKey, EncodingKey};
use sha2::Sha256;

use crate::json::{b64url_decode, b64url_encode, parse_json, Json};

type HmacSha256 = Hmac<Sha256>;

/// Claims an application may not set itself.
pub const RESERVED_CLAIMS: [&str; 8] = ["aud", "exp", "iat", "iss", "jti", "nbf", "sub", "typ"];

/// Why a token was refused (`details.reason` of the 401).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenError(pub &'static str);

/// `auth { jwt ... }` of the workspace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JwtSettings {
    pub algorithm: String,
    pub access_ttl: i64,
    pub refresh_ttl: i64,
    pub issuer: Option<String>,
    pub audience: Option<String>,
}

impl JwtSettings {
    /// From `{"algorithm", "access_ttl", "refresh_ttl", "issuer", "audience"}`.
    pub fn from_json(node: &Json) -> Option<JwtSettings> {
        let text = |name: &str| node.get(name).and_then(Json::as_str).map(str::to_string);
        Some(JwtSettings {
            algorithm: text("algorithm")?,
            access_ttl: node.get("access_ttl")?.as_i64()?,
            refresh_ttl: node.get("refresh_ttl")?.as_i64()?,
            issuer: text("issuer"),
            audience: text("audience"),
        })
    }

    fn jose(&self) -> Option<Algorithm> {
        Some(match self.algorithm.as_str() {
            "HS256" => Algorithm::HS256,
            "HS384" => Algorithm::HS384,
            "HS512" => Algorithm::HS512,
            "RS256" => Algorithm::RS256,
            "ES256" => Algorithm::ES256,
            _ => return None,
        })
    }
}

/// The keys tokens are signed and verified with.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl JwtKeys {
    /// A shared secret (HS256, HS384, HS512), its UTF-8 bytes when text.
    pub fn secret(secret: &[u8]) -> JwtKeys {
        JwtKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }

    /// An RSA key pair (RS256) in DER: private PKCS#1, public PKCS#1.
    pub fn rsa_der(private: &[u8], public: &[u8]) -> JwtKeys {
        JwtKeys {
            encoding: EncodingKey::from_rsa_der(private),
            decoding: DecodingKey::from_rsa_der(public),
        }
    }

    /// An EC P-256 key pair (ES256) in DER: private PKCS#8, public point.
    pub fn ec_der(private: &[u8], public: &[u8]) -> JwtKeys {
        JwtKeys {
            encoding: EncodingKey::from_ec_der(private),
            decoding: DecodingKey::from_ec_der(public),
        }
    }
}

/// The claims of a new token; access tokens carry the extra claims, refresh
/// tokens a `jti` instead.
pub fn token_claims(
    settings: &JwtSettings,
    typ: &str,
    sub: &str,
    iat: i64,
    extra: &[(String, Json)],
    jti: Option<&str>,
) -> Result<Json, TokenError> {
    let ttl = if typ == "access" {
        settings.access_ttl
    } else {
        settings.refresh_ttl
    };
    let mut claims = vec![
        ("exp".to_string(), Json::int(iat + ttl)),
        ("iat".to_string(), Json::int(iat)),
        ("sub".to_string(), Json::str(sub)),
        ("typ".to_string(), Json::str(typ)),
    ];
    if let Some(issuer) = &settings.issuer {
        claims.push(("iss".to_string(), Json::str(issuer.clone())));
    }
    if let Some(audience) = &settings.audience {
        claims.push(("aud".to_string(), Json::str(audience.clone())));
    }
    if typ == "refresh" {
        match jti {
            Some(jti) if !jti.is_empty() => claims.push(("jti".to_string(), Json::str(jti))),
            _ => return Err(TokenError("malformed")),
        }
    } else {
        for (name, value) in extra {
            if RESERVED_CLAIMS.contains(&name.as_str()) {
                return Err(TokenError("malformed"));
            }
            claims.push((name.clone(), value.clone()));
        }
    }
    Ok(Json::Object(claims))
}

/// A signed token of these claims: header and claims in canonical JSON.
pub fn encode_token(
    settings: &JwtSettings,
    keys: &JwtKeys,
    claims: &Json,
) -> Result<String, TokenError> {
    let algorithm = settings.jose().ok_or(TokenError("algorithm"))?;
    let header = Json::object([
        ("alg", Json::str(settings.algorithm.clone())),
        ("typ", Json::str("JWT")),
    ]);
    let signing_input = format!(
        "{}.{}",
        b64url_encode(header.canonical().as_bytes()),
        b64url_encode(claims.canonical().as_bytes())
    );
    let signature = crypto::sign(signing_input.as_bytes(), &keys.encoding, algorithm)
        .map_err(|_| TokenError("signature"))?;
    Ok(format!("{signing_input}.{signature}"))
}

/// Mints an access or refresh token.
pub fn mint_token(
    settings: &JwtSettings,
    keys: &JwtKeys,
    typ: &str,
    sub: &str,
    iat: i64,
    extra: &[(String, Json)],
    jti: Option<&str>,
) -> Result<String, TokenError> {
    let claims = token_claims(settings, typ, sub, iat, extra, jti)?;
    encode_token(settings, keys, &claims)
}

/// The claims of a valid token of type `typ` at `now`, or why not (9.3).
pub fn verify_token(
    settings: &JwtSettings,
    keys: &JwtKeys,
    token: &str,
    typ: &str,
    now: i64,
) -> Result<Json, TokenError> {
    const MALFORMED: TokenError = TokenError("malformed");
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 || !token.is_ascii() {
        return Err(MALFORMED);
    }
    let header = b64url_decode(parts[0]).ok_or(MALFORMED)?;
    let claims = b64url_decode(parts[1]).ok_or(MALFORMED)?;
    b64url_decode(parts[2]).ok_or(MALFORMED)?;
    let header = parse_json(&header).map_err(|_| MALFORMED)?;
    let claims = parse_json(&claims).map_err(|_| MALFORMED)?;
    if header.as_object().is_none() || claims.as_object().is_none() || header.get("crit").is_some()
    {
        return Err(MALFORMED);
    }
    let alg = header.get("alg").and_then(Json::as_str).ok_or(MALFORMED)?;
    if alg != settings.algorithm {
        return Err(TokenError("algorithm"));
    }
    let algorithm = settings.jose().ok_or(TokenError("algorithm"))?;
    let signing_input = format!("{}.{}", parts[0], parts[1]);
    let verified = crypto::verify(
        parts[2],
        signing_input.as_bytes(),
        &keys.decoding,
        algorithm,
    )
    .unwrap_or(false);
    if !verified {
        return Err(TokenError("signature"));
    }
    let is_int = |name: &str| matches!(claims.get(name), Some(Json::Int(_)));
    let non_empty = |name: &str| {
        claims
            .get(name)
            .and_then(Json::as_str)
            .is_some_and(|s| !s.is_empty())
    };
    let claim_typ = claims.get("typ").and_then(Json::as_str).ok_or(MALFORMED)?;
    let mut well_formed = non_empty("sub") && is_int("iat") && is_int("exp");
    if typ == "refresh" && claim_typ == "refresh" {
        well_formed = well_formed && non_empty("jti");
    }
    if !well_formed {
        return Err(MALFORMED);
    }
    if claim_typ != typ {
        return Err(TokenError("wrong_type"));
    }
    if claims.get("iss") != settings.issuer.clone().map(Json::Str).as_ref() {
        return Err(TokenError("issuer"));
    }
    if claims.get("aud") != settings.audience.clone().map(Json::Str).as_ref() {
        return Err(TokenError("audience"));
    }
    let live = match claims.get("exp") {
        Some(Json::Int(text)) => text
            .parse::<i64>()
            .map_or(!text.starts_with('-'), |exp| now < exp),
        _ => false,
    };
    if !live {
        return Err(TokenError("expired"));
    }
    Ok(claims)
}

// --- guards ------------------------------------------------------------------------

/// A guard of the IR: a claim, and the value it must equal (none: truthy).
#[derive(Clone, Debug, PartialEq)]
pub struct Guard {
    pub claim: String,
    pub value: Option<Json>,
}

impl Guard {
    pub fn from_json(node: &Json) -> Option<Guard> {
        Some(Guard {
            claim: node.get("claim")?.as_str()?.to_string(),
            value: node.get("value").filter(|v| !v.is_null()).cloned(),
        })
    }

    /// Does an access token with these claims pass?
    pub fn allows(&self, claims: &Json) -> bool {
        match (claims.get(&self.claim), &self.value) {
            (None, _) => false,
            (Some(claim), None) => truthy(claim),
            (Some(claim), Some(value)) => json_equal(claim, value),
        }
    }
}

/// JSON truthiness: false for null, false, 0, "", [] and {}.
pub fn truthy(value: &Json) -> bool {
    match value {
        Json::Null => false,
        Json::Bool(b) => *b,
        Json::Int(text) => text != "0",
        Json::Float(f) => *f != 0.0,
        Json::Str(s) => !s.is_empty(),
        Json::Array(items) => !items.is_empty(),
        Json::Object(members) => !members.is_empty(),
    }
}

/// Equality of JSON values: numbers by value, a boolean never equals a number.
pub fn json_equal(left: &Json, right: &Json) -> bool {
    match (left, right) {
        (Json::Int(a), Json::Int(b)) => a == b,
        (Json::Int(a), Json::Float(b)) | (Json::Float(b), Json::Int(a)) => {
            a.parse::<f64>().is_ok_and(|a| a == *b)
        }
        (Json::Float(a), Json::Float(b)) => a == b,
        (Json::Array(a), Json::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| json_equal(x, y))
        }
        (Json::Object(a), Json::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(k, v)| b.iter().any(|(k2, v2)| k == k2 && json_equal(v, v2)))
        }
        _ => left == right,
    }
}

// --- spent refresh tokens ------------------------------------------------------------

/// Refresh token ids already spent (rotation): each works once.
pub trait UsedTokens: Send + Sync {
    /// Marks `jti` used until `exp`; false when it already was.
    fn use_once(&self, jti: &str, exp: i64) -> bool;
}

/// [`UsedTokens`] for one process.
#[derive(Default)]
pub struct MemoryUsedTokens {
    used: Mutex<HashMap<String, i64>>,
}

impl UsedTokens for MemoryUsedTokens {
    fn use_once(&self, jti: &str, exp: i64) -> bool {
        let now = unix_now();
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        if used.len() > 1024 {
            used.retain(|_, until| *until > now);
        }
        if used.contains_key(jti) {
            return false;
        }
        used.insert(jti.to_string(), exp);
        true
    }
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> Option<[u8; N]> {
    let mut buffer = [0u8; N];
    getrandom::fill(&mut buffer).ok()?;
    Some(buffer)
}

/// A fresh refresh token id: 128 random bits as 32 lowercase hex digits.
pub fn new_jti() -> Option<String> {
    random_bytes::<16>().map(|b| crate::json::hex(&b))
}

fn mac(secret: &[u8], tag: &[u8], text: &str) -> Vec<u8> {
    // HMAC accepts keys of any length, so new_from_slice cannot fail.
    match HmacSha256::new_from_slice(secret) {
        Ok(mut mac) => {
            mac.update(tag);
            mac.update(text.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

fn same_mac(secret: &[u8], tag: &[u8], text: &str, given: &[u8]) -> bool {
    match HmacSha256::new_from_slice(secret) {
        Ok(mut mac) => {
            mac.update(tag);
            mac.update(text.as_bytes());
            mac.verify_slice(given).is_ok()
        }
        Err(_) => false,
    }
}

// --- MWT (11) ----------------------------------------------------------------------

pub const MWT_TTL: i64 = 300;
pub const MWT_COOKIE: &str = "mizan_mwt";
pub const MWT_HEADER: &str = "X-Mizan-MWT";
const MWT_TAG: &[u8] = b"mizan-mwt-v1\x00";

pub fn mint_mwt(secret: &[u8], identity: &str, exp: i64) -> String {
    let signed = format!("v1.{}.{exp}", b64url_encode(identity.as_bytes()));
    let mac = mac(secret, MWT_TAG, &signed);
    format!("{signed}.{}", b64url_encode(&mac))
}

/// The identity an MWT carries, or why not (`malformed`, `signature`, `expired`).
pub fn verify_mwt(secret: &[u8], token: &str, now: i64) -> Result<String, TokenError> {
    const MALFORMED: TokenError = TokenError("malformed");
    let parts: Vec<&str> = token.split('.').collect();
    let exp_ok = |text: &str| {
        text == "0"
            || (!text.is_empty()
                && text.len() <= 16
                && !text.starts_with('0')
                && text.bytes().all(|b| b.is_ascii_digit()))
    };
    if parts.len() != 4 || parts[0] != "v1" || !token.is_ascii() || !exp_ok(parts[2]) {
        return Err(MALFORMED);
    }
    let identity = b64url_decode(parts[1])
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or(MALFORMED)?;
    let given = b64url_decode(parts[3]).ok_or(MALFORMED)?;
    if identity.is_empty() {
        return Err(MALFORMED);
    }
    if !same_mac(secret, MWT_TAG, &parts[..3].join("."), &given) {
        return Err(TokenError("signature"));
    }
    let exp: i64 = parts[2].parse().map_err(|_| MALFORMED)?;
    if now >= exp {
        return Err(TokenError("expired"));
    }
    Ok(identity)
}

// --- CSRF (10) ----------------------------------------------------------------------

pub const CSRF_COOKIE: &str = "mizan_csrf";
pub const CSRF_HEADER: &str = "X-Mizan-CSRF";
const CSRF_TAG: &[u8] = b"mizan-csrf-v1\x00";
const NONCE_BYTES: usize = 32;

/// A token from this nonce (tests) or a fresh random one.
pub fn make_csrf_token(secret: &[u8], nonce: Option<&[u8]>) -> Option<String> {
    let nonce_text = match nonce {
        Some(nonce) => b64url_encode(nonce),
        None => b64url_encode(&random_bytes::<NONCE_BYTES>()?),
    };
    let mac = mac(secret, CSRF_TAG, &nonce_text);
    Some(format!("{nonce_text}.{}", b64url_encode(&mac)))
}

/// A token this server made.
pub fn csrf_token_valid(secret: &[u8], token: &str) -> bool {
    let Some((nonce_text, mac_text)) = token.split_once('.') else {
        return false;
    };
    if !token.is_ascii() {
        return false;
    }
    match (b64url_decode(nonce_text), b64url_decode(mac_text)) {
        (Some(nonce), Some(mac)) => {
            nonce.len() == NONCE_BYTES && same_mac(secret, CSRF_TAG, nonce_text, &mac)
        }
        _ => false,
    }
}

/// `None` when the request passes; else `missing`, `mismatch` or `invalid`.
pub fn check_csrf(
    secret: &[u8],
    cookie: Option<&str>,
    header: Option<&str>,
) -> Option<&'static str> {
    let (Some(cookie), Some(header)) = (
        cookie.filter(|c| !c.is_empty()),
        header.filter(|h| !h.is_empty()),
    ) else {
        return Some("missing");
    };
    let equal = cookie.len() == header.len()
        && cookie
            .bytes()
            .zip(header.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if !equal {
        return Some("mismatch");
    }
    if csrf_token_valid(secret, cookie) {
        None
    } else {
        Some("invalid")
    }
}
