//! `media-cli pipeline run`: the production image pipeline on local files,
//! to preview outputs and size workers.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Subcommand;
use serde_json::json;

use media_core::Settings;
use media_core::imaging::{self, Limits, RenderRequest, WatermarkSpec};

use crate::{CliResult, Failure};

#[derive(Subcommand)]
pub enum PipelineCommand {
    /// Writes STEM.thumb400.jpg, STEM.thumb800.jpg and STEM.wm.jpg per input (STEM: its file name).
    Run {
        #[arg(long)]
        out: PathBuf,
        /// Images processed at once.
        #[arg(long, default_value_t = 1)]
        threads: usize,
        #[arg(long)]
        watermark_text: Option<String>,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

fn ms(t: Instant) -> f64 {
    (t.elapsed().as_secs_f64() * 1000.0 * 10.0).round() / 10.0
}

/// Peak resident set of this process, in MiB (Linux).
fn max_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some((kb / 1024.0).round())
}

fn one(
    file: &Path,
    out: &Path,
    request: &RenderRequest,
    limits: Limits,
) -> (serde_json::Value, Option<f64>) {
    let stem = file
        .file_stem()
        .map_or_else(|| "image".into(), |s| s.to_string_lossy().into_owned());
    let started = Instant::now();
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => {
            return (
                json!({"file": file.display().to_string(), "error": e.to_string()}),
                None,
            );
        }
    };
    let read_ms = ms(started);
    match imaging::render(&bytes, request, limits) {
        Err(e) => (
            json!({"file": file.display().to_string(), "ms": ms(started), "error": e.to_string(), "reason": e.reason().as_str()}),
            None,
        ),
        Ok(r) => {
            let write_started = Instant::now();
            let mut written = serde_json::Map::new();
            for (suffix, data) in [
                ("thumb400", &r.thumb_small),
                ("thumb800", &r.thumb_large),
                ("wm", &r.watermarked),
            ] {
                if let Some(d) = data {
                    let path = out.join(format!("{stem}.{suffix}.jpg"));
                    if let Err(e) = std::fs::write(&path, d) {
                        return (
                            json!({"file": file.display().to_string(), "error": format!("{}: {e}", path.display())}),
                            None,
                        );
                    }
                    written.insert(suffix.to_owned(), json!(d.len()));
                }
            }
            let total = ms(started);
            let taken = r.meta.taken_at.and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            });
            (
                json!({
                    "file": file.display().to_string(),
                    "ms": total,
                    "steps": {
                        "read": read_ms,
                        "probe": r.timings.probe_ms,
                        "decode": r.timings.decode_ms,
                        "thumbnails": r.timings.thumbnails_ms,
                        "watermark": r.timings.watermark_ms,
                        "encode": r.timings.encode_ms,
                        "write": ms(write_started),
                    },
                    "takenAt": taken,
                    "width": r.meta.width,
                    "height": r.meta.height,
                    "bytes": written,
                }),
                Some(total),
            )
        }
    }
}

pub fn run(command: PipelineCommand) -> CliResult {
    let PipelineCommand::Run {
        out,
        threads,
        watermark_text,
        files,
    } = command;
    std::fs::create_dir_all(&out).map_err(|e| Failure(format!("--out {}: {e}", out.display())))?;
    let d = Settings::default();
    let text = watermark_text
        .or_else(|| std::env::var("WATERMARK_TEXT").ok())
        .unwrap_or(d.watermark_text);
    let request = RenderRequest {
        thumbnails: true,
        watermark: Some(WatermarkSpec {
            text,
            max_edge: d.watermark_max_edge,
        }),
    };
    let limits = Limits {
        max_pixels: d.max_image_pixels,
        max_bytes: d.max_upload_bytes,
    };
    let started = Instant::now();
    let threads = threads.clamp(1, 64);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let times = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(file) = files.get(i) else { break };
                    let (line, ms) = one(file, &out, &request, limits);
                    println!("{line}");
                    if let (Some(ms), Ok(mut t)) = (ms, times.lock()) {
                        t.push(ms);
                    }
                }
            });
        }
    });
    let mut times = times.into_inner().unwrap_or_default();
    times.sort_by(f64::total_cmp);
    let median = if times.is_empty() {
        None
    } else if times.len() % 2 == 1 {
        Some(times[times.len() / 2])
    } else {
        Some((times[times.len() / 2 - 1] + times[times.len() / 2]) / 2.0)
    };
    println!(
        "{}",
        json!({"images": files.len(), "ok": times.len(), "total_ms": ms(started), "per_image_ms_median": median, "threads": threads, "max_rss_mb": max_rss_mb()})
    );
    Ok(())
}
