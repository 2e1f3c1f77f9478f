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
use media_core::imaging::{Huffman, RgbImage, WATERMARK_QUALITY, encode_jpeg};

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

/// The copy encoded as the pipeline encodes it, with either tables.
fn encode(copy: &RgbImage, huffman: Huffman) -> Vec<u8> {
    encode_jpeg(copy, WATERMARK_QUALITY, huffman).expect("encode")
}

fn bench(c: &mut Criterion) {
    let file = photo();
    let (w, h, rgb) = copy_pixels(&file);
    let copy = RgbImage::new(u32::from(w), u32::from(h), rgb).expect("pixels");
    let fitted = encode(&copy, Huffman::Optimized).len();
    let standard = encode(&copy, Huffman::Standard).len();
    eprintln!(
        "{w}x{h} copy: fitted tables {fitted} B, standard {standard} B ({:+.2} %)",
        (standard as f64 / fitted as f64 - 1.0) * 100.0
    );
    let mut g = c.benchmark_group("encode_copy");
    g.sample_size(10);
    g.bench_function("fitted_huffman", |b| {
        b.iter(|| encode(&copy, Huffman::Optimized))
    });
    g.bench_function("standard_huffman", |b| {
        b.iter(|| encode(&copy, Huffman::Standard))
    });
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
