//! Decoding to 8-bit sRGB-ish RGB, once, at the smallest sufficient scale.

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use super::ops::RgbImage;
use super::probe::{Format, Probe};
use super::{ImageError, Limits};

/// Decodes the image in stored orientation, at least `need` (stored axes)
/// where the format can decode smaller (JPEG: 1/2, 1/4, 1/8 in the IDCT).
pub fn decode(
    bytes: &[u8],
    info: &Probe,
    need: (u32, u32),
    limits: Limits,
) -> Result<RgbImage, ImageError> {
    // Decoders are third-party code fed hostile bytes: a panic there must end
    // this image, not the worker.
    catch_unwind(AssertUnwindSafe(|| match info.format {
        Format::Jpeg => decode_jpeg(bytes, need),
        Format::Png | Format::Webp => decode_other(bytes, info.format, limits),
    }))
    .unwrap_or_else(|_| Err(ImageError::Corrupt("decoder panicked".into())))
}

fn corrupt(e: impl std::fmt::Display) -> ImageError {
    ImageError::Corrupt(e.to_string())
}

fn decode_jpeg(bytes: &[u8], need: (u32, u32)) -> Result<RgbImage, ImageError> {
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    let clamp = |v: u32| v.clamp(1, u32::from(u16::MAX)) as u16;
    let (w, h) = decoder
        .scale(clamp(need.0), clamp(need.1))
        .map_err(corrupt)?;
    let pixels = decoder.decode().map_err(corrupt)?;
    let info = decoder.info().ok_or_else(|| corrupt("no frame header"))?;
    let (w, h) = (u32::from(w), u32::from(h));
    let n = w as usize * h as usize;
    let data = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => pixels,
        jpeg_decoder::PixelFormat::L8 => pixels.iter().flat_map(|&l| [l, l, l]).collect(),
        jpeg_decoder::PixelFormat::L16 => pixels
            .chunks_exact(2)
            .flat_map(|c| [c[0], c[0], c[0]])
            .collect(),
        // The decoder returns true CMYK (Adobe's inversion undone); the naive
        // conversion is what browsers do without a colour profile.
        jpeg_decoder::PixelFormat::CMYK32 => pixels
            .chunks_exact(4)
            .flat_map(|p| {
                let k = 255 - u32::from(p[3]);
                let ch = |c: u8| ((255 - u32::from(c)) * k / 255) as u8;
                [ch(p[0]), ch(p[1]), ch(p[2])]
            })
            .collect(),
    };
    if data.len() < n * 3 {
        return Err(corrupt("short pixel data"));
    }
    RgbImage::new(w, h, data)
}

fn decode_other(bytes: &[u8], format: Format, limits: Limits) -> Result<RgbImage, ImageError> {
    let fmt = if format == Format::Png {
        image::ImageFormat::Png
    } else {
        image::ImageFormat::WebP
    };
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), fmt);
    let mut l = image::Limits::default();
    // 16-bit RGBA is the widest layout: 8 bytes per pixel.
    l.max_alloc = Some(limits.max_pixels.saturating_mul(8));
    reader.limits(l);
    let img = reader.decode().map_err(corrupt)?;
    let (w, h) = (img.width(), img.height());
    let data = if img.color().has_alpha() {
        // Transparent areas become white (SPEC: never black).
        let rgba = img.into_rgba8();
        rgba.as_raw()
            .chunks_exact(4)
            .flat_map(|p| {
                let a = u32::from(p[3]);
                let over = |c: u8| ((u32::from(c) * a + 255 * (255 - a) + 127) / 255) as u8;
                [over(p[0]), over(p[1]), over(p[2])]
            })
            .collect()
    } else {
        img.into_rgb8().into_raw()
    };
    RgbImage::new(w, h, data)
}
