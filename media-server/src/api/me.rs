//! The caller's matched photos (SPEC §3.13) and "not me" (§3.13a). Its
//! archives are in `archives`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use media_core::ids::{PhotoId, ProjectId};

use super::AppState;
use super::dto::MyPhotoDto;
use super::extract::{Caller, MyPhotos, PathIds};
use super::problem::{ApiResult, Problem};

/// The routes of this module, each with its documentation.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(my_photos))
        .routes(routes!(not_me))
}

#[utoipa::path(get, path = "/v1/me/projects/{projectId}/photos", tag = "me", params(("projectId" = Uuid, Path)),
    responses((status = 200, body = [MyPhotoDto]), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("media" = [])))]
pub async fn my_photos(
    State(s): State<AppState>,
    Caller(p, ..): Caller<MyPhotos>,
    PathIds(project): PathIds<ProjectId>,
) -> ApiResult<Json<Vec<MyPhotoDto>>> {
    Ok(Json(
        s.media
            .my_photos(&p, project)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// SPEC §3.13a "Not me": the photo leaves the caller's photos and is never matched to them again.
#[utoipa::path(delete, path = "/v1/me/projects/{projectId}/photos/{photoId}", tag = "me",
    params(("projectId" = Uuid, Path), ("photoId" = Uuid, Path)),
    responses((status = 204, description = "removed from the caller's photos for good"), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem, description = "not a project of the caller, or a photo not in the caller's photos")),
    security(("media" = [])))]
pub async fn not_me(
    State(s): State<AppState>,
    Caller(p, ..): Caller<MyPhotos>,
    PathIds((project, photo)): PathIds<(ProjectId, PhotoId)>,
) -> ApiResult<StatusCode> {
    s.media.not_me(&p, project, photo).await?;
    Ok(StatusCode::NO_CONTENT)
}
