//! A fake face service on 127.0.0.1 speaking SPEC §7, for every test and
//! benchmark that needs one: the end-to-end tests (faces from the image's
//! colour), the adapter's tests (raw answers) and the event benchmark
//! (faces decided in advance per photo or user).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use serde_json::{Value, json};
use uuid::Uuid;

use media_core::domain::{DetectedFace, RETINA_EMBEDDING_DIM};
use media_core::keys::{self, ParsedKey};
use media_core::testing::{Fill, jpeg};

/// How the fake answers.
#[derive(Clone, Debug, PartialEq)]
pub enum RetinaMode {
    /// Fetches the image through its URL, as Retina does, and reads the
    /// faces from its colour (see [`identity_jpeg`]).
    Identity,
    /// Answers what [`FakeRetina::answer`] recorded for the id in the
    /// image's key (the photo's id, or the selfie's user id); no fetch.
    ByKey,
    /// Always this status, with a JSON error body.
    Status(u16),
    /// As `Identity`, after this many milliseconds.
    Slow(u64),
    /// This status and body after `delay`, whatever was asked.
    Raw {
        /// The HTTP status.
        status: u16,
        /// The body, sent as `application/json`.
        body: String,
        /// How long to wait before answering.
        delay: Duration,
    },
}

/// One request the fake received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetinaCall {
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
    /// The request body as sent.
    pub body: String,
    /// Its `imageUrl`.
    pub image_url: String,
}

struct State {
    mode: Mutex<RetinaMode>,
    calls: Mutex<Vec<RetinaCall>>,
    answers: Mutex<HashMap<Uuid, Vec<DetectedFace>>>,
    http: reqwest::Client,
}

/// The running fake; clones share it. It serves until the test's runtime ends.
#[derive(Clone)]
pub struct FakeRetina {
    url: String,
    state: Arc<State>,
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A unit vector for identity `i`: everyone's face is orthogonal to everyone else's.
pub fn identity_embedding(i: usize) -> Vec<f32> {
    let mut v = vec![0.0f32; RETINA_EMBEDDING_DIM];
    v[i % RETINA_EMBEDDING_DIM] = 1.0;
    v
}

/// A JPEG whose red channel names the identity in it, for
/// [`RetinaMode::Identity`]: 0 = no face; 24 = one face scored 0.5; 25 =
/// two faces; any other `i` = one face of identity `i`. The face's box is
/// half the image's shorter side, at most 200 px, so small images make
/// small faces.
pub fn identity_jpeg(identity: u8, width: u16, height: u16) -> Vec<u8> {
    // Distinct bytes each call: two uploads of one identity are two photos,
    // not a duplicate (tests of duplicates reuse one call's bytes).
    media_core::testing::distinct(&jpeg(
        width,
        height,
        Fill::Solid([identity.saturating_mul(10), 90, 160]),
    ))
}

fn face_json(side: f32, score: f32, embedding: &[f32]) -> Value {
    json!({"box": {"x": 10, "y": 10, "width": side, "height": side}, "score": score, "embedding": embedding})
}

impl FakeRetina {
    /// Starts a fake in [`RetinaMode::Identity`].
    pub async fn start() -> Self {
        Self::start_with(RetinaMode::Identity).await
    }

    /// Starts a fake answering in `mode`.
    pub async fn start_with(mode: RetinaMode) -> Self {
        let state = Arc::new(State {
            mode: Mutex::new(mode),
            calls: Mutex::default(),
            answers: Mutex::default(),
            http: reqwest::Client::new(),
        });
        let served = state.clone();
        let addr = super::loopback::serve("fake Retina", move |req| {
            let state = served.clone();
            async move { respond(&state, req).await }
        })
        .await;
        Self {
            url: format!("http://{addr}"),
            state,
        }
    }

    /// The base URL to configure as `RETINA_URL`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// How it answers now.
    pub fn mode(&self) -> RetinaMode {
        locked(&self.state.mode).clone()
    }

    /// Answers the next requests in `mode`.
    pub fn set_mode(&self, mode: RetinaMode) {
        *locked(&self.state.mode) = mode;
    }

