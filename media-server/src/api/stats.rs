//! `GET /v1/operators/me/projects/{projectId}/stats` (SPEC §3.13c).

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use media_core::domain::{PhotoStatus, ProjectStats};
use media_core::ids::ProjectId;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::extract::{Caller, OperatorRoute, PathIds};
use super::problem::{ApiResult, Problem};

/// The routes of this module, each with its documentation.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(project_stats))
}

/// Photos of the project in each status (every status, 0 when none).
#[derive(Debug, Serialize, ToSchema, Default)]
pub struct PhotoCounts {
    pub awaiting_upload: u64,
    pub processing: u64,
    pub ready: u64,
    pub failed: u64,
    pub expired: u64,
}

/// An event's figures for its operator.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    pub project_id: Uuid,
    pub photos: PhotoCounts,
    /// Faces detected in the project's photos.
    pub faces: u64,
    pub members: u64,
    /// Members whose selfie is approved (and so who consented).
    pub members_with_approved_selfie: u64,
    /// Members matched to at least one photo.
    pub members_matched: u64,
    /// (member, photo) matches.
    pub matches: u64,
    /// Matches members removed with "not me" (§3.13a).
    pub suppressed_matches: u64,
    /// Seconds the project's longest-waiting due job has waited; null when none waits.
    pub oldest_queued_job_age_seconds: Option<f64>,
}

impl Stats {
    fn new(project: ProjectId, s: ProjectStats) -> Self {
        let mut photos = PhotoCounts::default();
        for (status, n) in &s.photos_by_status {
            let slot = match status {
                PhotoStatus::AwaitingUpload => &mut photos.awaiting_upload,
                PhotoStatus::Processing => &mut photos.processing,
                PhotoStatus::Ready => &mut photos.ready,
                PhotoStatus::Failed => &mut photos.failed,
                PhotoStatus::Expired => &mut photos.expired,
                _ => continue,
            };
            *slot += n;
        }
        Self {
            project_id: project.as_uuid(),
            photos,
            faces: s.faces,
            members: s.members,
            members_with_approved_selfie: s.members_with_approved_selfie,
            members_matched: s.members_matched,
            matches: s.matches,
            suppressed_matches: s.suppressed_matches,
            // Milliseconds are as fine as a queue's age needs.
            oldest_queued_job_age_seconds: s
                .oldest_due_job_age()
                .map(|age| (age.as_secs_f64() * 1000.0).round() / 1000.0),
        }
    }
}

#[utoipa::path(get, path = "/v1/operators/me/projects/{projectId}/stats", tag = "operators",
    params(("projectId" = Uuid, Path)),
    responses((status = 200, body = Stats), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem, description = "not a project of the caller")),
    security(("backoffice" = [])))]
pub async fn project_stats(
    State(s): State<AppState>,
    Caller(p, ..): Caller<OperatorRoute>,
    PathIds(project): PathIds<ProjectId>,
) -> ApiResult<Json<Stats>> {
    let stats = s.media.project_stats(&p, project).await?;
    Ok(Json(Stats::new(project, stats)))
}
