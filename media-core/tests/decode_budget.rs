//! `decode_cost` is what the decode budget reserves for one render, read
//! from the header alone: it must be at least what rendering then holds at
//! its peak, for every JPEG layout. A test binary of its own: it counts the
//! process's allocations.

use jpeg_encoder::{ColorType, Encoder, SamplingFactor};
use media_core::imaging::{Limits, RenderRequest, WatermarkSpec, decode_cost, probe, render};
use media_core::testing::{CountingAllocator, Fill};

#[global_allocator]
static COUNTING: CountingAllocator = CountingAllocator::new();

const LIMITS: Limits = Limits {
    max_pixels: 100_000_000,
    max_bytes: 200 * 1024 * 1024,
};

/// A JPEG of `pixels` (`colour`'s bytes a pixel), as a camera or an editor
/// might write it.
fn jpeg(pixels: &[u8], w: u16, h: u16, colour: ColorType, progressive: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = Encoder::new(&mut out, 90);
    encoder.set_progressive(progressive);
    // 4:4:4: every component at full resolution, the most coefficients.
    encoder.set_sampling_factor(SamplingFactor::F_1_1);
    encoder.encode(pixels, w, h, colour).unwrap();
    out
}

/// The bytes rendering `file` holds at its peak beyond what it held before.
fn peak_of_render(file: &[u8], request: &RenderRequest) -> usize {
    let before = COUNTING.restart_peak();
    let out = render(file, request, LIMITS).unwrap();
    let peak = COUNTING.peak() - before;
    drop(out);
    peak
}

/// Every layout in one test: the counters are the process's.
#[test]
fn the_reservation_covers_the_peak_of_every_jpeg_layout() {
    let request = RenderRequest {
        thumbnails: true,
        watermark: Some(WatermarkSpec {
            text: "© studio".into(),
            max_edge: 2560,
        }),
    };
    let (w, h) = (1600u16, 1000u16);
    let rgb = Fill::Gradient { seed: 7 }.rgb(w, h);
    let grey: Vec<u8> = rgb.iter().step_by(3).copied().collect();
    let cmyk: Vec<u8> = rgb
        .chunks_exact(3)
        .flat_map(|p| [255 - p[0], 255 - p[1], 255 - p[2], 20])
        .collect();
    let cases = [
        ("baseline RGB", jpeg(&rgb, w, h, ColorType::Rgb, false)),
        ("progressive RGB", jpeg(&rgb, w, h, ColorType::Rgb, true)),
        ("baseline grey", jpeg(&grey, w, h, ColorType::Luma, false)),
        ("baseline CMYK", jpeg(&cmyk, w, h, ColorType::Cmyk, false)),
        ("progressive CMYK", jpeg(&cmyk, w, h, ColorType::Cmyk, true)),
    ];
    let mut short = Vec::new();
    for (name, file) in &cases {
        let info = probe(file, LIMITS).unwrap();
        let reserved = decode_cost(&info, &request);
        let peak = peak_of_render(file, &request) as u64;
        eprintln!("{name}: peak {peak} B, reserved {reserved} B");
        if peak > reserved {
            short.push(format!("{name}: peak {peak} > reserved {reserved}"));
        }
    }
    assert!(short.is_empty(), "{short:#?}");
}
