//! The OpenAPI 3.1 document: the paths the API's routes declare (each
//! handler's annotation, gathered by `api::router`), with what they cannot
//! say themselves.

use utoipa::openapi::header::Header;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{Content, RefOr, Required};
use utoipa::{Modify, OpenApi};

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
pub(crate) const CURSOR_PATTERN: &str = r"^v1\.(n|-?[0-9]{1,16})\.-?[0-9]{1,16}\.[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

/// How a route's annotation says its body may be left out entirely (every
/// field is optional): `request_body(…, description = "optional")`.
const OPTIONAL_BODY: &str = "optional";

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
        for item in openapi.paths.paths.values_mut() {
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
                if let Some(body) = op.request_body.as_mut()
                    && body.description.as_deref() == Some(OPTIONAL_BODY)
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
#[openapi(info(
    title = "Media API",
    description = "Presigned uploads, processed photos, selfie matching with consent. Errors are RFC 9457 \
                   problem bodies with a stable `code`. Download URLs are presigned GETs valid 900 s; upload URLs \
                   presigned PUTs valid 600 s. Lists take `limit` (1–1000, default 500) and `cursor`, and answer \
                   `Link: <…>; rel=\"next\"` while more remain."
))]
struct ApiDoc;

/// The document of `paths` (the routes' own, with the schemas they name)
/// as a deployment serves it: `contentLength`'s maximum is its
/// `MAX_UPLOAD_BYTES`, so a client (or a conformance tester) knows the
/// limit before a 400 `upload_too_large` tells it.
pub fn document(paths: utoipa::openapi::OpenApi, max_upload_bytes: u64) -> serde_json::Value {
    let mut openapi = ApiDoc::openapi();
    openapi.merge(paths);
    Security.modify(&mut openapi);
    Truthful.modify(&mut openapi);
    let mut doc = serde_json::to_value(openapi).unwrap_or_default();
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
