//! The caller's consents (SPEC §3.12): list, grant, revoke.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use media_core::domain::ConsentPurpose;

use super::AppState;
use super::dto::ConsentDto;
use super::extract::{Caller, Consents};
use super::problem::{ApiResult, Problem};

/// The routes of this module, each with its documentation.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(consents))
        .routes(routes!(grant_consent, revoke_consent))
}

fn purpose(raw: &str) -> ApiResult<ConsentPurpose> {
    ConsentPurpose::parse(raw).ok_or_else(Problem::not_found)
}

#[utoipa::path(get, path = "/v1/me/consents", tag = "consents",
    responses((status = 200, body = [ConsentDto]), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("media" = [])))]
pub async fn consents(
    State(s): State<AppState>,
    Caller(p, ..): Caller<Consents>,
) -> ApiResult<Json<Vec<ConsentDto>>> {
    Ok(Json(
        s.media
            .consents(&p)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[utoipa::path(put, path = "/v1/me/consents/{purpose}", tag = "consents", params(("purpose" = String, Path, description = "biometric_processing")),
    responses((status = 200, body = [ConsentDto]), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("media" = [])))]
pub async fn grant_consent(
    State(s): State<AppState>,
    Caller(p, ..): Caller<Consents>,
    axum::extract::Path(raw): axum::extract::Path<String>,
) -> ApiResult<Json<Vec<ConsentDto>>> {
    s.media.grant_consent(&p, purpose(&raw)?).await?;
    Ok(Json(
        s.media
            .consents(&p)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[utoipa::path(delete, path = "/v1/me/consents/{purpose}", tag = "consents", params(("purpose" = String, Path, description = "biometric_processing")),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("media" = [])))]
pub async fn revoke_consent(
    State(s): State<AppState>,
    Caller(p, ..): Caller<Consents>,
    axum::extract::Path(raw): axum::extract::Path<String>,
) -> ApiResult<StatusCode> {
    s.media.revoke_consent(&p, purpose(&raw)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
