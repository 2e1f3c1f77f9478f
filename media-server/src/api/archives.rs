//! "Take my photos home" (SPEC §3.13b): `POST /v1/me/projects/{projectId}/archive`
//! and `GET /v1/me/archives/{archiveId}`. The server never touches the
//! ZIP's bytes: a job writes it store → store, the client downloads it
//! through a presigned GET.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use media_core::domain::ArchiveStatus;
use media_core::ids::{ArchiveId, ProjectId};
use media_core::service::ArchiveView;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::extract::{Archives, Caller, MyPhotos, PathIds};
use super::problem::{ApiResult, Problem};

/// The routes of this module, each with its documentation.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(request_archive))
        .routes(routes!(archive_status))
}

/// Where an archive is.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ArchiveState {
    Building,
    Ready,
    Failed,
}

/// An archive of the caller's photos in one project.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ArchiveDto {
    pub archive_id: Uuid,
    pub project_id: Uuid,
    pub status: ArchiveState,
    /// Photos in the ZIP; null until ready.
    pub photo_count: Option<u32>,
    /// The ZIP's size in bytes; null until ready.
    pub bytes: Option<u64>,
    /// A presigned GET of the ZIP (valid 900 s from this response); null until ready.
    pub url: Option<String>,
    /// When the ZIP is deleted (`ARCHIVE_TTL_HOURS` after it was built); null while building.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<OffsetDateTime>,
}

/// The answer to asking for an archive.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ArchiveStarted {
    pub archive_id: Uuid,
    /// `building`; `ready` when the caller's ready archive was built from
    /// the photos matched to them now: that one is answered again (its
    /// `url` by `GET /v1/me/archives/{archiveId}`). Otherwise a new build
    /// replaces it (its id then answers 404).
    pub status: ArchiveState,
}

fn state(s: ArchiveStatus) -> ArchiveState {
    match s {
        ArchiveStatus::Ready => ArchiveState::Ready,
        ArchiveStatus::Failed => ArchiveState::Failed,
        _ => ArchiveState::Building,
    }
}

impl From<ArchiveView> for ArchiveDto {
    fn from(a: ArchiveView) -> Self {
        Self {
            archive_id: a.archive_id.as_uuid(),
            project_id: a.project_id.as_uuid(),
            status: state(a.status),
            photo_count: a.photo_count,
            bytes: a.bytes,
            url: a.url,
            expires_at: a.expires_at,
        }
    }
}

/// SPEC §3.13b: a ZIP of the caller's matched photos (watermarked copies) is built; while one is building, the same archive is returned, and a ready one built from the photos matched now is answered again (SPEC §5). A new build replaces the caller's ready archive of the project.
#[utoipa::path(post, path = "/v1/me/projects/{projectId}/archive", tag = "me",
    params(("projectId" = Uuid, Path)),
    responses((status = 202, body = ArchiveStarted), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem, description = "not a project of the caller")),
    security(("media" = [])))]
pub async fn request_archive(
    State(s): State<AppState>,
    Caller(p, ..): Caller<MyPhotos>,
    PathIds(project): PathIds<ProjectId>,
) -> ApiResult<(StatusCode, Json<ArchiveStarted>)> {
    let a = s.media.request_archive(&p, project).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(ArchiveStarted {
            archive_id: a.archive_id.as_uuid(),
            status: state(a.status),
        }),
    ))
}

/// SPEC §3.13b: the caller's archive, with its download URL once ready.
#[utoipa::path(get, path = "/v1/me/archives/{archiveId}", tag = "me",
    params(("archiveId" = Uuid, Path)),
    responses((status = 200, body = ArchiveDto), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem, description = "no such archive of the caller (expired, erased, or someone else's)")),
    security(("media" = [])))]
pub async fn archive_status(
    State(s): State<AppState>,
    Caller(p, ..): Caller<Archives>,
    PathIds(id): PathIds<ArchiveId>,
) -> ApiResult<Json<ArchiveDto>> {
    Ok(Json(s.media.archive_status(&p, id).await?.into()))
}
