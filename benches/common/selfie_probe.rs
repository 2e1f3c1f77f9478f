//! A selfie's time to `approved` through the API (issue 26): the upload
//! URL, the PUT, the completion, then `GET /v1/selfie` every 20 ms.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Uploads `bytes` as the selfie of the user of `token` and returns the
/// seconds from the upload-url request to `approved` (an error on any
/// other verdict, or after 10 minutes).
pub async fn time_to_approved(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    bytes: Vec<u8>,
) -> Result<f64, BoxError> {
    let started = Instant::now();
    let ticket: Value = http
        .post(format!("{base}/v1/selfie/upload-url"))
        .bearer_auth(token)
        .json(&json!({}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    http.put(ticket["uploadUrl"].as_str().ok_or("uploadUrl")?)
        .body(bytes)
        .send()
        .await?
        .error_for_status()?;
    let id = ticket["selfieId"].as_str().ok_or("selfieId")?;
    http.post(format!("{base}/v1/selfie/{id}/complete"))
        .bearer_auth(token)
        .json(&json!({}))
        .send()
        .await?
        .error_for_status()?;
    loop {
        let status: Value = http
            .get(format!("{base}/v1/selfie"))
            .bearer_auth(token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        match status["status"].as_str() {
            Some("approved") => return Ok(started.elapsed().as_secs_f64()),
            Some("rejected" | "failed" | "expired") => {
                return Err(format!("the selfie ended {status}").into());
            }
            _ => {}
        }
        if started.elapsed() > Duration::from_secs(600) {
            return Err("the selfie was not approved within 10 minutes".into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
