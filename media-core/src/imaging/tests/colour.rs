//! Embedded colour profiles: converted to sRGB before resizing (issue 13).

use moxcms::{ColorProfile, Layout, TransformOptions};

use super::*;

/// One pixel through the colour engine, `from` (laid out as `layout`) to `to`.
fn engine(from: &ColorProfile, layout: Layout, to: &ColorProfile, pixel: &[u8]) -> [u8; 3] {
    let t = from
        .create_transform_8bit(layout, to, Layout::Rgb, TransformOptions::default())
        .unwrap();
    let mut out = [0u8; 3];
    t.transform(pixel, &mut out).unwrap();
    out
}

/// `srgb` expressed in `profile`'s numbers, as the colour engine does it.
fn in_profile(profile: &ColorProfile, srgb: [u8; 3]) -> [u8; 3] {
    engine(&ColorProfile::new_srgb(), Layout::Rgb, profile, &srgb)
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

/// A press profile of our own making, written by the colour engine: CMYK
/// inks to Lab through a 5⁴-point table, with inks in the directions of
/// real process inks (cyan a bluish green-blue, magenta a pinkish red,
/// yellow a slightly green yellow), each darkening the paper by its own
/// amount — numbers no naive formula reproduces.
fn press_profile() -> ColorProfile {
    use moxcms::{LutDataType, LutStore, LutType, LutWarehouse, Matrix3d, ProfileClass};
    const GRID: usize = 5;
    let lab = |c: f64, m: f64, y: f64, k: f64| {
        let l = 100.0 * (1.0 - k) * (1.0 - 0.45 * c - 0.52 * m - 0.11 * y).max(0.05);
        let a = (-37.0 * c + 74.0 * m - 5.0 * y) * (1.0 - k);
        let b = (-50.0 * c - 3.0 * m + 93.0 * y) * (1.0 - k);
        [l / 100.0, (a + 128.0) / 255.0, (b + 128.0) / 255.0]
    };
    let step = |i: usize| i as f64 / (GRID - 1) as f64;
    let mut clut = Vec::with_capacity(GRID.pow(4) * 3);
    for c in 0..GRID {
        for m in 0..GRID {
            for y in 0..GRID {
                for k in 0..GRID {
                    for v in lab(step(c), step(m), step(y), step(k)) {
                        clut.push((v.clamp(0.0, 1.0) * 65535.0).round() as u16);
                    }
                }
            }
        }
    }
    let identity = |channels: usize| LutStore::Store16([0, 65535].repeat(channels));
    let table = LutWarehouse::Lut(LutDataType {
        num_input_channels: 4,
        num_output_channels: 3,
        num_clut_grid_points: GRID as u8,
        matrix: Matrix3d::IDENTITY,
        num_input_table_entries: 2,
        num_output_table_entries: 2,
        input_table: identity(4),
        clut_table: LutStore::Store16(clut),
        output_table: identity(3),
        lut_type: LutType::Lut16,
    });
    let mut profile = ColorProfile::default();
    profile.profile_class = ProfileClass::OutputDevice;
    profile.color_space = moxcms::DataColorSpace::Cmyk;
    profile.pcs = moxcms::DataColorSpace::Lab;
    profile.white_point = moxcms::Xyzd::new(0.9642, 1.0, 0.8249);
    profile.lut_a_to_b_perceptual = Some(table.clone());
    profile.lut_a_to_b_colorimetric = Some(table);
    profile
}

/// What the colour engine itself makes of the inks `cmyk` (0 = no ink).
fn cmyk_reference(icc: &[u8], cmyk: [u8; 4]) -> [u8; 3] {
    let press = ColorProfile::new_from_slice(icc).unwrap();
    engine(&press, Layout::Rgba, &ColorProfile::new_srgb(), &cmyk)
}

/// The browsers' conversion without a profile (what we did before).
fn naive(cmyk: [u8; 4]) -> [u8; 3] {
    let k = 255 - u32::from(cmyk[3]);
    let ch = |c: u8| ((255 - u32::from(c)) * k / 255) as u8;
    [ch(cmyk[0]), ch(cmyk[1]), ch(cmyk[2])]
}

/// An Adobe-style CMYK JPEG (inverted, APP14) of one ink mix.
fn cmyk_jpeg(cmyk: [u8; 4], icc: Option<&[u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut out, 98);
    if let Some(icc) = icc {
        enc.add_icc_profile(icc).unwrap();
    }
    enc.encode(&cmyk.repeat(64 * 48), 64, 48, jpeg_encoder::ColorType::Cmyk)
        .unwrap();
    out
}

#[test]
fn a_cmyk_file_with_its_press_profile_comes_out_as_the_colour_engine_converts_its_inks() {
    let icc = press_profile().encode().unwrap();
    for cmyk in [
        [255, 0, 0, 0],    // cyan
        [0, 255, 0, 0],    // magenta
        [0, 0, 255, 0],    // yellow
        [200, 30, 160, 0], // a green
        [40, 120, 90, 60], // a skin-ish brown with black
        [0, 0, 0, 0],      // paper
    ] {
        let want = cmyk_reference(&icc, cmyk);
        let got = thumbnail_colour(&cmyk_jpeg(cmyk, Some(&icc)));
        // JPEG quantisation of four channels and an 8-bit round trip.
        assert!(delta(got, want) <= 4, "{cmyk:?}: {got:?} vs {want:?}");
    }
    // Profile read, not ignored: pure cyan ink is not the naive (0, 255, 255).
    let cyan = [255, 0, 0, 0];
    let got = thumbnail_colour(&cmyk_jpeg(cyan, Some(&icc)));
    assert!(delta(got, naive(cyan)) > 20, "{got:?}");
    // Paper is white.
    let paper = thumbnail_colour(&cmyk_jpeg([0, 0, 0, 0], Some(&icc)));
    assert!(delta(paper, [255, 255, 255]) <= 3, "{paper:?}");
}

#[test]
fn a_cmyk_file_without_a_profile_or_with_an_rgb_one_keeps_the_naive_conversion() {
    let adobe = ColorProfile::new_adobe_rgb().encode().unwrap();
    for icc in [
        None,
        Some(adobe.as_slice()),
        Some(b"not a profile".as_slice()),
    ] {
        for cmyk in [[255, 0, 0, 0], [40, 120, 90, 60]] {
            let got = thumbnail_colour(&cmyk_jpeg(cmyk, icc));
            assert!(
                delta(got, naive(cmyk)) <= 4,
                "{cmyk:?} {:?}: {got:?}",
                icc.map(<[u8]>::len)
            );
        }
    }
}
