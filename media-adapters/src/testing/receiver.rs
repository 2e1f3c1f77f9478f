//! A platform webhook receiver on 127.0.0.1 for the events tests and
//! benchmark (SPEC §9): it checks every Standard Webhooks signature itself
//! (its own HMAC, not the sender's code) and answers as told.

use std::sync::{Arc, Mutex, MutexGuard};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use serde_json::Value;
use sha2::Sha256;

/// The `EVENTS_WEBHOOK_SECRET` the receiver verifies with.
pub const RECEIVER_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// How the receiver answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReceiverMode {
    /// 204 to everything.
    Accept,
    /// This status to everything (a receiver that is down: 503).
    Status(u16),
    /// 500 to the next `n` requests, then 204.
    FailNext(u32),
}

/// One POST the receiver got.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    /// `webhook-id`.
    pub id: String,
    /// `webhook-timestamp`, Unix seconds.
    pub timestamp: i64,
    /// Whether `webhook-signature` is the HMAC of `id.timestamp.body`.
    pub signed: bool,
    /// The body, parsed (`Value::Null` when it is not JSON).
    pub body: Value,
    /// The body as sent.
    pub raw: String,
    /// The status the receiver answered.
    pub status: u16,
}

impl Delivery {
    /// The body's `type`.
    pub fn kind(&self) -> &str {
        self.body["type"].as_str().unwrap_or_default()
    }
}

struct State {
    mode: Mutex<ReceiverMode>,
    deliveries: Mutex<Vec<Delivery>>,
    key: Vec<u8>,
}

/// The running receiver; clones share it. It serves until the runtime ends.
#[derive(Clone)]
pub struct FakeReceiver {
    url: String,
    state: Arc<State>,
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl FakeReceiver {
    /// Starts a receiver answering in `mode`.
    pub async fn start(mode: ReceiverMode) -> Self {
        let key = STANDARD
            .decode(RECEIVER_SECRET.trim_start_matches("whsec_"))
            .unwrap_or_else(|e| panic!("receiver secret: {e}"));
        let state = Arc::new(State {
            mode: Mutex::new(mode),
            deliveries: Mutex::default(),
            key,
        });
        let served = state.clone();
        let addr = super::loopback::serve("receiver", move |req| {
            let state = served.clone();
            async move { respond(&state, req).await }
        })
        .await;
        Self {
            url: format!("http://{addr}/hooks/media"),
            state,
        }
    }

    /// What to configure as `EVENTS_WEBHOOK_URL`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Answers the next requests in `mode`.
    pub fn set_mode(&self, mode: ReceiverMode) {
        *locked(&self.state.mode) = mode;
    }

    /// Every POST so far, in arrival order, accepted or not.
    pub fn deliveries(&self) -> Vec<Delivery> {
        locked(&self.state.deliveries).clone()
    }

    /// What a receiver keeps: the accepted deliveries, the first of each
    /// `webhook-id` only (later ones are repeats to drop).
    pub fn accepted(&self) -> Vec<Delivery> {
        let mut seen = std::collections::HashSet::new();
        self.deliveries()
            .into_iter()
            .filter(|d| (200..300).contains(&d.status) && seen.insert(d.id.clone()))
            .collect()
    }

    /// The accepted events of type `kind`.
    pub fn accepted_of(&self, kind: &str) -> Vec<Delivery> {
        self.accepted()
            .into_iter()
            .filter(|d| d.kind() == kind)
            .collect()
    }
}

fn header(req: &Request<Incoming>, name: &str) -> String {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

async fn respond(state: &State, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let id = header(&req, "webhook-id");
    let timestamp = header(&req, "webhook-timestamp");
    let signatures = header(&req, "webhook-signature");
    let raw = match req.into_body().collect().await {
        Ok(b) => String::from_utf8_lossy(&b.to_bytes()).into_owned(),
        Err(_) => String::new(),
    };
    let signed = Hmac::<Sha256>::new_from_slice(&state.key).is_ok_and(|mut mac| {
        mac.update(format!("{id}.{timestamp}.{raw}").as_bytes());
        let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
        // Several space-separated signatures may be sent (key rotation).
        signatures.split(' ').any(|s| s == expected)
    });
    let status = {
        let mut mode = locked(&state.mode);
        match *mode {
            ReceiverMode::Accept => 204,
            ReceiverMode::Status(s) => s,
            ReceiverMode::FailNext(0) => {
                *mode = ReceiverMode::Accept;
                204
            }
            ReceiverMode::FailNext(n) => {
                *mode = ReceiverMode::FailNext(n - 1);
                500
            }
        }
    };
    locked(&state.deliveries).push(Delivery {
        id,
        timestamp: timestamp.parse().unwrap_or_default(),
        signed,
        body: serde_json::from_str(&raw).unwrap_or(Value::Null),
        raw,
        status,
    });
    let mut resp = Response::new(Full::new(Bytes::new()));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    resp
}
