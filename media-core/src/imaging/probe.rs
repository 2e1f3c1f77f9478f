//! Header-only inspection: format, stored dimensions, orientation, takenAt.

use std::io::Cursor;

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use super::{ImageError, Limits};

/// The formats an original may have (by magic bytes; the content type is not trusted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// JPEG (baseline or progressive).
    Jpeg,
    /// PNG, any bit depth and colour type.
    Png,
    /// WebP, lossy or lossless.
    Webp,
}

/// EXIF orientation 1–8 (1 = as stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Orientation(pub u8);

impl Orientation {
    /// 5–8 rotate by a quarter turn: width and height swap.
    pub fn swaps_axes(self) -> bool {
        (5..=8).contains(&self.0)
    }
}

/// What the header says, read before any pixel is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    /// The format.
    pub format: Format,
    /// As stored in the file, before orientation.
    pub width: u32,
    /// As stored in the file, before orientation.
    pub height: u32,
    /// EXIF orientation (1 when absent).
    pub orientation: Orientation,
    /// EXIF `DateTimeOriginal`, read as UTC.
    pub taken_at: Option<OffsetDateTime>,
    /// A JPEG's frame header: what its decode holds in memory.
    pub jpeg: Option<JpegFrame>,
}

/// What a JPEG's frame header says about its decode's memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JpegFrame {
    /// 1 (grey), 3 (YCbCr or RGB) or 4 (CMYK).
    pub components: u8,
    /// Progressive files keep every coefficient until the last scan.
    pub progressive: bool,
}

impl Probe {
    /// Width and height once the orientation is applied (what clients see).
    pub fn oriented_size(&self) -> (u32, u32) {
        if self.orientation.swaps_axes() {
            (self.height, self.width)
        } else {
            (self.width, self.height)
        }
    }
}

fn sniff(bytes: &[u8]) -> Option<Format> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Format::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Format::Png)
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(Format::Webp)
    } else {
        None
    }
}

fn dimensions(bytes: &[u8], format: Format) -> Result<(u32, u32, Option<JpegFrame>), ImageError> {
    match format {
        Format::Jpeg => {
            let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(bytes));
            decoder
                .read_info()
                .map_err(|e| ImageError::Corrupt(e.to_string()))?;
            let info = decoder
                .info()
                .ok_or_else(|| ImageError::Corrupt("no frame header".into()))?;
            let components = match info.pixel_format {
                jpeg_decoder::PixelFormat::L8 | jpeg_decoder::PixelFormat::L16 => 1,
                jpeg_decoder::PixelFormat::RGB24 => 3,
                jpeg_decoder::PixelFormat::CMYK32 => 4,
            };
            let frame = JpegFrame {
                components,
                progressive: info.coding_process == jpeg_decoder::CodingProcess::DctProgressive,
            };
            Ok((u32::from(info.width), u32::from(info.height), Some(frame)))
        }
        Format::Png | Format::Webp => {
            let fmt = if format == Format::Png {
                image::ImageFormat::Png
            } else {
                image::ImageFormat::WebP
            };
            let (w, h) = image::ImageReader::with_format(Cursor::new(bytes), fmt)
                .into_dimensions()
                .map_err(|e| ImageError::Corrupt(e.to_string()))?;
            Ok((w, h, None))
        }
    }
}

/// Reads what the pipeline needs from the header and enforces the limits;
/// no pixel is decoded.
pub fn probe(bytes: &[u8], limits: Limits) -> Result<Probe, ImageError> {
    if bytes.is_empty() {
        return Err(ImageError::Empty);
    }
    let len = bytes.len() as u64;
    if len > limits.max_bytes {
        return Err(ImageError::TooLarge {
            bytes: len,
            limit: limits.max_bytes,
        });
    }
    let format = sniff(bytes).ok_or(ImageError::UnsupportedFormat)?;
    let (width, height, jpeg) = dimensions(bytes, format)?;
    if width == 0 || height == 0 {
        return Err(ImageError::Corrupt("zero width or height".into()));
    }
    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(ImageError::TooManyPixels {
            width,
            height,
            limit: limits.max_pixels,
        });
    }
    let (orientation, taken_at) = read_exif(bytes);
    Ok(Probe {
        format,
        width,
        height,
        orientation,
        taken_at,
        jpeg,
    })
}

/// Orientation and takenAt from EXIF; a missing or broken EXIF block means
/// "as stored, undated", never an error.
fn read_exif(bytes: &[u8]) -> (Orientation, Option<OffsetDateTime>) {
    // Cameras write EXIF blocks with small defects (a stray next-IFD link, an
    // odd thumbnail): keep what parses rather than lose the date and orientation.
    let parsed = exif::Reader::new()
        .continue_on_error(true)
        .read_from_container(&mut Cursor::new(bytes))
        .or_else(|e| e.distill_partial_result(|_| {}));
    let Ok(exif) = parsed else {
        return (Orientation(1), None);
    };
    let orientation = exif
        .get_field(exif::Tag::Orientation, exif::In::PRIMARY)
        .and_then(|f| f.value.get_uint(0))
        .filter(|o| (1..=8).contains(o))
        .map_or(Orientation(1), |o| Orientation(o as u8));
    let ascii = |tag| match exif.get_field(tag, exif::In::PRIMARY).map(|f| &f.value) {
        Some(exif::Value::Ascii(v)) => v.first().cloned(),
        _ => None,
    };
    let taken_at = ascii(exif::Tag::DateTimeOriginal)
        .and_then(|dt| taken_at(&dt, ascii(exif::Tag::OffsetTimeOriginal).as_deref()));
    (orientation, taken_at)
}

/// `YYYY:MM:DD HH:MM:SS` with an optional `±HH:MM` offset; UTC when absent.
pub(crate) fn taken_at(datetime: &[u8], offset: Option<&[u8]>) -> Option<OffsetDateTime> {
    let mut dt = exif::DateTime::from_ascii(datetime).ok()?;
    let offset_minutes = offset.and_then(|o| {
        dt.parse_offset(o).ok()?;
        dt.offset
    });
    let date =
        Date::from_calendar_date(i32::from(dt.year), Month::try_from(dt.month).ok()?, dt.day)
            .ok()?;
    let time = Time::from_hms(dt.hour, dt.minute, dt.second).ok()?;
    let offset = UtcOffset::from_whole_seconds(i32::from(offset_minutes.unwrap_or(0)) * 60).ok()?;
    Some(
        PrimitiveDateTime::new(date, time)
            .assume_offset(offset)
            .to_offset(UtcOffset::UTC),
    )
}
