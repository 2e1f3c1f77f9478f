//! Orientation, `takenAt`, and no metadata in any output.

use super::*;

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

/// `chunk` (type, data) inserted in a PNG right after its IHDR.
fn with_png_chunk(png: &[u8], kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let ihdr_end = 8 + 8 + 13 + 4;
    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
    chunk.extend_from_slice(kind);
    chunk.extend_from_slice(data);
    let mut crc_input = kind.to_vec();
    crc_input.extend_from_slice(data);
    chunk.extend(crc32fast::hash(&crc_input).to_be_bytes());
    [&png[..ihdr_end], &chunk, &png[ihdr_end..]].concat()
}

/// A simple (VP8L) WebP made extended: VP8X with the EXIF flag, the image,
/// then an `EXIF` chunk of `tiff`.
fn with_webp_exif(webp: &[u8], width: u32, height: u32, tiff: &[u8]) -> Vec<u8> {
    let image = &webp[12..]; // the VP8L chunk
    let mut vp8x = b"VP8X".to_vec();
    vp8x.extend(10u32.to_le_bytes());
    vp8x.push(0x08 | 0x10); // EXIF, alpha
    vp8x.extend([0, 0, 0]);
    vp8x.extend(&(width - 1).to_le_bytes()[..3]);
    vp8x.extend(&(height - 1).to_le_bytes()[..3]);
    let mut exif = b"EXIF".to_vec();
    exif.extend((tiff.len() as u32).to_le_bytes());
    exif.extend(tiff);
    if tiff.len() % 2 == 1 {
        exif.push(0);
    }
    let body = [b"WEBP".as_slice(), &vp8x, image, &exif].concat();
    let mut out = b"RIFF".to_vec();
    out.extend((body.len() as u32).to_le_bytes());
    out.extend(body);
    out
}

#[test]
fn exif_orientation_stored_in_png_and_webp_is_applied() {
    // Stored 80x160 with red bottom-left and green top-left: orientation 6
    // (rotate 90° clockwise) shows it 160x80, red top-left, green top-right.
    let (w, h) = (80u32, 160u32);
    let pixel = |x: u32, y: u32| -> [u8; 4] {
        let (left, top, bottom) = (x < w / 4, y < h / 4, y >= h - h / 4);
        match (left, top, bottom) {
            (true, _, true) => [RED[0], RED[1], RED[2], 255],
            (true, true, _) => [GREEN[0], GREEN[1], GREEN[2], 255],
            _ => [128, 128, 128, 255],
        }
    };
    // PNG's eXIf and WebP's EXIF hold the TIFF block without "Exif\0\0".
    let app1 = exif_block(Some(6), Some("2024:02:29 18:30:00"), None);
    let tiff = &app1[6..];
    let png = with_png_chunk(&crate::testing::png_rgba(w, h, pixel), b"eXIf", tiff);
    let webp = with_webp_exif(&crate::testing::webp_rgba(w, h, pixel), w, h, tiff);
    for (name, file) in [("png", png), ("webp", webp)] {
        let info = crate::imaging::probe(&file, LIMITS).unwrap();
        assert_eq!(info.orientation.0, 6, "{name}: orientation read");
        assert!(info.taken_at.is_some(), "{name}: takenAt read");
        let request = RenderRequest {
            thumbnails: true,
            watermark: None,
        };
        let out = render(&file, &request, LIMITS).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!((out.meta.width, out.meta.height), (160, 80), "{name}");
        let img = decode_jpeg(&out.thumb_small.unwrap());
        assert_eq!((img.width, img.height), (160, 80), "{name}");
        assert!(
            close(pixel_at_corner(&img, false, false), RED),
            "{name}: red top-left"
        );
        assert!(
            close(pixel_at_corner(&img, true, false), GREEN),
            "{name}: green top-right"
        );
    }
}
