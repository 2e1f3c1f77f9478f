//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
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
        webhook::storage_events,
        ops::healthz,
        ops::readyz,
        ops::metrics,
        ops::openapi,
    ),
    components(schemas(
        problem::Problem,
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
        dto::MyPhotoDto
    )),
    modifiers(&Security)
)]
struct ApiDoc;

pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
