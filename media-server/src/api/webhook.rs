//! `POST /v1/storage/events` (SPEC §3.10): S3-style and Cloudflare R2 event
//! notifications, authenticated by a shared secret.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::Value;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema, Type};

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::problem::{ApiResult, Problem};

/// The route of this module with its documentation (served only when a
/// secret is configured, documented always).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(storage_events))
}

/// Object keys of completed writes in either event form.
pub fn event_keys(body: &Value) -> Vec<String> {
    let mut keys = Vec::new();
    let mut one = |event: &Value| {
        // S3: {"Records":[{"eventName":"ObjectCreated:Put","s3":{"object":{"key":"…"}}}]}; keys are URL-encoded.
        if let Some(records) = event.get("Records").and_then(Value::as_array) {
            for r in records {
                let created = r
                    .get("eventName")
                    .and_then(Value::as_str)
                    .is_none_or(|n| n.starts_with("ObjectCreated"));
                if let (true, Some(key)) =
                    (created, r.pointer("/s3/object/key").and_then(Value::as_str))
                {
                    let plus_as_space = key.replace('+', " ");
                    keys.push(
                        percent_encoding::percent_decode_str(&plus_as_space)
                            .decode_utf8_lossy()
                            .into_owned(),
                    );
                }
            }
        }
        // R2: {"action":"PutObject","object":{"key":"…"}}
        if let (Some(action), Some(key)) = (
            event.get("action").and_then(Value::as_str),
            event.pointer("/object/key").and_then(Value::as_str),
        ) && matches!(
            action,
            "PutObject" | "CompleteMultipartUpload" | "CopyObject"
        ) {
            keys.push(key.to_owned());
        }
    };
    match body {
        Value::Array(events) => events.iter().for_each(&mut one),
        event => one(event),
    }
    keys
}

/// One event notification, or a batch of them (R2's queue consumers post
/// arrays): the request body's schema. The body is read as JSON and walked.
pub struct StorageEvents;

impl utoipa::PartialSchema for StorageEvents {
    fn schema() -> RefOr<Schema> {
        let object = || ObjectBuilder::new().schema_type(Type::Object);
        OneOfBuilder::new()
            .item(object())
            .item(ArrayBuilder::new().items(object()))
            .into()
    }
}

impl utoipa::ToSchema for StorageEvents {}

/// Whether the body has the documented shape: an object, or an array of objects.
fn is_event_shape(body: &Value) -> bool {
    match body {
        Value::Object(_) => true,
        Value::Array(events) => events.iter().all(Value::is_object),
        _ => false,
    }
}

#[utoipa::path(post, path = "/v1/storage/events", tag = "storage",
    request_body(content = StorageEvents, description = "S3 (`Records[].s3.object.key`) or R2 (`object.key`, `action`) event notification, or an array of them"),
    responses((status = 204), (status = 400, body = Problem), (status = 401, body = Problem)),
    security(("webhook" = [])))]
pub async fn storage_events(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<StatusCode> {
    let Some(secret) = s.webhook_secret.as_ref() else {
        return Err(Problem::not_found());
    };
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    // Digests of equal length, compared in full: the time says nothing of
    // the secret, its length included.
    if !secret.matches(token.trim()) {
        return Err(Problem::unauthorized("wrong or missing webhook secret"));
    }
    let value: Value = serde_json::from_slice(&body)
        .map_err(|e| Problem::invalid(format!("malformed event: {e}")))?;
    if !is_event_shape(&value) {
        return Err(Problem::invalid(
            "an event is a JSON object, and a batch an array of them",
        ));
    }
    s.media.storage_event(&event_keys(&value)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn both_event_forms_yield_their_keys() {
        let s3 = json!({"Records": [
            {"eventName": "ObjectCreated:Put", "s3": {"object": {"key": "photos/a/b/original.jpg"}}},
            {"eventName": "ObjectRemoved:Delete", "s3": {"object": {"key": "gone"}}},
            {"s3": {"object": {"key": "selfies%2Fu%2F1.jpg"}}}
        ]});
        assert_eq!(
            event_keys(&s3),
            vec!["photos/a/b/original.jpg", "selfies/u/1.jpg"]
        );
        let r2 = json!({"account": "x", "action": "PutObject", "bucket": "media", "object": {"key": "k1", "size": 3}});
        assert_eq!(event_keys(&r2), vec!["k1"]);
        let batch = json!([r2, {"action": "DeleteObject", "object": {"key": "k2"}}]);
        assert_eq!(event_keys(&batch), vec!["k1"]);
        assert!(event_keys(&json!({"nothing": true})).is_empty());
    }
}
