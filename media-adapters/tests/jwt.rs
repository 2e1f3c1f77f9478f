//! Every accepted token form and every rejection of SPEC §2.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use media_adapters::jwt::{JwtAuthenticator, JwtConfig, mint_hs256};
use media_core::domain::{Audience, Role};
use media_core::ports::{AuthError, Authenticator};

const SECRET: &str = "a shared secret of decent length";

fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

fn claims(extra: Value) -> Value {
    let mut base = json!({
        "sub": Uuid::new_v4().to_string(),
        "aud": "media",
        "role": "user",
        "exp": now() + 300,
        "iat": now(),
    });
    for (k, v) in extra.as_object().unwrap() {
        if v.is_null() {
            base.as_object_mut().unwrap().remove(k);
        } else {
            base[k] = v.clone();
        }
    }
    base
}

fn hs(claims: &Value, secret: &str) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn shared() -> JwtAuthenticator {
    JwtAuthenticator::new(JwtConfig {
        secret: Some(SECRET.into()),
        ..JwtConfig::default()
    })
    .unwrap()
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn accepted_forms() {
    let auth = shared();
    // aud as a string, role as a string
    let c = claims(json!({}));
    let p = auth.authenticate(&hs(&c, SECRET), Audience::Media).unwrap();
    assert_eq!(p.id.to_string(), c["sub"].as_str().unwrap());
    assert_eq!(
        (p.audience, p.roles.clone()),
        (Audience::Media, vec![Role::User])
    );
    // aud as an array, roles as an array
    let c = claims(
        json!({"aud": ["other", "backoffice"], "role": null, "roles": ["operator", "photographer"]}),
    );
    let p = auth
        .authenticate(&hs(&c, SECRET), Audience::Backoffice)
        .unwrap();
    assert!(p.has_role(Role::Operator) && p.has_role(Role::Photographer));
    // expired, but within the 30 s leeway
    let c = claims(json!({"exp": now() - 20}));
    assert!(auth.authenticate(&hs(&c, SECRET), Audience::Media).is_ok());
    // not before, within the leeway
    let c = claims(json!({"nbf": now() + 20}));
    assert!(auth.authenticate(&hs(&c, SECRET), Audience::Media).is_ok());
}

#[test]
fn per_audience_secrets() {
    let auth = JwtAuthenticator::new(JwtConfig {
        secret: Some(SECRET.into()),
        media_secret: Some("media only secret".into()),
        ..JwtConfig::default()
    })
    .unwrap();
    let c = claims(json!({}));
    assert!(
        auth.authenticate(&hs(&c, "media only secret"), Audience::Media)
            .is_ok()
    );
    assert!(
        auth.authenticate(&hs(&c, SECRET), Audience::Media).is_err(),
        "media has its own key"
    );
    let c = claims(json!({"aud": "backoffice"}));
    assert!(
        auth.authenticate(&hs(&c, SECRET), Audience::Backoffice)
            .is_ok(),
        "backoffice falls back to JWT_SECRET"
    );
}

#[test]
fn public_key_algorithms() {
    for (alg, private, public) in [
        (Algorithm::RS256, "rsa_private.pem", "rsa_public.pem"),
        (Algorithm::ES256, "ec_private.pem", "ec_public.pem"),
        (Algorithm::EdDSA, "ed_private.pem", "ed_public.pem"),
    ] {
        let auth = JwtAuthenticator::new(JwtConfig {
            public_key_pem: Some(fixture(public)),
            ..JwtConfig::default()
        })
        .unwrap();
        let pem = fixture(private);
        let key = match alg {
            Algorithm::RS256 => EncodingKey::from_rsa_pem(pem.as_bytes()),
            Algorithm::ES256 => EncodingKey::from_ec_pem(pem.as_bytes()),
            _ => EncodingKey::from_ed_pem(pem.as_bytes()),
        }
        .unwrap();
        let c = claims(json!({}));
        let token = encode(&Header::new(alg), &c, &key).unwrap();
        assert!(
            auth.authenticate(&token, Audience::Media).is_ok(),
            "{alg:?}"
        );
        // The same key may not sign with another algorithm family.
        assert!(
            auth.authenticate(&hs(&c, SECRET), Audience::Media).is_err(),
            "{alg:?}: HS refused"
        );
        // HS256 "signed" with the public key itself (algorithm confusion).
        let confused = hs(&c, &fixture(public));
        assert!(
            auth.authenticate(&confused, Audience::Media).is_err(),
            "{alg:?}: confusion refused"
        );
    }
}

fn unsigned(claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let body = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{body}.")
}

#[test]
fn rejections() {
    let auth = shared();
    let reject = |token: String, aud: Audience| auth.authenticate(&token, aud).unwrap_err();

    assert!(
        matches!(
            reject(unsigned(&claims(json!({}))), Audience::Media),
            AuthError::Invalid(_)
        ),
        "alg none"
    );
    assert!(matches!(
        reject(hs(&claims(json!({})), "wrong secret"), Audience::Media),
        AuthError::Invalid(_)
    ));
    assert!(matches!(
        reject(
            hs(&claims(json!({"exp": now() - 31 - 5})), SECRET),
            Audience::Media
        ),
        AuthError::Invalid(_)
    ));
    assert!(matches!(
        reject(
            hs(&claims(json!({"nbf": now() + 120})), SECRET),
            Audience::Media
        ),
        AuthError::Invalid(_)
    ));
    assert!(
        matches!(
            reject(
                hs(&claims(json!({"iat": now() + 120})), SECRET),
                Audience::Media
            ),
            AuthError::Invalid(_)
        ),
        "future iat"
    );
    assert!(matches!(
        reject(hs(&claims(json!({})), SECRET), Audience::Backoffice),
        AuthError::WrongAudience(_)
    ));
    assert!(
        matches!(
            reject(hs(&claims(json!({"aud": null})), SECRET), Audience::Media),
            AuthError::Invalid(_)
        ),
        "missing aud"
    );
    assert!(
        matches!(
            reject(hs(&claims(json!({"exp": null})), SECRET), Audience::Media),
            AuthError::Invalid(_)
        ),
        "missing exp"
    );
    assert!(
        matches!(
            reject(hs(&claims(json!({"sub": null})), SECRET), Audience::Media),
            AuthError::Invalid(_)
        ),
        "missing sub"
    );
    assert!(
        matches!(
            reject(
                hs(&claims(json!({"sub": "alice"})), SECRET),
                Audience::Media
            ),
            AuthError::Invalid(_)
        ),
        "sub not a UUID"
    );
    assert!(
        matches!(
            reject(hs(&claims(json!({"role": null})), SECRET), Audience::Media),
            AuthError::Invalid(_)
        ),
        "no role"
    );
    assert!(
        matches!(
            reject(
                hs(&claims(json!({"role": "admin"})), SECRET),
                Audience::Media
            ),
            AuthError::Invalid(_)
        ),
        "unknown role"
    );
    assert!(matches!(
        reject("not.a.token".into(), Audience::Media),
        AuthError::Invalid(_)
    ));
    let hs384 = encode(
        &Header::new(Algorithm::HS384),
        &claims(json!({})),
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    assert!(
        matches!(reject(hs384, Audience::Media), AuthError::Invalid(_)),
        "only HS256 among HMACs"
    );
}

#[test]
fn the_issuer_is_checked_when_configured() {
    let auth = JwtAuthenticator::new(JwtConfig {
        secret: Some(SECRET.into()),
        issuer: Some("https://id.example".into()),
        ..JwtConfig::default()
    })
    .unwrap();
    assert!(
        auth.authenticate(
            &hs(&claims(json!({"iss": "https://id.example"})), SECRET),
            Audience::Media
        )
        .is_ok()
    );
    assert!(
        auth.authenticate(
            &hs(&claims(json!({"iss": "https://evil.example"})), SECRET),
            Audience::Media
        )
        .is_err()
    );
    assert!(
        auth.authenticate(&hs(&claims(json!({})), SECRET), Audience::Media)
            .is_err()
    );
}

#[test]
fn minted_tokens_authenticate_and_secrets_stay_out_of_debug() {
    let config = JwtConfig {
        secret: Some(SECRET.into()),
        ..JwtConfig::default()
    };
    let sub = Uuid::new_v4();
    let token = mint_hs256(
        &config,
        sub,
        Audience::Backoffice,
        Role::Operator,
        Duration::from_secs(3600),
    )
    .unwrap();
    let p = shared().authenticate(&token, Audience::Backoffice).unwrap();
    assert_eq!((p.id, p.roles), (sub, vec![Role::Operator]));
    assert!(!format!("{config:?}").contains(SECRET));
    assert!(!format!("{:?}", shared()).contains(SECRET));
    assert!(JwtAuthenticator::new(JwtConfig::default()).is_err());
}
