//! The image pipeline: from an uploaded original to the thumbnails and the
//! watermarked copy (SPEC §5), safely on hostile files.
//!
//! One call decodes the original once, at the smallest JPEG DCT scale that
//! still covers the largest output ("shrink-on-load"), then resizes with SIMD
//! convolution (fast_image_resize, Lanczos3), applies the EXIF orientation to
//! the small result, and encodes without any metadata. Dimensions are read
//! from the header and checked against the limits before a pixel is decoded.

mod colour;
mod decode;
mod ops;
mod placeholder;
mod probe;
pub mod watermark;

use std::time::Instant;

use thiserror::Error;

use crate::domain::{FailureReason, PhotoMetadata};
pub use ops::{Huffman, RgbImage, encode_jpeg};
pub use placeholder::thumbhash;
pub use probe::{Format, JpegFrame, Probe, probe};

/// Hard limits applied before decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Width × height allowed (`MAX_IMAGE_PIXELS`), checked from the header.
    pub max_pixels: u64,
    /// File size allowed (`MAX_UPLOAD_BYTES`).
    pub max_bytes: u64,
}

/// Why an image cannot be processed. None of these is worth retrying.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ImageError {
    /// No bytes at all.
    #[error("the file is empty")]
    Empty,
    /// More bytes than allowed.
    #[error("the file is {bytes} bytes, above the limit of {limit}")]
    TooLarge {
        /// The file's size.
        bytes: u64,
        /// `MAX_UPLOAD_BYTES`.
        limit: u64,
    },
    /// Not a JPEG, PNG or WebP (by its magic bytes).
    #[error("not a JPEG, PNG or WebP image")]
    UnsupportedFormat,
    /// The header declares more pixels than allowed.
    #[error("{width}x{height} is more than the limit of {limit} pixels")]
    TooManyPixels {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
        /// `MAX_IMAGE_PIXELS`.
        limit: u64,
    },
    /// The decoder refused it (truncated, malformed), with its words.
    #[error("unreadable image: {0}")]
    Corrupt(String),
}

impl ImageError {
    /// The `failureReason` a photo gets for this error.
    pub fn reason(&self) -> FailureReason {
        match self {
            Self::Empty => FailureReason::EmptyFile,
            Self::TooLarge { .. } => FailureReason::TooLarge,
            Self::UnsupportedFormat => FailureReason::UnsupportedFormat,
            Self::TooManyPixels { .. } => FailureReason::TooManyPixels,
            Self::Corrupt(_) => FailureReason::UnreadableImage,
        }
    }
}

/// The small thumbnail's width (SPEC §5).
pub const THUMB_SMALL: u32 = 400;
/// The large thumbnail's width (SPEC §5).
pub const THUMB_LARGE: u32 = 800;
/// JPEG quality of the thumbnails (SPEC §5).
pub const THUMB_QUALITY: u8 = 80;
/// JPEG quality of the watermarked copy.
pub const WATERMARK_QUALITY: u8 = 85;
/// The watermarked copy is written with the standard Huffman tables: a
/// 2560 × 1707 copy took 49–63 ms to encode with tables fitted to it and
/// 27–34 ms with the standard ones (-45 %, ~12 % of a photo's render), for
/// 1.5–1.9 % more bytes. Thumbnails keep fitted tables: a gallery serves
/// them far more often, and at 0.4 MP the second pass costs ~2 ms.
pub const WATERMARK_HUFFMAN: Huffman = Huffman::Standard;

/// What to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderRequest {
    /// The 400 and 800 px thumbnails.
    pub thumbnails: bool,
    /// The watermarked copy, with its text and size.
    pub watermark: Option<WatermarkSpec>,
}

/// How the watermarked copy is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatermarkSpec {
    /// The text tiled over the image (the project's, or `WATERMARK_TEXT`).
    pub text: String,
    /// The copy's longer edge is at most this many pixels (never enlarged).
    pub max_edge: u32,
}

