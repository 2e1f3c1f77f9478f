//! `media-cli faces run`: the built-in face engine (SPEC §7a) on local
//! files — what it finds, and how long each step takes.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use clap::Subcommand;
use image::{DynamicImage, ImageDecoder, ImageReader};
use serde_json::json;

use media_core::Settings;
use media_core::imaging::{Limits, probe};
use media_faces::{Engine, Found, Image, Options};

use crate::{CliResult, Failure};

#[derive(Subcommand)]
pub enum FacesCommand {
    /// Finds the faces of JPEG, PNG or WebP files (EXIF orientation applied;
    /// boxes and points in the oriented image's pixels).
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

/// Decodes to oriented 8-bit RGB after the header check of the pipeline
/// (`MAX_IMAGE_PIXELS`, `MAX_UPLOAD_BYTES`). An embedded ICC profile is not
/// converted here, as the workers' decode does.
fn decode(file: &Path, limits: Limits) -> Result<(u32, u32, Vec<u8>), String> {
    let bytes = std::fs::read(file).map_err(|e| e.to_string())?;
    probe(&bytes, limits).map_err(|e| e.to_string())?;
    let reader = ImageReader::new(Cursor::new(&bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    let mut decoder = reader.into_decoder().map_err(|e| e.to_string())?;
    let orientation = decoder.orientation().map_err(|e| e.to_string())?;
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| e.to_string())?;
    img.apply_orientation(orientation);
    let rgb = img.into_rgb8();
    Ok((rgb.width(), rgb.height(), rgb.into_raw()))
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
    let (width, height, rgb) = decode(file, limits)?;
    let image = Image {
        width,
        height,
        rgb: &rgb,
    };
    let found = engine
        .find_faces(&image, &Options::default())
        .map_err(|e| e.to_string())?;
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
