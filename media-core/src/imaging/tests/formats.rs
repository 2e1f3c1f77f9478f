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
