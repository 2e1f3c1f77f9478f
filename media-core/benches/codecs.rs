//! The codec choices of decision 0023, measured: the 2560 px watermarked
//! copy encoded with fitted and with standard Huffman tables (time; the
//! sizes are printed), and a full-size decode by jpeg-decoder and by
//! zune-jpeg (wall time; jpeg-decoder runs its IDCT on other threads, so
//! CPU is measured with `perf stat` in BENCHMARKS.md).
//!
//!     cargo bench -p media-core --bench codecs                       # synthetic photo
//!     MEDIA_BENCH_JPEG=/tmp/anchor/bench/corpus/phone_01.jpg cargo bench -p media-core --bench codecs

use std::io::Cursor;

use criterion::{Criterion, criterion_group, criterion_main};

/// The photo to work on: `MEDIA_BENCH_JPEG`, or a 4032 × 3024 gradient.
fn photo() -> Vec<u8> {
    if let Some(path) = std::env::var_os("MEDIA_BENCH_JPEG") {
        return std::fs::read(path).expect("MEDIA_BENCH_JPEG");
    }
    let (w, h) = (4032u16, 3024u16);
    let rgb = media_core::testing::Fill::Gradient { seed: 5 }.rgb(w, h);
    media_core::testing::jpeg_of(&rgb, w, h, 90, None)
}

/// A watermarked copy's pixels: the photo decoded at the IDCT scale the
/// pipeline uses for 2560 px, its top-left 2560 × 1707 (or less). (A crop of
/// the full-size decode has more fine detail than any copy: the standard
/// tables cost it +10 % bytes against the +0.6–1.8 % of real copies.)
fn copy_pixels(jpeg: &[u8]) -> (u16, u16, Vec<u8>) {
    let mut d = jpeg_decoder::Decoder::new(Cursor::new(jpeg));
    d.scale(2560, 2560).expect("header");
    let px = d.decode().expect("decode");
    let info = d.info().expect("info");
    let (w, h) = (usize::from(info.width), usize::from(info.height));
    let (cw, ch) = (w.min(2560), h.min(1707));
    let rows = (0..ch).flat_map(|y| px[y * w * 3..(y * w + cw) * 3].iter().copied());
    (cw as u16, ch as u16, rows.collect())
}

fn encode(w: u16, h: u16, rgb: &[u8], optimized: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut e = jpeg_encoder::Encoder::new(&mut out, media_core::imaging::WATERMARK_QUALITY);
    e.set_optimized_huffman_tables(optimized);
    e.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
    e.encode(rgb, w, h, jpeg_encoder::ColorType::Rgb)
        .expect("encode");
    out
}

fn bench(c: &mut Criterion) {
    let file = photo();
    let (w, h, rgb) = copy_pixels(&file);
    let fitted = encode(w, h, &rgb, true).len();
    let standard = encode(w, h, &rgb, false).len();
    eprintln!(
        "{w}x{h} copy: fitted tables {fitted} B, standard {standard} B ({:+.2} %)",
        (standard as f64 / fitted as f64 - 1.0) * 100.0
    );
    let mut g = c.benchmark_group("encode_copy");
    g.sample_size(10);
    g.bench_function("fitted_huffman", |b| b.iter(|| encode(w, h, &rgb, true)));
    g.bench_function("standard_huffman", |b| b.iter(|| encode(w, h, &rgb, false)));
    g.finish();

    let mut g = c.benchmark_group("decode_full_size");
    g.sample_size(10);
    g.bench_function("jpeg_decoder", |b| {
        b.iter(|| {
            jpeg_decoder::Decoder::new(Cursor::new(&file))
                .decode()
                .expect("decode")
        })
    });
    g.bench_function("zune_jpeg", |b| {
        b.iter(|| {
            let options = zune_core::options::DecoderOptions::default()
                .set_max_width(usize::from(u16::MAX))
                .set_max_height(usize::from(u16::MAX));
            zune_jpeg::JpegDecoder::new_with_options(
                zune_core::bytestream::ZCursor::new(&file),
                options,
            )
            .decode()
            .expect("decode")
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
