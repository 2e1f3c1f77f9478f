//! The face service "Retina" over HTTP (SPEC §7).

use std::time::Duration;

use async_trait::async_trait;
use serde::Deserialize;

use media_core::domain::{DetectedFace, FaceBox, LEGACY_RETINA_MODEL, RETINA_EMBEDDING_DIM};
use media_core::error::{Error, Result};
use media_core::matching::normalize;
use media_core::ports::FaceEmbedder;

/// Where Retina is. The API key is not printed by `Debug`.
#[derive(Clone)]
pub struct RetinaConfig {
    /// `RETINA_URL`, without the `/v1/faces` path.
    pub url: String,
    /// `RETINA_API_KEY`, sent as a bearer token.
    pub api_key: Option<String>,
    /// `RETINA_TIMEOUT_MS`: a slower answer is a retryable failure.
    pub timeout: Duration,
}

impl std::fmt::Debug for RetinaConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RetinaConfig")
            .field("url", &self.url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// [`FaceEmbedder`] over SPEC §7's HTTP contract: 4xx other than 429 is
/// [`Error::Permanent`], 429, 5xx, timeouts and bad bodies are
/// [`Error::Unavailable`]; embeddings are L2-normalised here.
#[derive(Debug, Clone)]
pub struct RetinaClient {
    http: reqwest::Client,
    endpoint: String,
    config: RetinaConfig,
}

#[derive(Deserialize)]
struct FacesResponse {
    /// The model that made the embeddings, recorded with each of them; an
    /// answer without one is labelled as the rows stored before models
    /// were recorded.
    #[serde(default)]
    model: Option<String>,
    faces: Vec<WireFace>,
}

#[derive(Deserialize)]
struct WireFace {
    #[serde(rename = "box")]
    bbox: WireBox,
    score: f32,
    embedding: Vec<f32>,
}

#[derive(Deserialize)]
struct WireBox {
    x: f32,
    y: f32,
    width: f32,
    height: f32,
}

impl RetinaClient {
    /// A client of `config`; [`Error::Invalid`] when the HTTP client cannot be built.
    pub fn new(config: RetinaConfig) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(5)))
            .build()
            .map_err(|e| Error::invalid(format!("RETINA_URL: {e}")))?;
        let endpoint = format!("{}/v1/faces", config.url.trim_end_matches('/'));
        Ok(Self {
            http,
            endpoint,
            config,
        })
    }
}

#[async_trait]
impl FaceEmbedder for RetinaClient {
    fn is_configured(&self) -> bool {
        true
    }

    /// Retina names its model in its answers only: what it keeps is every
    /// model but the built-in engine's and the label of rows stored before
    /// models were recorded (re-described by `reprocess --step faces`).
    fn keeps(&self, model: &str) -> bool {
        model != crate::builtin::MODEL && model != LEGACY_RETINA_MODEL
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn detect_faces(&self, image_url: &str) -> Result<Vec<DetectedFace>> {
        let started = std::time::Instant::now();
        let result = self.call(image_url).await;
        let outcome = match &result {
            Ok(_) => "ok",
            Err((outcome, _)) => *outcome,
        };
        crate::observe::face_call(outcome, started.elapsed());
        result.map_err(|(_, e)| e)
    }
}

impl RetinaClient {
    /// One call; a failure carries its metrics outcome.
    async fn call(
        &self,
        image_url: &str,
    ) -> std::result::Result<Vec<DetectedFace>, (&'static str, Error)> {
        let unavailable = |e: Error| ("unavailable", e);
        let bad = |e: Error| ("bad_answer", e);
        let mut req = self
            .http
            .post(&self.endpoint)
            .json(&serde_json::json!({ "imageUrl": image_url }));
        if let Some(key) = &self.config.api_key {
            req = req.bearer_auth(key);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| unavailable(Error::unavailable(format!("retina: {}", e.without_url()))))?;
        let status = resp.status();
        if status.as_u16() == 429 || status.is_server_error() {
            return Err(unavailable(Error::unavailable(format!(
                "retina answered {status}"
            ))));
        }
        if !status.is_success() {
            let body: String = resp
                .text()
                .await
                .unwrap_or_default()
                .chars()
                .take(200)
                .collect();
            return Err((
                "refused",
                Error::permanent(format!("retina refused the image ({status}): {body}")),
            ));
        }
        let body: FacesResponse = resp.json().await.map_err(|e| {
            bad(Error::unavailable(format!(
                "retina answer unreadable: {}",
                e.without_url()
            )))
        })?;
        let model = body
            .model
            .filter(|m| !m.trim().is_empty())
            .unwrap_or_else(|| LEGACY_RETINA_MODEL.to_owned());
        body.faces
            .into_iter()
            .map(|f| {
                if f.embedding.len() != RETINA_EMBEDDING_DIM {
                    return Err(bad(Error::permanent(format!(
                        "retina returned a {}-dimensional embedding, expected {RETINA_EMBEDDING_DIM}",
                        f.embedding.len()
                    ))));
                }
                if f.embedding.iter().any(|x| !x.is_finite()) {
                    return Err(bad(Error::permanent(
                        "retina returned a non-finite embedding",
                    )));
                }
                let mut embedding = f.embedding;
                normalize(&mut embedding);
                Ok(DetectedFace {
                    bbox: FaceBox {
                        x: f.bbox.x,
                        y: f.bbox.y,
                        width: f.bbox.width,
                        height: f.bbox.height,
                    },
                    score: f.score,
                    embedding,
                    model: model.clone(),
                })
            })
            .collect()
    }
}

/// `FACE_ENGINE=off`: face work waits until an engine is configured.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRetina;

#[async_trait]
impl FaceEmbedder for NoRetina {
    fn is_configured(&self) -> bool {
        false
    }

    async fn detect_faces(&self, _image_url: &str) -> Result<Vec<DetectedFace>> {
        Err(Error::unavailable(
            "no face engine is configured (FACE_ENGINE=off)",
        ))
    }
}
