//! Issue 24, Build point 3: the same face networks in candle (pure Rust,
//! CPU) against media-faces' own kernels — checked to give the same
//! outputs first, then timed one thread, alternated in one process.
//!
//! `RAYON_NUM_THREADS=1 cargo run --release -- check`
//! `RAYON_NUM_THREADS=1 cargo run --release -- time [rounds]`

mod layers;
mod recognition;
mod ssd;
mod weights;

use std::hint::black_box;
use std::time::Instant;

use media_faces::{Engine, Image, iou};

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../media-faces/tests/fixtures"
);

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| f64::from(x) * f64::from(y))
        .sum();
    let n = |v: &[f32]| v.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>().sqrt();
    dot / (n(a) * n(b))
}

fn photo(n: usize) -> (usize, usize, Vec<u8>) {
    let file = std::fs::File::open(format!("{FIXTURES}/photos/sample{n}.jpg")).expect("photo");
    let mut d = jpeg_decoder::Decoder::new(std::io::BufReader::new(file));
    let rgb = d.decode().expect("decode");
    let info = d.info().expect("info");
    (usize::from(info.width), usize::from(info.height), rgb)
}

fn chips() -> Vec<(String, Vec<u8>)> {
    let mut names: Vec<String> = std::fs::read_dir(format!("{FIXTURES}/chips"))
        .expect("chips")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".rgb"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| {
            let rgb = std::fs::read(format!("{FIXTURES}/chips/{n}")).expect("chip");
            (n, rgb)
        })
        .collect()
}

