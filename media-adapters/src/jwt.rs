//! Bearer tokens (SPEC §2): HS256 with a shared or per-audience secret, and
//! RS256/ES256/EdDSA with a configured public key. `alg: none` cannot be
//! expressed, and an HS token is only ever checked against an HS secret, so
//! one "signed" with the public key fails.

use std::time::Duration;

use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use media_core::domain::{Audience, Principal, Role};
use media_core::error::{Error, Result};
use media_core::ports::{AuthError, Authenticator};

/// Seconds of tolerance on every time claim.
pub const LEEWAY_SECS: u64 = 30;

/// Token keys. Secrets are not printed by `Debug`.
#[derive(Clone, Default)]
pub struct JwtConfig {
    /// `JWT_SECRET`: HS256 for both audiences unless one has its own.
    pub secret: Option<String>,
    /// `JWT_MEDIA_SECRET`: HS256 for `media` tokens only.
    pub media_secret: Option<String>,
    /// `JWT_BACKOFFICE_SECRET`: HS256 for `backoffice` tokens only.
    pub backoffice_secret: Option<String>,
    /// Contents of `JWT_PUBLIC_KEY_FILE` (RSA, EC P-256 or Ed25519 public key, PEM).
    pub public_key_pem: Option<String>,
    /// `JWT_ISSUER`: when set, tokens must carry this `iss`.
    pub issuer: Option<String>,
}

impl std::fmt::Debug for JwtConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = |o: &Option<String>| o.as_ref().map(|_| "<redacted>");
        f.debug_struct("JwtConfig")
            .field("secret", &redacted(&self.secret))
            .field("media_secret", &redacted(&self.media_secret))
            .field("backoffice_secret", &redacted(&self.backoffice_secret))
            .field(
                "public_key_pem",
                &self.public_key_pem.as_ref().map(|_| "<pem>"),
            )
            .field("issuer", &self.issuer)
            .finish()
    }
}

impl JwtConfig {
    /// Whether no key at all is configured.
    pub fn is_empty(&self) -> bool {
        self.secret.is_none()
            && self.media_secret.is_none()
            && self.backoffice_secret.is_none()
            && self.public_key_pem.is_none()
    }

    /// The HS256 secret that signs tokens for `audience`.
    pub fn hs_secret(&self, audience: Audience) -> Option<&str> {
        let own = match audience {
            Audience::Media => &self.media_secret,
            Audience::Backoffice => &self.backoffice_secret,
        };
        own.as_deref().or(self.secret.as_deref())
    }
}

/// [`Authenticator`] over `jsonwebtoken`:
/// HS256 secrets per audience and/or one public key, `exp` required with
/// [`LEEWAY_SECS`] of leeway, `aud` checked against the route.
pub struct JwtAuthenticator {
    config: JwtConfig,
    media: Option<DecodingKey>,
    backoffice: Option<DecodingKey>,
    public: Option<(Algorithm, DecodingKey)>,
}

impl std::fmt::Debug for JwtAuthenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtAuthenticator")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    roles: Option<Vec<String>>,
    #[serde(default)]
    iat: Option<i64>,
}

fn public_key(pem: &str) -> Result<(Algorithm, DecodingKey)> {
    let bytes = pem.as_bytes();
    if let Ok(k) = DecodingKey::from_ed_pem(bytes) {
        return Ok((Algorithm::EdDSA, k));
    }
    if let Ok(k) = DecodingKey::from_ec_pem(bytes) {
        return Ok((Algorithm::ES256, k));
    }
    if let Ok(k) = DecodingKey::from_rsa_pem(bytes) {
        return Ok((Algorithm::RS256, k));
    }
    Err(Error::invalid(
        "JWT_PUBLIC_KEY_FILE: not an RSA, EC or Ed25519 public key in PEM",
    ))
}

impl JwtAuthenticator {
    /// The authenticator of `config`; [`Error::Invalid`] when no key is
    /// configured or the PEM does not parse.
    pub fn new(config: JwtConfig) -> Result<Self> {
        if config.is_empty() {
            return Err(Error::invalid("no JWT key configured"));
        }
        let hs = |a| {
            config
                .hs_secret(a)
                .map(|s| DecodingKey::from_secret(s.as_bytes()))
        };
        let public = config
            .public_key_pem
            .as_deref()
            .map(public_key)
            .transpose()?;
        Ok(Self {
            media: hs(Audience::Media),
            backoffice: hs(Audience::Backoffice),
            public,
            config,
        })
    }
}

fn invalid(e: impl std::fmt::Display) -> AuthError {
    AuthError::Invalid(e.to_string())
}

impl Authenticator for JwtAuthenticator {
    fn authenticate(
        &self,
        token: &str,
        audience: Audience,
    ) -> std::result::Result<Principal, AuthError> {
        let header = decode_header(token).map_err(invalid)?;
        let key = match header.alg {
            Algorithm::HS256 => match audience {
                Audience::Media => self.media.as_ref(),
                Audience::Backoffice => self.backoffice.as_ref(),
            },
            alg => self
                .public
                .as_ref()
                .filter(|(a, _)| *a == alg)
                .map(|(_, k)| k),
        }
        .ok_or_else(|| invalid(format!("algorithm {:?} is not accepted", header.alg)))?;

        let mut validation = Validation::new(header.alg);
        validation.leeway = LEEWAY_SECS;
        validation.validate_nbf = true;
        validation.set_audience(&[audience.as_str()]);
        if let Some(iss) = &self.config.issuer {
            validation.set_required_spec_claims(&["exp", "sub", "aud", "iss"]);
            validation.set_issuer(&[iss]);
        } else {
            validation.set_required_spec_claims(&["exp", "sub", "aud"]);
        }
        let data = decode::<Claims>(token, key, &validation).map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidAudience => {
                AuthError::WrongAudience(audience.as_str())
            }
            _ => invalid(e),
        })?;
        let claims = data.claims;
        let now = OffsetDateTime::now_utc().unix_timestamp();
        if claims.iat.is_some_and(|iat| iat > now + LEEWAY_SECS as i64) {
            return Err(invalid("token issued in the future"));
        }
        let id = Uuid::parse_str(&claims.sub).map_err(|_| invalid("sub is not a UUID"))?;
        let mut roles: Vec<Role> = claims
            .role
            .iter()
            .chain(claims.roles.iter().flatten())
            .filter_map(|r| Role::parse(r))
            .collect();
        roles.dedup();
        if roles.is_empty() {
            return Err(invalid("no known role in role/roles"));
        }
        Ok(Principal::new(id, audience, roles))
    }
}

#[derive(Serialize)]
struct MintClaims<'a> {
    sub: String,
    aud: &'a str,
    role: &'a str,
    iat: i64,
    exp: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    iss: Option<&'a str>,
}

/// Signs an HS256 token for development and tests (`media-cli token`).
pub fn mint_hs256(
    config: &JwtConfig,
    sub: Uuid,
    audience: Audience,
    role: Role,
    ttl: Duration,
) -> Result<String> {
    let secret = config
        .hs_secret(audience)
        .ok_or_else(|| Error::invalid("no HS256 secret is configured for this audience"))?;
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let claims = MintClaims {
        sub: sub.to_string(),
        aud: audience.as_str(),
        role: role.as_str(),
        iat: now,
        exp: now + i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2),
        iss: config.issuer.as_deref(),
    };
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .map_err(|e| Error::permanent(format!("signing the token: {e}")))
}
