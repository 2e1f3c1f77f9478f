//! The document the routes make, as clients read it.

use serde_json::Value;

use super::document;
use crate::openapi::CURSOR_PATTERN;

fn responses(doc: &Value) -> Vec<(String, String, Value)> {
    let mut all = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            for (status, r) in op["responses"].as_object().into_iter().flatten() {
                all.push((format!("{method} {path}"), status.clone(), r.clone()));
            }
        }
    }
    all
}

#[test]
fn error_bodies_are_documented_as_problem_json_with_their_headers() {
    let doc = document(50 << 20);
    let all = responses(&doc);
    assert!(all.len() > 60, "{}", all.len());
    for (op, status, r) in &all {
        let content = r["content"].as_object().cloned().unwrap_or_default();
        for (kind, c) in &content {
            let problem = c["schema"]["$ref"] == "#/components/schemas/Problem";
            assert_eq!(
                problem,
                kind == "application/problem+json",
                "{op} {status} {kind}"
            );
        }
        assert!(r["headers"]["x-request-id"].is_object(), "{op} {status}");
        if status == "401" {
            assert!(r["headers"]["WWW-Authenticate"].is_object(), "{op}");
        }
    }
}

#[test]
fn bodies_say_what_the_server_requires() {
    let doc = document(1234);
    let schemas = &doc["components"]["schemas"];
    let required = schemas["PhotoUploadBody"]["required"].as_array().cloned();
    assert_eq!(required, Some(vec![Value::from("projectId")]));
    for body in ["UploadBody", "PhotoUploadBody"] {
        let length = &schemas[body]["properties"]["contentLength"];
        assert_eq!(
            (length["minimum"].as_u64(), length["maximum"].as_u64()),
            (Some(1), Some(1234))
        );
    }
    for path in [
        "/v1/selfie/upload-url",
        "/v1/operators/me/profile-picture/upload-url",
    ] {
        assert_eq!(
            doc["paths"][path]["post"]["requestBody"]["required"], false,
            "{path}"
        );
    }
    assert_eq!(
        doc["paths"]["/v1/photos/upload-url"]["post"]["requestBody"]["required"],
        true
    );
    let cursors: Vec<&Value> = doc["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(_, item)| item["get"]["parameters"].as_array())
        .flatten()
        .filter(|p| p["name"] == "cursor")
        .collect();
    assert_eq!(cursors.len(), 3);
    for c in cursors {
        assert_eq!(c["schema"]["pattern"], CURSOR_PATTERN, "{c}");
    }
}
