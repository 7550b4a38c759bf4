//! Replays every file of protocol/vectors/ from the data alone.

use std::collections::BTreeMap;
use std::path::PathBuf;

use mizan_runtime::auth::{
    check_csrf, make_csrf_token, mint_mwt, mint_token, token_claims, verify_mwt, verify_token,
    Guard, JwtKeys, JwtSettings, MWT_TTL,
};
use mizan_runtime::cache::{cache_identity, cache_key, cache_message};
use mizan_runtime::errors::ERROR_CODES;
use mizan_runtime::forms::validate_form;
use mizan_runtime::invalidation::{
    format_header, from_body, parse_header, to_body, Entry, Invalidator, Scoping,
};
use mizan_runtime::json::{hex, parse_json, unhex, Json};
use mizan_runtime::params::{check_upload, key_texts_json, Params};
use mizan_runtime::values::{decode, FieldSpec, Schema, Type};
use mizan_runtime::MizanError;

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../protocol/vectors")
}

fn load(name: &str) -> Json {
    let bytes = std::fs::read(vectors_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    parse_json(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn cases<'a>(file: &'a Json, name: &str) -> &'a [Json] {
    let cases = file.get(name).and_then(Json::as_array).unwrap_or(&[]);
    assert!(!cases.is_empty(), "no cases in {name}");
    cases
}

fn text<'a>(case: &'a Json, name: &str) -> &'a str {
    case.get(name)
        .and_then(Json::as_str)
        .unwrap_or_else(|| panic!("{name} in {case}"))
}

fn int(case: &Json, name: &str) -> i64 {
    case.get(name)
        .and_then(Json::as_i64)
        .unwrap_or_else(|| panic!("{name} in {case}"))
}

fn valid(case: &Json) -> bool {
    case.get("valid")
        .and_then(Json::as_bool)
        .unwrap_or_else(|| panic!("valid in {case}"))
}

fn ty(node: &Json) -> Type {
    Type::from_json(node).unwrap_or_else(|| panic!("type {node}"))
}

fn schema(file: &Json) -> Schema {
    Schema::from_json(file.get("schema").unwrap_or(&Json::Null)).unwrap_or_else(|| panic!("schema"))
}

fn same(left: &Json, right: &Json) -> bool {
    left.canonical() == right.canonical()
}

#[test]
fn every_vector_file_is_replayed() {
    let mut files: Vec<String> = std::fs::read_dir(vectors_dir())
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    files.sort();
    let replayed = [
        "args.json",
        "cache_keys.json",
        "csrf.json",
        "errors.json",
        "forms.json",
        "header.json",
        "invalidation.json",
        "manifest.json",
        "mwt.json",
        "tokens.json",
        "values.json",
    ];
    assert_eq!(files, replayed, "a vector file without its replay here");
}

