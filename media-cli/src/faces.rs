//! `media-cli faces run`: the built-in face engine (SPEC §7a) on local
//! files — what it finds, and how long each step takes.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use serde_json::json;

use media_core::Settings;
use media_core::imaging::{FaceImage, Limits, face_image, probe};
use media_faces::{Engine, Found, Image, Options};

use crate::{CliResult, Failure};

#[derive(Subcommand)]
pub enum FacesCommand {
    /// Finds the faces of JPEG, PNG or WebP files as the workers do (EXIF
    /// orientation applied, colour profile converted, decoded at 2560 px or
    /// more; boxes and points in the oriented image's pixels).
    Run {
        /// One JSON line per file: box, score, 68 landmarks and the 128-d
        /// descriptor of every face, and the milliseconds of each step.
        #[arg(long)]
        json: bool,
        /// Files processed at once (each file's steps run on one thread).
        #[arg(long, default_value_t = 1)]
        threads: usize,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

/// The pixels the workers' face step runs on ([`face_image`]: the header
/// checks of `MAX_IMAGE_PIXELS` and `MAX_UPLOAD_BYTES`, an embedded ICC
/// profile converted, oriented, at least 2560 px), so a file gives the
/// faces the service finds in it. The oriented original's size, and the
/// image with its scale back to it.
fn decode(file: &Path, limits: Limits) -> Result<(u32, u32, FaceImage), String> {
    let bytes = std::fs::read(file).map_err(|e| e.to_string())?;
    let info = probe(&bytes, limits).map_err(|e| e.to_string())?;
    let (width, height) = info.oriented_size();
    let image = face_image(&bytes, limits).map_err(|e| e.to_string())?;
    Ok((width, height, image))
}

/// What the engine found at the decoded scale, in the oriented original's
/// pixels.
fn scaled(mut found: Found, scale: f32) -> Found {
    for face in &mut found.faces {
        face.bbox = face.bbox.map(|v| v * scale);
        for point in &mut face.landmarks {
            *point = point.map(|v| v * scale);
        }
    }
    found
}

fn ms(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 1000.0 * 10.0).round() / 10.0
}

fn json_line(file: &Path, width: u32, height: u32, found: &Found) -> serde_json::Value {
    let faces: Vec<_> = found
        .faces
        .iter()
        .map(|f| {
            json!({
                "box": f.bbox,
                "score": f.score,
                "landmarks": f.landmarks.iter().map(|p| [p[0], p[1]]).collect::<Vec<_>>(),
                "descriptor": f.descriptor.to_vec(),
            })
        })
        .collect();
    let t = found.timings;
    json!({
        "file": file.display().to_string(),
        "width": width,
        "height": height,
        "faces": faces,
        "ms": {"detect": ms(t.detect), "landmarks": ms(t.landmarks), "describe": ms(t.describe)},
    })
}

fn table_lines(file: &Path, width: u32, height: u32, found: &Found) -> String {
    let t = found.timings;
    let mut out = format!(
        "{}  {width}x{height}  {} face(s)  detect {} ms, landmarks {} ms, describe {} ms",
        file.display(),
        found.faces.len(),
        ms(t.detect),
        ms(t.landmarks),
        ms(t.describe)
    );
    for (i, f) in found.faces.iter().enumerate() {
        let [x, y, w, h] = f.bbox;
        out.push_str(&format!(
            "\n  #{i}  box {x:.0},{y:.0} {w:.0}x{h:.0}  score {:.3}",
            f.score
        ));
    }
    out
}

/// One file: its line (JSON or table), or its error.
fn one(engine: &Engine, file: &Path, json: bool, limits: Limits) -> Result<String, String> {
    let (width, height, decoded) = decode(file, limits)?;
    let image = Image {
        width: decoded.image.width(),
        height: decoded.image.height(),
        rgb: decoded.image.pixels(),
    };
    // The photo minimum in the original's pixels, as the workers divide it.
    let scale = decoded.scale.max(f32::MIN_POSITIVE);
    let options = Options {
        min_face_px: (Options::default().min_face_px as f32 / scale)
            .floor()
            .max(1.0) as u32,
        ..Options::default()
    };
    let found = engine
        .find_faces(&image, &options)
        .map_err(|e| e.to_string())?;
    let found = scaled(found, scale);
    Ok(if json {
        json_line(file, width, height, &found).to_string()
    } else {
        table_lines(file, width, height, &found)
    })
}

pub fn run(command: FacesCommand) -> CliResult {
    let FacesCommand::Run {
        json,
        threads,
        files,
    } = command;
    let engine = Engine::shared().map_err(|e| Failure(format!("face engine: {e}")))?;
    let d = Settings::default();
    let limits = Limits {
        max_pixels: d.max_image_pixels,
        max_bytes: d.max_upload_bytes,
    };
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failed = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, 64) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(file) = files.get(i) else { break };
                    match one(engine, file, json, limits) {
                        Ok(line) => println!("{line}"),
                        Err(e) => {
                            failed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            if json {
                                println!(
                                    "{}",
                                    json!({"file": file.display().to_string(), "error": e})
                                );
                            } else {
                                println!("{}  error: {e}", file.display());
                            }
                        }
                    }
                }
            });
        }
    });
    match failed.into_inner() {
        0 => Ok(()),
        n => Err(Failure(format!(
            "{n} of {} file(s) could not be read",
            files.len()
        ))),
    }
}
