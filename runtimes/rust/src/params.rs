//! Arguments of a call (5.2), key params of a context fetch (6.1) and upload
//! checks (5.4). Every argument is checked; `invalid_arguments` details hold
//! the first problem inside each rejected one.

use crate::errors::MizanError;
use crate::json::Json;
use crate::values::{
    decode, key_text, normalize_at, parse_key, pointer, FieldSpec, Path, Schema, Type, ValueProblem,
};

/// The media type a file part without `Content-Type` has.
pub const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

/// The params of a function or the key params of a context.
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    pub specs: Vec<FieldSpec>,
}

/// Decoded arguments: (param name, canonical wire value), in declared order.
pub type Args = Vec<(String, Json)>;

impl Params {
    pub fn new(specs: Vec<FieldSpec>) -> Params {
        Params { specs }
    }

    /// From `[{"name", "type", "default"?}]`.
    pub fn from_json(node: &Json) -> Option<Params> {
        FieldSpec::list_from_json(node).map(Params::new)
    }

    fn missing(spec: &FieldSpec, schema: &Schema) -> Result<Json, ValueProblem> {
        let path = pointer("", &spec.name);
        match &spec.default {
            Some(default) => decode(&spec.ty, default, schema, &path),
            None if spec.ty.is_nullable() => Ok(Json::Null),
            None => Err(ValueProblem::new("required", &path, "")),
        }
    }

    /// The decoded arguments of a JSON call, each checked and made canonical
    /// in place. Upload params are not read here: they arrive as file parts,
    /// and naming one in `args` is a type error.
    pub fn decode_args(&self, mut args: Args, schema: &Schema) -> Result<Args, MizanError> {
        let in_order = args.len() == self.specs.len()
            && args.iter().zip(&self.specs).all(|((k, _), s)| *k == s.name);
        if in_order {
            // Each param given once in declared order, nothing else: the
            // same checks, made in place.
            let mut problems: Vec<(String, Json)> = Vec::new();
            for ((name, value), spec) in args.iter_mut().zip(&self.specs) {
                let at = Path::Member(&Path::Text(""), &spec.name);
                if let Err(problem) = normalize_at(&spec.ty, value, schema, &at) {
                    problems.push((name.clone(), problem.detail()));
                }
            }
            return self.finish(args, problems, std::iter::empty());
        }
        let mut values = Vec::with_capacity(self.specs.len());
        let mut problems: Vec<(String, Json)> = Vec::new();
        for spec in &self.specs {
            let given = args.iter_mut().find(|(k, _)| k == &spec.name);
            let result = match given {
                Some((_, value)) => {
                    let mut value = std::mem::replace(value, Json::Null);
                    let at = Path::Member(&Path::Text(""), &spec.name);
                    normalize_at(&spec.ty, &mut value, schema, &at).map(|()| value)
                }
                None if spec.ty == Type::Upload => continue,
                None => Params::missing(spec, schema),
            };
            match result {
                Ok(value) => values.push((spec.name.clone(), value)),
                Err(problem) => problems.push((spec.name.clone(), problem.detail())),
            }
        }
        self.finish(values, problems, args.iter().map(|(name, _)| name))
    }

    pub fn decode_query(
        &self,
        pairs: &[(String, String)],
        schema: &Schema,
    ) -> Result<Args, MizanError> {
        let mut values = Vec::with_capacity(self.specs.len());
        let mut problems: Vec<(String, Json)> = Vec::new();
        for spec in &self.specs {
            let texts: Vec<&String> = pairs
                .iter()
                .filter(|(k, _)| k == &spec.name)
                .map(|(_, v)| v)
                .collect();
            let result = match texts.as_slice() {
                [] => Params::missing(spec, schema),
                [text] => parse_key(&spec.ty, text, schema, &spec.name),
                _ => Err(ValueProblem::new("duplicate", &pointer("", &spec.name), "")),
            };
            match result {
                Ok(value) => values.push((spec.name.clone(), value)),
                Err(problem) => problems.push((spec.name.clone(), problem.detail())),
            }
        }
        self.finish(values, problems, pairs.iter().map(|(name, _)| name))
    }

    /// `unknown` for each given name that is not a param, then the values
    /// or `invalid_arguments` with one problem per rejected name.
    fn finish<'a>(
        &self,
        values: Args,
        mut problems: Vec<(String, Json)>,
        given: impl Iterator<Item = &'a String>,
    ) -> Result<Args, MizanError> {
        for name in given {
            let known = self.specs.iter().any(|s| &s.name == name);
            if !known && !problems.iter().any(|(k, _)| k == name) {
                let problem = ValueProblem::new("unknown", &pointer("", name), "");
                problems.push((name.clone(), problem.detail()));
            }
        }
        if problems.is_empty() {
            Ok(values)
        } else {
            Err(MizanError::new("invalid_arguments", Json::Object(problems)))
        }
    }

    /// The key texts of decoded key params (the bundle's `params`).
    pub fn key_texts(&self, values: &Args) -> Vec<(String, Option<String>)> {
        self.specs
            .iter()
            .map(|spec| {
                let value = values
                    .iter()
                    .find(|(k, _)| k == &spec.name)
                    .map_or(&Json::Null, |(_, v)| v);
                (spec.name.clone(), key_text(&spec.ty, value))
            })
            .collect()
    }
}

/// Key texts as a JSON object (`null` for a null value).
pub fn key_texts_json(texts: &[(String, Option<String>)]) -> Json {
    Json::Object(
        texts
            .iter()
            .map(|(k, v)| (k.clone(), v.clone().map_or(Json::Null, Json::Str)))
            .collect(),
    )
}

/// `Image/PNG; q=1` -> `image/png`: parameters dropped, lowercase.
pub fn media_type(content_type: Option<&str>) -> String {
    match content_type {
        None | Some("") => DEFAULT_CONTENT_TYPE.to_string(),
        Some(text) => text
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase(),
    }
}

/// Is the media type of this `Content-Type` the lowercase `expected`? As
/// [`media_type`] would compare, without making its text.
pub fn media_type_is(content_type: Option<&str>, expected: &str) -> bool {
    match content_type {
        None | Some("") => DEFAULT_CONTENT_TYPE == expected,
        Some(text) => {
            let end = text.bytes().position(|b| b == b';').unwrap_or(text.len());
            text.get(..end)
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case(expected)
        }
    }
}

/// Does a declared `content-types` list (empty: anything) accept this type?
pub fn accepts(accepted: &[String], content_type: Option<&str>) -> bool {
    if accepted.is_empty() {
        return true;
    }
    let kind = media_type(content_type);
    let major = kind.split('/').next().unwrap_or("");
    accepted.iter().any(|a| {
        let a = a.to_ascii_lowercase();
        a == kind || a == format!("{major}/*")
    })
}

/// The check of one upload: size before type (5.4).
pub fn check_upload(
    name: &str,
    max_size: Option<u64>,
    accepted: &[String],
    size: u64,
    content_type: Option<&str>,
) -> Result<(), MizanError> {
    if let Some(limit) = max_size {
        if size > limit {
            return Err(MizanError::new(
                "payload_too_large",
                Json::object([
                    ("limit", Json::Int(limit.to_string())),
                    ("param", Json::str(name)),
                ]),
            ));
        }
    }
    if !accepts(accepted, content_type) {
        return Err(MizanError::new(
            "unsupported_media_type",
            Json::object([
                ("content_type", Json::str(media_type(content_type))),
                ("param", Json::str(name)),
            ]),
        ));
    }
    Ok(())
}
