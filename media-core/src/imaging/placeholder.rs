//! ThumbHash placeholders: ~25 bytes a client decodes into a blurred
//! preview while the thumbnail loads (the format Immich and pict-rs ship).

use super::ops::{self, RgbImage};
use super::{ImageError, fit_size};

/// ThumbHash encodes at most 100 × 100 pixels (more is slower for no gain,
/// and the encoder refuses it).
const MAX_EDGE: u32 = 100;

/// The ThumbHash of `img` (any size: it is first fitted into 100 × 100).
pub fn thumbhash(img: &RgbImage) -> Result<Vec<u8>, ImageError> {
    let (w, h) = fit_size(img.width, img.height, MAX_EDGE);
    let small = ops::resize(img, w, h)?;
    let mut rgba = Vec::with_capacity(small.data.len() / 3 * 4);
    for px in small.data.chunks_exact(3) {
        rgba.extend_from_slice(&[px[0], px[1], px[2], u8::MAX]);
    }
    Ok(thumbhash::rgba_to_thumb_hash(w as usize, h as usize, &rgba))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn solid(w: u32, h: u32, rgb: [u8; 3]) -> RgbImage {
        RgbImage::new(w, h, rgb.repeat((w * h) as usize)).unwrap()
    }

    #[test]
    fn a_solid_image_hashes_to_its_colour_and_aspect() {
        let hash = thumbhash(&solid(400, 300, [200, 40, 90])).unwrap();
        assert!((5..=40).contains(&hash.len()), "{} bytes", hash.len());
        let (r, g, b, a) = thumbhash::thumb_hash_to_average_rgba(&hash).unwrap();
        for (got, want) in [(r, 200.0), (g, 40.0), (b, 90.0)] {
            assert!((got * 255.0 - want).abs() < 6.0, "{got} vs {want}");
        }
        assert!((a - 1.0).abs() < 1e-3, "opaque");
        let aspect = thumbhash::thumb_hash_to_approximate_aspect_ratio(&hash).unwrap();
        assert!((aspect - 4.0 / 3.0).abs() < 0.15, "{aspect}");
    }

    #[test]
    fn tall_tiny_and_large_images_are_fitted_not_refused() {
        for (w, h) in [(1, 1), (7, 900), (2400, 1600), (100, 100)] {
            let hash = thumbhash(&solid(w, h, [10, 20, 30])).unwrap();
            assert!(!hash.is_empty(), "{w}x{h}");
        }
    }
}
