//! One handler per route of SPEC §3: parse, call one use case, map the result.

use axum::Json;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use media_core::domain::ConsentPurpose;
use media_core::ids::{PhotoId, ProjectId, SelfieId};
use media_core::listing::{Page, PageRequest};
use media_core::service::{OperatorFilter, PhotoView, UploadRequest};

use super::AppState;
use super::dto::*;
use super::extract::{
    Body, Caller, Consents, MyPhotos, OperatorRoute, Params, PathIds, PhotoComplete,
    PhotoUploadApp, PhotoUploadBackoffice, PhotographerPhotos, SelfieComplete, SelfieSelf,
    SelfieUpload,
};
use super::problem::{ApiResult, Problem};

fn page_request(params: &Params) -> ApiResult<PageRequest> {
    Ok(PageRequest::parse(
        params.get("limit"),
        params.get("cursor"),
    )?)
}

/// The photo array, with `Link: <…>; rel="next"` when more remain.
fn photo_page(
    uri: &axum::http::Uri,
    params: &Params,
    page: Page<PhotoView>,
    with_photographer: bool,
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
    let items: Vec<Photo> = page
        .items
        .into_iter()
        .map(|v| Photo::from_view(v, with_photographer))
        .collect();
    (headers, Json(items)).into_response()
}

fn purpose(raw: &str) -> ApiResult<ConsentPurpose> {
    ConsentPurpose::parse(raw).ok_or_else(Problem::not_found)
}

#[utoipa::path(post, path = "/v1/selfie/upload-url", tag = "selfie", request_body(content = UploadBody, description = "optional"),
    responses((status = 201, body = SelfieTicket), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("media" = [])))]
pub async fn selfie_upload_url(
    State(s): State<AppState>,
    Caller(p, ..): Caller<SelfieUpload>,
    Body(b): Body<UploadBody>,
) -> ApiResult<(StatusCode, Json<SelfieTicket>)> {
    let t = s.media.selfie_upload_url(&p, &b.into()).await?;
    Ok((StatusCode::CREATED, Json(t.into())))
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
    Ok(photo_page(&uri, &params, page, true))
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
    Ok(photo_page(&uri, &params, page, true))
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
    Ok(photo_page(&uri, &params, page, true))
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
