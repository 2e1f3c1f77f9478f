//! The caller's selfie: upload URL (SPEC §3.1), completion (§3.10), status
//! and erasure (§3.11).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use media_core::ids::SelfieId;

use super::AppState;
use super::dto::{Selfie, SelfieTicket, Status, UploadBody};
use super::extract::{Body, Caller, PathIds, SelfieComplete, SelfieSelf, SelfieUpload};
use super::problem::{ApiResult, Problem};

/// The routes of this module, each with its documentation.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(selfie_upload_url))
        .routes(routes!(complete_selfie))
        .routes(routes!(selfie_status, delete_selfie))
}

#[utoipa::path(post, path = "/v1/selfie/upload-url", tag = "selfie", request_body(content = UploadBody, description = "optional"),
    responses((status = 201, body = SelfieTicket), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 429, body = Problem, description = "`rate_limited`: more than `SELFIE_UPLOADS_PER_HOUR` (10) upload URLs in the last hour",
            headers(("Retry-After" = u64, description = "seconds until the next upload URL is allowed")))),
    security(("media" = [])))]
pub async fn selfie_upload_url(
    State(s): State<AppState>,
    Caller(p, ..): Caller<SelfieUpload>,
    Body(b): Body<UploadBody>,
) -> ApiResult<(StatusCode, Json<SelfieTicket>)> {
    let t = s.media.selfie_upload_url(&p, &b.into()).await?;
    Ok((StatusCode::CREATED, Json(t.into())))
}

#[utoipa::path(post, path = "/v1/selfie/{selfieId}/complete", tag = "selfie", params(("selfieId" = Uuid, Path)),
    responses((status = 202, body = Status), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("media" = [])))]
pub async fn complete_selfie(
    State(s): State<AppState>,
    Caller(p, ..): Caller<SelfieComplete>,
    PathIds(selfie): PathIds<SelfieId>,
) -> ApiResult<(StatusCode, Json<Status>)> {
    let status = s.media.complete_selfie(&p, selfie).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Status {
            status: status.as_str().to_owned(),
        }),
    ))
}

#[utoipa::path(get, path = "/v1/selfie", tag = "selfie",
    responses((status = 200, body = Selfie), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("media" = [])))]
pub async fn selfie_status(
    State(s): State<AppState>,
    Caller(p, ..): Caller<SelfieSelf>,
) -> ApiResult<Json<Selfie>> {
    Ok(Json(s.media.selfie_status(&p).await?.into()))
}

#[utoipa::path(delete, path = "/v1/selfie", tag = "selfie",
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("media" = [])))]
pub async fn delete_selfie(
    State(s): State<AppState>,
    Caller(p, ..): Caller<SelfieSelf>,
) -> ApiResult<StatusCode> {
    s.media.delete_selfie(&p).await?;
    Ok(StatusCode::NO_CONTENT)
}
