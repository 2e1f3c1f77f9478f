//! Request extractors: the caller per audience, JSON bodies, path ids and
//! query parameters, each failing with a problem body.

use std::collections::HashMap;
use std::marker::PhantomData;

use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use media_core::domain::{Audience, Principal};
use media_core::ports::AuthError;

use super::AppState;
use super::problem::Problem;

pub trait AudienceOf: Send + Sync + 'static {
    const AUDIENCES: &'static [Audience];
}
pub struct MediaAud;
pub struct BackofficeAud;
pub struct EitherAud;
impl AudienceOf for MediaAud {
    const AUDIENCES: &'static [Audience] = &[Audience::Media];
}
impl AudienceOf for BackofficeAud {
    const AUDIENCES: &'static [Audience] = &[Audience::Backoffice];
}
impl AudienceOf for EitherAud {
    const AUDIENCES: &'static [Audience] = &[Audience::Media, Audience::Backoffice];
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

/// The route's path parameters as UUIDs, by name.
pub struct Ids(HashMap<String, Uuid>);

impl Ids {
    pub fn get<T: From<Uuid>>(&self, name: &str) -> T {
        T::from(self.0.get(name).copied().unwrap_or_default())
    }
}

impl FromRequestParts<AppState> for Ids {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let raw = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|e| Problem::invalid(format!("bad path: {e}")))?;
        let mut ids = HashMap::new();
        for (name, value) in &raw {
            let id = Uuid::parse_str(value)
                .map_err(|_| Problem::invalid(format!("{name} {value:?} is not a UUID")))?;
            ids.insert(name.to_owned(), id);
        }
        Ok(Self(ids))
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
