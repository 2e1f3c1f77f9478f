//! Decoding to 8-bit sRGB, once, at the smallest sufficient scale: an
//! embedded ICC profile is converted (`colour`) before anything is resized.

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
    catch_unwind(AssertUnwindSafe(|| {
        let (mut img, icc) = match info.format {
            Format::Jpeg => decode_jpeg(bytes, (info.width, info.height), need),
            Format::Png => decode_png(bytes, limits),
            Format::Webp => decode_other(bytes, info.format, limits),
        }?;
        if let Some(icc) = icc {
            super::colour::to_srgb(&mut img, &icc)?;
        }
        Ok(img)
    }))
    .unwrap_or_else(|_| Err(ImageError::Corrupt("decoder panicked".into())))
}

/// Pixels, and the ICC profile they are in when one is embedded.
type Decoded = Result<(RgbImage, Option<Vec<u8>>), ImageError>;

fn corrupt(e: impl std::fmt::Display) -> ImageError {
    ImageError::Corrupt(e.to_string())
}

fn decode_jpeg(bytes: &[u8], size: (u32, u32), need: (u32, u32)) -> Decoded {
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    let clamp = |v: u32| v.clamp(1, u32::from(u16::MAX)) as u16;
    let (w, h) = decoder
        .scale(clamp(need.0), clamp(need.1))
        .map_err(corrupt)?;
    // At full size, 8-bit YCbCr or grey: zune-jpeg takes 20–29 % less CPU
    // (one thread, SIMD colour conversion: a 12 MP phone file 69 ms against
    // 92). Whenever the IDCT can shrink, jpeg-decoder's scaled decode wins (a
    // 24 MP file at 1/2: 124 ms against zune's 143 ms at full size, and a
    // quarter of the pixels in memory). A file zune refuses is decoded by
    // jpeg-decoder below, whose verdict on a broken file stands.
    let eight_bit_colour_or_grey = matches!(
        decoder.info().map(|i| i.pixel_format),
        Some(jpeg_decoder::PixelFormat::RGB24 | jpeg_decoder::PixelFormat::L8)
    );
    if (u32::from(w), u32::from(h)) == size
        && eight_bit_colour_or_grey
        && let Some(full) = decode_jpeg_full(bytes)
    {
        return Ok(full);
    }
    let pixels = decoder.decode().map_err(corrupt)?;
    let info = decoder.info().ok_or_else(|| corrupt("no frame header"))?;
    // A grey file's profile has nothing to shift; an RGB one is converted
    // after decoding (by the caller), a CMYK one here, from the inks.
    let icc = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 | jpeg_decoder::PixelFormat::CMYK32 => {
            decoder.icc_profile()
        }
        _ => None,
    };
    let (w, h) = (u32::from(w), u32::from(h));
    let n = w as usize * h as usize;
    let (data, icc) = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => (pixels, icc),
        jpeg_decoder::PixelFormat::L8 => (pixels.iter().flat_map(|&l| [l, l, l]).collect(), None),
        jpeg_decoder::PixelFormat::L16 => (
            pixels
                .chunks_exact(2)
                .flat_map(|c| [c[0], c[0], c[0]])
                .collect(),
            None,
        ),
        // The decoder returns true CMYK (Adobe's inversion undone, 0 = no
        // ink), what a CMYK profile's tables take.
        jpeg_decoder::PixelFormat::CMYK32 => {
            let converted = match icc {
                Some(icc) => super::colour::cmyk_to_srgb(&pixels, &icc)?,
                None => None,
            };
            // No profile (or not a CMYK one): the naive conversion, what
            // browsers do without a colour profile.
            let rgb = converted.unwrap_or_else(|| {
                pixels
                    .chunks_exact(4)
                    .flat_map(|p| {
                        let k = 255 - u32::from(p[3]);
                        let ch = |c: u8| ((255 - u32::from(c)) * k / 255) as u8;
                        [ch(p[0]), ch(p[1]), ch(p[2])]
                    })
                    .collect()
            });
            (rgb, None)
        }
    };
    if data.len() < n * 3 {
        return Err(corrupt("short pixel data"));
    }
    Ok((RgbImage::new(w, h, data)?, icc))
}

/// The whole image by zune-jpeg, in RGB, with its ICC profile; `None` when
/// the file is cut short, when zune refuses it (strict mode) or hands back
/// something unexpected.
pub(super) fn decode_jpeg_full(bytes: &[u8]) -> Option<(RgbImage, Option<Vec<u8>>)> {
    // zune decodes a file cut inside its scan without an error, the missing
    // rows grey (a test cut a 640 × 480 file at 90 %): such a file must stay
    // `unreadable_image`, as jpeg-decoder finds it.
    if !ends_after_its_scan(bytes) {
        return None;
    }
    use zune_core::bytestream::ZCursor;
    use zune_core::colorspace::ColorSpace;
    use zune_core::options::DecoderOptions;

    // The header's size was checked against MAX_IMAGE_PIXELS already; zune's
    // own default cap (16,384 a side) would refuse a 20,000 × 3,000 panorama.
    let options = DecoderOptions::default()
        .set_max_width(usize::from(u16::MAX))
        .set_max_height(usize::from(u16::MAX))
        .set_strict_mode(true)
        .jpeg_set_out_colorspace(ColorSpace::RGB);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    let pixels = match decoder.decode() {
        Ok(p) => p,
        Err(e) => {
            tracing::debug!(error = %e, "zune-jpeg refused the file; jpeg-decoder tries");
            return None;
        }
    };
    let info = decoder.info()?;
    if decoder.output_colorspace() != Some(ColorSpace::RGB) {
        return None;
    }
    let image = RgbImage::new(u32::from(info.width), u32::from(info.height), pixels).ok()?;
    Some((image, decoder.icc_profile()))
}

