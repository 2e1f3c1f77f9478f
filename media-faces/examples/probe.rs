//! Measures the engine on local JPEG files (no EXIF handling: for the
//! reference photos, which carry none). Prints one JSON line per file.
//!
//! ```text
//! cargo run --release -p media-faces --example probe -- find FILE…
//! cargo run --release -p media-faces --example probe -- tiny HALF(0|1) FACE_PX MOSAIC.jpg
//! cargo run --release -p media-faces --example probe -- ssd FILE…
//! ```

use std::time::Instant;

use media_faces::{Engine, Image, Options};

fn decode(path: &str) -> (u32, u32, Vec<u8>) {
    let file = std::fs::File::open(path).expect("open");
    let mut decoder = jpeg_decoder::Decoder::new(std::io::BufReader::new(file));
    let pixels = decoder.decode().expect("decode");
    let info = decoder.info().expect("info");
    (u32::from(info.width), u32::from(info.height), pixels)
}

/// Halves an image by 2×2 averages (what a DCT-scaled decode gives).
fn half(w: u32, h: u32, rgb: &[u8]) -> (u32, u32, Vec<u8>) {
    let (hw, hh) = (w / 2, h / 2);
    let mut out = vec![0u8; (hw * hh * 3) as usize];
    for y in 0..hh as usize {
        for x in 0..hw as usize {
            for c in 0..3 {
                let p = |yy: usize, xx: usize| u32::from(rgb[(yy * w as usize + xx) * 3 + c]);
                let s = p(2 * y, 2 * x)
                    + p(2 * y, 2 * x + 1)
                    + p(2 * y + 1, 2 * x)
                    + p(2 * y + 1, 2 * x + 1);
                out[(y * hw as usize + x) * 3 + c] = ((s + 2) / 4) as u8;
            }
        }
    }
    (hw, hh, out)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let engine = Engine::shared().expect("weights");
    match args[0].as_str() {
        "find" => {
            for path in &args[1..] {
                let (w, h, rgb) = decode(path);
                let image = Image {
                    width: w,
                    height: h,
                    rgb: &rgb,
                };
                let started = Instant::now();
                let found = engine
                    .find_faces(&image, &Options::default())
                    .expect("find");
                let total = started.elapsed();
                let faces: Vec<_> = found
                    .faces
                    .iter()
                    .map(|f| {
                        let axis_aligned = engine.describe(&image, &f.landmarks, false).expect("describe");
                        let flip = engine.describe_flip_averaged(&image, &f.landmarks).expect("describe");
                        serde_json::json!({"box": f.bbox, "score": f.score, "descriptor": f.descriptor.to_vec(),
                            "descriptor_axis_aligned": axis_aligned.to_vec(), "descriptor_flip": flip.to_vec(),
                            "landmarks": f.landmarks.iter().map(|p| p.to_vec()).collect::<Vec<_>>()})
                    })
                    .collect();
                let t = found.timings;
                println!(
                    "{}",
                    serde_json::json!({"file": path, "width": w, "height": h, "faces": faces,
                        "ms": {"detect": t.detect.as_secs_f64() * 1e3, "landmarks": t.landmarks.as_secs_f64() * 1e3,
                               "describe": t.describe.as_secs_f64() * 1e3, "total": total.as_secs_f64() * 1e3}})
                );
            }
        }
        "detect" => {
            let halve = args[1] == "1";
            let (mut w, mut h, mut rgb) = decode(&args[2]);
            if halve {
                (w, h, rgb) = half(w, h, &rgb);
            }
            let image = Image {
                width: w,
                height: h,
                rgb: &rgb,
            };
            let started = Instant::now();
            let found = engine.detect(&image, &Options::default()).expect("detect");
            let ms = started.elapsed().as_secs_f64() * 1e3;
            let boxes: Vec<_> = found
                .iter()
                .map(|d| serde_json::json!({"box": d.bbox, "score": d.score}))
                .collect();
            let tiles = media_faces::small_face_tiles_of(w, h, 40).len();
            println!(
                "{}",
                serde_json::json!({"width": w, "height": h, "scale": tiles, "ssd_ms": ms, "tiny_ms": 0, "ssd": boxes, "tiny": []})
            );
        }
        "ssd" => {
            for path in &args[1..] {
                let (w, h, rgb) = decode(path);
                let image = Image {
                    width: w,
                    height: h,
                    rgb: &rgb,
                };
                let mut times = Vec::new();
                let mut n = 0;
                for _ in 0..5 {
                    let started = Instant::now();
                    n = engine.detect_ssd(&image, 0.5, 100).expect("ssd").len();
                    times.push(started.elapsed().as_secs_f64() * 1e3);
                }
                times.sort_by(f64::total_cmp);
                println!(
                    "{}",
                    serde_json::json!({"file": path, "faces": n, "ssd_ms_median": times[2], "ssd_ms": times})
                );
            }
        }
        "tiny" => {
            let halve = args[1] == "1";
            let face_px: f32 = args[2].parse().expect("face px");
            let (mut w, mut h, mut rgb) = decode(&args[3]);
            if halve {
                (w, h, rgb) = half(w, h, &rgb);
            }
            let image = Image {
                width: w,
                height: h,
                rgb: &rgb,
            };
            let long = w.max(h) as f32;
            let smallest = (0.02 * long).max(40.0);
            let scale = face_px / smallest;
            let started = Instant::now();
            let ssd = engine.detect_ssd(&image, 0.5, 100).expect("ssd");
            let ssd_ms = started.elapsed().as_secs_f64() * 1e3;
            let started = Instant::now();
            let tiny = engine.detect_tiny(&image, scale, 0.5).expect("tiny");
            let tiny_ms = started.elapsed().as_secs_f64() * 1e3;
            let boxes = |v: &[media_faces::Detection]| -> Vec<_> {
                v.iter()
                    .map(|d| serde_json::json!({"box": d.bbox, "score": d.score}))
                    .collect()
            };
            println!(
                "{}",
                serde_json::json!({"width": w, "height": h, "scale": scale, "ssd_ms": ssd_ms, "tiny_ms": tiny_ms,
                    "ssd": boxes(&ssd), "tiny": boxes(&tiny)})
            );
        }
        "ssdtiles" => {
            let halve = args[1] == "1";
            let cols: u32 = args[2].parse().expect("cols");
            let rows: u32 = args[3].parse().expect("rows");
            let (mut w, mut h, mut rgb) = decode(&args[4]);
            if halve {
                (w, h, rgb) = half(w, h, &rgb);
            }
            let image = Image {
                width: w,
                height: h,
                rgb: &rgb,
            };
            let started = Instant::now();
            let ssd = engine.detect_ssd(&image, 0.5, 100).expect("ssd");
            let ssd_ms = started.elapsed().as_secs_f64() * 1e3;
            let started = Instant::now();
            let tiles = engine
                .detect_ssd_tiles(&image, cols, rows, 0.15, 0.5)
                .expect("tiles");
            let tiny_ms = started.elapsed().as_secs_f64() * 1e3;
            let boxes = |v: &[media_faces::Detection]| -> Vec<_> {
                v.iter()
                    .map(|d| serde_json::json!({"box": d.bbox, "score": d.score}))
                    .collect()
            };
            println!(
                "{}",
                serde_json::json!({"width": w, "height": h, "scale": cols, "ssd_ms": ssd_ms, "tiny_ms": tiny_ms,
                    "ssd": boxes(&ssd), "tiny": boxes(&tiles)})
            );
        }
        other => panic!("unknown mode {other}"),
    }
}
