//! The Retina adapter against a fake Retina on 127.0.0.1 speaking SPEC §7.

use std::time::Duration;

use serde_json::json;

use media_adapters::retina::{NoRetina, RetinaClient, RetinaConfig};
use media_adapters::testing::{FakeRetina, RetinaMode};
use media_core::Error;
use media_core::ports::FaceEmbedder;

/// A fake answering `status` and `body` after `delay`, whatever was asked.
async fn fake_retina(status: u16, body: String, delay: Duration) -> FakeRetina {
    FakeRetina::start_with(RetinaMode::Raw {
        status,
        body,
        delay,
    })
    .await
}

fn client(url: String) -> RetinaClient {
    RetinaClient::new(RetinaConfig {
        url,
        api_key: Some("retina-key".into()),
        timeout: Duration::from_millis(500),
    })
    .unwrap()
}

fn faces_body(dims: usize, scale: f32) -> String {
    json!({"model": "fake", "faces": [{
        "box": {"x": 1.0, "y": 2.0, "width": 120.0, "height": 90.0},
        "score": 0.97,
        "embedding": vec![scale; dims],
    }]})
    .to_string()
}

#[tokio::test]
async fn faces_are_parsed_and_normalised() {
    let fake = fake_retina(200, faces_body(512, 3.0), Duration::ZERO).await;
    let faces = client(fake.url().to_owned())
        .detect_faces("https://store/x?sig")
        .await
        .unwrap();
    assert_eq!(faces.len(), 1);
    let f = &faces[0];
    assert_eq!((f.bbox.width, f.bbox.height, f.score), (120.0, 90.0, 0.97));
    let norm: f32 = f.embedding.iter().map(|x| x * x).sum::<f32>().sqrt();
    assert!((norm - 1.0).abs() < 1e-5, "L2-normalised: {norm}");
    let seen = fake.calls();
    assert_eq!(seen[0].authorization.as_deref(), Some("Bearer retina-key"));
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&seen[0].body).unwrap(),
        json!({"imageUrl": "https://store/x?sig"})
    );
}

#[tokio::test]
async fn retryable_and_permanent_failures() {
    for (status, retryable) in [
        (500u16, true),
        (503, true),
        (429, true),
        (400, false),
        (422, false),
        (404, false),
    ] {
        let fake = fake_retina(status, "{}".into(), Duration::ZERO).await;
        let e = client(fake.url().to_owned())
            .detect_faces("u")
            .await
            .unwrap_err();
        assert_eq!(e.is_retryable(), retryable, "{status}: {e}");
        if !retryable {
            assert!(matches!(e, Error::Permanent(_)));
        }
    }
    // A timeout is retried.
    let fake = fake_retina(200, faces_body(512, 1.0), Duration::from_secs(3)).await;
    assert!(
        client(fake.url().to_owned())
            .detect_faces("u")
            .await
            .unwrap_err()
            .is_retryable()
    );
    // Nobody listening is retried.
    assert!(
        client("http://127.0.0.1:9".into())
            .detect_faces("u")
            .await
            .unwrap_err()
            .is_retryable()
    );
    // A wrong dimension is refused.
    let fake = fake_retina(200, faces_body(128, 1.0), Duration::ZERO).await;
    assert!(matches!(
        client(fake.url().to_owned()).detect_faces("u").await,
        Err(Error::Permanent(_))
    ));
}

#[tokio::test]
async fn unconfigured_retina_waits() {
    assert!(!NoRetina.is_configured());
    assert!(NoRetina.detect_faces("u").await.unwrap_err().is_retryable());
    let dbg = format!(
        "{:?}",
        RetinaConfig {
            url: "u".into(),
            api_key: Some("topsecret".into()),
            timeout: Duration::ZERO
        }
    );
    assert!(!dbg.contains("topsecret"));
}

/// What `reprocess --step faces` describes again while Retina runs: the
/// built-in engine's embeddings and the rows labelled before models were
/// recorded; any model Retina names stays.
#[test]
fn retina_keeps_the_models_it_names() {
    let retina = client("http://127.0.0.1:9".into());
    assert!(retina.keeps("arcface-r100"));
    assert!(!retina.keeps(media_adapters::builtin::MODEL));
    assert!(!retina.keeps(media_core::domain::LEGACY_RETINA_MODEL));
}