/// Whether an end-of-image marker follows the first scan. In entropy-coded
/// data a 0xFF byte is always followed by 0x00 or a restart marker, so
/// `FF D9` after the first `SOS` is the image's end (an EXIF thumbnail's own
/// end comes before it, in APP1); searched from the back, where it is.
fn ends_after_its_scan(bytes: &[u8]) -> bool {
    let mut at = 2; // past SOI
    while at + 4 <= bytes.len() {
        if bytes[at] != 0xFF {
            return false;
        }
        match bytes[at + 1] {
            0xFF => at += 1, // fill byte
            0xDA => {
                return bytes[at..].windows(2).rev().any(|w| w == [0xFF, 0xD9]);
            }
            0x01 | 0xD0..=0xD7 => at += 2,
            _ => at += 2 + usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]])),
        }
    }
    false
}

/// Transparent areas become white (SPEC: never black).
fn over_white(c: u8, a: u8) -> u8 {
    let a = u32::from(a);
    ((u32::from(c) * a + 255 * (255 - a) + 127) / 255) as u8
}

/// PNG straight to 8 bits per channel (16-bit samples, palettes and
/// low bit depths expanded by the decoder as it goes), then compacted to
/// RGB in the same buffer: at most 4 bytes per pixel at any time — a
/// 100 MP 16-bit RGBA PNG took 8 bytes per pixel plus two copies before.
/// Text chunks are skipped, not inflated; the colour profile (iCCP, a few
/// KB) is kept for the conversion to sRGB.
fn decode_png(bytes: &[u8], limits: Limits) -> Decoded {
    let mut decoder = png::Decoder::new_with_limits(
        Cursor::new(bytes),
        png::Limits {
            bytes: usize::try_from(limits.max_pixels.saturating_mul(4)).unwrap_or(usize::MAX),
        },
    );
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    decoder.set_ignore_text_chunk(true);
    let mut reader = decoder.read_info().map_err(corrupt)?;
    let icc = reader.info().icc_profile.as_ref().map(|p| p.to_vec());
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| corrupt("image too large for this machine"))?;
    let mut buf = vec![0u8; size];
    let frame = reader.next_frame(&mut buf).map_err(corrupt)?;
    let (w, h) = (frame.width, frame.height);
    let n = w as usize * h as usize;
    let channels = frame.color_type.samples();
    if frame.bit_depth != png::BitDepth::Eight || frame.line_size != w as usize * channels {
        return Err(corrupt("unexpected PNG layout after expansion"));
    }
    match channels {
        3 => {}
        4 => {
            // Forward: pixel i's RGB lands at 3i, never past what is unread.
            for i in 0..n {
                let a = buf[4 * i + 3];
                for c in 0..3 {
                    buf[3 * i + c] = over_white(buf[4 * i + c], a);
                }
            }
        }
        1 | 2 => {
            // Grey grows to RGB: backwards, so a pixel is read before its place is written.
            buf.resize(n * 3, 0);
            for i in (0..n).rev() {
                let v = if channels == 2 {
                    over_white(buf[2 * i], buf[2 * i + 1])
                } else {
                    buf[i]
                };
                buf[3 * i..3 * i + 3].fill(v);
            }
        }
        _ => return Err(corrupt("unsupported PNG colour type")),
    }
    buf.truncate(n * 3);
    Ok((RgbImage::new(w, h, buf)?, icc))
}

fn decode_other(bytes: &[u8], format: Format, limits: Limits) -> Decoded {
    use image::ImageDecoder as _;
    let fmt = if format == Format::Png {
        image::ImageFormat::Png
    } else {
        image::ImageFormat::WebP
    };
    let reader = image::ImageReader::with_format(Cursor::new(bytes), fmt);
    let mut l = image::Limits::default();
    // 16-bit RGBA is the widest layout: 8 bytes per pixel.
    l.max_alloc = Some(limits.max_pixels.saturating_mul(8));
    let mut decoder = reader.into_decoder().map_err(corrupt)?;
    decoder.set_limits(l).map_err(corrupt)?;
    let icc = decoder.icc_profile().ok().flatten();
    let img = image::DynamicImage::from_decoder(decoder).map_err(corrupt)?;
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
    Ok((RgbImage::new(w, h, data)?, icc))
}
