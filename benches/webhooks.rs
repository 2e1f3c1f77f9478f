//! Event delivery (SPEC §9) to a receiver on 127.0.0.1 that verifies every
//! signature: first healthy, then down (503) for `--outage-s` while the
//! events are written, then back. The real adapters (SQLite, or Postgres
//! with `--database-url`), the real workers and backoff.
//!
//!     cargo bench --bench webhooks -- [--events 2000] [--outage-s 10] [--workers 2] [--retry-base-ms 1000] [--database-url postgres://…]
//!
//! The last line is JSON: healthy throughput; for the outage, events lost
//! (must be 0), repeats a receiver had to drop, dead deliveries, attempts
//! per event, and how long after the receiver came back the events arrived.

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::{arg, arg_or};
use media_adapters::assemble::assemble;
use media_adapters::config::Config;
use media_adapters::testing::{FakeReceiver, RECEIVER_SECRET, ReceiverMode};
use media_core::domain::{Event, EventData, JobPayload, JobStatus};
use media_core::ids::{SelfieId, UserId};
use media_core::service::Worker;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn events(n: usize) -> Vec<JobPayload> {
    let now = time::OffsetDateTime::now_utc();
    (0..n)
        .map(|_| {
            JobPayload::deliver(Event::new(
                EventData::SelfieApproved {
                    selfie_id: SelfieId::new(),
                    user_id: UserId::new(),
                    reason: None,
                },
                now,
            ))
        })
        .collect()
}

async fn until_accepted(
    receiver: &FakeReceiver,
    n: usize,
    limit: Duration,
) -> Result<(), BoxError> {
    let started = Instant::now();
    while receiver.accepted().len() < n {
        if started.elapsed() > limit {
            return Err(format!(
                "{} of {n} events after {limit:?}",
                receiver.accepted().len()
            )
            .into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

fn percentile(mut v: Vec<f64>, p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    (v.get(i).copied().unwrap_or(0.0) * 100.0).round() / 100.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), BoxError> {
    let n: usize = arg_or("--events", 2000);
    let outage = Duration::from_secs_f64(arg_or("--outage-s", 10.0));
    let workers: usize = arg_or("--workers", 2);
    let base_ms: u64 = arg_or("--retry-base-ms", 1000);
    let dir = tempfile::tempdir()?;
    let database_url = arg("--database-url")
        .unwrap_or_else(|| format!("sqlite://{}/media.db", dir.path().display()));
    let receiver = FakeReceiver::start(ReceiverMode::Accept).await;
    let vars: HashMap<&str, String> = [
        ("MEDIA_DATA_DIR", dir.path().display().to_string()),
        ("FACE_ENGINE", "off".to_owned()),
        ("MEDIA_STORAGE_ADDR", "127.0.0.1:0".to_owned()),
        ("DATABASE_URL", database_url),
        (
            "JWT_SECRET",
            "webhook-benchmark-secret-0123456789".to_owned(),
        ),
        ("EVENTS_WEBHOOK_URL", receiver.url().to_owned()),
        ("EVENTS_WEBHOOK_SECRET", RECEIVER_SECRET.to_owned()),
        ("EVENTS_RETRY_BASE_MS", base_ms.to_string()),
        ("JOB_MAX_ATTEMPTS", "5".to_owned()),
    ]
    .into_iter()
    .collect();
    let config = Config::from_lookup(&|k| vars.get(k).cloned())?;
    let assembled = assemble(&config).await?;
    let media = assembled.media.clone();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut running = Vec::new();
    for w in 0..workers {
        let worker = Worker::new(media.clone(), format!("bench:{w}"), Duration::from_secs(30));
        let rx = stopped.clone();
        running.push(tokio::spawn(async move { worker.run(rx, |_| {}).await }));
    }
    let queue = media.ports().queue.clone();

    // Healthy: how fast events go out.
    let started = Instant::now();
    for chunk in events(n).chunks(500) {
        queue
            .enqueue(chunk, time::OffsetDateTime::now_utc())
            .await?;
    }
    until_accepted(&receiver, n, Duration::from_secs(600)).await?;
    let healthy_s = started.elapsed().as_secs_f64();
    if receiver.deliveries().iter().any(|d| !d.signed) {
        return Err("an unsigned delivery".into());
    }

    // Down while the next n events are written, then back.
    receiver.set_mode(ReceiverMode::Status(503));
    let before = receiver.deliveries().len();
    for chunk in events(n).chunks(500) {
        queue
            .enqueue(chunk, time::OffsetDateTime::now_utc())
            .await?;
    }
    tokio::time::sleep(outage).await;
    receiver.set_mode(ReceiverMode::Accept);
    let back = Instant::now();
    let back_at = time::OffsetDateTime::now_utc();
    until_accepted(&receiver, 2 * n, Duration::from_secs(900)).await?;
    let drained_s = back.elapsed().as_secs_f64();

    let after: Vec<_> = receiver.deliveries().split_off(before);
    let mut per_id: HashMap<String, (u32, u32)> = HashMap::new();
    let mut delays = Vec::new();
    for d in &after {
        let e = per_id.entry(d.id.clone()).or_default();
        e.0 += 1;
        if d.status == 204 {
            e.1 += 1;
            delays.push((d.timestamp - back_at.unix_timestamp()).max(0) as f64);
        }
    }
    let lost = n - per_id.values().filter(|(_, ok)| *ok > 0).count();
    let repeats: u32 = per_id.values().map(|(_, ok)| ok.saturating_sub(1)).sum();
    let dead = media
        .ports()
        .job_admin
        .list(&[JobStatus::Dead], 10_000)
        .await?
        .len();
    let _ = stop.send(true);
    for r in running {
        let _ = r.await;
    }
    println!(
        "{{\"events\": {n}, \"workers\": {workers}, \"healthy_s\": {healthy_s:.2}, \"healthy_per_s\": {:.0}, \
         \"outage_s\": {:.0}, \"retry_base_ms\": {base_ms}, \"lost\": {lost}, \"repeats\": {repeats}, \"dead\": {dead}, \
         \"attempts_per_event\": {:.2}, \"drained_after_back_s\": {drained_s:.1}, \
         \"delivered_after_back_p50_s\": {}, \"delivered_after_back_p99_s\": {}}}",
        n as f64 / healthy_s,
        outage.as_secs_f64(),
        after.len() as f64 / n as f64,
        percentile(delays.clone(), 0.5),
        percentile(delays, 0.99),
    );
    if lost > 0 || dead > 0 {
        return Err(format!("{lost} events lost, {dead} dead").into());
    }
    Ok(())
}
