use super::*;
use proptest::prelude::*;

const LIMITS: Limits = Limits {
    max_pixels: 100_000_000,
    max_bytes: 50 * 1024 * 1024,
};

/// A minimal little-endian EXIF block: Orientation in IFD0, DateTimeOriginal
/// and OffsetTimeOriginal in the Exif IFD.
fn exif_block(orientation: Option<u16>, taken: Option<&str>, offset: Option<&str>) -> Vec<u8> {
    let mut ifd0: Vec<(u16, u16, u32, Vec<u8>)> = Vec::new(); // tag, type, count, value bytes
    if let Some(o) = orientation {
        ifd0.push((0x0112, 3, 1, o.to_le_bytes().to_vec()));
    }
    let mut exif_ifd: Vec<(u16, u16, u32, Vec<u8>)> = Vec::new();
    let ascii = |s: &str| {
        let mut v = s.as_bytes().to_vec();
        v.push(0);
        v
    };
    if let Some(t) = taken {
        let v = ascii(t);
        exif_ifd.push((0x9003, 2, v.len() as u32, v));
    }
    if let Some(o) = offset {
        let v = ascii(o);
        exif_ifd.push((0x9011, 2, v.len() as u32, v));
    }
    // Layout: header(8) | IFD0 | Exif IFD | data area.
    let ifd0_len = 2 + 12 * (ifd0.len() + 1) + 4;
    let exif_off = 8 + ifd0_len;
    let exif_len = 2 + 12 * exif_ifd.len() + 4;
    let mut data_off = exif_off + exif_len;
    let mut out = b"II*\0".to_vec();
    out.extend(8u32.to_le_bytes());
    let mut data: Vec<u8> = Vec::new();
    let mut write_ifd =
        |out: &mut Vec<u8>, entries: &[(u16, u16, u32, Vec<u8>)], extra: Option<(u16, u32)>| {
            let n = entries.len() + usize::from(extra.is_some());
            out.extend((n as u16).to_le_bytes());
            for (tag, ty, count, value) in entries {
                out.extend(tag.to_le_bytes());
                out.extend(ty.to_le_bytes());
                out.extend(count.to_le_bytes());
                if value.len() <= 4 {
                    let mut v = value.clone();
                    v.resize(4, 0);
                    out.extend(v);
                } else {
                    out.extend((data_off as u32).to_le_bytes());
                    data.extend(value);
                    data_off += value.len();
                }
            }
            if let Some((tag, off)) = extra {
                out.extend(tag.to_le_bytes());
                out.extend(4u16.to_le_bytes());
                out.extend(1u32.to_le_bytes());
                out.extend(off.to_le_bytes());
            }
            out.extend(0u32.to_le_bytes());
        };
    write_ifd(&mut out, &ifd0, Some((0x8769, exif_off as u32)));
    write_ifd(&mut out, &exif_ifd, None);
    out.extend(data);
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(out);
    app1
}

fn jpeg(img: &ops::RgbImage, exif: Option<Vec<u8>>) -> Vec<u8> {
    crate::testing::jpeg_of(
        &img.data,
        img.width as u16,
        img.height as u16,
        95,
        exif.as_deref(),
    )
}

fn solid(w: u32, h: u32, rgb: [u8; 3]) -> ops::RgbImage {
    ops::RgbImage::new(w, h, rgb.repeat((w * h) as usize)).unwrap()
}

fn paint(img: &mut ops::RgbImage, corner: (bool, bool), rgb: [u8; 3]) {
    // corner: (right, bottom); paints a quarter-sized block.
    let (bw, bh) = (img.width / 4, img.height / 4);
    let x0 = if corner.0 { img.width - bw } else { 0 };
    let y0 = if corner.1 { img.height - bh } else { 0 };
    for y in y0..y0 + bh {
        for x in x0..x0 + bw {
            let i = ((y * img.width + x) * 3) as usize;
            img.data[i..i + 3].copy_from_slice(&rgb);
        }
    }
}

fn decode_jpeg(bytes: &[u8]) -> ops::RgbImage {
    let mut d = jpeg_decoder::Decoder::new(bytes);
    let px = d.decode().unwrap();
    let info = d.info().unwrap();
    ops::RgbImage::new(u32::from(info.width), u32::from(info.height), px).unwrap()
}

fn pixel_at_corner(img: &ops::RgbImage, right: bool, bottom: bool) -> [u8; 3] {
    let x = if right {
        img.width - 1 - img.width / 16
    } else {
        img.width / 16
    };
    let y = if bottom {
        img.height - 1 - img.height / 16
    } else {
        img.height / 16
    };
    let i = ((y * img.width + x) * 3) as usize;
    [img.data[i], img.data[i + 1], img.data[i + 2]]
}

fn close(a: [u8; 3], b: [u8; 3]) -> bool {
    a.iter()
        .zip(b)
        .all(|(x, y)| (i16::from(*x) - i16::from(y)).abs() < 40)
}

