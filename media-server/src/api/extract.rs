//! Request extractors: the caller per audience, JSON bodies, path ids and
//! query parameters, each failing with a problem body.

use std::collections::HashMap;
use std::marker::PhantomData;

use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use media_core::domain::Principal;
use media_core::policy::{self, Access};
use media_core::ports::AuthError;

use super::AppState;
use super::problem::Problem;

/// Who may call a route, as a type: the core's [`Access`] of the route.
pub trait AccessOf: Send + Sync + 'static {
    const ACCESS: Access;
}

macro_rules! route_access {
    ($($(#[$doc:meta])* $name:ident => $access:ident),+ $(,)?) => {
        $(
            $(#[$doc])*
            pub struct $name;
            impl AccessOf for $name {
                const ACCESS: Access = Access::$access;
            }
        )+
    };
}

// The core's constants, so a route's extractor and its use case can never
// disagree on who may call it.
route_access! {
    SelfieUpload => SELFIE_UPLOAD,
    SelfieComplete => SELFIE_COMPLETE,
    SelfieSelf => SELFIE_SELF,
    Consents => CONSENTS,
    MyPhotos => MY_PHOTOS,
    Archives => ARCHIVES,
    PhotoUploadApp => PHOTO_UPLOAD_APP,
    PhotoUploadBackoffice => PHOTO_UPLOAD_BACKOFFICE,
    PhotoComplete => PHOTO_COMPLETE,
    PhotographerPhotos => PHOTOGRAPHER_PHOTOS,
    OperatorRoute => OPERATOR,
}

/// The authenticated caller of a route whose access is `A`: token and
/// audience (401), then role (403), before any path or body is parsed
/// (SPEC §2's order). Consent and scope are the use case's, after it.
pub struct Caller<A>(pub Principal, pub PhantomData<A>);

pub fn bearer(parts: &Parts) -> Result<&str, AuthError> {
    let value = parts.headers.get(AUTHORIZATION).ok_or(AuthError::Missing)?;
    let value = value.to_str().map_err(|_| AuthError::Missing)?;
    let (scheme, token) = value.split_once(' ').ok_or(AuthError::Missing)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(AuthError::Missing);
    }
    Ok(token.trim())
}

impl<A: AccessOf> FromRequestParts<AppState> for Caller<A> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let token = bearer(parts)?;
        let mut last = AuthError::Missing;
        for &aud in A::ACCESS.audiences {
            match state.auth.authenticate(token, aud) {
                Ok(p) => {
                    policy::authorize(&p, &A::ACCESS)?;
                    return Ok(Self(p, PhantomData));
                }
                Err(e) => last = e,
            }
        }
        Err(last.into())
    }
}

/// A JSON object body; an empty body reads as `T::default()`. Anything but
/// an object is refused: serde would read a struct from an array too
/// (`[null, null]`), which no schema of ours allows.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned + Default + Send> FromRequest<AppState> for Body<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Problem> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| Problem::invalid(format!("unreadable body: {e}")))?;
        match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
            None => return Ok(Self(T::default())),
            Some(b'{') => {}
            Some(_) => return Err(Problem::invalid("the body must be a JSON object")),
        }
        serde_json::from_slice(&bytes)
            .map(Self)
            .map_err(|e| Problem::invalid(format!("malformed JSON body: {e}")))
    }
}

/// The route's path ids, typed: one id (`PathIds<PhotoId>`) or a tuple in
/// the route's order (`PathIds<(ProjectId, PhotoId)>`). A value that is not a
/// UUID is a 400 naming it.
pub struct PathIds<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts<AppState> for PathIds<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(ids)| Self(ids))
            .map_err(|e| Problem::invalid(format!("bad path: {}", e.body_text())))
    }
}

/// Query parameters (the last of repeated names wins).
pub struct Params(pub HashMap<String, String>);

impl FromRequestParts<AppState> for Params {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Problem> {
        let query = parts.uri.query().unwrap_or("");
        Ok(Self(
            form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect(),
        ))
    }
}

impl Params {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// A comma-separated list of hyphenated UUIDs (the documented pattern,
    /// exactly); absent or empty is `None`.
    pub fn uuids<T: From<Uuid>>(&self, name: &str) -> Result<Option<Vec<T>>, Problem> {
        let Some(raw) = self.get(name).filter(|s| !s.is_empty()) else {
            return Ok(None);
        };
        raw.split(',')
            .map(|s| {
                // 36 characters: the hyphenated form only (the uuid crate
                // also reads braced, URN and 32-digit forms).
                Some(s)
                    .filter(|s| s.len() == 36)
                    .and_then(|s| Uuid::try_parse(s).ok())
                    .map(T::from)
                    .ok_or_else(|| Problem::invalid(format!("{name}: {s:?} is not a UUID")))
            })
            .collect::<Result<Vec<T>, Problem>>()
            .map(Some)
    }
}
