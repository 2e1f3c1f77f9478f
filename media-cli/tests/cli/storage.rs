//! `media-cli storage cors`: the bucket rules for CORS_ALLOWED_ORIGINS,
//! printed, and written with `--apply` to a store that records the request
//! (the S3 server of the tests keeps no CORS rules; R2 does).

use std::sync::{Arc, Mutex};

use http_body_util::BodyExt;
use serde_json::{Value, json};

use super::Env;

const ORIGINS: &str = "https://app.example.com, https://admin.example.com";

fn expected_rules() -> Value {
    json!({"CORSRules": [{
        "AllowedOrigins": ["https://app.example.com", "https://admin.example.com"],
        "AllowedMethods": ["PUT", "GET", "HEAD"],
        "AllowedHeaders": ["content-type"],
        "ExposeHeaders": ["ETag"],
        "MaxAgeSeconds": 3600,
    }]})
}

/// (method, path and query, checksum header present, body) of each request.
type Seen = Arc<Mutex<Vec<(String, String, bool, String)>>>;

async fn recording_store() -> (std::net::SocketAddr, Seen) {
    let seen: Seen = Arc::default();
    let record = seen.clone();
    let addr = media_adapters::testing::serve_loopback("store", move |req| {
        let record = record.clone();
        async move {
            let method = req.method().to_string();
            let target = req.uri().to_string();
            let checksum = req
                .headers()
                .keys()
                .any(|k| k.as_str() == "content-md5" || k.as_str().starts_with("x-amz-checksum-"));
            let body = req.into_body().collect().await.unwrap().to_bytes();
            record.lock().unwrap().push((
                method,
                target,
                checksum,
                String::from_utf8_lossy(&body).into_owned(),
            ));
            http::Response::new(http_body_util::Full::new(hyper::body::Bytes::new()))
        }
    })
    .await;
    (addr, seen)
}

fn remote<'a>(addr: &'a str, origins: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("R2_ENDPOINT", addr),
        ("R2_BUCKET", "photos"),
        ("R2_ACCESS_KEY_ID", "key"),
        ("R2_SECRET_ACCESS_KEY", "secret"),
        ("JWT_SECRET", "a-production-secret-0123456789"),
        ("CORS_ALLOWED_ORIGINS", origins),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_cors_prints_the_rules_and_applies_them_to_the_bucket() {
    let env = Env::new(false).await.unwrap();
    let (addr, seen) = recording_store().await;
    let endpoint = format!("http://{addr}");
    let vars = remote(&endpoint, ORIGINS);

    // Printed in PutBucketCors's form; nothing sent.
    let printed: Value = serde_json::from_str(&env.ok_with(&["storage", "cors"], &vars)).unwrap();
    assert_eq!(printed, expected_rules());
    assert!(seen.lock().unwrap().is_empty());

    let out: Value =
        serde_json::from_str(&env.ok_with(&["storage", "cors", "--apply", "--json"], &vars))
            .unwrap();
    assert_eq!(out["applied"], true);
    assert_eq!(out["store"], "remote");
    assert_eq!(out["corsConfiguration"], expected_rules());
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "{seen:?}");
    let (method, target, checksum, body) = &seen[0];
    // The bucket's CORS subresource (path-style, as the SDK writes it).
    assert_eq!(method, "PUT");
    assert_eq!(target.replace("/?", "?"), "/photos?cors");
    // S3 refuses a PutBucketCors without a checksum of its body.
    assert!(checksum, "no checksum header");
    for part in [
        "<AllowedOrigin>https://app.example.com</AllowedOrigin>",
        "<AllowedOrigin>https://admin.example.com</AllowedOrigin>",
        "<AllowedMethod>PUT</AllowedMethod>",
        "<AllowedMethod>GET</AllowedMethod>",
        "<AllowedMethod>HEAD</AllowedMethod>",
        "<AllowedHeader>content-type</AllowedHeader>",
        "<ExposeHeader>ETag</ExposeHeader>",
        "<MaxAgeSeconds>3600</MaxAgeSeconds>",
    ] {
        assert!(body.contains(part), "{part} not in {body}");
    }
    assert_eq!(body.matches("<CORSRule>").count(), 1, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_cors_refuses_an_empty_setting_and_leaves_the_embedded_store_alone() {
    let env = Env::new(false).await.unwrap();
    let (addr, seen) = recording_store().await;
    let endpoint = format!("http://{addr}");
    let mut vars = remote(&endpoint, "");
    vars.retain(|(k, _)| *k != "CORS_ALLOWED_ORIGINS");
    let err = env.fails_with(&["storage", "cors", "--apply"], &vars);
    assert!(err.contains("CORS_ALLOWED_ORIGINS"), "{err}");
    assert!(seen.lock().unwrap().is_empty());

    let err = env.fails_with(
        &["storage", "cors"],
        &remote(&endpoint, "https://app.example.com/"),
    );
    assert!(err.contains("CORS_ALLOWED_ORIGINS"), "{err}");

    // Development mode, the embedded store: it follows the setting itself.
    let text = env.ok_with(&["storage", "cors", "--apply"], &[]);
    assert!(
        text.contains("follows CORS_ALLOWED_ORIGINS by itself"),
        "{text}"
    );
    let out: Value =
        serde_json::from_str(&env.ok_with(&["storage", "cors", "--json"], &[])).unwrap();
    assert_eq!(out["store"], "embedded");
    assert_eq!(out["applied"], false);
    assert_eq!(
        out["origins"],
        json!(["http://localhost:*", "http://127.0.0.1:*"])
    );
}