const RED: [u8; 3] = [220, 20, 20];
const GREEN: [u8; 3] = [20, 200, 20];
const GREY: [u8; 3] = [128, 128, 128];
const TL: (bool, bool) = (false, false);
const TR: (bool, bool) = (true, false);
const BL: (bool, bool) = (false, true);
const BR: (bool, bool) = (true, true);

#[test]
fn all_eight_orientations_come_out_upright() {
    // Upright: 160x80, red top-left, green top-right. Where the file stores
    // those corners for each EXIF orientation (6 = rotate 90° clockwise to display).
    let stored_corners = [
        (1, TL, TR),
        (2, TR, TL),
        (3, BR, BL),
        (4, BL, BR),
        (5, TL, BL),
        (6, BL, TL),
        (7, BR, TR),
        (8, TR, BR),
    ];
    for (o, red_at, green_at) in stored_corners {
        let (sw, sh) = if o >= 5 { (80, 160) } else { (160, 80) };
        let mut stored = solid(sw, sh, GREY);
        paint(&mut stored, red_at, RED);
        paint(&mut stored, green_at, GREEN);
        let file = jpeg(&stored, Some(exif_block(Some(o), None, None)));
        let request = RenderRequest {
            thumbnails: true,
            watermark: Some(WatermarkSpec {
                text: "x".into(),
                max_edge: 2560,
            }),
        };
        let out = render(&file, &request, LIMITS).unwrap();
        assert_eq!(
            (out.meta.width, out.meta.height),
            (160, 80),
            "orientation {o}"
        );
        for bytes in [out.thumb_small.unwrap(), out.thumb_large.unwrap()] {
            let img = decode_jpeg(&bytes);
            assert_eq!((img.width, img.height), (160, 80), "orientation {o}");
            assert!(
                close(pixel_at_corner(&img, false, false), RED),
                "orientation {o}: red not top-left"
            );
            assert!(
                close(pixel_at_corner(&img, true, false), GREEN),
                "orientation {o}: green not top-right"
            );
            assert!(
                close(pixel_at_corner(&img, false, true), GREY),
                "orientation {o}"
            );
        }
    }
}

#[test]
fn taken_at_with_offset_without_and_absent() {
    let img = solid(32, 32, GREY);
    let at = |taken, offset| {
        let file = jpeg(&img, Some(exif_block(None, taken, offset)));
        probe(&file, LIMITS).unwrap().taken_at
    };
    assert_eq!(
        at(Some("2024:02:29 13:14:15"), Some("+02:00")),
        Some(time::macros::datetime!(2024-02-29 11:14:15 UTC))
    );
    assert_eq!(
        at(Some("2024:02:29 13:14:15"), Some("-05:30")),
        Some(time::macros::datetime!(2024-02-29 18:44:15 UTC))
    );
    assert_eq!(
        at(Some("2024:02:29 13:14:15"), None),
        Some(time::macros::datetime!(2024-02-29 13:14:15 UTC))
    );
    assert_eq!(at(None, None), None);
    assert_eq!(probe(&jpeg(&img, None), LIMITS).unwrap().taken_at, None);
    assert_eq!(at(Some("garbage"), None), None);
}

/// The marker segments before the scan; outputs must carry no metadata.
fn segments(jpeg: &[u8]) -> Vec<u8> {
    let mut markers = Vec::new();
    let mut i = 2;
    while i + 4 <= jpeg.len() && jpeg[i] == 0xFF {
        let m = jpeg[i + 1];
        markers.push(m);
        if m == 0xDA {
            break;
        }
        let len = usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
        i += 2 + len;
    }
    markers
}

#[test]
fn no_metadata_in_any_output() {
    let mut big = solid(1200, 900, GREY);
    paint(&mut big, TL, RED);
    let mut exif = exif_block(Some(6), Some("2020:01:01 00:00:00"), Some("+01:00"));
    exif.extend(b"GPS and other secrets");
    let file = jpeg(&big, Some(exif));
    let request = RenderRequest {
        thumbnails: true,
        watermark: Some(WatermarkSpec {
            text: "© Test".into(),
            max_edge: 2560,
        }),
    };
    let out = render(&file, &request, LIMITS).unwrap();
    for bytes in [out.thumb_small, out.thumb_large, out.watermarked]
        .into_iter()
        .flatten()
    {
        let segs = segments(&bytes);
        assert!(
            segs.iter()
                .all(|m| !(0xE1..=0xEF).contains(m) && *m != 0xFE),
            "{segs:x?}"
        );
        assert!(!bytes.windows(4).any(|w| w == b"Exif"));
    }
}