fn check(engine: &Engine, rec: &recognition::Recognition, ssds: &[&ssd::Ssd]) {
    let mut worst = (1.0f64, String::new());
    let chips = chips();
    for (name, rgb) in &chips {
        let ours = engine.describe_chip(rgb).expect("ours");
        let theirs = rec
            .describe(&[rgb])
            .and_then(|t| t.flatten_all()?.to_vec1::<f32>())
            .expect("candle");
        let cos = cosine(&ours, &theirs);
        if cos < worst.0 {
            worst = (cos, name.clone());
        }
    }
    println!(
        "recognition: {} chips, worst cosine candle vs media-faces {:.7} ({})",
        chips.len(),
        worst.0,
        worst.1
    );
    assert!(worst.0 >= 0.999);
    for ssd in ssds {
        let (mut faces, mut worst_iou, mut worst_score) = (0, 1.0f32, 0.0f32);
        for n in 1..=6 {
            let (w, h, rgb) = photo(n);
            let image = Image {
                width: w as u32,
                height: h as u32,
                rgb: &rgb,
            };
            let ours = engine.detect_ssd(&image, 0.5, 100).expect("ours");
            let theirs = ssd.detect(w, h, &rgb, 0.5).expect("candle");
            assert_eq!(ours.len(), theirs.len(), "sample{n}: faces found");
            for d in &ours {
                let best = theirs
                    .iter()
                    .max_by(|a, b| iou(a.bbox, d.bbox).total_cmp(&iou(b.bbox, d.bbox)))
                    .expect("one");
                worst_iou = worst_iou.min(iou(best.bbox, d.bbox));
                worst_score = worst_score.max((best.score - d.score).abs());
                faces += 1;
            }
        }
        let how = if ssd.use_shifted {
            "shifted multiply-adds"
        } else {
            "grouped conv2d"
        };
        println!(
            "ssd (depthwise as {how}): {faces} faces in 6 photos, same count; worst IoU {worst_iou:.5}, worst score difference {worst_score:.6}"
        );
        assert!(worst_iou >= 0.99 && worst_score <= 0.01);
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

/// CPU time of the whole process (every thread: candle runs its ops on
/// rayon's pool thread, not the caller's), in seconds.
fn process_cpu() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec for clock_gettime to write.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// Wall and process-CPU milliseconds per call of `f`, over `iters` calls:
/// on this shared 2-core box the wall time carries the other builds' load,
/// the CPU time much less of it.
fn per_call(iters: usize, mut f: impl FnMut()) -> [f64; 2] {
    let (t, cpu) = (Instant::now(), process_cpu());
    for _ in 0..iters {
        f();
    }
    let n = iters as f64;
    [
        t.elapsed().as_secs_f64() * 1e3 / n,
        (process_cpu() - cpu) * 1e3 / n,
    ]
}

fn time(
    engine: &Engine,
    rec: &recognition::Recognition,
    ssd: &ssd::Ssd,
    shifted: &ssd::Ssd,
    rounds: usize,
) {
    let chips = chips();
    let (chip, other) = (&chips[0].1, &chips[1].1);
    let (w, h, rgb) = photo(1);
    let image = Image {
        width: w as u32,
        height: h as u32,
        rgb: &rgb,
    };
    let face = engine.detect_ssd(&image, 0.5, 100).expect("ssd")[0];
    let points = engine.landmarks(&image, face.bbox).expect("landmarks");
    let input = ssd::input(w, h, &rgb).expect("input");
    let names = [
        "media-faces recognition, 1 chip",
        "candle      recognition, 1 chip",
        "media-faces recognition, chip + mirror (describe_flip_averaged, incl. chip sampling)",
        "candle      recognition, 2 chips (batch of 2)",
        "media-faces SSD pass at 512 of sample1 (detect_ssd: resize + net + NMS)",
        "candle      SSD pass at 512 of sample1 (resize + net + NMS)",
        "candle      SSD net alone (normalised 512 input)",
        "media-faces landmarks of one face",
        "candle      SSD net alone, depthwise as shifted multiply-adds",
    ];
    let mut runs: Vec<Vec<[f64; 2]>> = vec![Vec::new(); names.len()];
    // A warm-up round, not recorded.
    for round in 0..=rounds {
        let mut ms = [[0f64; 2]; 9];
        let ours = |ms: &mut [[f64; 2]; 9]| {
            ms[0] = per_call(10, || {
                drop(black_box(engine.describe_chip(black_box(chip))))
            });
            ms[2] = per_call(5, || {
                drop(black_box(engine.describe_flip_averaged(&image, &points)))
            });
            ms[4] = per_call(2, || {
                drop(black_box(engine.detect_ssd(black_box(&image), 0.5, 100)))
            });
            ms[7] = per_call(10, || drop(black_box(engine.landmarks(&image, face.bbox))));
        };
        let theirs = |ms: &mut [[f64; 2]; 9]| {
            ms[1] = per_call(10, || {
                drop(black_box(
                    rec.describe(&[black_box(chip)])
                        .and_then(|t| t.to_vec2::<f32>()),
                ))
            });
            ms[3] = per_call(5, || {
                drop(black_box(
                    rec.describe(&[chip, other])
                        .and_then(|t| t.to_vec2::<f32>()),
                ))
            });
            ms[5] = per_call(2, || {
                drop(black_box(ssd.detect(w, h, black_box(&rgb), 0.5)))
            });
            ms[6] = per_call(2, || drop(black_box(ssd.forward(black_box(&input)))));
            ms[8] = per_call(2, || drop(black_box(shifted.forward(black_box(&input)))));
        };
        // Alternate which engine goes first, round by round.
        if round % 2 == 0 {
            ours(&mut ms);
            theirs(&mut ms);
        } else {
            theirs(&mut ms);
            ours(&mut ms);
        }
        if round > 0 {
            for (r, m) in runs.iter_mut().zip(ms) {
                r.push(m);
            }
            eprintln!("round {round}: {ms:.2?}");
        }
    }
    println!(
        "one thread (RAYON_NUM_THREADS={}), {rounds} rounds, ms per call: wall median (min–max), process CPU median",
        std::env::var("RAYON_NUM_THREADS").unwrap_or_default()
    );
    for (name, r) in names.iter().zip(&runs) {
        let mut wall: Vec<f64> = r.iter().map(|m| m[0]).collect();
        let mut cpu: Vec<f64> = r.iter().map(|m| m[1]).collect();
        let (lo, hi) = (
            wall.iter().cloned().fold(f64::MAX, f64::min),
            wall.iter().cloned().fold(0.0, f64::max),
        );
        println!(
            "{:8.2} ({lo:.2}–{hi:.2})  cpu {:8.2}  {name}",
            median(&mut wall),
            median(&mut cpu)
        );
    }
}

fn main() {
    let engine = Engine::shared().expect("media-faces weights");
    let rec = recognition::Recognition::load();
    let ssd = ssd::Ssd::load();
    let mut shifted = ssd::Ssd::load();
    shifted.use_shifted = true;
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        Some("check") => check(engine, &rec, &[&ssd, &shifted]),
        Some("time") => {
            let rounds = args.next().and_then(|r| r.parse().ok()).unwrap_or(11);
            check(engine, &rec, &[&ssd, &shifted]);
            time(engine, &rec, &ssd, &shifted, rounds);
        }
        _ => eprintln!("usage: face-engines check | time [rounds]"),
    }
}