#[test]
fn values_decode() {
    let file = load("values.json");
    let schema = schema(&file);
    for case in cases(&file, "decode") {
        let input = parse_json(text(case, "input").as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        let result = decode(&ty(&case["type"]), &input, &schema, "");
        match result {
            Ok(value) => {
                assert!(valid(case), "accepted {case}");
                assert_eq!(value.canonical(), text(case, "output"), "{case}");
            }
            Err(problem) => {
                assert!(!valid(case), "refused {case}: {problem:?}");
                assert!(
                    same(&problem.detail(), &case["error"]),
                    "{case}: {problem:?}"
                );
            }
        }
    }
}

#[test]
fn values_keys() {
    let file = load("values.json");
    let schema = schema(&file);
    for case in cases(&file, "keys") {
        let params = Params::new(vec![FieldSpec {
            name: "k".into(),
            ty: ty(&case["type"]),
            default: None,
        }]);
        match params.decode_query(&[("k".into(), text(case, "text").into())], &schema) {
            Ok(values) => {
                assert!(valid(case), "accepted {case}");
                let texts = params.key_texts(&values);
                assert_eq!(
                    texts,
                    vec![("k".to_string(), Some(text(case, "key").to_string()))],
                    "{case}"
                );
            }
            Err(error) => {
                assert!(!valid(case), "refused {case}");
                assert!(
                    same(
                        error.details(),
                        &Json::object([("k", case["error"].clone())])
                    ),
                    "{case}"
                );
            }
        }
    }
}

#[test]
fn values_parse() {
    let file = load("values.json");
    for case in cases(&file, "parse") {
        let data = match case.get("input_hex") {
            Some(hex_text) => unhex(hex_text.as_str().unwrap_or("")).unwrap_or_default(),
            None => text(case, "input").as_bytes().to_vec(),
        };
        match parse_json(&data) {
            Ok(value) => {
                assert!(valid(case), "accepted {case}");
                assert_eq!(value.canonical(), text(case, "output"), "{case}");
            }
            Err(_) => assert!(!valid(case), "refused {case}"),
        }
    }
}

#[test]
fn args_calls_queries_uploads() {
    let file = load("args.json");
    let schema = schema(&file);
    for case in cases(&file, "calls") {
        let params = Params::from_json(&file["functions"][text(case, "fn")])
            .unwrap_or_else(|| panic!("params"));
        let args = parse_json(text(case, "args").as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        match params.decode_args(args.as_object().unwrap_or(&[]).to_vec(), &schema) {
            Ok(values) => {
                assert!(valid(case), "accepted {case}");
                assert_eq!(
                    Json::Object(values).canonical(),
                    text(case, "decoded"),
                    "{case}"
                );
            }
            Err(error) => {
                assert!(!valid(case), "refused {case}");
                assert_eq!(error.status(), 400);
                assert!(
                    same(&error.body(), &case["error"]),
                    "{case}: {}",
                    error.body()
                );
            }
        }
    }
    for case in cases(&file, "queries") {
        let params = Params::from_json(&file["contexts"][text(case, "context")])
            .unwrap_or_else(|| panic!("params"));
        let pairs: Vec<(String, String)> = case["query"]
            .as_array()
            .unwrap_or(&[])
            .iter()
            .map(|pair| {
                (
                    pair[0].as_str().unwrap_or("").to_string(),
                    pair[1].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        match params.decode_query(&pairs, &schema) {
            Ok(values) => {
                assert!(valid(case), "accepted {case}");
                assert!(
                    same(&key_texts_json(&params.key_texts(&values)), &case["params"]),
                    "{case}"
                );
            }
            Err(error) => {
                assert!(!valid(case), "refused {case}");
                assert!(
                    same(&error.body(), &case["error"]),
                    "{case}: {}",
                    error.body()
                );
            }
        }
    }
    let param = &file["upload_param"];
    let accepted: Vec<String> = param["content_types"]
        .as_array()
        .unwrap_or(&[])
        .iter()
        .filter_map(|c| c.as_str().map(String::from))
        .collect();
    for case in cases(&file, "uploads") {
        let result = check_upload(
            text(param, "name"),
            param["max_size"].as_i64().map(|n| n as u64),
            &accepted,
            int(case, "size") as u64,
            case["content_type"].as_str(),
        );
        match result {
            Ok(()) => assert!(case["error"].is_null(), "{case}"),
            Err(error) => assert!(
                same(&error.body(), &case["error"]),
                "{case}: {}",
                error.body()
            ),
        }
    }
}

#[test]
fn invalidation_of_calls() {
    let file = load("invalidation.json");
    let schema = schema(&file);
    let plan = &file["plan"];
    let mut key_types: BTreeMap<String, BTreeMap<String, Type>> = BTreeMap::new();
    for (context, params) in plan["contexts"].as_object().unwrap_or(&[]) {
        let specs = FieldSpec::list_from_json(params).unwrap_or_default();
        key_types.insert(
            context.clone(),
            specs.into_iter().map(|s| (s.name, s.ty)).collect(),
        );
    }
    for case in cases(&file, "cases") {
        let mutation = &plan["mutations"][text(case, "fn")];
        let params = Params::from_json(&mutation["params"]).unwrap_or_else(|| panic!("params"));
        let args = params
            .decode_args(case["args"].as_object().unwrap_or(&[]).to_vec(), &schema)
            .unwrap_or_else(|e| panic!("{e}"));
        let scopings = mutation["invalidates"]
            .as_array()
            .unwrap_or(&[])
            .iter()
            .filter_map(Scoping::from_json)
            .collect();
        let invalidator = Invalidator {
            scopings,
            key_types: key_types.clone(),
        };
        let entries = invalidator.entries(&args);
        assert!(same(&to_body(&entries), &case["invalidate"]), "{case}");
        assert_eq!(
            format_header(&entries, 4096),
            case["header"].as_str().map(String::from),
            "{case}"
        );
    }
}

#[test]
fn invalidation_header() {
    let file = load("header.json");
    let limit = int(&file, "limit") as usize;
    for case in cases(&file, "format") {
        let entries = from_body(&case["input"]).unwrap_or_else(|| panic!("{case}"));
        assert!(same(&to_body(&entries), &case["normalized"]), "{case}");
        let header = format_header(&entries, limit);
        assert_eq!(header, case["header"].as_str().map(String::from), "{case}");
        if let Some(header) = header.filter(|h| h != "*") {
            let full = format_header(&entries, usize::MAX).as_deref() == Some(header.as_str());
            let coarse = mizan_runtime::invalidation::normalize(
                entries
                    .iter()
                    .map(|e| Entry::new(e.context.clone(), vec![]))
                    .collect(),
            );
            let parsed = parse_header(&header).unwrap_or_else(|()| panic!("{header}"));
            assert_eq!(
                parsed,
                Some(if full { entries.clone() } else { coarse }),
                "{case}"
            );
        }
    }
    for case in cases(&file, "parse") {
        match parse_header(text(case, "header")) {
            Ok(parsed) => {
                assert!(valid(case), "accepted {case}");
                assert_eq!(
                    parsed.is_none(),
                    case["everything"].as_bool().unwrap_or(false),
                    "{case}"
                );
                let body = parsed.map_or(Json::Null, |entries| to_body(&entries));
                assert!(same(&body, &case["invalidate"]), "{case}");
            }
            Err(()) => assert!(!valid(case), "refused {case}"),
        }
    }
}

#[test]
fn cache_keys() {
    let file = load("cache_keys.json");
    for case in cases(&file, "cases") {
        let identity = cache_identity(text(case, "vary"), case["subject"].as_str());
        assert_eq!(identity, text(case, "identity"));
        let params: Vec<(String, Option<String>)> = case["params"]
            .as_object()
            .unwrap_or(&[])
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().map(String::from)))
            .collect();
        let context = text(case, "context");
        assert_eq!(
            hex(&cache_message(context, &params, &identity)),
            text(case, "message_hex"),
            "{case}"
        );
        assert_eq!(
            cache_key(text(case, "secret").as_bytes(), context, &params, &identity),
            text(case, "key")
        );
    }
}

fn extra_claims(node: &Json) -> Vec<(String, Json)> {
    node.as_object().map(<[_]>::to_vec).unwrap_or_default()
}

#[test]
fn tokens_mint_verify_guards() {
    let file = load("tokens.json");
    for case in cases(&file, "mint") {
        let settings = JwtSettings::from_json(&case["jwt"]).unwrap_or_else(|| panic!("jwt"));
        let keys = JwtKeys::secret(text(case, "secret").as_bytes());
        let (typ, sub, iat) = (text(case, "typ"), text(case, "sub"), int(case, "iat"));
        let extra = extra_claims(&case["extra"]);
        let jti = case["jti"].as_str();
        let claims =
            token_claims(&settings, typ, sub, iat, &extra, jti).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(claims.canonical(), text(case, "claims_json"));
        let token = mint_token(&settings, &keys, typ, sub, iat, &extra, jti)
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(token, text(case, "token"), "{case}");
    }
    let settings = JwtSettings::from_json(&file["verify_jwt"]).unwrap_or_else(|| panic!("jwt"));
    let keys = JwtKeys::secret(text(&file, "secret").as_bytes());
    for case in cases(&file, "verify") {
        match verify_token(
            &settings,
            &keys,
            text(case, "token"),
            text(case, "typ"),
            int(case, "now"),
        ) {
            Ok(claims) => {
                assert!(valid(case), "accepted {case}");
                assert!(same(&claims, &case["claims"]), "{case}");
            }
            Err(error) => {
                assert!(!valid(case), "refused {case}: {error:?}");
                assert_eq!(error.0, text(case, "reason"), "{case}");
            }
        }
    }
    for case in cases(&file, "guards") {
        let guard = Guard::from_json(&case["guard"]).unwrap_or_else(|| panic!("guard"));
        assert_eq!(
            guard.allows(&case["claims"]),
            case["allows"].as_bool().unwrap_or(false),
            "{case}"
        );
    }
}

#[test]
fn mwt_mint_verify() {
    let file = load("mwt.json");
    assert_eq!(MWT_TTL, int(&file, "ttl"));
    for case in cases(&file, "mint") {
        let token = mint_mwt(
            text(case, "secret").as_bytes(),
            text(case, "identity"),
            int(case, "exp"),
        );
        assert_eq!(token, text(case, "token"));
    }
    let secret = text(&file, "secret").as_bytes();
    for case in cases(&file, "verify") {
        match verify_mwt(secret, text(case, "token"), int(case, "now")) {
            Ok(identity) => {
                assert!(valid(case), "accepted {case}");
                assert_eq!(identity, text(case, "identity"));
            }
            Err(error) => {
                assert!(!valid(case), "refused {case}");
                assert_eq!(error.0, text(case, "reason"), "{case}");
            }
        }
    }
}

#[test]
fn csrf_tokens_and_checks() {
    let file = load("csrf.json");
    let secret = text(&file, "secret").as_bytes();
    for case in cases(&file, "make") {
        let nonce = unhex(text(case, "nonce_hex")).unwrap_or_default();
        assert_eq!(
            make_csrf_token(secret, Some(&nonce)).as_deref(),
            Some(text(case, "token"))
        );
    }
    for case in cases(&file, "check") {
        let result = check_csrf(secret, case["cookie"].as_str(), case["header"].as_str());
        assert_eq!(result, case["result"].as_str(), "{case}");
    }
}

#[test]
fn forms_validation() {
    let file = load("forms.json");
    for case in cases(&file, "cases") {
        let validated = validate_form(&file["schema"], case["input"].as_object().unwrap_or(&[]));
        if valid(case) {
            assert!(
                validated.errors.is_empty(),
                "{case}: {:?}",
                validated.errors
            );
            assert!(same(&Json::Object(validated.data), &case["data"]), "{case}");
        } else {
            assert!(
                same(&Json::Object(validated.errors), &case["errors"]),
                "{case}"
            );
        }
    }
}

#[test]
fn errors_table_and_situations() {
    let file = load("errors.json");
    let table: Vec<Json> = ERROR_CODES
        .iter()
        .map(|(code, status, message)| {
            Json::object([
                ("code", Json::str(*code)),
                ("message", Json::str(*message)),
                ("status", Json::int(i64::from(*status))),
            ])
        })
        .collect();
    assert!(same(&Json::Array(table), &file["codes"]));
    for case in cases(&file, "situations") {
        let error = &case["body"]["error"];
        let made = MizanError::new(text(error, "code"), error["details"].clone());
        assert_eq!(i64::from(made.status()), int(case, "status"), "{case}");
        assert!(same(&made.body(), &case["body"]), "{case}");
    }
}

#[test]
fn manifest_of_the_fixture() {
    let file = load("manifest.json");
    let manifest = &file["manifest"];
    let prefix = text(manifest, "prefix");
    let rebuilt = mizan_runtime::manifest::with_prefix(manifest, prefix);
    assert!(same(&rebuilt, manifest));
    let moved = mizan_runtime::manifest::with_prefix(manifest, "/shop/api/");
    assert_eq!(moved["prefix"].as_str(), Some("/shop/api/"));
    for (name, context) in moved["contexts"].as_object().unwrap_or(&[]) {
        assert_eq!(
            context["path"].as_str(),
            Some(format!("/shop/api/ctx/{name}/").as_str())
        );
    }
}
