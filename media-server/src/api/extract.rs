//! Request extractors: the caller per audience, JSON bodies, path ids and
//! query parameters, each failing with a problem body.

use std::collections::HashMap;
use std::marker::PhantomData;

use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use media_core::domain::{Audience, Principal};
use media_core::policy;
use media_core::ports::AuthError;

use super::AppState;
use super::problem::Problem;

pub trait AudienceOf: Send + Sync + 'static {
    const AUDIENCES: &'static [Audience];
}
pub struct MediaAud;
pub struct BackofficeAud;
pub struct EitherAud;
// The audiences are the core's (`policy`), so a route's extractor and its
// use case can never disagree.
impl AudienceOf for MediaAud {
    const AUDIENCES: &'static [Audience] = policy::MEDIA;
}
impl AudienceOf for BackofficeAud {
    const AUDIENCES: &'static [Audience] = policy::BACKOFFICE;
}
impl AudienceOf for EitherAud {
    const AUDIENCES: &'static [Audience] = policy::EITHER;
}

/// The authenticated caller of a route of audience `A` (401 otherwise).
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

impl<A: AudienceOf> FromRequestParts<AppState> for Caller<A> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let token = bearer(parts)?;
        let mut last = AuthError::Missing;
        for &aud in A::AUDIENCES {
            match state.auth.authenticate(token, aud) {
                Ok(p) => return Ok(Self(p, PhantomData)),
                Err(e) => last = e,
            }
        }
        Err(last.into())
    }
}

/// A JSON body; an empty body reads as `T::default()`.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned + Default + Send> FromRequest<AppState> for Body<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Problem> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| Problem::invalid(format!("unreadable body: {e}")))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(T::default()));
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

    /// A comma-separated UUID list; absent or empty is `None`.
    pub fn uuids<T: From<Uuid>>(&self, name: &str) -> Result<Option<Vec<T>>, Problem> {
        let Some(raw) = self.get(name).filter(|s| !s.trim().is_empty()) else {
            return Ok(None);
        };
        raw.split(',')
            .map(|s| {
                Uuid::parse_str(s.trim())
                    .map(T::from)
                    .map_err(|_| Problem::invalid(format!("{name}: {:?} is not a UUID", s.trim())))
            })
            .collect::<Result<Vec<T>, Problem>>()
            .map(Some)
    }
}