/// Milliseconds spent per step, for `media-cli pipeline run`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StepTimings {
    /// Reading the header (format, size, EXIF).
    pub probe_ms: f64,
    /// Decoding to RGB, orientation applied.
    pub decode_ms: f64,
    /// Resizing both thumbnails.
    pub thumbnails_ms: f64,
    /// Resizing the watermarked copy and drawing its text.
    pub watermark_ms: f64,
    /// Encoding the outputs as JPEG (all three).
    pub encode_ms: f64,
}

/// What [`render`] made: JPEG bytes with no metadata, each `None` when not asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// Oriented dimensions and `takenAt`.
    pub meta: PhotoMetadata,
    /// The 400 px thumbnail.
    pub thumb_small: Option<Vec<u8>>,
    /// The 800 px thumbnail.
    pub thumb_large: Option<Vec<u8>>,
    /// The watermarked copy.
    pub watermarked: Option<Vec<u8>>,
    /// The decoded image, oriented, kept for the built-in face engine when
    /// asked ([`render_keeping_faces`]).
    pub face_image: Option<FaceImage>,
    /// Where the time went.
    pub timings: StepTimings,
}

/// The oriented sRGB image the face step runs on: the pixels the pipeline
/// decoded (at the DCT scale it chose), and how to get back to the oriented
/// original's pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct FaceImage {
    /// Oriented, sRGB.
    pub image: RgbImage,
    /// The oriented original's width over this image's: a box found here
    /// times this is in the original's pixels.
    pub scale: f32,
}

/// The face step wants the oriented image with at least this long an edge
/// (never enlarged): the watermarked copy's default size, so the normal
/// path's one decode serves both. A face of 2 % of the long edge is then at
/// least 51 px for the engine (SPEC §7a).
pub const FACE_IMAGE_EDGE: u32 = 2560;

fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// Width-constrained thumbnail size: `width` wide (never enlarged), aspect kept.
pub fn thumbnail_size(width: u32, height: u32, target_width: u32) -> (u32, u32) {
    if width <= target_width {
        return (width, height);
    }
    let h = (f64::from(height) * f64::from(target_width) / f64::from(width)).round() as u32;
    (target_width, h.max(1))
}

/// Fit inside `max_edge` × `max_edge` (never enlarged), aspect kept.
pub fn fit_size(width: u32, height: u32, max_edge: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= max_edge {
        return (width, height);
    }
    let s = f64::from(max_edge) / f64::from(long);
    let w = (f64::from(width) * s).round() as u32;
    let h = (f64::from(height) * s).round() as u32;
    (w.clamp(1, max_edge), h.clamp(1, max_edge))
}

/// The largest output of `request` (and the face image, when `faces`) in
/// oriented pixels: what the decode must at least deliver.
fn needed(ow: u32, oh: u32, request: &RenderRequest, faces: bool) -> (u32, u32) {
    let mut need = (0u32, 0u32);
    if faces {
        need = fit_size(ow, oh, FACE_IMAGE_EDGE);
    }
    if request.thumbnails {
        need = thumbnail_size(ow, oh, THUMB_LARGE);
    }
    if let Some(wm) = &request.watermark {
        let fit = fit_size(ow, oh, wm.max_edge);
        need = (need.0.max(fit.0), need.1.max(fit.1));
    }
    need
}

/// An upper estimate of the bytes rendering `request` holds at its peak,
/// from the header alone: the decoded pixels (JPEG at the IDCT scale it
/// will use, plus its coefficients; PNG 4 bytes a pixel, compacted in place;
/// WebP 7), and the resized outputs. What the decode budget reserves.
pub fn decode_cost(info: &Probe, request: &RenderRequest) -> u64 {
    decode_cost_keeping(info, request, false)
}

