//! Embedded ICC profiles converted to sRGB (issue 13): a photographer's
//! Adobe RGB, ProPhoto or Display P3 file read as sRGB comes out washed out
//! and shifted, and a CMYK file printed for press comes out with the naive
//! ink formula's over-saturated colours. The pure-Rust engine moxcms
//! (matrix/TRC and LUT profiles, CMYK through its A2B tables) converts the
//! decoded pixels once, before any resize; outputs are sRGB and untagged
//! (sRGB is what untagged means to every browser).

use std::sync::Arc;

use moxcms::{ColorProfile, DataColorSpace, Layout, Transform8BitExecutor, TransformOptions};

use super::ImageError;
use super::ops::RgbImage;

/// Converts `img` from the colours of `icc` to sRGB in place. A profile
/// that does not parse, or is not an RGB one, leaves the pixels as they are
/// (what a browser shows for it), as does an sRGB profile.
pub(crate) fn to_srgb(img: &mut RgbImage, icc: &[u8]) -> Result<(), ImageError> {
    let Some(transform) = transform_to_srgb(icc, DataColorSpace::Rgb, Layout::Rgb) else {
        return Ok(());
    };
    let mut out = vec![0u8; img.data.len()];
    transform
        .transform(&img.data, &mut out)
        .map_err(|e| ImageError::Corrupt(format!("colour conversion: {e}")))?;
    img.data = out;
    Ok(())
}

/// CMYK pixels (4 bytes each, 0 = no ink, as the JPEG decoder hands them
/// over) in the inks of `icc`, converted to sRGB (3 bytes each). `None`
/// when the profile does not parse or is not a CMYK one: the caller keeps
/// the naive conversion, what a browser does without a profile.
pub(crate) fn cmyk_to_srgb(cmyk: &[u8], icc: &[u8]) -> Result<Option<Vec<u8>>, ImageError> {
    let Some(transform) = transform_to_srgb(icc, DataColorSpace::Cmyk, Layout::Rgba) else {
        return Ok(None);
    };
    let mut out = vec![0u8; cmyk.len() / 4 * 3];
    transform
        .transform(cmyk, &mut out)
        .map_err(|e| ImageError::Corrupt(format!("colour conversion: {e}")))?;
    Ok(Some(out))
}

/// The engine's transform from `icc` to sRGB for pixels of `layout`, when
/// `icc` parses as a profile of `space` that is not sRGB already.
fn transform_to_srgb(
    icc: &[u8],
    space: DataColorSpace,
    layout: Layout,
) -> Option<Arc<Transform8BitExecutor>> {
    let Ok(src) = ColorProfile::new_from_slice(icc) else {
        tracing::debug!(
            bytes = icc.len(),
            "embedded ICC profile unreadable; pixels taken as they are"
        );
        return None;
    };
    if src.color_space != space || is_srgb(&src) {
        return None;
    }
    let dst = ColorProfile::new_srgb();
    let transform = src
        .create_transform_8bit(layout, &dst, Layout::Rgb, TransformOptions::default())
        .ok();
    if transform.is_none() {
        tracing::debug!("embedded ICC profile has no transform to sRGB; pixels taken as they are");
    }
    transform
}

/// sRGB under another name (most camera and phone JPEGs embed one): the
/// same primaries and white point as moxcms' sRGB, to 1e-3. Converting
/// those would cost a pass over every pixel for nothing.
fn is_srgb(p: &ColorProfile) -> bool {
    let s = ColorProfile::new_srgb();
    let close = |a: moxcms::Xyzd, b: moxcms::Xyzd| {
        (a.x - b.x).abs() < 1e-3 && (a.y - b.y).abs() < 1e-3 && (a.z - b.z).abs() < 1e-3
    };
    close(p.red_colorant, s.red_colorant)
        && close(p.green_colorant, s.green_colorant)
        && close(p.blue_colorant, s.blue_colorant)
        && p.red_trc.is_some()
        && p.lut_a_to_b_perceptual.is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What moxcms itself makes of `rgb` from `profile` to sRGB.
    fn reference(profile: &ColorProfile, rgb: [u8; 3]) -> [u8; 3] {
        let t = profile
            .create_transform_8bit(
                Layout::Rgb,
                &ColorProfile::new_srgb(),
                Layout::Rgb,
                TransformOptions::default(),
            )
            .unwrap();
        let mut out = [0u8; 3];
        t.transform(&rgb, &mut out).unwrap();
        out
    }

    fn converted(profile: &ColorProfile, rgb: [u8; 3]) -> [u8; 3] {
        let icc = profile.encode().unwrap();
        let mut img = RgbImage::new(2, 2, rgb.repeat(4)).unwrap();
        to_srgb(&mut img, &icc).unwrap();
        [img.data[0], img.data[1], img.data[2]]
    }

    #[test]
    fn wide_gamut_profiles_are_converted_as_the_colour_engine_converts_them() {
        for profile in [
            ColorProfile::new_adobe_rgb(),
            ColorProfile::new_display_p3(),
            ColorProfile::new_pro_photo_rgb(),
        ] {
            for rgb in [
                [200, 40, 90],
                [20, 160, 60],
                [128, 128, 128],
                [250, 240, 10],
            ] {
                let got = converted(&profile, rgb);
                assert_eq!(got, reference(&profile, rgb), "{rgb:?}");
            }
            // A saturated wide-gamut green is not the same numbers in sRGB.
            assert_ne!(converted(&profile, [30, 200, 40]), [30, 200, 40]);
        }
    }

    #[test]
    fn srgb_profiles_and_unreadable_ones_leave_the_pixels_alone() {
        let srgb = ColorProfile::new_srgb().encode().unwrap();
        for icc in [srgb.as_slice(), b"not a profile".as_slice(), &[]] {
            let mut img = RgbImage::new(1, 1, vec![200, 40, 90]).unwrap();
            to_srgb(&mut img, icc).unwrap();
            assert_eq!(img.data, [200, 40, 90]);
        }
    }
}
