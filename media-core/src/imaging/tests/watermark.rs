//! The watermark on light and dark photos, and its size.

use super::*;

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

/// Both thumbnails and the 2560 px copy of `file`.
fn render_all(file: &[u8]) -> Rendered {
    let request = RenderRequest {
        thumbnails: true,
        watermark: Some(WatermarkSpec {
            text: "© Wairo".into(),
            max_edge: 2560,
        }),
    };
    render(file, &request, LIMITS).unwrap()
}

/// The bit counts (codes of length 1..=16) of each DHT table in `jpeg`.
fn huffman_bit_counts(jpeg: &[u8]) -> Vec<[u8; 16]> {
    let mut tables = Vec::new();
    let mut i = 2;
    while i + 4 <= jpeg.len() && jpeg[i] == 0xFF {
        let (marker, len) = (
            jpeg[i + 1],
            usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]])),
        );
        if marker == 0xDA {
            break;
        }
        if marker == 0xC4 {
            let mut t = i + 4;
            while t < i + 2 + len {
                let counts: [u8; 16] = jpeg[t + 1..t + 17].try_into().unwrap();
                tables.push(counts);
                t += 17 + counts.iter().map(|&c| usize::from(c)).sum::<usize>();
            }
        }
        i += 2 + len;
    }
    tables
}

#[test]
fn the_watermarked_copy_has_the_standard_huffman_tables_and_thumbnails_fitted_ones() {
    // The spec's (Annex K.3) luminance DC table: what a one-pass encoder writes.
    const STANDARD_LUMA_DC: [u8; 16] = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
    let mut img = solid(1200, 900, [120, 90, 60]);
    paint(&mut img, (true, true), [20, 200, 240]);
    let out = render_all(&jpeg(&img, None));
    let marked = huffman_bit_counts(&out.watermarked.unwrap());
    assert_eq!(marked.len(), 4, "{marked:?}");
    assert_eq!(marked[0], STANDARD_LUMA_DC);
    for thumb in [out.thumb_small.unwrap(), out.thumb_large.unwrap()] {
        let tables = huffman_bit_counts(&thumb);
        assert!(
            !tables.is_empty() && !tables.contains(&STANDARD_LUMA_DC),
            "{tables:?}"
        );
    }
}

#[test]
fn thumbnails_made_from_the_copy_carry_no_watermark_text() {
    // 3000 × 2000: the 2560 px copy is made first and the thumbnails from it,
    // before its text is drawn.
    let base = [250u8, 250, 250];
    let file = jpeg(&solid(3000, 2000, base), None);
    let out = render_all(&file);
    let marked = decode_jpeg(&out.watermarked.unwrap());
    assert!(
        !close(pixel_near_bottom_right_text(&marked), base),
        "the copy has its text"
    );
    for thumb in [out.thumb_small.unwrap(), out.thumb_large.unwrap()] {
        let img = decode_jpeg(&thumb);
        let darkest = img.data.iter().copied().min().unwrap_or(0);
        assert!(
            darkest >= 240,
            "text in a {}px thumbnail: {darkest}",
            img.width
        );
    }
}

/// The darkest pixel of the copy's bottom-right eighth, where its text is.
fn pixel_near_bottom_right_text(img: &ops::RgbImage) -> [u8; 3] {
    let (w, h) = (img.width as usize, img.height as usize);
    (h * 7 / 8..h)
        .flat_map(|y| (w * 3 / 4..w).map(move |x| (y * w + x) * 3))
        .map(|i| [img.data[i], img.data[i + 1], img.data[i + 2]])
        .min_by_key(|p| p.iter().map(|&c| u32::from(c)).sum::<u32>())
        .unwrap_or([0, 0, 0])
}
