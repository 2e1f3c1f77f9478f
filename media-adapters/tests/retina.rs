//! The Retina adapter against a fake Retina on 127.0.0.1 speaking SPEC §7.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::{Request, Response, StatusCode};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::json;

use media_adapters::retina::{NoRetina, RetinaClient, RetinaConfig};
use media_core::Error;
use media_core::ports::FaceEmbedder;

type Reply = Arc<dyn Fn() -> (u16, String, Duration) + Send + Sync>;

/// Serves `reply` for every request; records the Authorization headers and bodies.
async fn fake_retina(reply: Reply) -> (String, Arc<Mutex<Vec<(String, String)>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let reply = reply.clone();
            let seen = seen2.clone();
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |req: Request<Incoming>| {
                    let reply = reply.clone();
                    let seen = seen.clone();
                    async move {
                        use http_body_util::BodyExt;
                        let auth = req
                            .headers()
                            .get("authorization")
                            .map(|v| v.to_str().unwrap().to_owned())
                            .unwrap_or_default();
                        let body = req.into_body().collect().await.unwrap().to_bytes();
                        seen.lock()
                            .unwrap()
                            .push((auth, String::from_utf8_lossy(&body).into_owned()));
                        let (status, body, delay) = reply();
                        tokio::time::sleep(delay).await;
                        Ok::<_, Infallible>(
                            Response::builder()
                                .status(StatusCode::from_u16(status).unwrap())
                                .header("content-type", "application/json")
                                .body(http_body_util::Full::new(hyper::body::Bytes::from(body)))
                                .unwrap(),
                        )
                    }
                });
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    (format!("http://{addr}"), seen)
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
    let (url, seen) = fake_retina(Arc::new(|| (200, faces_body(512, 3.0), Duration::ZERO))).await;
    let faces = client(url)
        .detect_faces("https://store/x?sig")
        .await
        .unwrap();
    assert_eq!(faces.len(), 1);
    let f = &faces[0];
    assert_eq!((f.bbox.width, f.bbox.height, f.score), (120.0, 90.0, 0.97));
    let norm: f32 = f.embedding.iter().map(|x| x * x).sum::<f32>().sqrt();
    assert!((norm - 1.0).abs() < 1e-5, "L2-normalised: {norm}");
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0].0, "Bearer retina-key");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&seen[0].1).unwrap(),
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
        let (url, _) = fake_retina(Arc::new(move || (status, "{}".into(), Duration::ZERO))).await;
        let e = client(url).detect_faces("u").await.unwrap_err();
        assert_eq!(e.is_retryable(), retryable, "{status}: {e}");
        if !retryable {
            assert!(matches!(e, Error::Permanent(_)));
        }
    }
    // A timeout is retried.
    let (url, _) = fake_retina(Arc::new(|| {
        (200, faces_body(512, 1.0), Duration::from_secs(3))
    }))
    .await;
    assert!(
        client(url)
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
    let (url, _) = fake_retina(Arc::new(|| (200, faces_body(128, 1.0), Duration::ZERO))).await;
    assert!(matches!(
        client(url).detect_faces("u").await,
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
