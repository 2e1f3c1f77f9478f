//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use utoipa::openapi::header::Header;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{Content, RefOr, Required};
use utoipa::{Modify, OpenApi};

use crate::api::{dto, handlers, ops, problem, webhook};

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let bearer = |desc: &str| {
            let mut http = Http::new(HttpAuthScheme::Bearer);
            http.bearer_format = Some("JWT".into());
            http.description = Some(desc.into());
            SecurityScheme::Http(http)
        };
        components.add_security_scheme("media", bearer("JWT with `aud` containing `media`"));
        components.add_security_scheme(
            "backoffice",
            bearer("JWT with `aud` containing `backoffice`"),
        );
        components.add_security_scheme("webhook", bearer("`STORAGE_WEBHOOK_SECRET`"));
    }
}

/// What the handlers' annotations cannot say: error bodies are
/// `application/problem+json` (RFC 9457), every response carries
/// `x-request-id`, a 401 carries `WWW-Authenticate`, and the upload-url
/// bodies that are all optional need not be sent at all.
struct Truthful;

/// What a listing cursor looks like (`Cursor::encode`), given to every
/// `cursor` parameter: a client or conformance tester knows a malformed
/// one is a 400.
const CURSOR_PATTERN: &str = r"^v1\.(n|-?[0-9]{1,16})\.-?[0-9]{1,16}\.[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

/// Routes whose body may be left out entirely (every field is optional).
const OPTIONAL_BODIES: [&str; 2] = [
    "/v1/selfie/upload-url",
    "/v1/operators/me/profile-picture/upload-url",
];

fn text_header(description: &str) -> Header {
    let mut header = Header::new(ObjectBuilder::new().schema_type(Type::String));
    header.description = Some(description.into());
    header
}

fn is_problem(content: &Content) -> bool {
    matches!(&content.schema, Some(RefOr::Ref(r)) if r.ref_location.ends_with("/Problem"))
}

impl Modify for Truthful {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
            ];
            for op in operations.into_iter().flatten() {
                for param in op.parameters.iter_mut().flatten() {
                    if param.name == "cursor"
                        && let Some(RefOr::T(Schema::Object(schema))) = param.schema.as_mut()
                    {
                        schema.pattern = Some(CURSOR_PATTERN.into());
                    }
                }
                if OPTIONAL_BODIES.contains(&path.as_str())
                    && let Some(body) = op.request_body.as_mut()
                {
                    body.required = Some(Required::False);
                }
                for (status, response) in op.responses.responses.iter_mut() {
                    let RefOr::T(response) = response else {
                        continue;
                    };
                    response.content = std::mem::take(&mut response.content)
                        .into_iter()
                        .map(|(kind, content)| {
                            if kind == "application/json" && is_problem(&content) {
                                ("application/problem+json".to_owned(), content)
                            } else {
                                (kind, content)
                            }
                        })
                        .collect();
                    response.headers.insert(
                        "x-request-id".into(),
                        text_header(
                            "the request's id: the client's own when it sent one, else generated",
                        ),
                    );
                    if status == "401" {
                        response
                            .headers
                            .insert("WWW-Authenticate".into(), text_header("`Bearer`"));
                    }
                }
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Media API",
        description = "Presigned uploads, processed photos, selfie matching with consent. Errors are RFC 9457 \
                       problem bodies with a stable `code`. Download URLs are presigned GETs valid 900 s; upload URLs \
                       presigned PUTs valid 600 s. Lists take `limit` (1–1000, default 500) and `cursor`, and answer \
                       `Link: <…>; rel=\"next\"` while more remain."
    ),
    paths(
        handlers::selfie_upload_url,
        handlers::complete_selfie,
        handlers::selfie_status,
        handlers::delete_selfie,
        handlers::photo_upload_url_app,
        handlers::photo_upload_url_backoffice,
        handlers::complete_photo,
        handlers::photographer_photos,
        handlers::photographer_delete,
        handlers::operator_photos,
        handlers::operator_project_photos,
        handlers::operator_delete,
        handlers::profile_upload_url,
        handlers::profile_picture,
        handlers::consents,
        handlers::grant_consent,
        handlers::revoke_consent,
        handlers::my_photos,
        handlers::not_me,
        crate::api::archives::request_archive,
        crate::api::archives::archive_status,
        crate::api::stats::project_stats,
        webhook::storage_events,
        ops::healthz,
        ops::readyz,
        ops::metrics,
        ops::openapi,
    ),
    components(schemas(
        problem::Problem,
        dto::ImageType,
        dto::UploadBody,
        dto::PhotoUploadBody,
        dto::SelfieTicket,
        dto::PhotoTicket,
        dto::Photo,
        dto::ProfileUpload,
        dto::Url,
        dto::Status,
        dto::Selfie,
        dto::ConsentDto,
        dto::MyPhotoDto,
        crate::api::archives::ArchiveDto,
        crate::api::archives::ArchiveStarted,
        crate::api::archives::ArchiveState
    )),
    modifiers(&Security, &Truthful)
)]
struct ApiDoc;

/// The document as this deployment serves it: `contentLength`'s maximum is
/// its `MAX_UPLOAD_BYTES`, so a client (or a conformance tester) knows the
/// limit before a 400 `upload_too_large` tells it.
pub fn document(max_upload_bytes: u64) -> serde_json::Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    for body in ["UploadBody", "PhotoUploadBody"] {
        if let Some(length) = doc
            .pointer_mut(&format!(
                "/components/schemas/{body}/properties/contentLength"
            ))
            .and_then(serde_json::Value::as_object_mut)
        {
            length.insert("maximum".into(), max_upload_bytes.into());
        }
    }
    doc
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::document;

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
            assert_eq!(c["schema"]["pattern"], super::CURSOR_PATTERN, "{c}");
        }
    }
}
