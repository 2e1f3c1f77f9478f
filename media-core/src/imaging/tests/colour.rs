//! Embedded colour profiles: converted to sRGB before resizing (issue 13).

use moxcms::{ColorProfile, Layout, TransformOptions};

use super::*;

/// `srgb` expressed in `profile`'s numbers, as the colour engine does it.
fn in_profile(profile: &ColorProfile, srgb: [u8; 3]) -> [u8; 3] {
    let t = ColorProfile::new_srgb()
        .create_transform_8bit(
            Layout::Rgb,
            profile,
            Layout::Rgb,
            TransformOptions::default(),
        )
        .unwrap();
    let mut out = [0u8; 3];
    t.transform(&srgb, &mut out).unwrap();
    out
}

fn tagged_jpeg(rgb: [u8; 3], icc: &[u8]) -> Vec<u8> {
    let (w, h) = (64u16, 48u16);
    let mut out = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut out, 95);
    enc.add_icc_profile(icc).unwrap();
    enc.encode(&rgb.repeat(64 * 48), w, h, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    out
}

fn tagged_png(rgb: [u8; 3], icc: &[u8]) -> Vec<u8> {
    let mut info = png::Info::with_size(64, 48);
    info.color_type = png::ColorType::Rgb;
    info.bit_depth = png::BitDepth::Eight;
    info.icc_profile = Some(std::borrow::Cow::Owned(icc.to_vec()));
    let mut out = Vec::new();
    {
        let mut w = png::Encoder::with_info(&mut out, info)
            .unwrap()
            .write_header()
            .unwrap();
        w.write_image_data(&rgb.repeat(64 * 48)).unwrap();
    }
    out
}

/// The centre pixel of the 400 px thumbnail `render` makes of `file`.
fn thumbnail_colour(file: &[u8]) -> [u8; 3] {
    let request = RenderRequest {
        thumbnails: true,
        watermark: None,
    };
    let out = render(file, &request, LIMITS).unwrap();
    let img = decode_jpeg(&out.thumb_small.unwrap());
    let (w, h) = (img.width as usize, img.height as usize);
    let i = (h / 2 * w + w / 2) * 3;
    [img.data[i], img.data[i + 1], img.data[i + 2]]
}

fn delta(a: [u8; 3], b: [u8; 3]) -> u8 {
    (0..3).map(|c| a[c].abs_diff(b[c])).max().unwrap_or(0)
}

#[test]
fn adobe_rgb_p3_and_prophoto_files_come_out_in_the_colours_they_were_shot_in() {
    let srgb = [40, 170, 60]; // a saturated green: where the gamuts differ most
    for (name, profile) in [
        ("Adobe RGB", ColorProfile::new_adobe_rgb()),
        ("Display P3", ColorProfile::new_display_p3()),
        ("ProPhoto", ColorProfile::new_pro_photo_rgb()),
    ] {
        let numbers = in_profile(&profile, srgb);
        assert!(delta(numbers, srgb) > 10, "{name}: a test that can fail");
        let icc = profile.encode().unwrap();
        for (kind, file) in [
            ("JPEG", tagged_jpeg(numbers, &icc)),
            ("PNG", tagged_png(numbers, &icc)),
        ] {
            let got = thumbnail_colour(&file);
            // JPEG quantisation and 8-bit round trips: a few levels.
            assert!(
                delta(got, srgb) <= 4,
                "{name} {kind}: {got:?} vs {srgb:?} (numbers {numbers:?})"
            );
        }
    }
}

#[test]
fn an_srgb_tagged_file_keeps_its_numbers() {
    let srgb = [200, 40, 90];
    let icc = ColorProfile::new_srgb().encode().unwrap();
    let got = thumbnail_colour(&tagged_jpeg(srgb, &icc));
    assert!(delta(got, srgb) <= 3, "{got:?}");
}
