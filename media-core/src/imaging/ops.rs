//! Pixel operations: resize, orient, encode.

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

use super::ImageError;
use super::probe::Orientation;

/// 8-bit RGB, row-major, no padding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RgbImage {
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) data: Vec<u8>,
}

impl RgbImage {
    /// An image of `width` × `height` from its pixels (`width * height * 3`
    /// bytes, R, G, B); any other length is refused.
    pub fn new(width: u32, height: u32, data: Vec<u8>) -> Result<Self, ImageError> {
        if data.len() != width as usize * height as usize * 3 {
            return Err(ImageError::Corrupt("pixel buffer of the wrong size".into()));
        }
        Ok(Self {
            width,
            height,
            data,
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The pixels, R, G, B, row-major.
    pub fn pixels(&self) -> &[u8] {
        &self.data
    }
}

fn internal(e: impl std::fmt::Display) -> ImageError {
    ImageError::Corrupt(e.to_string())
}

/// Lanczos3 resize to exactly `width` × `height`.
pub fn resize(src: &RgbImage, width: u32, height: u32) -> Result<RgbImage, ImageError> {
    if (src.width, src.height) == (width, height) {
        return Ok(src.clone());
    }
    let src_view =
        ImageRef::new(src.width, src.height, &src.data, PixelType::U8x3).map_err(internal)?;
    let mut dst = Image::new(width, height, PixelType::U8x3);
    Resizer::new()
        .resize(
            &src_view,
            &mut dst,
            &ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3)),
        )
        .map_err(internal)?;
    RgbImage::new(width, height, dst.into_vec())
}

/// Resizes a stored-orientation image to the oriented size `target`, then
/// orients it: orienting the small result is cheaper than the large source.
pub fn resize_oriented(
    src: &RgbImage,
    orientation: Orientation,
    target: (u32, u32),
) -> Result<RgbImage, ImageError> {
    let stored = if orientation.swaps_axes() {
        (target.1, target.0)
    } else {
        target
    };
    let resized = resize(src, stored.0, stored.1)?;
    Ok(orient(&resized, orientation))
}

/// Applies EXIF orientation `o` so the result is upright.
pub fn orient(src: &RgbImage, o: Orientation) -> RgbImage {
    if o.0 <= 1 || o.0 > 8 {
        return src.clone();
    }
    let (w, h) = (src.width as usize, src.height as usize);
    let (dw, dh) = if o.swaps_axes() { (h, w) } else { (w, h) };
    let mut data = vec![0u8; dw * dh * 3];
    for y in 0..dh {
        for x in 0..dw {
            let (sx, sy) = match o.0 {
                2 => (w - 1 - x, y),
                3 => (w - 1 - x, h - 1 - y),
                4 => (x, h - 1 - y),
                5 => (y, x),
                6 => (y, h - 1 - x),
                7 => (w - 1 - y, h - 1 - x),
                _ => (w - 1 - y, x), // 8
            };
            let s = (sy * w + sx) * 3;
            let d = (y * dw + x) * 3;
            data[d..d + 3].copy_from_slice(&src.data[s..s + 3]);
        }
    }
    RgbImage {
        width: dw as u32,
        height: dh as u32,
        data,
    }
}

/// Which Huffman tables a JPEG is written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Huffman {
    /// Tables fitted to the image: the smallest file, for a second pass
    /// over every block.
    Optimized,
    /// The standard tables of the JPEG spec (Annex K): one pass.
    Standard,
}

/// Baseline JPEG, 4:2:0, no metadata segments.
pub fn encode_jpeg(img: &RgbImage, quality: u8, huffman: Huffman) -> Result<Vec<u8>, ImageError> {
    let (w, h) = (
        u16::try_from(img.width).map_err(internal)?,
        u16::try_from(img.height).map_err(internal)?,
    );
    let mut out = Vec::with_capacity(img.data.len() / 8);
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality);
    encoder.set_optimized_huffman_tables(huffman == Huffman::Optimized);
    encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
    encoder
        .encode(&img.data, w, h, jpeg_encoder::ColorType::Rgb)
        .map_err(internal)?;
    Ok(out)
}
