//! Hostile files, size limits and exact output dimensions.

use super::*;

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A PNG that declares `w`×`h` (1-bit grey) with a tiny, useless IDAT.
fn png_declaring(w: u32, h: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        out.extend((data.len() as u32).to_be_bytes());
        let mut c = kind.to_vec();
        c.extend(data);
        out.extend(&c);
        out.extend(crc32(&c).to_be_bytes());
    };
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([1, 0, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(b"IEND", &[]);
    out
}

#[test]
fn hostile_files_fail_with_their_reason() {
    let good = jpeg(&solid(256, 256, GREY), None);
    let request = RenderRequest {
        thumbnails: true,
        watermark: Some(WatermarkSpec {
            text: "x".into(),
            max_edge: 2560,
        }),
    };
    let fail = |bytes: &[u8]| render(bytes, &request, LIMITS).unwrap_err().reason();

    assert_eq!(fail(&[]), FailureReason::EmptyFile);
    assert_eq!(
        fail(b"hello, this is text"),
        FailureReason::UnsupportedFormat
    );
    assert_eq!(
        fail(&good[..good.len() * 45 / 100]),
        FailureReason::UnreadableImage
    );
    assert_eq!(
        fail(&good[..good.len() / 3]),
        FailureReason::UnreadableImage
    );

    // Header-detectable: refused by the probe, before any pixel is decoded.
    let bomb = png_declaring(30_000, 30_000);
    assert!(matches!(
        probe(&bomb, LIMITS),
        Err(ImageError::TooManyPixels { .. })
    ));
    assert_eq!(fail(&bomb), FailureReason::TooManyPixels);

    let mut huge = good.clone();
    let sof = huge.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    huge[sof + 5..sof + 9].copy_from_slice(&[0xFD, 0xE8, 0xFD, 0xE8]); // 65000x65000
    assert!(matches!(
        probe(&huge, LIMITS),
        Err(ImageError::TooManyPixels { .. })
    ));

    let small = Limits {
        max_pixels: 100_000_000,
        max_bytes: 100,
    };
    assert!(matches!(
        probe(&good, small),
        Err(ImageError::TooLarge { .. })
    ));
}

proptest! {
    #[test]
    fn thumbnail_sizes(w in 1u32..20_000, h in 1u32..20_000, t in prop::sample::select(vec![400u32, 800])) {
        let (tw, th) = thumbnail_size(w, h, t);
        prop_assert_eq!(tw, w.min(t));
        prop_assert!(th <= h, "never enlarged");
        let ideal = f64::from(h) * f64::from(tw) / f64::from(w);
        prop_assert!((f64::from(th) - ideal).abs() <= 1.0, "aspect within one pixel");
    }

    #[test]
    fn fit_sizes(w in 1u32..20_000, h in 1u32..20_000, edge in 16u32..4000) {
        let (fw, fh) = fit_size(w, h, edge);
        prop_assert!(fw.max(fh) <= edge && fw <= w && fh <= h);
        if w.max(h) > edge { prop_assert_eq!(fw.max(fh), edge); }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]
    #[test]
    fn rendered_dimensions_are_exact(w in 8u32..1700, h in 8u32..1700) {
        let file = jpeg(&solid(w, h, GREY), None);
        let request = RenderRequest { thumbnails: true, watermark: None };
        let out = render(&file, &request, LIMITS).unwrap();
        for (bytes, t) in [(out.thumb_small.unwrap(), THUMB_SMALL), (out.thumb_large.unwrap(), THUMB_LARGE)] {
            let img = decode_jpeg(&bytes);
            prop_assert_eq!((img.width, img.height), thumbnail_size(w, h, t));
        }
    }
}

#[test]
fn the_decode_cost_comes_from_the_header_and_the_outputs() {
    let probe_of = |format, width, height| Probe {
        format,
        width,
        height,
        orientation: crate::imaging::probe::Orientation(1),
        taken_at: None,
        jpeg: None,
    };
    let thumbs = RenderRequest {
        thumbnails: true,
        watermark: None,
    };
    // A 100 MP PNG is decoded whole: 4 bytes a pixel at its peak.
    let png = decode_cost(&probe_of(Format::Png, 10_000, 10_000), &thumbs);
    assert!((400_000_000..420_000_000).contains(&png), "{png}");
    // A 24 MP JPEG for 800 px thumbnails decodes at 1/4 scale: far less.
    let jpeg = decode_cost(&probe_of(Format::Jpeg, 6000, 4000), &thumbs);
    assert!(jpeg < 60_000_000, "{jpeg}");
    assert!(jpeg > 6000 * 4000 * 2, "coefficients counted: {jpeg}");
}
