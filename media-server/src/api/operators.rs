//! An operator's routes: its photos across projects or in one, deletion
//! (SPEC §3.6–§3.8), its profile picture (§3.9). Its project stats are in
//! `stats`.

use axum::Json;
use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use media_core::ids::{PhotoId, ProjectId};
use media_core::service::OperatorFilter;

use super::AppState;
use super::dto::{Photo, ProfileUpload, UploadBody, Url};
use super::extract::{Body, Caller, OperatorRoute, Params, PathIds};
use super::photos::{page_request, photo_page};
use super::problem::{ApiResult, Problem};

/// The routes of this module, each with its documentation.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(operator_photos))
        .routes(routes!(operator_project_photos))
        .routes(routes!(operator_delete))
        .routes(routes!(profile_upload_url))
        .routes(routes!(profile_picture))
}

#[utoipa::path(get, path = "/v1/operators/me/photos", tag = "operators",
    params(("projectIds" = Option<String>, Query, pattern = r"^$|^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(,[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})*$", description = "comma-separated UUIDs; empty or absent: every project"), ("photographerIds" = Option<String>, Query, pattern = r"^$|^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(,[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})*$", description = "comma-separated UUIDs; empty or absent: every photographer"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 1000, description = "1–1000, default 500"), ("cursor" = Option<String>, Query, description = "the `cursor` of the previous page's `Link: rel=\"next\"`; opaque")),
    responses((status = 200, body = [Photo]), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("backoffice" = [])))]
pub async fn operator_photos(
    State(s): State<AppState>,
    Caller(p, ..): Caller<OperatorRoute>,
    params: Params,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Response> {
    let filter = OperatorFilter {
        project_ids: params.uuids("projectIds")?,
        photographer_ids: params.uuids("photographerIds")?,
    };
    let page = s
        .media
        .operator_photos(&p, filter, page_request(&params)?)
        .await?;
    Ok(photo_page(&uri, &params, page))
}

#[utoipa::path(get, path = "/v1/operators/me/projects/{projectId}/photos", tag = "operators",
    params(("projectId" = Uuid, Path), ("limit" = Option<u32>, Query, minimum = 1, maximum = 1000, description = "1–1000, default 500"), ("cursor" = Option<String>, Query, description = "the `cursor` of the previous page's `Link: rel=\"next\"`; opaque")),
    responses((status = 200, body = [Photo]), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("backoffice" = [])))]
pub async fn operator_project_photos(
    State(s): State<AppState>,
    Caller(p, ..): Caller<OperatorRoute>,
    PathIds(project): PathIds<ProjectId>,
    params: Params,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Response> {
    let page = s
        .media
        .operator_project_photos(&p, project, page_request(&params)?)
        .await?;
    Ok(photo_page(&uri, &params, page))
}

#[utoipa::path(delete, path = "/v1/operators/me/projects/{projectId}/photos/{photoId}", tag = "operators",
    params(("projectId" = Uuid, Path), ("photoId" = Uuid, Path)),
    responses((status = 204), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("backoffice" = [])))]
pub async fn operator_delete(
    State(s): State<AppState>,
    Caller(p, ..): Caller<OperatorRoute>,
    PathIds((project, photo)): PathIds<(ProjectId, PhotoId)>,
) -> ApiResult<StatusCode> {
    s.media.operator_delete_photo(&p, project, photo).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/v1/operators/me/profile-picture/upload-url", tag = "operators", request_body(content = UploadBody, description = "optional"),
    responses((status = 200, body = ProfileUpload), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("backoffice" = [])))]
pub async fn profile_upload_url(
    State(s): State<AppState>,
    Caller(p, ..): Caller<OperatorRoute>,
    Body(b): Body<UploadBody>,
) -> ApiResult<Json<ProfileUpload>> {
    Ok(Json(
        s.media
            .profile_picture_upload_url(&p, &b.into())
            .await?
            .into(),
    ))
}

#[utoipa::path(get, path = "/v1/operators/me/profile-picture", tag = "operators",
    responses((status = 200, body = Url), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("backoffice" = [])))]
pub async fn profile_picture(
    State(s): State<AppState>,
    Caller(p, ..): Caller<OperatorRoute>,
) -> ApiResult<Json<Url>> {
    Ok(Json(Url {
        url: s.media.profile_picture_url(&p).await?,
    }))
}
