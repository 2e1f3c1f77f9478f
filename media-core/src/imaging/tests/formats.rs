//! PNG, WebP, greyscale, CMYK and progressive inputs.

use super::*;

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

fn encode_png(
    w: u32,
    h: u32,
    color: png::ColorType,
    depth: png::BitDepth,
    data: &[u8],
    palette: Option<&[u8]>,
) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(color);
    enc.set_depth(depth);
    if let Some(p) = palette {
        enc.set_palette(p.to_vec());
    }
    let mut writer = enc.write_header().unwrap();
    writer.write_image_data(data).unwrap();
    writer.finish().unwrap();
    out
}

/// The small thumbnail of `file`, decoded.
fn thumb_of(file: &[u8]) -> ops::RgbImage {
    let request = RenderRequest {
        thumbnails: true,
        watermark: None,
    };
    decode_jpeg(&render(file, &request, LIMITS).unwrap().thumb_small.unwrap())
}

#[test]
fn sixteen_bit_grey_alpha_and_palette_pngs_decode_to_their_colours() {
    // 16-bit RGBA: opaque left half pure green, right half red at alpha 0 (white).
    let (w, h) = (64u32, 48u32);
    let mut rgba16 = Vec::new();
    for _ in 0..h {
        for x in 0..w {
            let px: [u16; 4] = if x < 32 {
                [0, 0xFFFF, 0, 0xFFFF]
            } else {
                [0xFFFF, 0, 0, 0]
            };
            for v in px {
                rgba16.extend(v.to_be_bytes());
            }
        }
    }
    let file = encode_png(
        w,
        h,
        png::ColorType::Rgba,
        png::BitDepth::Sixteen,
        &rgba16,
        None,
    );
    let img = thumb_of(&file);
    assert!(
        close(pixel_at_corner(&img, false, false), [0, 255, 0]),
        "16-bit green"
    );
    assert!(
        close(pixel_at_corner(&img, true, false), [255, 255, 255]),
        "transparent is white"
    );

    // Grey + alpha: mid grey, opaque.
    let ga: Vec<u8> = (0..w * h).flat_map(|_| [128u8, 255]).collect();
    let file = encode_png(
        w,
        h,
        png::ColorType::GrayscaleAlpha,
        png::BitDepth::Eight,
        &ga,
        None,
    );
    let img = thumb_of(&file);
    assert!(close(pixel_at_corner(&img, false, true), [128, 128, 128]));

    // A palette: index 0 blue, index 1 red, left and right.
    let idx: Vec<u8> = (0..h)
        .flat_map(|_| (0..w).map(|x| u8::from(x >= 32)))
        .collect();
    let file = encode_png(
        w,
        h,
        png::ColorType::Indexed,
        png::BitDepth::Eight,
        &idx,
        Some(&[0, 0, 255, 255, 0, 0]),
    );
    let img = thumb_of(&file);
    assert!(close(pixel_at_corner(&img, false, false), [0, 0, 255]));
    assert!(close(pixel_at_corner(&img, true, true), [255, 0, 0]));
}

#[test]
fn full_size_jpegs_decode_to_the_same_pixels_through_either_decoder() {
    // Photo-like detail in every channel (gradients, a diagonal pattern), 4:2:0.
    let (w, h) = (203u16, 157u16);
    let rgb: Vec<u8> = (0..u32::from(h))
        .flat_map(|y| {
            (0..u32::from(w)).flat_map(move |x| {
                let wave = ((x * 7 + y * 3) % 31) as u8 * 4;
                [
                    (x * 255 / 203) as u8,
                    wave.wrapping_add((y * 255 / 157) as u8 / 2),
                    255 - wave,
                ]
            })
        })
        .collect();
    for file in [
        crate::testing::jpeg_of(&rgb, w, h, 90, None),
        crate::testing::grey_jpeg(w, h, 77),
    ] {
        let (zune, _) = super::super::decode::decode_jpeg_full(&file).expect("zune decodes it");
        let mut reference = jpeg_decoder::Decoder::new(std::io::Cursor::new(&file));
        let pixels = reference.decode().unwrap();
        let info = reference.info().unwrap();
        let pixels: Vec<u8> = if info.pixel_format == jpeg_decoder::PixelFormat::L8 {
            pixels.iter().flat_map(|&l| [l, l, l]).collect()
        } else {
            pixels
        };
        assert_eq!((zune.width(), zune.height()), (u32::from(w), u32::from(h)));
        let diffs: Vec<u8> = zune
            .pixels()
            .iter()
            .zip(&pixels)
            .map(|(a, b)| a.abs_diff(*b))
            .collect();
        let mean = diffs.iter().map(|&d| f64::from(d)).sum::<f64>() / diffs.len() as f64;
        let max = diffs.iter().copied().max().unwrap_or(0);
        // IDCT and upsampling rounding only: the same picture.
        assert!(mean < 0.5 && max <= 8, "mean {mean:.3}, max {max}");
    }
}

#[test]
fn a_truncated_full_size_jpeg_is_unreadable_not_grey() {
    let file = crate::testing::jpeg(640, 480, crate::testing::Fill::Gradient { seed: 3 });
    assert!(super::super::decode::decode_jpeg_full(&file).is_some());
    for cut in [file.len() / 2, file.len() * 9 / 10, file.len() - 2] {
        assert!(
            super::super::decode::decode_jpeg_full(&file[..cut]).is_none(),
            "{cut}"
        );
        let request = RenderRequest {
            thumbnails: true,
            watermark: None,
        };
        assert_eq!(
            render(&file[..cut], &request, LIMITS).unwrap_err().reason(),
            FailureReason::UnreadableImage,
            "{cut}"
        );
    }
}
