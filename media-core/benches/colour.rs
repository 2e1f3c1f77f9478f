//! What converting an embedded colour profile costs a photo: the same
//! 3000 × 2000 JPEG rendered (thumbnails and the 2560 px watermark) untagged,
//! tagged sRGB (skipped by the sRGB check) and tagged Adobe RGB (converted).
//!
//!     cargo bench -p media-core --bench colour

use criterion::{Criterion, criterion_group, criterion_main};
use media_core::imaging::{Limits, RenderRequest, WatermarkSpec, render};
use moxcms::ColorProfile;

fn photo(icc: Option<&[u8]>) -> Vec<u8> {
    let (w, h) = (3000u16, 2000u16);
    let rgb = media_core::testing::Fill::Gradient { seed: 3 }.rgb(w, h);
    let mut out = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut out, 90);
    if let Some(icc) = icc {
        enc.add_icc_profile(icc).expect("icc");
    }
    enc.encode(&rgb, w, h, jpeg_encoder::ColorType::Rgb)
        .expect("encode");
    out
}

fn bench(c: &mut Criterion) {
    let request = RenderRequest {
        thumbnails: true,
        watermark: Some(WatermarkSpec {
            text: "© Bench".into(),
            max_edge: 2560,
        }),
    };
    let limits = Limits {
        max_pixels: 100_000_000,
        max_bytes: 50 << 20,
    };
    let srgb = ColorProfile::new_srgb().encode().expect("srgb");
    let adobe = ColorProfile::new_adobe_rgb().encode().expect("adobe");
    let mut g = c.benchmark_group("render_3000x2000");
    g.sample_size(10);
    for (name, file) in [
        ("untagged", photo(None)),
        ("srgb_tagged", photo(Some(&srgb))),
        ("adobe_rgb_tagged", photo(Some(&adobe))),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| render(&file, &request, limits).expect("render"))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
