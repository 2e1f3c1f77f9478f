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
