//! Test support for this crate's tests and for downstream crates (feature
//! `testing`): image fixtures, written once. Nothing here is used by the
//! service itself.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// What fills a generated image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// Every pixel this colour.
    Solid([u8; 3]),
    /// A pattern that varies across the image (so JPEG has detail to
    /// encode); `seed` makes different images of the same size.
    Gradient {
        /// Which of the patterns.
        seed: u8,
    },
}

impl Fill {
    fn pixel(self, x: usize, y: usize, width: usize) -> [u8; 3] {
        match self {
            Fill::Solid(rgb) => rgb,
            Fill::Gradient { seed } => [((x + y * width) % 251) as u8 ^ seed, (y % 256) as u8, 160],
        }
    }

    /// The RGB bytes of a `width` × `height` image.
    pub fn rgb(self, width: u16, height: u16) -> Vec<u8> {
        let (w, h) = (usize::from(width), usize::from(height));
        let mut out = Vec::with_capacity(w * h * 3);
        for y in 0..h {
            for x in 0..w {
                out.extend(self.pixel(x, y, w));
            }
        }
        out
    }
}

/// A baseline JPEG of interleaved RGB bytes at `quality`, with an optional
/// APP1 segment (an EXIF block: `b"Exif\0\0"` and a TIFF structure).
///
/// # Panics
/// When `rgb` does not hold `width × height × 3` bytes (a test's mistake).
pub fn jpeg_of(rgb: &[u8], width: u16, height: u16, quality: u8, app1: Option<&[u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality);
    if let Some(segment) = app1 {
        encoder
            .add_app_segment(1, segment)
            .unwrap_or_else(|e| panic!("APP1 segment: {e}"));
    }
    encoder
        .encode(rgb, width, height, jpeg_encoder::ColorType::Rgb)
        .unwrap_or_else(|e| panic!("encoding a {width}×{height} test JPEG: {e}"));
    out
}

/// A `width` × `height` JPEG (quality 90) filled with `fill`.
pub fn jpeg(width: u16, height: u16, fill: Fill) -> Vec<u8> {
    jpeg_of(&fill.rgb(width, height), width, height, 90, None)
}

/// `jpeg` with a comment segment (COM) no other call writes: the same
/// pixels, other bytes — what two photos of one scene are to duplicate
/// detection (SPEC §4). Decoders skip comments.
pub fn distinct(jpeg: &[u8]) -> Vec<u8> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let text = format!(
        "{}:{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let len = u16::try_from(text.len() + 2).unwrap_or(u16::MAX);
    let mut out = Vec::with_capacity(jpeg.len() + text.len() + 4);
    out.extend_from_slice(&jpeg[..2.min(jpeg.len())]); // SOI
    out.extend_from_slice(&[0xFF, 0xFE]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(text.as_bytes());
    out.extend_from_slice(&jpeg[2.min(jpeg.len())..]);
    out
}

/// A greyscale JPEG of one level.
pub fn grey_jpeg(width: u16, height: u16, level: u8) -> Vec<u8> {
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 90)
        .encode(
            &vec![level; usize::from(width) * usize::from(height)],
            width,
            height,
            jpeg_encoder::ColorType::Luma,
        )
        .unwrap_or_else(|e| panic!("encoding a test JPEG: {e}"));
    out
}

/// A PNG of `width` × `height` RGBA pixels given by `pixel(x, y)`.
pub fn png_rgba(width: u32, height: u32, pixel: impl Fn(u32, u32) -> [u8; 4]) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(width, height, |x, y| image::Rgba(pixel(x, y)));
    encode(
        &image::DynamicImage::ImageRgba8(img),
        image::ImageFormat::Png,
    )
}

/// The same pixels as a lossless WebP.
pub fn webp_rgba(width: u32, height: u32, pixel: impl Fn(u32, u32) -> [u8; 4]) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(width, height, |x, y| image::Rgba(pixel(x, y)));
    encode(
        &image::DynamicImage::ImageRgba8(img),
        image::ImageFormat::WebP,
    )
}

fn encode(img: &image::DynamicImage, format: image::ImageFormat) -> Vec<u8> {
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), format)
        .unwrap_or_else(|e| panic!("encoding a test {format:?}: {e}"));
    out
}

/// The system allocator, counting the bytes in use and their high-water
/// mark: what a test or a benchmark installs as its `#[global_allocator]` to
/// measure the heap one piece of work holds at its peak.
pub struct CountingAllocator {
    in_use: AtomicUsize,
    peak: AtomicUsize,
}

impl CountingAllocator {
    /// An allocator with nothing counted yet.
    pub const fn new() -> Self {
        Self {
            in_use: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
        }
    }

    /// The bytes allocated and not yet freed.
    pub fn in_use(&self) -> usize {
        self.in_use.load(Ordering::SeqCst)
    }

    /// Starts a new high-water mark at the bytes in use now, and returns them.
    pub fn restart_peak(&self) -> usize {
        let now = self.in_use();
        self.peak.store(now, Ordering::SeqCst);
        now
    }

    /// The most bytes in use at once since the last `restart_peak`.
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }
}

impl Default for CountingAllocator {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: every call is forwarded as is to the system allocator; the
// counters are only read, never trusted for memory safety.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let size = layout.size();
            let now = self.in_use.fetch_add(size, Ordering::SeqCst) + size;
            self.peak.fetch_max(now, Ordering::SeqCst);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) };
        self.in_use.fetch_sub(layout.size(), Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures_decode_to_their_size() {
        for (bytes, size) in [
            (jpeg(64, 48, Fill::Gradient { seed: 1 }), (64, 48)),
            (grey_jpeg(20, 10, 200), (20, 10)),
            (png_rgba(7, 5, |x, _| [x as u8, 0, 0, 255]), (7, 5)),
            (webp_rgba(9, 4, |_, _| [0, 0, 255, 255]), (9, 4)),
        ] {
            let img = image::load_from_memory(&bytes).unwrap();
            assert_eq!((img.width(), img.height()), size);
        }
    }
}
