//! Photos: upload URLs for the app and the back office (SPEC §3.2–§3.3),
//! completion (§3.10), a photographer's photos of a project (§3.4–§3.5),
//! and the photo pages every listing answers with.

use axum::Json;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use media_core::ids::{PhotoId, ProjectId};
use media_core::listing::{Page, PageRequest};
use media_core::service::{PhotoView, UploadRequest};

use super::AppState;
use super::dto::{Photo, PhotoTicket, PhotoUploadBody, Status};
use super::extract::{
    Body, Caller, Params, PathIds, PhotoComplete, PhotoUploadApp, PhotoUploadBackoffice,
    PhotographerPhotos,
};
use super::problem::{ApiResult, Problem};

/// The routes of this module, each with its documentation.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(photo_upload_url_app))
        .routes(routes!(photo_upload_url_backoffice))
        .routes(routes!(complete_photo))
        .routes(routes!(photographer_photos))
        .routes(routes!(photographer_delete))
}

pub(super) fn page_request(params: &Params) -> ApiResult<PageRequest> {
    Ok(PageRequest::parse(
        params.get("limit"),
        params.get("cursor"),
    )?)
}

/// The photo array, with `Link: <…>; rel="next"` when more remain.
pub(super) fn photo_page(
    uri: &axum::http::Uri,
    params: &Params,
    page: Page<PhotoView>,
) -> Response {
    let mut headers = HeaderMap::new();
    if let Some(next) = page.next {
        let mut query = form_urlencoded::Serializer::new(String::new());
        let mut keys: Vec<_> = params
            .0
            .iter()
            .filter(|(k, _)| k.as_str() != "cursor")
            .collect();
        keys.sort();
        for (k, v) in keys {
            query.append_pair(k, v);
        }
        query.append_pair("cursor", &next.encode());
        let link = format!("<{}?{}>; rel=\"next\"", uri.path(), query.finish());
        if let Ok(v) = HeaderValue::from_str(&link) {
            headers.insert(header::LINK, v);
        }
    }
    let items: Vec<Photo> = page.items.into_iter().map(Photo::from_view).collect();
    (headers, Json(items)).into_response()
}

async fn photo_upload(
    s: &AppState,
    p: &media_core::domain::Principal,
    b: PhotoUploadBody,
) -> ApiResult<(StatusCode, Json<PhotoTicket>)> {
    let project = b
        .project_id
        .ok_or_else(|| Problem::invalid("projectId is required"))?;
    let req = UploadRequest {
        content_type: b.content_type,
        content_length: b.content_length,
        content_sha256: b.content_sha256,
    };
    let t = s
        .media
        .photo_upload_url(p, ProjectId::from(project), &req)
        .await?;
    Ok((StatusCode::CREATED, Json(t.into())))
}

#[utoipa::path(post, path = "/v1/photos/upload-url", tag = "photos", request_body = PhotoUploadBody,
    responses((status = 201, body = PhotoTicket), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem, description = "`duplicate`: the project holds a photo with `contentSha256`, named by `photoId`")),
    security(("media" = [])))]
pub async fn photo_upload_url_app(
    State(s): State<AppState>,
    Caller(p, ..): Caller<PhotoUploadApp>,
    Body(b): Body<PhotoUploadBody>,
) -> ApiResult<(StatusCode, Json<PhotoTicket>)> {
    photo_upload(&s, &p, b).await
}

#[utoipa::path(post, path = "/v1/photographers/me/photos/upload-url", tag = "photos", request_body = PhotoUploadBody,
    responses((status = 201, body = PhotoTicket), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem, description = "`duplicate`: the project holds a photo with `contentSha256`, named by `photoId`")),
    security(("backoffice" = [])))]
pub async fn photo_upload_url_backoffice(
    State(s): State<AppState>,
    Caller(p, ..): Caller<PhotoUploadBackoffice>,
    Body(b): Body<PhotoUploadBody>,
) -> ApiResult<(StatusCode, Json<PhotoTicket>)> {
    photo_upload(&s, &p, b).await
}

#[utoipa::path(post, path = "/v1/photos/{photoId}/complete", tag = "photos", params(("photoId" = Uuid, Path)),
    responses((status = 202, body = Status), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("media" = []), ("backoffice" = [])))]
pub async fn complete_photo(
    State(s): State<AppState>,
    Caller(p, ..): Caller<PhotoComplete>,
    PathIds(photo): PathIds<PhotoId>,
) -> ApiResult<(StatusCode, Json<Status>)> {
    let status = s.media.complete_photo(&p, photo).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Status {
            status: status.as_str().to_owned(),
        }),
    ))
}

#[utoipa::path(get, path = "/v1/photographers/me/projects/{projectId}/photos", tag = "photos",
    params(("projectId" = Uuid, Path), ("limit" = Option<u32>, Query, minimum = 1, maximum = 1000, description = "1–1000, default 500"), ("cursor" = Option<String>, Query, description = "the `cursor` of the previous page's `Link: rel=\"next\"`; opaque")),
    responses((status = 200, body = [Photo], headers(("Link" = String, description = "next page"))), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("backoffice" = [])))]
pub async fn photographer_photos(
    State(s): State<AppState>,
    Caller(p, ..): Caller<PhotographerPhotos>,
    PathIds(project): PathIds<ProjectId>,
    params: Params,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Response> {
    let page = s
        .media
        .photographer_photos(&p, project, page_request(&params)?)
        .await?;
    Ok(photo_page(&uri, &params, page))
}

#[utoipa::path(delete, path = "/v1/photographers/me/projects/{projectId}/photos/{photoId}", tag = "photos",
    params(("projectId" = Uuid, Path), ("photoId" = Uuid, Path)),
    responses((status = 204), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("backoffice" = [])))]
pub async fn photographer_delete(
    State(s): State<AppState>,
    Caller(p, ..): Caller<PhotographerPhotos>,
    PathIds((project, photo)): PathIds<(ProjectId, PhotoId)>,
) -> ApiResult<StatusCode> {
    s.media
        .photographer_delete_photo(&p, project, photo)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