    /// Every request so far, in order.
    pub fn calls(&self) -> Vec<RetinaCall> {
        locked(&self.state.calls).clone()
    }

    /// How many requests so far.
    pub fn call_count(&self) -> usize {
        locked(&self.state.calls).len()
    }

    /// What [`RetinaMode::ByKey`] answers for images keyed by `id`.
    pub fn answer(&self, id: Uuid, faces: Vec<DetectedFace>) {
        locked(&self.state.answers).insert(id, faces);
    }
}

fn reply(status: u16, body: String) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    resp
}

fn faces_reply(faces: Vec<Value>) -> Response<Full<Bytes>> {
    reply(200, json!({"model": "fake", "faces": faces}).to_string())
}

async fn respond(state: &State, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let authorization = req
        .headers()
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = match req.into_body().collect().await {
        Ok(b) => String::from_utf8_lossy(&b.to_bytes()).into_owned(),
        Err(_) => String::new(),
    };
    let image_url = serde_json::from_str::<Value>(&body)
        .ok()
        .and_then(|v| v["imageUrl"].as_str().map(str::to_owned))
        .unwrap_or_default();
    locked(&state.calls).push(RetinaCall {
        authorization,
        body,
        image_url: image_url.clone(),
    });
    let mode = locked(&state.mode).clone();
    match mode {
        RetinaMode::Status(s) => reply(s, json!({"error": "fake"}).to_string()),
        RetinaMode::Raw {
            status,
            body,
            delay,
        } => {
            tokio::time::sleep(delay).await;
            reply(status, body)
        }
        RetinaMode::ByKey => {
            let faces = key_id(&image_url)
                .and_then(|id| locked(&state.answers).get(&id).cloned())
                .unwrap_or_default();
            faces_reply(
                faces
                    .iter()
                    .map(|f| face_json(f.bbox.width, f.score, &f.embedding))
                    .collect(),
            )
        }
        RetinaMode::Slow(ms) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            by_identity(state, &image_url).await
        }
        RetinaMode::Identity => by_identity(state, &image_url).await,
    }
}

/// The id in a presigned URL's key (path style: `http://host/bucket/<key>?…`).
fn key_id(image_url: &str) -> Option<Uuid> {
    let path = image_url.split('?').next().unwrap_or_default();
    path.match_indices("photos/")
        .chain(path.match_indices("selfies/"))
        .find_map(|(i, _)| keys::parse(&path[i..]))
        .map(|k| match k {
            ParsedKey::Photo { photo, .. } => photo.as_uuid(),
            ParsedKey::Selfie { user, .. } => user.as_uuid(),
            ParsedKey::OperatorProfile { operator } => operator.as_uuid(),
            ParsedKey::Archive { archive, .. } => archive.as_uuid(),
        })
}

async fn by_identity(state: &State, image_url: &str) -> Response<Full<Bytes>> {
    let fetched = match state.http.get(image_url).send().await {
        Ok(resp) if resp.status().is_success() => resp.bytes().await.ok(),
        Ok(resp) => {
            let error = format!("image fetch {}", resp.status());
            return reply(400, json!({ "error": error }).to_string());
        }
        Err(_) => None,
    };
    let Some(bytes) = fetched else {
        return reply(400, json!({"error": "unreachable image"}).to_string());
    };
    let mut decoder = jpeg_decoder::Decoder::new(&bytes[..]);
    let Ok(pixels) = decoder.decode() else {
        return reply(422, json!({"error": "not an image"}).to_string());
    };
    let red = pixels.first().copied().unwrap_or(0);
    let identity = (f32::from(red) / 10.0).round() as usize;
    let side = decoder
        .info()
        .map_or(200, |i| (i.width.min(i.height) / 2).min(200));
    let side = f32::from(side);
    let face = |i: usize, score: f32| face_json(side, score, &identity_embedding(i));
    faces_reply(match identity {
        0 => vec![],
        24 => vec![face(24, 0.5)],
        25 => vec![face(1, 0.99), face(2, 0.99)],
        i => vec![face(i, 0.99)],
    })
}