/// [`decode_cost`] of [`render_keeping_faces`]: with `faces`, the decode
/// covers the face image too, and its oriented copy is held beside it.
pub fn decode_cost_keeping(info: &Probe, request: &RenderRequest, faces: bool) -> u64 {
    let (ow, oh) = info.oriented_size();
    let (nw, nh) = needed(ow, oh, request, faces);
    let (w, h) = (u64::from(info.width), u64::from(info.height));
    let stored_need = if info.orientation.swaps_axes() {
        (u64::from(nh), u64::from(nw))
    } else {
        (u64::from(nw), u64::from(nh))
    };
    let decoded = match info.format {
        probe::Format::Jpeg => {
            let scale = [8u64, 4, 2]
                .into_iter()
                .find(|s| w.div_ceil(*s) >= stored_need.0 && h.div_ceil(*s) >= stored_need.1)
                .unwrap_or(1);
            let frame = info.jpeg.unwrap_or(probe::JpegFrame {
                components: 3,
                progressive: false,
            });
            let components = u64::from(frame.components);
            // RGB out, and a grey or CMYK file's own samples beside it until
            // converted.
            let samples = match components {
                3 => 3,
                c => 3 + c,
            };
            // Coefficients, 2 bytes a sample: a progressive file keeps them
            // all, whatever the scale, and without knowing its subsampling
            // every component counts at full size (a 2400 × 1600 progressive
            // CMYK file peaked at 16 bytes a pixel, its outputs included).
            // A baseline file keeps the 2 bytes a pixel it was measured with.
            let coefficients = if frame.progressive { 2 * components } else { 2 };
            let rgb = w.div_ceil(scale) * h.div_ceil(scale) * 3;
            // The face image: the decoded pixels turned upright (a copy).
            let kept = if faces { rgb } else { 0 };
            w.div_ceil(scale) * h.div_ceil(scale) * samples + w * h * coefficients + kept
        }
        probe::Format::Png => w * h * (4 + if faces { 3 } else { 0 }),
        probe::Format::Webp => w * h * (7 + if faces { 3 } else { 0 }),
    };
    // Each output and its encoder's buffer.
    decoded + u64::from(nw) * u64::from(nh) * 6
}

/// Runs the pipeline on one original. CPU-bound: call it off the async runtime.
pub fn render(
    bytes: &[u8],
    request: &RenderRequest,
    limits: Limits,
) -> Result<Rendered, ImageError> {
    let t = Instant::now();
    let info = probe(bytes, limits)?;
    let probe_ms = ms_since(t);
    let mut rendered = render_probed(bytes, info, request, limits)?;
    rendered.timings.probe_ms = probe_ms;
    Ok(rendered)
}

/// [`render`] for a caller that already probed the header (the job does,
/// to reserve the decode budget): the header is not parsed twice.
pub fn render_probed(
    bytes: &[u8],
    info: Probe,
    request: &RenderRequest,
    limits: Limits,
) -> Result<Rendered, ImageError> {
    render_keeping(bytes, info, request, false, limits)
}

/// [`render_probed`] that also keeps the decoded image, oriented, for the
/// built-in face engine ([`Rendered::face_image`]): the normal path reads
/// and decodes an original once for its derivatives and its faces (SPEC §5).
/// With an empty `request`, a decode for the face step alone.
pub fn render_keeping_faces(
    bytes: &[u8],
    info: Probe,
    request: &RenderRequest,
    limits: Limits,
) -> Result<Rendered, ImageError> {
    render_keeping(bytes, info, request, true, limits)
}

/// The image the face step runs on, as the workers decode it for a
/// selfie or a `--step faces` reprocess: the header checked against
/// `limits`, an embedded ICC profile (RGB or CMYK) converted to sRGB,
/// oriented, at least [`FACE_IMAGE_EDGE`] (a JPEG decoded at the smallest
/// sufficient IDCT scale). For tools that must see what the service sees
/// (`media-cli faces run`).
pub fn face_image(bytes: &[u8], limits: Limits) -> Result<FaceImage, ImageError> {
    let info = probe(bytes, limits)?;
    let nothing = RenderRequest {
        thumbnails: false,
        watermark: None,
    };
    render_keeping_faces(bytes, info, &nothing, limits)?
        .face_image
        .ok_or(ImageError::Empty)
}

