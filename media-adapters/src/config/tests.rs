//! Parsing the environment: defaults, errors naming their variable, secrets out of `Debug`.

use super::*;
use std::collections::HashMap;

fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let mut c = parsed(vars)?;
    c.read_jwt_files()?;
    Ok(c)
}

fn parsed(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let dir = std::env::temp_dir().join(format!("media-config-{}", uuid::Uuid::new_v4()));
    let mut map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    map.entry("MEDIA_DATA_DIR".into())
        .or_insert(dir.display().to_string());
    Config::from_lookup(&|k| map.get(k).cloned())
}

#[test]
fn defaults_are_the_embedded_ones() {
    let c = config(&[]).unwrap();
    assert_eq!(c.addr.to_string(), "0.0.0.0:3003");
    assert!(c.database_url.starts_with("sqlite://") && c.database_url.ends_with("media.db"));
    assert!(
        matches!(c.storage, StorageConfig::Embedded { ref bucket, addr, .. } if bucket == "media" && addr.to_string() == "127.0.0.1:3004")
    );
    assert!(c.jwt_dev_secret && c.jwt.secret.as_ref().is_some_and(|s| s.len() >= 32));
    assert!(c.retina.is_none());
    assert_eq!(c.settings, Settings::default());
    // One worker more than CPUs: it works while the others wait on the store.
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(c.worker_concurrency, cpus + 1);
    // The secret is kept: a second read gives the same one, mode 0600.
    let dir = c.data_dir.clone();
    let again = config(&[("MEDIA_DATA_DIR", dir.to_str().unwrap())]).unwrap();
    assert_eq!(again.jwt.secret, c.jwt.secret);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("jwt-secret"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn parsing_writes_no_file() {
    let c = parsed(&[]).unwrap();
    assert!(c.jwt_dev_secret && c.jwt.secret.is_none());
    assert!(!c.data_dir.join("jwt-secret").exists());
}

#[test]
fn the_public_key_file_is_read_at_load_not_while_parsing() {
    let dir = std::env::temp_dir().join(format!("media-config-{}", uuid::Uuid::new_v4()));
    let missing = dir.join("no-such-key.pem");
    let vars = [("JWT_PUBLIC_KEY_FILE", missing.to_str().unwrap())];
    let c = parsed(&vars).unwrap();
    assert!(!c.jwt_dev_secret && c.jwt.public_key_pem.is_none());
    let e = config(&vars).unwrap_err();
    assert!(e.0.contains("JWT_PUBLIC_KEY_FILE"), "{e}");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(&missing, "-----BEGIN PUBLIC KEY-----").unwrap();
    let c = config(&vars).unwrap();
    assert_eq!(
        c.jwt.public_key_pem.as_deref(),
        Some("-----BEGIN PUBLIC KEY-----")
    );
    assert!(c.jwt.secret.is_none() && !c.data_dir.join("jwt-secret").exists());
}

#[test]
fn invalid_values_name_their_variable() {
    for (var, value) in [
        ("PORT", "eighty"),
        ("DATABASE_URL", "mysql://x"),
        ("WORKER_CONCURRENCY", "0"),
        ("MATCH_MAX_DISTANCE", "3"),
        ("SELFIE_MIN_SCORE", "x"),
        ("MAX_UPLOAD_BYTES", "-1"),
        ("JOB_MAX_ATTEMPTS", "0"),
        ("RETINA_URL", "ftp://x"),
        ("JWT_SECRET", "short"),
        ("R2_ENDPOINT", "https://r2.example"),
        // Past any date: `now + grace` would overflow in the reconciler.
        ("UPLOAD_GRACE_SECONDS", "18446744073709551615"),
        ("UPLOAD_GRACE_SECONDS", "99999999999"),
        ("MEDIA_HEADER_READ_TIMEOUT_SECONDS", "0"),
        ("MEDIA_MAX_CONNECTIONS", "1"),
        ("MEDIA_METRICS_ADDR", "9464"),
        ("JOB_RETENTION_HOURS", "-1"),
    ] {
        let e = config(&[(var, value)]).unwrap_err();
        assert!(e.to_string().contains(var), "{var}: {e}");
        assert!(!e.to_string().contains('\n'));
    }
}

#[test]
fn remote_storage_and_keys() {
    let c = config(&[
        ("PORT", "8003"),
        ("R2_ENDPOINT", "https://acc.r2.cloudflarestorage.com"),
        ("R2_BUCKET", "photos"),
        ("R2_ACCESS_KEY_ID", "AK"),
        ("R2_SECRET_ACCESS_KEY", "very-secret-value"),
        ("JWT_SECRET", "0123456789abcdef0123"),
        ("RETINA_URL", "http://127.0.0.1:9000"),
    ])
    .unwrap();
    assert_eq!(c.addr.port(), 8003);
    assert_eq!(c.serve.metrics_addr, None);
    assert!(!c.jwt_dev_secret);
    assert!(
        matches!(c.storage, StorageConfig::Remote(ref s) if s.bucket == "photos" && s.region == "auto")
    );
    assert!(
        !format!("{c:?}").contains("very-secret-value"),
        "secrets stay out of Debug"
    );
    assert!(!format!("{c:?}").contains("0123456789abcdef0123"));
}

#[test]
fn debug_redacts_the_database_password_and_the_webhook_secret() {
    let c = config(&[
        (
            "DATABASE_URL",
            "postgres://media:db-pass-123@db.internal:5432/media",
        ),
        ("STORAGE_WEBHOOK_SECRET", "hook-secret-456-0123"),
    ])
    .unwrap();
    let shown = format!("{c:?}");
    assert!(!shown.contains("db-pass-123"), "{shown}");
    assert!(!shown.contains("hook-secret-456"), "{shown}");
    assert!(
        shown.contains("db.internal"),
        "the rest of the URL helps: {shown}"
    );
}

#[test]
fn events_need_both_url_and_secret_and_the_secret_never_shows() {
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    assert!(config(&[]).unwrap().events.is_none(), "off by default");
    for (vars, names) in [
        (
            vec![("EVENTS_WEBHOOK_URL", "https://platform.example/hooks")],
            "EVENTS_WEBHOOK_SECRET",
        ),
        (
            vec![("EVENTS_WEBHOOK_SECRET", secret)],
            "EVENTS_WEBHOOK_URL",
        ),
        (
            vec![
                ("EVENTS_WEBHOOK_URL", "ftp://platform.example"),
                ("EVENTS_WEBHOOK_SECRET", secret),
            ],
            "EVENTS_WEBHOOK_URL",
        ),
        (
            vec![
                ("EVENTS_WEBHOOK_URL", "https://platform.example/hooks"),
                ("EVENTS_WEBHOOK_SECRET", "plain-text-secret-0123456789"),
            ],
            "EVENTS_WEBHOOK_SECRET",
        ),
        (
            vec![("MATCH_NOTIFY_DEBOUNCE_SECONDS", "-1")],
            "MATCH_NOTIFY_DEBOUNCE_SECONDS",
        ),
        (vec![("EVENTS_RETRY_BASE_MS", "0")], "EVENTS_RETRY_BASE_MS"),
    ] {
        let e = config(&vars).unwrap_err().0;
        assert!(e.contains(names), "{vars:?}: {e}");
        assert!(
            !e.contains("plain-text-secret"),
            "the value is not echoed: {e}"
        );
    }
    let c = config(&[
        ("EVENTS_WEBHOOK_URL", "https://platform.example/hooks"),
        ("EVENTS_WEBHOOK_SECRET", secret),
        ("MATCH_NOTIFY_DEBOUNCE_SECONDS", "30"),
    ])
    .unwrap();
    assert_eq!(
        c.events.as_ref().unwrap().url,
        "https://platform.example/hooks"
    );
    assert_eq!(c.settings.match_notify_debounce, Duration::from_secs(30));
    assert!(!format!("{c:?}").contains("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
}

/// Issue 26: the manifests' and compose file's placeholders, published
/// with the code, are refused at start, and so is a webhook secret too
/// short to resist guessing; the value is never echoed.
#[test]
fn placeholder_and_short_secrets_stop_the_process() {
    for (var, value) in [
        ("JWT_SECRET", "CHANGE-ME-to-a-long-random-secret"),
        ("JWT_SECRET", "change-me-to-a-long-random-secret"),
        ("JWT_MEDIA_SECRET", "please_changeme_0123456789"),
        ("STORAGE_WEBHOOK_SECRET", "CHANGE-ME"),
        ("STORAGE_WEBHOOK_SECRET", "change-me-too-0123456789"),
        ("STORAGE_WEBHOOK_SECRET", "short-secret"),
        ("R2_SECRET_ACCESS_KEY", "CHANGE-ME"),
    ] {
        let mut vars = vec![(var, value)];
        if var == "R2_SECRET_ACCESS_KEY" {
            vars.extend([
                ("R2_ENDPOINT", "https://account.r2.cloudflarestorage.com"),
                ("R2_ACCESS_KEY_ID", "key-id-0123"),
                ("R2_BUCKET", "media"),
            ]);
        }
        let e = parsed(&vars).expect_err(value).0;
        assert!(e.contains(var), "{var}={value}: {e}");
        assert!(!e.contains(value), "the value is not echoed: {e}");
    }
    let ok = parsed(&[("STORAGE_WEBHOOK_SECRET", "0123456789abcdef")]).unwrap();
    assert!(ok.webhook_secret.is_some(), "16 bytes are enough");
}

/// The events webhook URL may carry a token (a query or a path segment):
/// `Debug` shows its scheme and host only.
#[test]
fn debug_shows_the_events_webhook_url_without_its_path_or_query() {
    let c = config(&[
        (
            "EVENTS_WEBHOOK_URL",
            "https://user:pw@platform.example/hooks/tok-path-123?token=tok-query-456",
        ),
        (
            "EVENTS_WEBHOOK_SECRET",
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        ),
    ])
    .unwrap();
    let shown = format!("{c:?}");
    for secret in ["tok-path-123", "tok-query-456", "pw@"] {
        assert!(!shown.contains(secret), "{secret}: {shown}");
    }
    assert!(shown.contains("platform.example"), "{shown}");
}

#[test]
fn browsers_of_loopback_are_allowed_in_development_mode_only() {
    let dev = parsed(&[]).unwrap();
    assert_eq!(dev.cors, AllowedOrigins::Loopback);
    // Any key configured, a public key file alone included, is not development.
    for key in [
        ("JWT_SECRET", "a-production-secret-0123456789"),
        ("JWT_PUBLIC_KEY_FILE", "/run/secrets/jwt.pem"),
    ] {
        let c = parsed(&[key]).unwrap();
        assert!(c.cors.is_none(), "{key:?}: {:?}", c.cors);
    }
    let listed = parsed(&[("CORS_ALLOWED_ORIGINS", "https://app.example.com")]).unwrap();
    assert!(listed.cors.allows(b"https://app.example.com"));
    assert!(!listed.cors.allows(b"http://localhost:5173"));
    let e = parsed(&[("CORS_ALLOWED_ORIGINS", "app.example.com")]).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("configuration: CORS_ALLOWED_ORIGINS"),
        "{e}"
    );
}

#[test]
fn the_face_engine_is_retina_with_its_url_else_the_built_in_one() {
    assert_eq!(parsed(&[]).unwrap().face_engine, FaceEngine::Builtin);
    let retina = parsed(&[("RETINA_URL", "http://127.0.0.1:9000")]).unwrap();
    assert_eq!(retina.face_engine, FaceEngine::Retina);
    for (value, engine) in [
        ("builtin", FaceEngine::Builtin),
        ("off", FaceEngine::Off),
        (" Retina ", FaceEngine::Retina),
    ] {
        let c = parsed(&[
            ("FACE_ENGINE", value),
            ("RETINA_URL", "http://127.0.0.1:9000"),
        ])
        .unwrap();
        assert_eq!(c.face_engine, engine, "{value}");
    }
    assert_eq!(
        parsed(&[("FACE_ENGINE", "off")]).unwrap().face_engine,
        FaceEngine::Off
    );
    // One line naming the variable: an unknown engine, or Retina without its URL.
    for vars in [
        &[("FACE_ENGINE", "dlib")][..],
        &[("FACE_ENGINE", "retina")][..],
    ] {
        let e = parsed(vars).unwrap_err().to_string();
        assert!(e.contains("FACE_ENGINE") && !e.contains('\n'), "{e}");
    }
    assert!(
        parsed(&[("FACE_ENGINE", "retina")])
            .unwrap_err()
            .to_string()
            .contains("RETINA_URL")
    );
}