#[test]
fn png_transparency_becomes_white_and_webp_decodes() {
    let half_clear = |x: u32, _| {
        if x < 32 {
            [0, 0, 0, 0]
        } else {
            [0, 0, 255, 255]
        }
    };
    let png = crate::testing::png_rgba(64, 48, half_clear);
    let request = RenderRequest {
        thumbnails: true,
        watermark: None,
    };
    let out = render(&png, &request, LIMITS).unwrap();
    let img = decode_jpeg(&out.thumb_small.unwrap());
    assert!(
        close(pixel_at_corner(&img, false, false), [255, 255, 255]),
        "transparent must be white"
    );
    assert!(close(pixel_at_corner(&img, true, false), [0, 0, 255]));

    let webp = crate::testing::webp_rgba(64, 48, half_clear);
    let out = render(&webp, &request, LIMITS).unwrap();
    assert_eq!((out.meta.width, out.meta.height), (64, 48));
}

#[test]
fn greyscale_jpeg_becomes_rgb() {
    let out = crate::testing::grey_jpeg(64, 64, 200);
    let r = render(
        &out,
        &RenderRequest {
            thumbnails: true,
            watermark: None,
        },
        LIMITS,
    )
    .unwrap();
    let img = decode_jpeg(&r.thumb_small.unwrap());
    assert!(close(pixel_at_corner(&img, false, false), [200, 200, 200]));
}

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

#[test]
fn watermark_is_drawn_on_light_and_dark() {
    for base in [[250u8, 250, 250], [5, 5, 5]] {
        let file = jpeg(&solid(1000, 600, base), None);
        let request = RenderRequest {
            thumbnails: false,
            watermark: Some(WatermarkSpec {
                text: "© Wairo".into(),
                max_edge: 2560,
            }),
        };
        let out = render(&file, &request, LIMITS).unwrap();
        let img = decode_jpeg(&out.watermarked.unwrap());
        assert_eq!((img.width, img.height), (1000, 600));
        // The bottom-right corner region differs visibly from the background somewhere.
        let changed = (500..600)
            .flat_map(|y| (700..1000).map(move |x| (x, y)))
            .filter(|&(x, y)| {
                let i = ((y * 1000 + x) * 3) as usize;
                (i16::from(img.data[i]) - i16::from(base[0])).abs() > 40
            })
            .count();
        assert!(
            changed > 200,
            "watermark not visible on {base:?}: {changed}"
        );
        // and the top-left is untouched
        assert!(close(pixel_at_corner(&img, false, false), base));
    }
}

#[test]
fn watermark_never_enlarges_and_fits_the_edge() {
    assert_eq!(fit_size(6000, 4000, 2560), (2560, 1707));
    assert_eq!(fit_size(4000, 6000, 2560), (1707, 2560));
    assert_eq!(fit_size(1000, 600, 2560), (1000, 600));
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
fn exif_with_a_broken_next_ifd_link_still_gives_date_and_orientation() {
    // The corpus's camera files link IFD1 to a bogus next IFD; strict parsing drops everything.
    let mut exif = exif_block(Some(6), Some("2016:06:12 09:14:03"), None);
    // IFD0's next-IFD offset (after its entries) points past the end of the block.
    let entries = 2usize;
    let next = 6 + 8 + 2 + 12 * entries;
    exif[next..next + 4].copy_from_slice(&0x7FFF_FFF0u32.to_le_bytes());
    assert!(
        exif::Reader::new().read_raw(exif[6..].to_vec()).is_err(),
        "strict parsing refuses it"
    );
    let file = jpeg(&solid(40, 20, GREY), Some(exif));
    let p = probe(&file, LIMITS).unwrap();
    assert_eq!(p.orientation.0, 6);
    assert_eq!(
        p.taken_at,
        Some(time::macros::datetime!(2016-06-12 09:14:03 UTC))
    );
}

#[test]
fn cmyk_and_progressive_jpegs_become_srgb() {
    // Pillow-written (Adobe-style) CMYK: red on the left, cyan on the right.
    let cmyk = include_bytes!("fixtures/cmyk.jpg");
    let out = render(
        cmyk,
        &RenderRequest {
            thumbnails: true,
            watermark: None,
        },
        LIMITS,
    )
    .unwrap();
    let img = decode_jpeg(&out.thumb_small.unwrap());
    assert!(
        close(pixel_at_corner(&img, false, false), [255, 0, 0]),
        "{:?}",
        pixel_at_corner(&img, false, false)
    );
    assert!(
        close(pixel_at_corner(&img, true, false), [0, 255, 255]),
        "{:?}",
        pixel_at_corner(&img, true, false)
    );

    let progressive = include_bytes!("fixtures/progressive.jpg");
    let out = render(
        progressive,
        &RenderRequest {
            thumbnails: true,
            watermark: None,
        },
        LIMITS,
    )
    .unwrap();
    assert_eq!((out.meta.width, out.meta.height), (96, 64));
    let img = decode_jpeg(&out.thumb_small.unwrap());
    assert!(close(pixel_at_corner(&img, false, false), [20, 160, 90]));
    assert!(close(pixel_at_corner(&img, true, true), [230, 230, 30]));
}