fn render_keeping(
    bytes: &[u8],
    info: Probe,
    request: &RenderRequest,
    faces: bool,
    limits: Limits,
) -> Result<Rendered, ImageError> {
    let mut timings = StepTimings {
        probe_ms: 0.0,
        ..StepTimings::default()
    };
    let (ow, oh) = info.oriented_size();
    let mut meta = PhotoMetadata {
        width: ow,
        height: oh,
        taken_at: info.taken_at,
        thumbhash: None,
    };

    // The largest output decides the decode scale (in oriented pixels).
    let need = needed(ow, oh, request, faces);
    if need == (0, 0) {
        return Ok(Rendered {
            meta,
            thumb_small: None,
            thumb_large: None,
            watermarked: None,
            face_image: None,
            timings,
        });
    }

    let t = Instant::now();
    let stored_need = if info.orientation.swaps_axes() {
        (need.1, need.0)
    } else {
        need
    };
    let decoded = decode::decode(bytes, &info, stored_need, limits)?;
    timings.decode_ms = ms_since(t);

    // The copy first: when it is at least as wide as the large thumbnail,
    // the thumbnails are made from it (a quarter to a third of the decoded
    // pixels to filter; a 12 MP phone file's thumbnails took 12–17 ms from the
    // decode).
    let t = Instant::now();
    let copy = match &request.watermark {
        Some(wm) => Some(ops::resize_oriented(
            &decoded,
            info.orientation,
            fit_size(ow, oh, wm.max_edge),
        )?),
        None => None,
    };
    timings.watermark_ms = ms_since(t);

    let t = Instant::now();
    let thumbs = if request.thumbnails {
        let large_size = thumbnail_size(ow, oh, THUMB_LARGE);
        let large = match &copy {
            Some(copy) if copy.width >= large_size.0 => {
                ops::resize(copy, large_size.0, large_size.1)?
            }
            _ => ops::resize_oriented(&decoded, info.orientation, large_size)?,
        };
        // The small thumbnail comes from the large one: half the work, same quality.
        let small_size = thumbnail_size(ow, oh, THUMB_SMALL);
        let small = ops::resize(&large, small_size.0, small_size.1)?;
        // From the 400 px thumbnail: what the client shows it in place of.
        meta.thumbhash = Some(placeholder::thumbhash(&small)?);
        Some((small, large))
    } else {
        None
    };
    timings.thumbnails_ms = ms_since(t);
    let face_image = if faces {
        let t = Instant::now();
        let image = ops::orient(decoded, info.orientation);
        timings.decode_ms += ms_since(t);
        let scale = ow as f32 / image.width.max(1) as f32;
        Some(FaceImage { image, scale })
    } else {
        drop(decoded);
        None
    };

    let t = Instant::now();
    let marked = match (copy, &request.watermark) {
        (Some(mut img), Some(wm)) => {
            watermark::overlay_text(&mut img, &wm.text);
            Some(img)
        }
        _ => None,
    };
    timings.watermark_ms += ms_since(t);

    let t = Instant::now();
    let (thumb_small, thumb_large) = match thumbs {
        Some((small, large)) => (
            Some(ops::encode_jpeg(&small, THUMB_QUALITY, Huffman::Optimized)?),
            Some(ops::encode_jpeg(&large, THUMB_QUALITY, Huffman::Optimized)?),
        ),
        None => (None, None),
    };
    let watermarked = match marked {
        Some(img) => Some(ops::encode_jpeg(
            &img,
            WATERMARK_QUALITY,
            WATERMARK_HUFFMAN,
        )?),
        None => None,
    };
    timings.encode_ms = ms_since(t);

    Ok(Rendered {
        meta,
        thumb_small,
        thumb_large,
        watermarked,
        face_image,
        timings,
    })
}

#[cfg(test)]
mod tests;
