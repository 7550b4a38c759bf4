//! The edge manifest (protocol 14.1) under a prefix.

use crate::json::Json;

/// The manifest with `prefix` and every context's `path` following `prefix`.
pub fn with_prefix(manifest: &Json, prefix: &str) -> Json {
    let Json::Object(members) = manifest else {
        return manifest.clone();
    };
    let members = members
        .iter()
        .map(|(name, value)| {
            let value = match (name.as_str(), value) {
                ("prefix", _) => Json::str(prefix),
                ("contexts", Json::Object(contexts)) => Json::Object(
                    contexts
                        .iter()
                        .map(|(context, entry)| {
                            (
                                context.clone(),
                                with_path(entry, &format!("{prefix}ctx/{context}/")),
                            )
                        })
                        .collect(),
                ),
                _ => value.clone(),
            };
            (name.clone(), value)
        })
        .collect();
    Json::Object(members)
}

fn with_path(entry: &Json, path: &str) -> Json {
    match entry {
        Json::Object(members) => Json::Object(
            members
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        if k == "path" {
                            Json::str(path)
                        } else {
                            v.clone()
                        },
                    )
                })
                .collect(),
        ),
        other => other.clone(),
    }
}
